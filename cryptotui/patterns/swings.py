"""Swing points (pivots): the raw material of every chart detector.

A pivot high at candle `c` is a high strictly above the `left` highs before it and at least as
high as the `right` highs after it (so a flat top counts once, at its first candle); a pivot low
likewise. It can only be known once the `right` candles after it have closed, and is reported
then, never earlier and never revised: a chart detector built on pivots cannot repaint.

`SwingTracker` finds them incrementally, O(1) amortised per candle: one monotonic queue per side
holds the candidates for the window's extreme, each candle entering and leaving once.
`Zigzag` keeps the last pivots in alternation (high, low, high, ...) for the formations, and
`Tape` bundles what every chart detector follows per candle (bar count, ATR, pivots, zigzag,
recent candles) so the detectors share one definition of each.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from cryptotui.indicators import ATR
from cryptotui.models import Candle

HIGH = 1
LOW = -1


@dataclass(slots=True, init=False)  # a compiled __init__: `cryptotui.hotpath` says why
class Pivot:
    """A swing point. A value: never changed once made (not `frozen`, whose pure-Python
    `__setattr__` would refuse the compiled `__init__`'s assignments)."""

    kind: int
    """HIGH (+1) or LOW (−1)."""
    index: int
    """Bar number of the pivot candle (0 = the first candle the tracker saw)."""
    time: int
    """Open time of the pivot candle (ms)."""
    price: float
    """Its high (pivot high) or low (pivot low)."""

    def __init__(self, kind: int, index: int, time: int, price: float) -> None:
        self.kind = kind
        self.index = index
        self.time = time
        self.price = price

    def mirrored(self) -> Pivot:
        """The same point on the price axis turned upside down (highs become lows): lets one
        rule serve a formation and its mirror image (double top and double bottom)."""
        return Pivot(-self.kind, self.index, self.time, -self.price)


@dataclass(slots=True, init=False)  # a compiled __init__, a value: as `Pivot`
class Line:
    """A straight line on the (bar number, price) plane: trendlines and formation boundaries."""

    x0: int
    y0: float
    slope: float
    """Price change per candle."""

    def __init__(self, x0: int, y0: float, slope: float) -> None:
        self.x0 = x0
        self.y0 = y0
        self.slope = slope

    def at(self, x: float) -> float:
        return self.y0 + self.slope * (x - self.x0)

    @staticmethod
    def through(a: Pivot, b: Pivot) -> Line:
        return Line(a.index, a.price, (b.price - a.price) / (b.index - a.index))

    @staticmethod
    def fit(points: list[Pivot]) -> Line:
        """Least squares through two or more points of distinct bar numbers."""
        x0, y0 = points[0].index, points[0].price
        n = len(points)
        sx = sy = sxx = sxy = 0.0
        for p in points:  # relative to the first point: no cancellation at large prices
            x, y = p.index - x0, p.price - y0
            sx += x
            sy += y
            sxx += x * x
            sxy += x * y
        slope = (n * sxy - sx * sy) / (n * sxx - sx * sx)
        return Line(x0, y0 + (sy - slope * sx) / n, slope)


class _Candidate:
    """A candle that may still be its window's extreme, in a `_Side`: a class, not a tuple, so
    compiled code reads its numbers as fields instead of unpacking and unboxing a tuple on every
    comparison."""

    __slots__ = ("i", "time", "value")

    def __init__(self, i: int, value: float, time: int) -> None:
        self.i = i
        self.value = value
        self.time = time


class _Side:
    """Pivots of one kind: a monotonic queue of candles (index, value, time), extreme first.

    Values are compared as `sign * price`, so one implementation finds highs (sign +1) and lows
    (sign −1). Entries with a smaller value than a newcomer can never be the window's extreme
    again and are dropped; an equal earlier one is kept in front of the newcomer, which is what
    makes the left comparison strict and the right one not. A list, not a deque: it holds at
    most `left + right + 1` entries, and compiled code indexes a list natively.
    """

    __slots__ = ("kind", "queue")

    def __init__(self, kind: int) -> None:
        self.kind = kind
        self.queue: list[_Candidate] = []

    def push(self, i: int, value: float, time: int, left: int, right: int) -> Pivot | None:
        queue = self.queue
        value *= self.kind
        while queue and queue[-1].value < value:
            queue.pop()
        queue.append(_Candidate(i, value, time))
        centre = i - right
        while queue[0].i < centre - left:
            del queue[0]
        if centre < left:
            return None  # not a full left side yet
        best = queue[0]
        if best.i != centre:
            return None
        return Pivot(self.kind, best.i, best.time, best.value * self.kind)


class SwingTracker:
    """Pivot highs and lows of strength (`left`, `right`), each reported on the candle that
    completes its right side: `update` returns the pivots confirmed by this candle (a candle
    can be both a pivot high and a pivot low: an outside bar)."""

    __slots__ = ("count", "highs", "left", "lows", "right")

    def __init__(self, left: int = 5, right: int = 3) -> None:
        if left < 1 or right < 1:
            raise ValueError(f"pivot strengths must be ≥ 1, got left={left}, right={right}")
        self.left = left
        self.right = right
        self.count = 0
        self.highs = _Side(HIGH)
        self.lows = _Side(LOW)

    def update(self, high: float, low: float, time: int) -> tuple[Pivot, ...]:
        i = self.count
        self.count = i + 1
        top = self.highs.push(i, high, time, self.left, self.right)
        bottom = self.lows.push(i, low, time, self.left, self.right)
        if top is None:
            return () if bottom is None else (bottom,)
        return (top,) if bottom is None else (top, bottom)


class Zigzag:
    """The last `size` pivots in alternation: a pivot of the same kind as the last point
    replaces it when more extreme (a higher high after a high) and is ignored otherwise, so
    consecutive points always alternate high/low and each leg is the largest one seen."""

    __slots__ = ("points", "size")

    def __init__(self, size: int = 12) -> None:
        self.size = size
        self.points: list[Pivot] = []

    def add(self, p: Pivot) -> bool:
        """Take one pivot; True when the sequence changed."""
        points = self.points
        if points and points[-1].kind == p.kind:
            if (p.price - points[-1].price) * p.kind <= 0:
                return False
            points[-1] = p
            return True
        points.append(p)
        if len(points) > self.size:
            del points[0]
        return True

    def extend(self, pivots: tuple[Pivot, ...]) -> bool:
        """Take a candle's pivots; an outside bar's two are taken in the order that alternates
        with the last point (a low first after a high)."""
        if len(pivots) == 2 and self.points and self.points[-1].kind == HIGH:
            pivots = (pivots[1], pivots[0])
        changed = False
        for p in pivots:
            changed |= self.add(p)
        return changed


class Tape:
    """What every chart detector follows per candle, defined once.

    `index` is the bar number of the candle just committed, `atr` the ATR(14) as of it (None
    while warming up), `pivots` the pivots it confirmed, `zigzag` the alternating points and
    `changed` whether they changed on this candle; `bars` the recent candles, newest last
    (`bar(i)` reads one by bar number): `keep` of them before the newest confirmed pivot, so
    `keep` back from now as well.
    """

    __slots__ = ("_atr", "atr", "bars", "changed", "index", "pivots", "swings", "zigzag")

    def __init__(self, left: int = 5, right: int = 3, keep: int = 0, atr_period: int = 14) -> None:
        self.swings = SwingTracker(left, right)
        self.zigzag = Zigzag()
        self._atr = ATR(atr_period)
        self.atr: float | None = None
        self.bars: deque[Candle] = deque(maxlen=keep + right + 1)
        self.index = -1
        self.pivots: tuple[Pivot, ...] = ()
        self.changed = False

    def update(self, c: Candle) -> None:
        self.index += 1
        self.bars.append(c)
        self.atr = self._atr.update(c)
        self.pivots = self.swings.update(c.high, c.low, c.open_time)
        self.changed = self.zigzag.extend(self.pivots) if self.pivots else False

    def bar(self, i: int) -> Candle:
        """The candle with bar number `i` (IndexError once it left the kept window)."""
        back = self.index - i
        if back < 0 or back >= len(self.bars):
            raise IndexError(f"bar {i} is not kept (now {self.index}, keeping {len(self.bars)})")
        return self.bars[-1 - back]
