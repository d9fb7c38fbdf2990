"""SVG snapshots of the main screens at the sizes we promise, on the fixed-seed sim market.

The state is built from the simulator's data (tests/ui/market.py), never from wall-clock
streaming, and the rate meter's clock is frozen, so every run draws the same screen.
Regenerate deliberately with `pytest tests/ui/test_snapshots.py --snapshot-update` and look.
"""

from __future__ import annotations

import pytest

from cryptotui.ui.app import CryptoTUI
from cryptotui.ui.widgets.chart import Chart
from tests.ui.conftest import frozen
from tests.ui.market import sim_state
from tests.ui.track_data import seed


def app(**kwargs) -> CryptoTUI:
    return frozen(CryptoTUI(sim_state(), None, **kwargs))


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_main_screen(snap_compare, size):
    assert snap_compare(app(), terminal_size=size)


def test_chart_maximised_with_bollinger_and_macd(snap_compare):
    async def setup(pilot) -> None:
        await pilot.pause()
        pilot.app.query_one(Chart).focus()
        await pilot.press("z", "b", "i", "plus")

    assert snap_compare(app(), run_before=setup, terminal_size=(160, 48))


def test_alert_detail(snap_compare):
    assert snap_compare(app(), press=["tab", "tab", "j", "j", "enter"], terminal_size=(160, 48))


def test_history(snap_compare, make_store):
    store = make_store(signals=150)

    async def setup(pilot) -> None:
        await pilot.pause()
        await pilot.press("f3")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app(store=store), run_before=setup, terminal_size=(160, 48))


def test_track_record(snap_compare, make_store):
    store = make_store()
    seed(store.writer())

    async def setup(pilot) -> None:
        await pilot.pause()
        await pilot.press("T")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app(store=store), run_before=setup, terminal_size=(160, 48))


def test_health(snap_compare, monkeypatch):
    monkeypatch.setattr("cryptotui.hotpath.describe", lambda why: "compiled (mypyc)")  # any build
    shot = app()
    h = shot.state.health
    h.db_path, h.db_bytes, h.db_rows = "/data/cryptotui.db", 48_213_504, 1_234_567
    assert snap_compare(shot, press=["f4"], terminal_size=(160, 48))
