"""Start the TUI: the store, the watchlists it restores, a MarketState, the feed in its own
thread, and the app that renders them.

Live, the app records to the configured database (closed candles, signals, alerts) and keeps
its named watchlists there. `--demo` records to a throwaway database instead, so simulated
prices never mix with real history; everything else runs the same.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager, suppress
from dataclasses import replace
from pathlib import Path

from cryptotui.config import Config
from cryptotui.feed import Endpoints, Feed, feed_factory, serve
from cryptotui.models import Notice
from cryptotui.sources import SIMULATED
from cryptotui.state import MarketState
from cryptotui.ui.app import CryptoTUI
from cryptotui.ui.feed_thread import FeedThread
from cryptotui.ui.services.store import UiStore, default_ui_state_path
from cryptotui.ui.services.watchlists import Watchlists


def run_tui(
    config: Config,
    symbols: Sequence[str],
    intervals: Sequence[str],
    source: AbstractAsyncContextManager[Endpoints],
    label: str,
    *,
    db: Path | None = None,
) -> int:
    """`db` is the --db flag (overrides `[store] path`)."""
    from cryptotui.store import StoreError, store_config
    from cryptotui.store.live import keep_pruned, open_writer

    state = MarketState([])
    settings = store_config(config, db)
    scratch = Path(tempfile.mkdtemp(prefix="cryptotui-demo-")) if label == SIMULATED else None
    if scratch is not None:
        settings = replace(settings, path=scratch / "demo.db", retention_days={})
    writer = store = None

    def problem(text: str) -> None:
        # Called on the writer's thread: a deque append is atomic, the status bar shows it.
        state.notices.append(Notice("warning", text, "store"))

    if settings.enabled:
        try:
            writer = open_writer(settings, on_problem=problem)
            ui_state = default_ui_state_path() if scratch is None else None
            store = UiStore(settings.path, writer, ui_state_path=ui_state)
        except StoreError as exc:
            problem(f"not recording history: {exc}")
    lists = Watchlists(store, symbols)
    state.symbols = list(lists.symbols)
    make = feed_factory(config, lists.symbols, intervals, state=state, overview=True)

    def build(endpoints: Endpoints) -> Feed:
        feed = make(endpoints)
        if writer is not None:
            feed.consumers.append(writer)
        return thread.attach(feed)

    async def feed_main(stop: asyncio.Event) -> None:
        prune = None
        if writer is not None and scratch is None:
            prune = asyncio.create_task(keep_pruned(settings, on_problem=problem))
        try:
            await serve(source, build, stop)
        finally:
            if prune is not None:
                prune.cancel()
                with suppress(asyncio.CancelledError):
                    await prune

    thread = FeedThread(feed_main)
    app = CryptoTUI(
        state, thread, source_label=label, intervals=intervals, store=store, lists=lists
    )
    try:
        app.run()
    finally:
        if writer is not None:
            writer.close()
        if store is not None:
            store.close()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0
