"""Market overview from every symbol's 24 h ticker (`!miniTicker@arr`, or REST for one-shots):
top gainers and losers, volume leaders, breadth, and the popular pairs.

Pure functions over tickers, shared by the TUI pane and `cryptotui movers`.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cryptotui.models import SymbolInfo, Ticker

POPULAR: tuple[str, ...] = (
    "BTCUSDT",
    "ETHUSDT",
    "BNBUSDT",
    "SOLUSDT",
    "XRPUSDT",
    "DOGEUSDT",
    "ADAUSDT",
    "TRXUSDT",
    "AVAXUSDT",
    "LINKUSDT",
    "TONUSDT",
    "DOTUSDT",
)
"""The default list for a new watchlist and the overview's "popular" column: the largest
spot USDT pairs by market value."""

MIN_QUOTE_VOLUME = 10_000.0
"""Movers below this 24 h quote volume are ignored: a dead pair's +300 % is noise."""


@dataclass(slots=True, frozen=True)
class Overview:
    gainers: tuple[Ticker, ...]
    losers: tuple[Ticker, ...]
    volume: tuple[Ticker, ...]
    popular: tuple[Ticker, ...]
    up: int
    down: int
    total: int
    quote: str

    @property
    def breadth(self) -> float | None:
        """Share of the pairs that are up over 24 h (None with no pairs)."""
        return self.up / self.total if self.total else None


def _change(t: Ticker) -> float:
    return t.change_pct


def overview(
    tickers: Iterable[Ticker],
    info: Mapping[str, SymbolInfo],
    *,
    quote: str = "USDT",
    n: int = 10,
    min_quote_volume: float = MIN_QUOTE_VOLUME,
    popular: Iterable[str] = POPULAR,
) -> Overview:
    """Movers among the pairs quoted in `quote` ("" for every pair).

    Without exchangeInfo (`info` empty) a symbol's quote is recognised by its suffix. Halted
    symbols (per exchangeInfo) and pairs without a last price are left out.
    """
    pairs = []
    for t in tickers:
        if t.window != "24h" or t.last <= 0:
            continue
        si = info.get(t.symbol)
        if si is not None and not si.trading:
            continue
        if quote and (si.quote_asset != quote if si is not None else not t.symbol.endswith(quote)):
            continue
        pairs.append(t)
    liquid = [t for t in pairs if t.quote_volume >= min_quote_volume]
    by_symbol = {t.symbol: t for t in pairs}
    return Overview(
        gainers=tuple(heapq.nlargest(n, (t for t in liquid if t.last > t.open), key=_change)),
        losers=tuple(heapq.nsmallest(n, (t for t in liquid if t.last < t.open), key=_change)),
        volume=tuple(heapq.nlargest(n, pairs, key=lambda t: t.quote_volume)),
        popular=tuple(by_symbol[s] for s in popular if s in by_symbol),
        up=sum(t.last > t.open for t in pairs),
        down=sum(t.last < t.open for t in pairs),
        total=len(pairs),
        quote=quote,
    )
