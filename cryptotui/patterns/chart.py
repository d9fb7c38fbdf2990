"""Chart formations as detectors: one Signal on each formation's confirmation (breakout) candle.

Every formation is a parameterised rule over confirmed swing points (`swings.Tape`), or over
recent candles for flags, pennants and gaps; the rules, their defaults and the reasoning behind
them are in docs/patterns.md. A formation is only ever reported on the candle that confirms it,
from pivots that were themselves confirmed before: nothing is revised by later candles.

Signals are named `chart_<formation>` and carry in their factors the pattern's key points
(`p1_time`, `p1_price`, ... in the order the docs list them), the boundary it broke at the
confirmation candle (`breakout`), the measured-move `target`, the pattern's `height` and `z`:
its size in ATRs, the significance input of the confidence score.
Tops and their mirror images (double top and double bottom, head and shoulders and the inverse)
share one rule applied to the price axis turned upside down (`Pivot.mirrored`).

`ChartDetector`, registered as the detector `chart`, runs any set of them (all by default) over
one shared `Tape`; `analyze --chart` runs the same class.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from cryptotui.indicators.base import RollingExtremes
from cryptotui.models import Candle, Direction, Signal
from cryptotui.patterns.base import CandleDetector, candle_detector, candle_signal
from cryptotui.patterns.swings import HIGH, Line, Pivot, Tape

BREAK_ATR = 0.1
"""A breakout is a close beyond the formation's boundary by at least this many ATRs."""

_NONE: tuple[Signal, ...] = ()


class Formation(Protocol):
    keep: int
    """Candles of history the rule reads back (the shared Tape keeps the largest)."""

    def step(self, tape: Tape, c: Candle) -> Sequence[Signal]: ...


def _view(points: Sequence[Pivot], sign: int) -> list[Pivot]:
    return list(points) if sign > 0 else [p.mirrored() for p in points]


def _points(points: Iterable[tuple[int, float]]) -> dict[str, float]:
    """Key points as factors: p1_time, p1_price, p2_time, ... (times in ms, as floats)."""
    factors: dict[str, float] = {}
    for k, (time, price) in enumerate(points, 1):
        factors[f"p{k}_time"] = float(time)
        factors[f"p{k}_price"] = price
    return factors


def _signal(
    name: str,
    direction: Direction,
    c: Candle,
    start: int,
    factors: dict[str, float],
    description: str,
) -> Signal:
    return candle_signal(f"chart_{name}", direction, c, factors, description, start)


# ------------------------------------------------------------------ reversals: tops and bottoms


@dataclass(slots=True)
class _Watch:
    """A recognised top formation waiting for its breakout, in the (possibly mirrored) price
    space where the breakout is downward: a close below `neckline` less the breakout margin."""

    points: list[Pivot]
    neckline: Line
    height: float
    invalid: float
    """A close above this (the top) cancels the formation."""
    expires: int
    """Last bar number on which the breakout may come."""


class _Top:
    """A top formation (sign +1) or its mirror image, the bottom (sign −1): recognised on the
    zigzag of confirmed pivots, reported on the first close through its neckline.

    Subclasses say which zigzag points make the formation (`_recognise`). Points of a reported
    formation are not reused by the next one of the same kind.
    """

    keep = 0
    points = 3
    __slots__ = ("name", "prior", "sign", "used", "watch")

    def __init__(self, sign: int, names: tuple[str, str], prior: float) -> None:
        self.sign = sign
        self.prior = prior
        self.name = names[0] if sign > 0 else names[1]
        self.watch: _Watch | None = None
        self.used = -1

    def _recognise(self, pts: list[Pivot], atr: float) -> _Watch | None:
        raise NotImplementedError

    def _trend_into(self, before: Pivot, w: _Watch) -> bool:
        """A reversal needs a trend to reverse: the swing low before the formation lies at
        least `prior` × its height below the neckline."""
        return before.price <= w.neckline.at(before.index) - self.prior * w.height

    def step(self, tape: Tape, c: Candle) -> Sequence[Signal]:
        atr = tape.atr
        if atr is None:
            return _NONE
        points = tape.zigzag.points
        if tape.changed and len(points) > self.points:
            pts = _view(points[-self.points - 1 :], self.sign)
            before = pts.pop(0)
            if pts[-1].kind == HIGH and pts[0].index > self.used:
                found = self._recognise(pts, atr)
                if found is not None and self._trend_into(before, found):
                    self.watch = found
                elif self.watch is not None and pts[-1].price > self.watch.invalid:
                    self.watch = None
        watch = self.watch
        if watch is None:
            return _NONE
        i = tape.index
        close = c.close * self.sign
        if close > watch.invalid or i > watch.expires:
            self.watch = None
            return _NONE
        edge = watch.neckline.at(i)
        if close > edge - BREAK_ATR * atr:
            return _NONE
        self.watch = None
        self.used = watch.points[-1].index
        return (self._report(watch, c, edge, atr),)

    def _report(self, w: _Watch, c: Candle, edge: float, atr: float) -> Signal:
        s = self.sign
        target = edge - w.height
        factors = _points((p.time, p.price * s) for p in w.points)
        factors.update(
            target=target * s, breakout=edge * s, height=w.height, z=w.height / atr, atr=atr
        )
        direction = Direction.BEARISH if s > 0 else Direction.BULLISH
        text = (
            f"{self.name.replace('_', ' ')}: closed through the neckline {edge * s:g}, "
            f"target {target * s:g}"
        )
        return _signal(self.name, direction, c, w.points[0].time, factors, text)


class DoubleTop(_Top):
    """Two tops at about the same price with a valley between; confirmed by a close below the
    valley's low (double bottom: the mirror image).

    - the tops differ by at most `tolerance` × the height (height = higher top − valley low);
    - the height is at least `min_height` ATRs; the tops are `min_width`–`max_width` candles
      apart;
    - breakout within one pattern width after the second top, before any close above the
      higher top; target: the neckline less the height.
    """

    __slots__ = ("max_width", "min_height", "min_width", "tolerance")

    def __init__(
        self,
        sign: int = 1,
        *,
        tolerance: float = 0.15,
        min_height: float = 3.0,
        min_width: int = 6,
        max_width: int = 120,
        prior: float = 0.5,
    ) -> None:
        super().__init__(sign, ("double_top", "double_bottom"), prior)
        self.tolerance = tolerance
        self.min_height = min_height
        self.min_width = min_width
        self.max_width = max_width

    def _recognise(self, pts: list[Pivot], atr: float) -> _Watch | None:
        first, valley, second = pts
        width = second.index - first.index
        top = max(first.price, second.price)
        height = top - valley.price
        if not self.min_width <= width <= self.max_width or height < self.min_height * atr:
            return None
        if abs(first.price - second.price) > self.tolerance * height:
            return None
        neckline = Line(valley.index, valley.price, 0.0)
        return _Watch(pts, neckline, height, top, second.index + width)


class HeadShoulders(_Top):
    """Left shoulder, higher head, right shoulder, with the neckline through the two troughs
    between them; confirmed by a close below the neckline (inverse: the mirror image).

    - head height h (head − neckline under it) at least `min_height` ATRs;
    - the head rises above both shoulders by at least `head_margin` × h;
    - the shoulders differ by at most `shoulder_tolerance` × h and each stands at least
      `shoulder_min` × h above the neckline;
    - the troughs differ by at most `neckline_tolerance` × h (no steep neckline);
    - time symmetry: neither shoulder is more than `symmetry` times farther from the head than
      the other; the whole pattern spans at most `max_width` candles;
    - breakout within one pattern width after the right shoulder, before any close above the
      head; target: the neckline at the breakout less h.
    """

    points = 5
    __slots__ = (
        "head_margin",
        "max_width",
        "min_height",
        "neckline_tolerance",
        "shoulder_min",
        "shoulder_tolerance",
        "symmetry",
    )

    def __init__(
        self,
        sign: int = 1,
        *,
        min_height: float = 3.0,
        head_margin: float = 0.15,
        shoulder_tolerance: float = 0.5,
        shoulder_min: float = 0.3,
        neckline_tolerance: float = 0.5,
        symmetry: float = 3.0,
        max_width: int = 200,
        prior: float = 0.5,
    ) -> None:
        super().__init__(sign, ("head_shoulders", "inverse_head_shoulders"), prior)
        self.min_height = min_height
        self.head_margin = head_margin
        self.shoulder_tolerance = shoulder_tolerance
        self.shoulder_min = shoulder_min
        self.neckline_tolerance = neckline_tolerance
        self.symmetry = symmetry
        self.max_width = max_width

    def _recognise(self, pts: list[Pivot], atr: float) -> _Watch | None:
        left, trough1, head, trough2, right = pts
        width = right.index - left.index
        if width > self.max_width:
            return None
        neckline = Line.through(trough1, trough2)
        h = head.price - neckline.at(head.index)
        if h < self.min_height * atr:
            return None
        if head.price - max(left.price, right.price) < self.head_margin * h:
            return None
        if abs(left.price - right.price) > self.shoulder_tolerance * h:
            return None
        floor = self.shoulder_min * h
        if min(p.price - neckline.at(p.index) for p in (left, right)) < floor:
            return None
        if abs(trough1.price - trough2.price) > self.neckline_tolerance * h:
            return None
        before, after = head.index - left.index, right.index - head.index
        if max(before, after) > self.symmetry * min(before, after):
            return None
        return _Watch(pts, neckline, h, head.price, right.index + width)


# ------------------------------------------------------------------ triangles and rectangles

BOUNDED = ("triangle_ascending", "triangle_descending", "triangle_symmetric", "rectangle")
_SHAPES = {
    (0, 0): "rectangle",
    (0, 1): "triangle_ascending",
    (1, 0): "triangle_descending",
    (1, 1): "triangle_symmetric",
}
"""(upper line, lower line) → formation; 0 flat, 1 converging (upper falling, lower rising)."""


@dataclass(slots=True)
class _Bounds:
    name: str
    points: list[Pivot]
    upper: Line
    lower: Line
    height: float
    """At the first point: the widest part of a triangle."""
    expires: int


class Boundaries:
    """Triangles (ascending, descending, symmetric) and rectangles: price swinging between two
    lines fitted (least squares) through the zigzag's highs and through its lows.

    - the last 5 to 8 zigzag points (`min_points`–`max_points`, the most that fit), at least two
      on each line, spanning at most `max_width` candles, with every point within `fit` × the
      height of its line and every close between the first and last point inside the lines;
    - the height at the first point is at least `min_height` ATRs;
    - each line's change over the pattern is flat (within `flat` × the height) or converging
      (upper falling, lower rising); flat/flat is a rectangle, flat top with rising bottom an
      ascending triangle, falling top with flat bottom a descending one, both converging a
      symmetric one (diverging lines are none of these);
    - the breakout is a close beyond either line, in either direction (its direction is the
      signal's), before a triangle's apex and within one pattern width after the last point;
      target: the line at the breakout ± the height.
    """

    __slots__ = (
        "fit",
        "flat",
        "keep",
        "max_points",
        "max_width",
        "min_height",
        "min_points",
        "names",
        "used",
        "watch",
    )

    def __init__(
        self,
        names: Iterable[str] = BOUNDED,
        *,
        min_points: int = 6,
        max_points: int = 8,
        max_width: int = 150,
        min_height: float = 3.0,
        fit: float = 0.08,
        flat: float = 0.15,
    ) -> None:
        self.names = frozenset(names)
        self.min_points = min_points
        self.max_points = max_points
        self.max_width = max_width
        self.min_height = min_height
        self.fit = fit
        self.flat = flat
        self.keep = max_width + 1
        self.watch: _Bounds | None = None
        self.used = -1

    def step(self, tape: Tape, c: Candle) -> Sequence[Signal]:
        atr = tape.atr
        if atr is None:
            return _NONE
        if tape.changed:
            found = self._recognise(tape, atr)
            if found is not None:
                self.watch = found
        watch = self.watch
        if watch is None:
            return _NONE
        i = tape.index
        if i > watch.expires:
            self.watch = None
            return _NONE
        margin = BREAK_ATR * atr
        upper, lower = watch.upper.at(i), watch.lower.at(i)
        if c.close > upper + margin:
            direction, edge, target = Direction.BULLISH, upper, upper + watch.height
        elif c.close < lower - margin:
            direction, edge, target = Direction.BEARISH, lower, lower - watch.height
        else:
            return _NONE
        self.watch = None
        self.used = watch.points[-1].index
        if watch.name not in self.names:
            return _NONE
        factors = _points((p.time, p.price) for p in watch.points)
        factors.update(
            target=target,
            height=watch.height,
            z=watch.height / atr,
            atr=atr,
            breakout=edge,
            upper_slope=watch.upper.slope,
            lower_slope=watch.lower.slope,
            touches=float(len(watch.points)),
        )
        text = (
            f"{watch.name.replace('_', ' ')}: {direction} breakout through {edge:g}, "
            f"target {target:g}"
        )
        return (_signal(watch.name, direction, c, watch.points[0].time, factors, text),)

    def _recognise(self, tape: Tape, atr: float) -> _Bounds | None:
        zigzag = tape.zigzag.points
        for k in range(min(self.max_points, len(zigzag)), self.min_points - 1, -1):
            pts = zigzag[-k:]
            if pts[0].index <= self.used or pts[-1].index - pts[0].index > self.max_width:
                continue
            found = self._shape(pts, atr)
            if found is not None and self._contained(tape, found, atr):
                return found
        return None

    def _shape(self, pts: list[Pivot], atr: float) -> _Bounds | None:
        highs = [p for p in pts if p.kind == HIGH]
        lows = [p for p in pts if p.kind != HIGH]
        if len(highs) < 2 or len(lows) < 2:
            return None
        upper, lower = Line.fit(highs), Line.fit(lows)
        first, last = pts[0].index, pts[-1].index
        height = upper.at(first) - lower.at(first)
        if height < self.min_height * atr or upper.at(last) <= lower.at(last):
            return None
        slack = self.fit * height
        for p in pts:
            if abs(p.price - (upper if p.kind == HIGH else lower).at(p.index)) > slack:
                return None
        band = self.flat * height
        rise_top = upper.slope * (last - first)
        rise_bottom = lower.slope * (last - first)
        top = 0 if abs(rise_top) <= band else 1 if rise_top < 0 else -1
        bottom = 0 if abs(rise_bottom) <= band else 1 if rise_bottom > 0 else -1
        name = _SHAPES.get((top, bottom))
        if name is None:
            return None
        expires = last + (last - first)
        if upper.slope != lower.slope:
            apex = upper.x0 + (lower.y0 - upper.y0) / (upper.slope - lower.slope)
            if apex > last:
                expires = min(expires, int(apex))
        return _Bounds(name, pts, upper, lower, height, expires)

    @staticmethod
    def _contained(tape: Tape, b: _Bounds, atr: float) -> bool:
        """No close between the first and last point broke out already."""
        margin = BREAK_ATR * atr
        for i in range(b.points[0].index, b.points[-1].index + 1):
            close = tape.bar(i).close
            if close > b.upper.at(i) + margin or close < b.lower.at(i) - margin:
                return False
        return True


# ------------------------------------------------------------------ flags and pennants


def _mirror(c: Candle, sign: int) -> tuple[float, float]:
    """(high, low) with the price axis turned upside down when sign is −1."""
    return (c.high, c.low) if sign > 0 else (-c.low, -c.high)


class _Pole:
    """One direction's flag search (bullish in its own, possibly mirrored, price space).

    The pole top is the highest high since the last reset; the pole its height above the lowest
    low of the `pole_max` candles up to it. The candles after the top are the consolidation,
    whose highs and lows are regressed incrementally (running sums; x = candles after the top),
    so each candle costs O(1); the exact boundaries (regression lines shifted out to the most
    extreme candle) are only computed when a close rises above the highs' regression line.
    """

    __slots__ = ("cons_low", "n", "pole_low", "sign", "sums", "top", "top_i")

    def __init__(self, sign: int) -> None:
        self.sign = sign
        self.top: float | None = None
        self.top_i = -1
        self.pole_low = 0.0
        self.cons_low = 0.0
        self.n = 0
        self.sums = [0.0] * 6
        """Σx, Σx², Σhigh, Σx·high, Σlow, Σx·low of the consolidation, prices relative to top."""

    def push(self, i: int, high: float, low: float, lowest: float) -> None:
        """Commit candle `i` (after the breakout check); `lowest`: the pole window's low."""
        top = self.top
        if top is None or high > top:
            self.top, self.top_i, self.pole_low, self.cons_low, self.n = high, i, lowest, high, 0
            self.sums = [0.0] * 6
            return
        x = float(i - self.top_i)
        h, lo = high - top, low - top
        s = self.sums
        s[0] += x
        s[1] += x * x
        s[2] += h
        s[3] += x * h
        s[4] += lo
        s[5] += x * lo
        self.n += 1
        if low < self.cons_low:
            self.cons_low = low

    def lines(self) -> tuple[Line, Line] | None:
        """Regression lines of the consolidation's highs and lows (x = bar number)."""
        n = self.n
        sx, sxx, sh, sxh, sl, sxl = self.sums
        det = n * sxx - sx * sx
        top = self.top
        if top is None or n < 2 or det <= 0.0:
            return None
        slope_h = (n * sxh - sx * sh) / det
        slope_l = (n * sxl - sx * sl) / det
        return (
            Line(self.top_i, top + (sh - slope_h * sx) / n, slope_h),
            Line(self.top_i, top + (sl - slope_l * sx) / n, slope_l),
        )


class Flags:
    """Flags and pennants: a sharp move (the pole), a short tight consolidation, a breakout in
    the pole's direction. Both directions; the signal's direction is the pole's.

    - pole: from the lowest low of the `pole_max` candles up to the top, at least `pole_atr`
      ATRs (bearish: mirror image);
    - consolidation: the `min_bars`–`max_bars` candles after the top, none above it, none
      retracing more than `retrace` × the pole;
    - its boundaries: least-squares lines through its highs and through its lows, each shifted
      out to its most extreme candle;
    - pennant: the boundaries converge (upper falling, lower rising) to at most `converge` × the
      starting width; flag: roughly parallel (the end width within `converge`–1/`converge` of
      the start) and not drifting with the pole by more than `drift` × the pole;
    - confirmed by a close beyond the boundary in the pole's direction; target: that boundary
      plus the pole.
    """

    __slots__ = (
        "converge",
        "drift",
        "extremes",
        "keep",
        "max_bars",
        "min_bars",
        "names",
        "pole_atr",
        "pole_max",
        "poles",
        "retrace",
    )

    def __init__(
        self,
        names: Iterable[str] = ("flag", "pennant"),
        *,
        pole_atr: float = 6.0,
        pole_max: int = 8,
        min_bars: int = 4,
        max_bars: int = 20,
        retrace: float = 0.5,
        converge: float = 0.6,
        drift: float = 0.1,
    ) -> None:
        self.names = frozenset(names)
        self.pole_atr = pole_atr
        self.pole_max = pole_max
        self.min_bars = min_bars
        self.max_bars = max_bars
        self.retrace = retrace
        self.converge = converge
        self.drift = drift
        self.keep = pole_max + max_bars + 2
        self.extremes = RollingExtremes(pole_max)
        self.poles = (_Pole(1), _Pole(-1))

    def step(self, tape: Tape, c: Candle) -> Sequence[Signal]:
        atr = tape.atr
        highest, lowest = self.extremes.push(c.high, c.low)
        bull, bear = self.poles
        out = _NONE
        for pole, high, low, close, floor in (
            (bull, c.high, c.low, c.close, lowest),
            (bear, -c.low, -c.high, -c.close, -highest),
        ):
            if atr is not None and pole.top is not None and pole.n >= self.min_bars:
                found = self._breakout(tape, pole, close, atr, c)
                if found is not None:
                    pole.top = None  # this candle starts a new search
                    if found.name.removeprefix("chart_") in self.names:
                        out = (*out, found)
            pole.push(tape.index, high, low, floor)
            top = pole.top
            if (
                top is not None
                and pole.n
                and (
                    pole.n > self.max_bars
                    or top - pole.cons_low > self.retrace * (top - pole.pole_low)
                )
            ):
                pole.top = None
        return out

    def _breakout(
        self, tape: Tape, pole: _Pole, close: float, atr: float, c: Candle
    ) -> Signal | None:
        n = pole.n
        top = pole.top
        assert top is not None
        height = top - pole.pole_low
        if n > self.max_bars or height < self.pole_atr * atr:
            return None
        lines = pole.lines()
        i = tape.index
        if lines is None or close <= lines[0].at(i):
            return None
        upper, lower = self._boundaries(tape, pole, *lines)
        edge = upper.at(i)
        if close <= edge + BREAK_ATR * atr:
            return None
        first, last = pole.top_i + 1, pole.top_i + n
        start = upper.at(first) - lower.at(first)
        end = upper.at(last) - lower.at(last)
        if start <= 0.0:
            return None
        if upper.slope < 0.0 < lower.slope and end <= self.converge * start:
            name = "pennant"
        elif (
            self.converge * start < end < start / self.converge
            and (upper.slope + lower.slope) / 2.0 * (n - 1) <= self.drift * height
        ):
            name = "flag"
        else:
            return None
        return self._report(name, tape, pole, (upper, lower), edge, height, atr, c)

    @staticmethod
    def _boundaries(tape: Tape, pole: _Pole, highs: Line, lows: Line) -> tuple[Line, Line]:
        up = down = 0.0
        for i in range(pole.top_i + 1, pole.top_i + pole.n + 1):
            high, low = _mirror(tape.bar(i), pole.sign)
            up = max(up, high - highs.at(i))
            down = max(down, lows.at(i) - low)
        return Line(highs.x0, highs.y0 + up, highs.slope), Line(lows.x0, lows.y0 - down, lows.slope)

    def _report(
        self,
        name: str,
        tape: Tape,
        pole: _Pole,
        bounds: tuple[Line, Line],
        edge: float,
        height: float,
        atr: float,
        c: Candle,
    ) -> Signal:
        s = pole.sign
        top_i = pole.top_i
        assert pole.top is not None
        upper, lower = bounds
        first, last = top_i + 1, top_i + pole.n
        base = min(
            range(top_i - self.pole_max + 1, top_i + 1), key=lambda i: _mirror(tape.bar(i), s)[1]
        )
        bar = tape.bar
        factors = _points(
            [
                (bar(base).open_time, pole.pole_low * s),
                (bar(top_i).open_time, pole.top * s),
                (bar(first).open_time, upper.at(first) * s),
                (bar(last).open_time, upper.at(last) * s),
                (bar(first).open_time, lower.at(first) * s),
                (bar(last).open_time, lower.at(last) * s),
            ]
        )
        target = edge + height
        factors.update(
            target=target * s, breakout=edge * s, pole=height, height=height, z=height / atr,
            atr=atr, bars=float(pole.n),
        )  # fmt: skip
        direction = Direction.BULLISH if s > 0 else Direction.BEARISH
        text = (
            f"{direction} {name}: broke out at {edge * s:g} after {pole.n} candles, "
            f"target {target * s:g}"
        )
        return _signal(name, direction, c, bar(base).open_time, factors, text)


# ------------------------------------------------------------------ gaps

GAP_KINDS = ("common", "breakaway", "runaway", "exhaustion")
"""The `kind` factor is the index in this tuple."""


class Gaps:
    """A candle opening beyond the previous candle's range by at least `min_gap` ATRs,
    reported when it closes and classified by the `lookback` candles before it:

    - breakaway: those candles stayed within `congestion` ATRs (a trading range) and the gap
      opens beyond their extreme; target: the gap's open plus the range's height;
    - exhaustion: they moved at least `exhausted` ATRs in the gap's direction (an extended
      trend): a warning of its end, so the signal's direction is the reversal's; target: the
      gap filled (the previous candle's high for a gap up);
    - runaway (measuring): they moved at least `trend` ATRs in the gap's direction; target: the
      open plus the move so far (the gap as the midpoint of the move);
    - common: none of these; neutral, target: the gap filled.
    """

    __slots__ = ("congestion", "exhausted", "keep", "lookback", "min_gap", "prev_atr", "trend")

    def __init__(
        self,
        *,
        min_gap: float = 0.5,
        lookback: int = 20,
        congestion: float = 6.0,
        trend: float = 4.0,
        exhausted: float = 12.0,
    ) -> None:
        self.min_gap = min_gap
        self.lookback = lookback
        self.congestion = congestion
        self.trend = trend
        self.exhausted = exhausted
        self.keep = lookback + 1
        self.prev_atr: float | None = None

    def step(self, tape: Tape, c: Candle) -> Sequence[Signal]:
        atr, self.prev_atr = self.prev_atr, tape.atr
        if atr is None or len(tape.bars) < self.lookback + 1:
            return _NONE
        prev = tape.bars[-2]
        if c.open > prev.high:
            sign, edge = 1, prev.high
        elif c.open < prev.low:
            sign, edge = -1, prev.low
        else:
            return _NONE
        gap = (c.open - edge) * sign
        if gap < self.min_gap * atr:
            return _NONE
        window = list(tape.bars)[-self.lookback - 1 : -1]
        high = max(b.high for b in window)
        low = min(b.low for b in window)
        move = (prev.close - window[0].open) * sign
        beyond = c.open > high if sign > 0 else c.open < low
        if high - low <= self.congestion * atr and beyond:
            kind, direction, target = 1, sign, c.open + sign * (high - low)
        elif move >= self.exhausted * atr:
            kind, direction, target = 3, -sign, edge
        elif move >= self.trend * atr:
            kind, direction, target = 2, sign, c.open + sign * move
        else:
            kind, direction, target = 0, 0, edge
        factors = _points([(prev.open_time, edge), (c.open_time, c.open)])
        factors.update(
            target=target, height=gap, gap=gap, z=gap / atr, atr=atr, kind=float(kind),
            move=move / atr,
        )  # fmt: skip
        way = "up" if sign > 0 else "down"
        text = f"{GAP_KINDS[kind]} gap {way} from {edge:g} to {c.open:g}"
        return (_signal("gap", _DIRECTION[direction], c, prev.open_time, factors, text),)


_DIRECTION = {1: Direction.BULLISH, -1: Direction.BEARISH, 0: Direction.NEUTRAL}


# ------------------------------------------------------------------ the detector

_GROUPS: tuple[tuple[tuple[str, ...], Callable[[frozenset[str]], Formation]], ...] = (
    (("double_top",), lambda _: DoubleTop(1)),
    (("double_bottom",), lambda _: DoubleTop(-1)),
    (("head_shoulders",), lambda _: HeadShoulders(1)),
    (("inverse_head_shoulders",), lambda _: HeadShoulders(-1)),
    (BOUNDED, lambda names: Boundaries(names)),
    (("flag", "pennant"), lambda names: Flags(names)),
    (("gap",), lambda _: Gaps()),
)
"""Formations sharing one rule are built once for any selection of their names."""

FORMATIONS: tuple[str, ...] = tuple(name for names, _ in _GROUPS for name in names)


def check_formations(names: Iterable[str]) -> tuple[str, ...]:
    """The names, or ValueError naming the unknown ones and the choices."""
    names = tuple(names)
    unknown = [n for n in names if n not in FORMATIONS]
    if unknown:
        raise ValueError(
            f"unknown chart formation(s) {', '.join(unknown)}; choose from {', '.join(FORMATIONS)}"
        )
    return names


class ChartDetector(CandleDetector):
    """Any set of the formations over one shared Tape of swing points (all by default)."""

    name = "chart"
    __slots__ = ("formations", "interval", "names", "symbol", "tape")

    def __init__(
        self,
        symbol: str,
        interval: str,
        formations: Iterable[str] = (),
        *,
        left: int = 5,
        right: int = 3,
    ) -> None:
        self.symbol = symbol
        self.interval = interval
        self.names = tuple(dict.fromkeys(check_formations(formations) or FORMATIONS))
        """The formations reported, in the order asked for."""
        wanted = frozenset(self.names)
        self.formations: list[Formation] = [
            build(wanted & frozenset(names)) for names, build in _GROUPS if wanted & set(names)
        ]
        self.tape = Tape(left, right, keep=max(f.keep for f in self.formations))

    def on_candle(self, c: Candle) -> list[Signal]:
        self.tape.update(c)
        out: list[Signal] = []
        for formation in self.formations:
            found = formation.step(self.tape, c)
            if found:
                out.extend(found)
        return out


candle_detector("chart")(ChartDetector)
