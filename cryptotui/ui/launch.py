"""Start the TUI: the store, the watchlists it restores, a MarketState, the feed in its own
process (`feed_process`: the app's state mirrors the feed's), and the app that renders them.

Live, the feed records to the configured database (closed candles, signals, alerts; its one
writer also saves the named watchlists) and the app reads it for the history browser. `--demo`
and `--replay` without `--db` record to a throwaway database, so simulated or replayed prices
never mix with real history while every pane still works; everything else runs the same.
"""

from __future__ import annotations

import asyncio
import gc
import shutil
import signal
import tempfile
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from pathlib import Path

from cryptotui.alerts.rules_file import RulesFile
from cryptotui.config import Config
from cryptotui.feed import Endpoints, feed_factory
from cryptotui.models import Notice
from cryptotui.sources import REPLAY, SIMULATED
from cryptotui.state import MarketState
from cryptotui.ui.app import CryptoTUI
from cryptotui.ui.feed_process import FeedProcess, RemoteWriter
from cryptotui.ui.services.demo_lists import DemoLists, default_demo_lists_path
from cryptotui.ui.services.store import UiStore, default_ui_state_path
from cryptotui.ui.services.watchlists import Watchlists

QUIT_SIGNALS = (signal.SIGHUP, signal.SIGTERM)
"""Signals that end the TUI like `q` does (see `run_tui`)."""

GC_THRESHOLDS = (10_000, 50, 100)
"""Young collections every 10 000 allocations instead of 700 (≤ 12 ms each, measured), older
generations far more rarely; chosen over (50 000, 20, 100), whose young collections took
up to 25 ms, with `python -m benchmarks ui`."""


def calm_gc() -> None:
    """Keep the garbage collector from stalling frames.

    With thousands of candles and tickers alive, Python's default thresholds run a full
    collection every few seconds at 100× sim speed, 40–250 ms each (`python -m benchmarks
    ui`), during which neither the UI nor the feed runs: a visible freeze and a late frame.
    Everything alive at start-up (modules, classes, config) is moved out of the collector's
    sight (`gc.freeze`) and collections are made rarer; the feed's objects are mostly
    acyclic and freed by reference counting anyway.
    """
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def run_tui(
    config: Config,
    symbols: Sequence[str],
    intervals: Sequence[str],
    source: AbstractAsyncContextManager[Endpoints],
    label: str,
    *,
    db: Path | None = None,
    restore: bool = True,
    reload_config: Callable[[], Config] | None = None,
    trades: bool | None = None,
    config_file: Path | None = None,
) -> int:
    """`db` is the --db flag (overrides `[store] path`). With `restore` the named watchlists
    saved in the database come back (the active one is watched; `symbols` only seed the
    first list ever); without it (`--symbols` given) exactly `symbols` are watched for this
    session and the saved lists are left as they are. `reload_config` re-reads the
    configuration for the "Reload configuration" command and after an alert rule is saved into
    `config_file` (the user's config file) by the Rules view. `trades` forces the aggTrade
    streams on or off (a replay has them if it recorded them)."""
    from cryptotui.store import StoreError, store_config

    state = MarketState([])
    settings = store_config(config, db)
    scratch = store = app = None

    def on_signal(signum: int, _frame: object) -> None:
        """SIGHUP (the terminal was closed) and SIGTERM (`kill`) quit like `q`: the feed stops,
        the store is flushed and a demo's throwaway database removed. Their default action
        would end the process on the spot, none of that done."""
        try:
            loop = asyncio.get_running_loop()  # the app's, on this (the main) thread
        except RuntimeError:
            loop = None
        if app is None or loop is None:  # not running yet: unwind through the clean-up
            raise SystemExit(128 + signum)
        loop.call_soon_threadsafe(app.exit)

    previous = {sig: signal.signal(sig, on_signal) for sig in QUIT_SIGNALS}
    try:
        if label in (SIMULATED, REPLAY) and db is None:
            scratch = Path(tempfile.mkdtemp(prefix="cryptotui-demo-"))
            settings = replace(settings, path=scratch / "demo.db", retention_days={})

        feed: FeedProcess | None = None

        def writer() -> RemoteWriter | None:
            """The feed's writer, once its process has opened the store."""
            if feed is None or not feed.running or not state.health.db_path:
                return None
            return RemoteWriter(feed)

        if settings.enabled:
            try:
                store = UiStore(
                    settings.path,
                    writer,
                    ui_state_path=default_ui_state_path() if scratch is None else None,
                )
            except StoreError as exc:
                state.apply(Notice("warning", f"history not recorded: {exc}", "store"))
        # The demo's database is thrown away at exit; its lists are kept in a file of their own.
        keeper = DemoLists(default_demo_lists_path()) if scratch is not None else store
        lists = Watchlists(keeper if restore else None, symbols)
        state.symbols = list(lists.symbols)
        make = feed_factory(
            config,
            lists.symbols,
            intervals,
            state=state,
            overview=True,
            store=settings if store is not None else None,
            trades=trades,
        )
        feed = FeedProcess(source, make, state)

        app = CryptoTUI(
            state,
            feed,
            source_label=label,
            intervals=intervals,
            store=store,
            lists=lists,
            reload_config=reload_config,
            portfolio=config.portfolio,
            rules_file=RulesFile(config_file) if config_file is not None else None,
        )
        calm_gc()
        feed.start()  # forked now, before the app starts its threads (the app's start: no-op)
        app.run()
    finally:
        for sig in QUIT_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)  # a second signal must not cut the clean-up short
        if store is not None:
            store.close()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
