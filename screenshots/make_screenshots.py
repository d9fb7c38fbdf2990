"""Write the README's SVG screenshots (Textual's own export) of each main screen.

    .venv/bin/python screenshots/make_screenshots.py

Every screen is drawn from the fixed-seed simulated market (`tests/ui/market.py`: seed 7,
2026-01-01T00:00Z, state built from the simulator's data, no streaming, frozen clock), so the
files only change when the UI does. The same screens are pinned by tests/ui/test_snapshots.py.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from textual.pilot import Pilot  # noqa: E402

from cryptotui.store.writer import Writer  # noqa: E402
from cryptotui.ui.app import CryptoTUI  # noqa: E402
from cryptotui.ui.services.store import UiStore  # noqa: E402
from cryptotui.ui.widgets.chart import Chart  # noqa: E402
from tests.ui.conftest import frozen, stored_signal  # noqa: E402
from tests.ui.market import sim_state  # noqa: E402

Setup = Callable[[Pilot], Awaitable[None]]


async def keys(pilot: Pilot, *pressed: str) -> None:
    await pilot.pause()
    await pilot.press(*pressed)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.2)


async def chart_full(pilot: Pilot) -> None:
    await pilot.pause()
    pilot.app.query_one(Chart).focus()
    await keys(pilot, "z", "b", "i", "plus")


SCREENS: list[tuple[str, tuple[int, int], Setup]] = [
    ("dashboard-160x48", (160, 48), lambda p: keys(p)),
    ("dashboard-80x24", (80, 24), lambda p: keys(p)),
    ("chart", (160, 48), chart_full),
    ("alert-detail", (160, 48), lambda p: keys(p, "tab", "tab", "j", "j", "enter")),
    ("history", (160, 48), lambda p: keys(p, "f3")),
    ("health", (160, 48), lambda p: keys(p, "f4")),
    ("search", (100, 30), lambda p: keys(p, "slash", "e", "t", "h")),
    ("help", (100, 40), lambda p: keys(p, "question_mark")),
    ("light", (160, 48), lambda p: keys(p, "t")),
]


async def shoot(name: str, size: tuple[int, int], setup: Setup, store: UiStore) -> Path:
    app = frozen(CryptoTUI(sim_state(), None, store=store))
    h = app.state.health  # what the feed reports while recording
    h.db_path, h.db_bytes, h.db_rows = (
        "~/.local/share/cryptotui/cryptotui.db",
        48_213_504,
        1_234_567,
    )
    async with app.run_test(size=size) as pilot:
        await setup(pilot)
        path = HERE / f"{name}.svg"
        app.save_screenshot(path.name, str(HERE))
    return path


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        writer = Writer(Path(tmp) / "screens.db", batch_seconds=0.01)
        writer.put_many([stored_signal(i) for i in range(150)])
        writer.flush(5)
        store = UiStore(writer.path, lambda: writer)
        try:
            for name, size, setup in SCREENS:
                print(await shoot(name, size, setup, store))
        finally:
            writer.close()
            store.close()


if __name__ == "__main__":
    asyncio.run(main())
