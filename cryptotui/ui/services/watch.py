"""Watchlist rows as the pane shows them: the state's `Row` plus the last hour as sparkline
points, the live RSI of the selected interval, and the position held in the symbol's base
asset when the portfolio has one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cryptotui.state import MarketState, Row
from cryptotui.ui.services.market import SPARK_INTERVAL, SPARK_POINTS


@dataclass(slots=True, frozen=True)
class WatchItem:
    row: Row
    spark: tuple[float, ...]
    """Closes of the last hour of 1m candles, the forming one last; () until they arrive."""
    rsi: float | None
    held: tuple[float, float] | None = None
    """(quantity, cost basis) held of the symbol's base asset (`services.portfolio.held_of`)."""


class WatchItems:
    """Builds `WatchItem`s each snapshot; sparkline tuples are rebuilt only when a candle of
    that symbol changed (checked by identity, so an idle symbol costs two dict lookups)."""

    def __init__(self) -> None:
        self._spark: dict[str, tuple[tuple, tuple[float, ...]]] = {}
        self.held: dict[str, tuple[float, float]] = {}
        """Symbol → (quantity, cost basis), set when the portfolio is valued."""

    def build(
        self, state: MarketState, rsi_interval: str | None, symbols: Sequence[str] | None = None
    ) -> list[WatchItem]:
        """Items of `symbols` (default: the state's watched symbols)."""
        items = []
        for row in state.rows(symbols):
            rsi = None
            if rsi_interval is not None:
                rsi = state.indicators(row.symbol, rsi_interval).get("rsi_14")
            items.append(
                WatchItem(row, self._sparkline(state, row.symbol), rsi, self.held.get(row.symbol))
            )
        return items

    def _sparkline(self, state: MarketState, symbol: str) -> tuple[float, ...]:
        key = (symbol, SPARK_INTERVAL)
        dq = state.candles.get(key)
        forming = state.forming.get(key)
        seen = (id(dq[-1]) if dq else 0, len(dq) if dq else 0, id(forming))
        cached = self._spark.get(symbol)
        if cached is not None and cached[0] == seen:
            return cached[1]
        closes = [c.close for c in list(dq)[-SPARK_POINTS:]] if dq else []
        if forming is not None and (not dq or forming.open_time > dq[-1].open_time):
            closes = [*closes[1 - SPARK_POINTS :], forming.close] if closes else [forming.close]
        points = tuple(closes)
        self._spark[symbol] = (seen, points)
        return points
