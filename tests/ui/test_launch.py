"""`run_tui` wiring end to end against the simulator: the store records what streams, watchlists
are saved and restored, `--symbols` (restore=False) leaves the saved lists alone, and the demo
writes to a throwaway database."""

from __future__ import annotations

import asyncio
import sqlite3

from cryptotui.config import load_config
from cryptotui.sources import SIMULATED, simulated
from cryptotui.ui import launch
from cryptotui.ui.app import CryptoTUI
from tests.conftest import until

SYMBOLS = ["BTCUSDT", "ETHUSDT"]


def drive(monkeypatch, session) -> list[CryptoTUI]:
    """Make `CryptoTUI.run` drive the app headless through `session(app, pilot)`."""
    apps: list[CryptoTUI] = []

    def run(self: CryptoTUI) -> None:
        async def go() -> None:
            async with self.run_test(size=(120, 40)) as pilot:
                apps.append(self)
                await session(self, pilot)

        asyncio.run(go())

    monkeypatch.setattr(CryptoTUI, "run", run)
    monkeypatch.setattr(launch, "calm_gc", lambda: None)  # process-wide: not in a test run
    return apps


def test_live_run_records_and_restores_watchlists(tmp_path, monkeypatch):
    db = tmp_path / "store.db"
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[demo]\nspeed = 60.0\n[store]\npath = "{db}"\n')
    config = load_config(cfg, env={})
    monkeypatch.setattr(launch, "default_ui_state_path", lambda: tmp_path / "ui.json")

    async def first(app, pilot) -> None:
        await until(lambda: all(r.version for r in app.state.rows()), timeout=15, what="prices")
        app.lists.create("second", ["ETHUSDT"])
        app._apply_lists()
        await until(lambda: app.state.symbols == ["ETHUSDT"], what="the switch")
        await until(lambda: app.state.health.db_rows > 0, timeout=15, what="rows recorded")

    apps = drive(monkeypatch, first)
    source = simulated(config, [*SYMBOLS, "SOLUSDT"])
    assert launch.run_tui(config, SYMBOLS, ["1m"], source, "Binance") == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM candles").fetchone()[0] > 0
        lists = conn.execute("SELECT name, symbol FROM watchlists ORDER BY name, position")
        assert lists.fetchall() == [("default", "BTCUSDT"), ("default", "ETHUSDT"),
                                    ("second", "ETHUSDT")]  # fmt: skip

    async def second(app, pilot) -> None:
        await pilot.pause()

    apps = drive(monkeypatch, second)
    launch.run_tui(config, ["SOLUSDT"], ["1m"], simulated(config, SYMBOLS), "Binance")
    assert apps[0].lists.active == "second" and apps[0].state.symbols == ["ETHUSDT"]
    source = simulated(config, [*SYMBOLS, "SOLUSDT"])
    launch.run_tui(config, ["SOLUSDT"], ["1m"], source, "Binance", restore=False)
    assert apps[1].lists.names == ["default"] and apps[1].state.symbols == ["SOLUSDT"]


def test_demo_records_to_a_throwaway_database(tmp_path, monkeypatch):
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[store]\npath = "{tmp_path / "real.db"}"\n')
    config = load_config(cfg, env={})
    seen = []

    async def session(app, pilot) -> None:
        seen.append(app.store.path)

    drive(monkeypatch, session)
    launch.run_tui(config, SYMBOLS, ["1m"], simulated(config, SYMBOLS), SIMULATED)
    assert seen[0].name == "demo.db" and not seen[0].exists()  # removed at exit
    assert not (tmp_path / "real.db").exists()
