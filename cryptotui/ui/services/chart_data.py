"""The chart's series: closed candles of one (symbol, interval) plus the forming one, each with
the overlay and sub-pane values the chart can show.

The values come from the same incremental indicator classes the engine runs (TA-Lib-exact), fed
once per closed candle as the series grows; the forming candle gets `preview` values. So a new
frame costs a handful of previews, not a recomputation of 1000 candles, and what the chart draws
is what the engine and `analyze` compute. The pattern drawings (support/resistance levels,
trendlines, chart formations) come the same way from the engine's detectors, started only once
the chart asks for them (`drawings`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from cryptotui.indicators import EMA, MACD, RSI, SMA, BBands
from cryptotui.models import Candle, Direction, Signal
from cryptotui.patterns.chart import ChartDetector
from cryptotui.patterns.levels import SupportResistance
from cryptotui.patterns.trendlines import Trendlines
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
    """What can be marked on a chart: an `Alert`, or a stored signal's view (read only)."""

    @property
    def symbol(self) -> str: ...
    @property
    def interval(self) -> str | None: ...
    @property
    def time(self) -> int: ...
    @property
    def direction(self) -> Direction: ...
    @property
    def name(self) -> str: ...


@dataclass(slots=True, frozen=True)
class Marker:
    """An alert drawn on the chart, at the candle that was open when it fired."""

    index: int
    direction: Direction
    name: str


@dataclass(slots=True, frozen=True)
class Formation:
    """A chart formation confirmed on the candle at `index`, with its key points."""

    name: str
    direction: Direction
    index: int
    points: tuple[tuple[int, float], ...]
    """(index, price) of each key point, in the detector's order."""
    target: float


@dataclass(slots=True, frozen=True)
class Drawings:
    """What the chart draws for the patterns, indices into the series' points."""

    levels: tuple[tuple[float, Direction], ...] = ()
    """Price and role (BULLISH: support, BEARISH: resistance) of the levels touched twice."""
    lines: tuple[tuple[int, float, float], ...] = ()
    """Active trendlines: (first index, price there, slope per candle)."""
    formations: tuple[Formation, ...] = ()


FORMATIONS_KEPT = 200


class PatternOverlay:
    """The engine's level, trendline and chart-formation detectors over one series' closed
    candles, with what they currently show. Their bar numbers count from the first candle fed;
    `dropped` says how many of those the series has since let go from its front."""

    __slots__ = ("dropped", "formations", "levels", "lines", "shapes")

    def __init__(self, symbol: str, interval: str) -> None:
        self.levels = SupportResistance(symbol, interval)
        self.lines = Trendlines(symbol, interval)
        self.shapes = ChartDetector(symbol, interval)
        self.formations: list[Signal] = []
        self.dropped = 0

    def commit(self, c: Candle) -> None:
        self.levels.on_candle(c)
        self.lines.on_candle(c)
        found = self.shapes.on_candle(c)
        if found:
            self.formations.extend(found)
            del self.formations[:-FORMATIONS_KEPT]

    def drawings(self, opens: Sequence[int]) -> Drawings:
        """The drawings placed on the points whose open times are `opens`."""

        def index(time: float) -> int:
            return bisect_right(opens, time) - 1

        levels = tuple(
            (lv.price, Direction.BULLISH if lv.role < 0 else Direction.BEARISH)
            for lv in self.levels.levels
            if lv.touches >= 2
        )
        lines = tuple(
            (line.x0 - self.dropped, line.y0, line.slope) for line, _ in self.lines.lines()
        )
        formations = []
        for s in self.formations:
            f = s.factors
            keys = sorted(k.removesuffix("_time") for k in f if k.endswith("_time"))
            points = tuple((index(f[f"{k}_time"]), f[f"{k}_price"]) for k in keys)
            if points and points[0][0] >= 0:
                name = s.name.removeprefix("chart_")
                formations.append(Formation(name, s.direction, index(s.time), points, f["target"]))
        return Drawings(levels, lines, tuple(formations))


class ChartSeries:
    """Points of one (symbol, interval), extended incrementally; see the module docstring."""

    def __init__(self, symbol: str, interval: str) -> None:
        self.symbol = symbol
        self.interval = interval
        self.closed: list[Point] = []
        self.forming: Point | None = None
        self._indicators = self._fresh()
        self._seen: tuple = (None,)
        self._overlay: PatternOverlay | None = None

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
            excess = len(self.closed) - MAX_POINTS
            del self.closed[:excess]
            if self._overlay is not None:
                self._overlay.dropped += excess
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

    def drawings(self) -> Drawings:
        """Levels, trendlines and formations over the closed candles; the detectors start on
        the first call (replaying what is held) and follow every candle committed after it."""
        if self._overlay is None:
            self._overlay = PatternOverlay(self.symbol, self.interval)
            for p in self.closed:
                self._overlay.commit(p.candle)
        return self._overlay.drawings([p.candle.open_time for p in self.closed])

    def _rebuild(self, candles: Sequence[Candle]) -> None:
        self._indicators = self._fresh()
        self._overlay = None
        self.closed = []
        last = None
        for c in candles:
            if last is None or c.open_time > last:  # stream and REST may overlap
                self.closed.append(self._commit(c))
                last = c.open_time

    def _commit(self, c: Candle) -> Point:
        if self._overlay is not None:
            self._overlay.commit(c)
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
