"""The simulator in its own process (`python -m cryptotui.sim`), as the benchmarks run it.

Sharing the measured process's interpreter would put the simulator's frame generation on the
same loop (or GIL) as the feed, and count its CPU as ours.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from cryptotui.feed import Endpoints

T0 = 1_767_225_600_000
"""The simulated market's start (2026-01-01 UTC): every run sees the same market."""


@asynccontextmanager
async def sim_process(
    symbols: Sequence[str], speed: float, seed: int = 7
) -> AsyncIterator[Endpoints]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "cryptotui.sim", "--port", "0", "--speed", str(speed),
         "--seed", str(seed), "--symbols", ",".join(symbols), "--start-time-ms", str(T0)],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        line = await asyncio.to_thread(proc.stdout.readline)  # type: ignore[union-attr]
        rest = line.split("rest=")[1].split()[0]
        ws = line.split("ws=")[1].split()[0]
        yield Endpoints(rest, ws, "sim")
    finally:
        proc.terminate()
        proc.wait(10)
