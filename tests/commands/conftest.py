"""Command-line test fixtures: the simulator on a thread of its own."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from cryptotui.sim import SimExchange


@contextmanager
def threaded_sim(**options) -> Iterator[SimExchange]:
    """A simulator serving from its own thread and loop, for commands that run `asyncio.run`."""
    ready = threading.Event()
    holder: dict = {}

    def serve() -> None:
        async def main() -> None:
            async with SimExchange(**options) as sim:
                holder["sim"], holder["stop"] = sim, asyncio.Event()
                holder["loop"] = asyncio.get_running_loop()
                ready.set()
                await holder["stop"].wait()

        asyncio.run(main())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield holder["sim"]
    finally:
        holder["loop"].call_soon_threadsafe(holder["stop"].set)
        thread.join(10)


@pytest.fixture
def sim_thread() -> Iterator[SimExchange]:
    """BTCUSDT and ETHUSDT, frozen at the current time."""
    with threaded_sim(symbols=["BTCUSDT", "ETHUSDT"], seed=7, speed=0) as sim:
        yield sim
