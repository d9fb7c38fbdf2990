"""The UI's requests to the feed: which symbols to watch, in what order, and chart history.

Every request runs as a coroutine on the feed's loop (`FeedThread.submit`), so the feed stays
the only writer of `MarketState`. Requests made before the feed is up (the UI starts first)
are queued and sent by `pump`, which the app calls on its snapshot timer. Without a feed at all
(tests, screenshots) the edits apply to the state directly: nothing else writes it then.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from cryptotui.binance.errors import ExchangeError
from cryptotui.feed import Feed
from cryptotui.state import MarketState
from cryptotui.ui.feed_thread import FeedThread

Request = Callable[[Feed], Coroutine[Any, Any, Any]]

HISTORY_LIMIT = 500
"""Candles fetched when a chart opens (REST weight 2; Binance allows up to 1000)."""
SPARK_INTERVAL = "1m"
SPARK_POINTS = 60
"""The watchlist sparkline: the last hour of 1-minute closes."""


class MarketLink:
    def __init__(self, state: MarketState, thread: FeedThread | None) -> None:
        self.state = state
        self.thread = thread
        self._queue: list[Request] = []
        self._requested: set[tuple[str, str]] = set()
        self._lock: asyncio.Lock | None = None
        """Serialises watchlist edits on the feed loop (a watch awaits a REST call)."""

    @property
    def ready(self) -> bool:
        """The feed has started: exchangeInfo is in or a connection exists."""
        return (
            self.thread is not None
            and self.thread.feed is not None
            and bool(self.state.info or self.state.conns)
        )

    def pump(self) -> None:
        """Send queued requests once the feed is up (called on the UI's snapshot timer)."""
        if self._queue and self.ready:
            queue, self._queue = self._queue, []
            for request in queue:
                self._send(request)

    def _send(self, request: Request) -> None:
        if self.thread is None:
            return
        if not self.ready or self.thread.submit(request) is None:
            self._queue.append(request)

    # ------------------------------------------------------------------ watchlist

    def set_symbols(self, symbols: Sequence[str]) -> None:
        """Watch exactly `symbols`, in this order: add, remove, reorder and switch lists.

        Symbols the exchange does not list are dropped by the feed with a notice."""
        wanted = list(dict.fromkeys(s.upper() for s in symbols))
        if self.thread is None:
            self.state.symbols = wanted
            return

        async def apply(feed: Feed) -> None:
            if self._lock is None:
                self._lock = asyncio.Lock()
            async with self._lock:
                for sym in [s for s in feed.state.symbols if s not in wanted]:
                    await feed.unwatch(sym)
                for sym in wanted:
                    if sym not in feed.state.symbols:
                        await feed.watch(sym)
                have = set(feed.state.symbols)
                feed.state.symbols = [s for s in wanted if s in have]
            await self._sparklines(feed)

        self._send(apply)

    # ------------------------------------------------------------------ history

    def load_history(self, symbol: str, interval: str, limit: int = HISTORY_LIMIT) -> None:
        """Fetch closed candles of (symbol, interval) once per session and stream it live."""
        if (symbol, interval) in self._requested or self.thread is None:
            return
        self._requested.add((symbol, interval))

        async def load(feed: Feed) -> None:
            await self._history(feed, symbol, interval, limit)

        self._send(load)

    def load_sparklines(self) -> None:
        """The last hour of 1m candles for every watched symbol (the watchlist sparklines)."""
        if self.thread is not None:
            self._send(self._sparklines)

    async def _sparklines(self, feed: Feed) -> None:
        if SPARK_INTERVAL in feed.intervals:
            return  # the feed warms up and streams its own intervals
        for sym in list(feed.state.symbols):
            await self._history(feed, sym, SPARK_INTERVAL, SPARK_POINTS * 2)

    @staticmethod
    async def _history(feed: Feed, symbol: str, interval: str, limit: int) -> None:
        """Fetch unless the state already holds most of it (a stream running since long ago,
        or an earlier, larger request)."""
        have = feed.state.candles.get((symbol, interval))
        if have is not None and len(have) >= limit // 2:
            return
        try:
            await feed.load_candles(symbol, interval, limit)
        except ExchangeError as exc:
            feed.notice("warning", f"history of {symbol} {interval} unavailable: {exc}")
