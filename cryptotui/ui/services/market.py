"""The UI's requests to the feed: which symbols to watch, in what order, and chart history.

Every request runs as a coroutine on the feed's loop (`FeedRunner.submit`: the feed's thread,
or its process), so the feed stays the only writer of `MarketState`. Requests made before the
feed is up (the UI starts first) are queued and sent by `pump`, which the app calls on its
snapshot timer. Without a feed at all (tests, screenshots) the edits apply to the state
directly: nothing else writes it then.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cryptotui.binance.errors import ExchangeError
from cryptotui.feed import Feed
from cryptotui.state import MarketState
from cryptotui.ui.feed_thread import FeedRunner, Request

HISTORY_LIMIT = 500
"""Candles fetched when a chart opens (REST weight 2; Binance allows up to 1000)."""
SPARK_INTERVAL = "1m"
SPARK_POINTS = 60
"""The watchlist sparkline: the last hour of 1-minute closes."""


class MarketLink:
    def __init__(self, state: MarketState, thread: FeedRunner | None) -> None:
        self.state = state
        self.thread = thread
        self._queue: list[tuple[Request[Any], tuple]] = []
        self._requested: set[tuple[str, str]] = set()

    @property
    def ready(self) -> bool:
        """The feed has started: exchangeInfo is in or a connection exists."""
        return (
            self.thread is not None
            and self.thread.running
            and bool(self.state.info or self.state.conns)
        )

    def pump(self) -> None:
        """Send queued requests once the feed is up (called on the UI's snapshot timer)."""
        if self._queue and self.ready:
            queue, self._queue = self._queue, []
            for request, args in queue:
                self._send(request, *args)

    def _send(self, request: Request[Any], *args: Any) -> None:
        if self.thread is None:
            return
        if not self.ready or self.thread.submit(request, *args) is None:
            self._queue.append((request, args))

    # ------------------------------------------------------------------ watchlist

    def set_symbols(self, symbols: Sequence[str]) -> None:
        """Watch exactly `symbols`, in this order: add, remove, reorder and switch lists.

        Symbols the exchange does not list are dropped by the feed with a notice."""
        wanted = list(dict.fromkeys(s.upper() for s in symbols))
        if self.thread is None:
            self.state.symbols = wanted
            return
        self._send(_watch_only, wanted)

    # ------------------------------------------------------------------ history

    def load_history(self, symbol: str, interval: str, limit: int = HISTORY_LIMIT) -> None:
        """Fetch closed candles of (symbol, interval) once per session and stream it live."""
        if (symbol, interval) in self._requested or self.thread is None:
            return
        self._requested.add((symbol, interval))
        self._send(_history, symbol, interval, limit)

    def load_sparklines(self) -> None:
        """The last hour of 1m candles for every watched symbol (the watchlist sparklines)."""
        if self.thread is not None:
            self._send(_sparklines)


# The requests: run on the feed's loop, in whichever thread or process runs it.


async def _watch_only(feed: Feed, symbols: list[str]) -> None:
    await feed.set_symbols(symbols)
    await _sparklines(feed)


async def _sparklines(feed: Feed) -> None:
    if SPARK_INTERVAL in feed.intervals:
        return  # the feed warms up and streams its own intervals
    for sym in list(feed.state.symbols):
        await _history(feed, sym, SPARK_INTERVAL, SPARK_POINTS * 2)


async def _history(feed: Feed, symbol: str, interval: str, limit: int) -> None:
    """Fetch unless the state already holds most of it (a stream running since long ago, or an
    earlier, larger request)."""
    have = feed.state.candles.get((symbol, interval))
    if have is not None and len(have) >= limit // 2:
        return
    try:
        await feed.load_candles(symbol, interval, limit)
    except ExchangeError as exc:
        feed.notice("warning", f"history of {symbol} {interval} unavailable: {exc}")
