"""`run_tui` wiring end to end against the simulator: the store records what streams, watchlists
are saved and restored, `--symbols` (restore=False) leaves the saved lists alone, and the demo
writes to a throwaway database."""

from __future__ import annotations

import asyncio
import os
import pty
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

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
    source = simulated(config)
    assert launch.run_tui(config, SYMBOLS, ["1m"], source, "Binance") == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM candles").fetchone()[0] > 0
        lists = conn.execute("SELECT name, symbol FROM watchlists ORDER BY name, position")
        assert lists.fetchall() == [("default", "BTCUSDT"), ("default", "ETHUSDT"),
                                    ("second", "ETHUSDT")]  # fmt: skip

    async def second(app, pilot) -> None:
        await pilot.pause()

    apps = drive(monkeypatch, second)
    launch.run_tui(config, ["SOLUSDT"], ["1m"], simulated(config), "Binance")
    assert apps[0].lists.active == "second" and apps[0].state.symbols == ["ETHUSDT"]
    source = simulated(config)
    launch.run_tui(config, ["SOLUSDT"], ["1m"], source, "Binance", restore=False)
    assert apps[1].lists.names == ["default"] and apps[1].state.symbols == ["SOLUSDT"]


def test_demo_records_to_a_throwaway_database(tmp_path, monkeypatch):
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[store]\npath = "{tmp_path / "real.db"}"\n')
    config = load_config(cfg, env={})
    monkeypatch.setattr(launch, "default_demo_lists_path", lambda: tmp_path / "demo-lists.json")
    seen = []

    async def session(app, pilot) -> None:
        seen.append(app.store.path)

    drive(monkeypatch, session)
    launch.run_tui(config, SYMBOLS, ["1m"], simulated(config), SIMULATED)
    assert seen[0].name == "demo.db" and not seen[0].exists()  # removed at exit
    assert not (tmp_path / "real.db").exists()


def test_watchlists_made_in_the_demo_come_back_in_the_next_demo(tmp_path, monkeypatch):
    """The demo's database goes at exit; its watchlists are kept in a file of their own (and
    never reach the real database, whose lists are the live market's)."""
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[demo]\nspeed = 20.0\n[store]\npath = "{tmp_path / "real.db"}"\n')
    config = load_config(cfg, env={})
    kept = tmp_path / "data" / "demo-watchlists.json"
    monkeypatch.setattr(launch, "default_demo_lists_path", lambda: kept)

    async def first(app, pilot) -> None:
        app.lists.create("mine", ["ETHUSDT", "SOLUSDT"])
        app._apply_lists()

    drive(monkeypatch, first)
    launch.run_tui(config, SYMBOLS, ["1m"], simulated(config), SIMULATED)
    assert kept.exists() and not (tmp_path / "real.db").exists()

    async def second(app, pilot) -> None:
        await pilot.pause()

    apps = drive(monkeypatch, second)
    launch.run_tui(config, SYMBOLS, ["1m"], simulated(config), SIMULATED)
    lists = apps[0].lists
    assert lists.active == "mine" and lists.names == ["default", "mine"]
    assert lists.symbols == ["ETHUSDT", "SOLUSDT"] and apps[0].state.symbols == lists.symbols


class Terminal:
    """`cryptotui --demo` on a real pseudo-terminal, its output drained in the background (a
    full pty would block the app)."""

    def __init__(self, tmp_path: Path) -> None:
        config = tmp_path / "config.toml"
        config.write_text("")
        env = {k: v for k, v in os.environ.items() if not k.startswith("CRYPTOTUI_")}
        env |= {"TMPDIR": str(tmp_path), "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cryptotui", "--config", str(config), "--demo",
             "--symbols", "BTCUSDT"],
            stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
        )  # fmt: skip
        os.close(slave)
        self.screen = bytearray()
        self._drain = threading.Thread(target=self._read, daemon=True)
        self._drain.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # closed, or the app is gone
                return
            if not chunk:
                return
            self.screen += chunk

    def close(self) -> None:
        """What closing the terminal window does: the pty goes away, then SIGHUP."""
        os.close(self.master)
        self.master = -1
        self.proc.send_signal(signal.SIGHUP)

    def release(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.master >= 0:
            os.close(self.master)

    def wait(self) -> int:
        """The exit code; all the app wrote has been read by then."""
        code = self.proc.wait(timeout=30)
        self._drain.join(timeout=5)
        return code


@pytest.mark.parametrize("how", ["terminal closed (SIGHUP)", "SIGTERM"])
def test_a_demo_ended_by_a_signal_quits_like_q_and_removes_its_database(tmp_path, how):
    term = Terminal(tmp_path)
    try:
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob("cryptotui-demo-*/demo.db")) or b"BTC" not in term.screen:
            assert term.proc.poll() is None, bytes(term.screen).decode(errors="replace")[-2000:]
            assert time.monotonic() < deadline, "the demo did not start"
            time.sleep(0.1)
        if how == "SIGTERM":
            term.proc.send_signal(signal.SIGTERM)
        else:
            term.close()
        assert term.wait() == 0
    finally:
        term.release()
    assert list(tmp_path.glob("cryptotui-demo-*")) == []
    if how == "SIGTERM":  # the terminal is still there: it is given back as it was
        assert b"\x1b[?1049l" in term.screen  # left the alternate screen


def test_the_command_line_tui_says_what_runs_and_offers_reload_configuration(tmp_path, monkeypatch):
    """`cryptotui --demo` says at start which detectors run and when the first candles close;
    it hands the TUI its reload hook: the palette's "Reload configuration" re-reads the file
    the command line named and applies its new rule."""
    from cryptotui.commands import main

    for name in [n for n in os.environ if n.startswith("CRYPTOTUI_")]:
        monkeypatch.delenv(name)
    cfg = tmp_path / "config.toml"
    cfg.write_text("[demo]\nspeed = 20.0\n")
    said: list[str] = []
    # Every toast from the app's start on: the feed (a child process) may announce itself
    # before the session below gets control.
    show = CryptoTUI.notify

    def notify(app: CryptoTUI, message, **kw) -> None:
        said.append(str(message))
        show(app, message, **kw)

    monkeypatch.setattr(CryptoTUI, "notify", notify)

    async def session(app, pilot) -> None:
        await until(lambda: app.feed_thread.running, timeout=30, what="the feed")
        await until(lambda: any("first candles close" in s for s in said), what="the intro")
        (intro,) = [s for s in said if "first candles close" in s]
        assert "detectors: candlestick, volume_spike" in intro and "at 20× speed: 1m at " in intro
        cfg.write_text(
            '[demo]\nspeed = 20.0\n[alerts]\nrules = [{ name = "btc-up", when = "price > 1", '
            'symbols = ["BTCUSDT"] }]\n'
        )
        await pilot.press("ctrl+p", *"reload config")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(lambda: any("reloaded: 1 alert rule" in s for s in said), what="reloaded")

    drive(monkeypatch, session)
    assert main(["--config", str(cfg), "--demo", "--symbols", "BTCUSDT"]) == 0
    assert any("reloaded: 1 alert rule" in s for s in said)
