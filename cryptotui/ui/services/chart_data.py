"""The chart's series: closed candles of one (symbol, interval) plus the forming one, each with
the overlay and sub-pane values the chart can show.

The values come from the same incremental indicator classes the engine runs (TA-Lib-exact), fed
once per closed candle as the series grows; the forming candle gets `preview` values. So a new
frame costs a handful of previews, not a recomputation of 1000 candles, and what the chart draws
is what the engine and `analyze` compute.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from cryptotui.indicators import EMA, MACD, RSI, SMA, BBands
from cryptotui.models import Candle, Direction
from cryptotui.state import MarketState

NOTHING, FORMING, CANDLES = 0, 1, 2
"""What `ChartSeries.sync` found changed."""

MAX_POINTS = 3000
"""Candles kept per chart (state keeps 1000; older ones come from the store)."""


@dataclass(slots=True, frozen=True)
class Point:
    candle: Candle
    sma: float | None
    ema: float | None
    bb: tuple[float, float, float] | None
    """(upper, middle, lower)."""
    rsi: float | None
    macd: tuple[float, float, float] | None
    """(macd, signal, histogram)."""


class Marked(Protocol):
    """What can be marked on a chart: an `Alert`, or a stored signal's view."""

    symbol: str
    interval: str | None
    time: int
    direction: Direction
    name: str


@dataclass(slots=True, frozen=True)
class Marker:
    """An alert drawn on the chart, at the candle that was open when it fired."""

    index: int
    direction: Direction
    name: str


class ChartSeries:
    """Points of one (symbol, interval), extended incrementally; see the module docstring."""

    def __init__(self, symbol: str, interval: str) -> None:
        self.symbol = symbol
        self.interval = interval
        self.closed: list[Point] = []
        self.forming: Point | None = None
        self._indicators = self._fresh()
        self._seen: tuple = (None,)

    @staticmethod
    def _fresh() -> tuple[SMA, EMA, BBands, RSI, MACD]:
        return SMA(20), EMA(20), BBands(20, 2.0), RSI(14), MACD(12, 26, 9)

    @property
    def points(self) -> list[Point]:
        return [*self.closed, self.forming] if self.forming is not None else self.closed

    def sync(self, state: MarketState, older: Sequence[Candle] = ()) -> int:
        """Catch up with the state: CANDLES if closed candles changed (or on first use),
        FORMING if only the forming candle moved, NOTHING otherwise.

        `older` are closed candles from the store that precede what the state holds.
        """
        key = (self.symbol, self.interval)
        dq = state.candles.get(key)
        forming = state.forming.get(key)
        last = dq[-1] if dq else None
        first = dq[0] if dq else None
        closed_seen = (id(first), id(last), len(dq) if dq else 0, len(older))
        seen = (*closed_seen, id(forming))
        if seen == self._seen:
            return NOTHING
        change = FORMING if self._seen[:-1] == closed_seen else CANDLES
        self._seen = seen
        candles = [*older, *(list(dq) if dq else ())]
        top = self.closed[-1].candle.open_time if self.closed else None
        if not self.closed or not candles or candles[0].open_time < self.closed[0].candle.open_time:
            self._rebuild(candles)
        else:
            fresh = [c for c in candles[-64:] if top is None or c.open_time > top]
            if len(fresh) == 64:
                self._rebuild(candles)
            else:
                for c in fresh:
                    self.closed.append(self._commit(c))
        if len(self.closed) > MAX_POINTS:
            del self.closed[: len(self.closed) - MAX_POINTS]
        top = self.closed[-1].candle.open_time if self.closed else None
        if forming is not None and (top is None or forming.open_time > top):
            self.forming = self._preview(forming)
        else:
            self.forming = None
        return change

    def invalidate(self) -> None:
        """Make the next `sync` report a change (new alert markers, say)."""
        self._seen = (None,)

    def load(self, candles: Sequence[Candle]) -> None:
        """Start over from these closed candles (detail views, tests)."""
        self._rebuild(candles)
        self.forming = None

    def _rebuild(self, candles: Sequence[Candle]) -> None:
        self._indicators = self._fresh()
        self.closed = []
        last = None
        for c in candles:
            if last is None or c.open_time > last:  # stream and REST may overlap
                self.closed.append(self._commit(c))
                last = c.open_time

    def _commit(self, c: Candle) -> Point:
        sma, ema, bb, rsi, macd = self._indicators
        return _point(c, sma.update(c), ema.update(c), bb.update(c), rsi.update(c), macd.update(c))

    def _preview(self, c: Candle) -> Point:
        sma, ema, bb, rsi, macd = self._indicators
        return _point(
            c, sma.preview(c), ema.preview(c), bb.preview(c), rsi.preview(c), macd.preview(c)
        )

    def markers(self, alerts: Iterable[Marked], points: Sequence[Point]) -> list[Marker]:
        """Alerts of this symbol and interval placed on the candle open when they fired."""
        if not points:
            return []
        first, last = points[0].candle.open_time, points[-1].candle.close_time + 1
        out = []
        opens = [p.candle.open_time for p in points]
        for a in alerts:
            if a.symbol != self.symbol or a.interval != self.interval:
                continue
            if not first <= a.time <= last:
                continue
            # An alert on a closed candle carries an event time just past its close.
            index = bisect_right(opens, a.time - 1) - 1
            if 0 <= index < len(points):
                out.append(Marker(index, a.direction, a.name))
        return out


def _point(c: Candle, sma, ema, bb, rsi, macd) -> Point:
    return Point(
        c,
        sma,
        ema,
        (bb.upper, bb.middle, bb.lower) if bb is not None else None,
        rsi,
        (macd.macd, macd.signal, macd.hist) if macd is not None else None,
    )
