"""Start the TUI: a MarketState, the feed in its own thread, and the app that renders it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager

from cryptotui.config import Config
from cryptotui.feed import Endpoints, feed_factory, serve
from cryptotui.state import MarketState
from cryptotui.store.settings import StoreConfig
from cryptotui.ui.app import CryptoTUI


def run_tui(
    config: Config,
    symbols: Sequence[str],
    intervals: Sequence[str],
    source: AbstractAsyncContextManager[Endpoints],
    label: str,
    store: StoreConfig | None = None,
) -> int:
    state = MarketState(list(symbols))
    make = feed_factory(config, symbols, intervals, state=state, overview=True, store=store)

    async def feed_main(stop: asyncio.Event) -> None:
        await serve(source, make, stop)

    CryptoTUI(state, feed_main, source_label=label).run()
    return 0
