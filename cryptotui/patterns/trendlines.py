"""Trendlines through swing points, and their breaks.

An **uptrend line** joins two rising pivot lows and lies under every pivot low between them;
a **downtrend line** joins two falling pivot highs above every pivot high between them (the
same rule on the price axis turned upside down). At each new pivot the detector tries the lines
from each of the last `memory` pivots of that kind to the new one that span at least `min_span`
candles; a line's touches are the pivots within `touch_atr` ATRs of it, and the best line (most
touches, then the longest) becomes the side's active line once it has `min_touches` touches
(the newest qualifying line replaces the old: it is the trend the market is respecting now).
A pivot on the active line adds a touch.

A **confirmed break** is a close beyond the active line by `break_atr` ATRs: `trendline_break`,
bearish for an uptrend line, bullish for a downtrend line, with the line's slope and touches
(`z` = touches). A line is dropped, unbroken, once it has run on past its last touch for as
long as it spanned before it (`extend` × span): a line far from the pivots that drew it tells
little.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from cryptotui.models import Candle, Direction, Signal
from cryptotui.patterns.base import CandleDetector, candle_detector, candle_signal
from cryptotui.patterns.swings import LOW, Line, Pivot, Tape


@dataclass(slots=True)
class Trendline:
    """A line in the side's own price space (downtrend lines mirrored)."""

    line: Line
    anchor: Pivot
    last: Pivot
    touches: int

    @property
    def span(self) -> int:
        return self.last.index - self.anchor.index


class _Side:
    """Uptrend lines (sign +1) or, mirrored, downtrend lines (sign −1)."""

    __slots__ = ("active", "lows", "sign")

    def __init__(self, sign: int, memory: int) -> None:
        self.sign = sign
        self.lows: deque[Pivot] = deque(maxlen=memory)
        self.active: Trendline | None = None


class Trendlines(CandleDetector):
    name = "trendlines"
    __slots__ = (
        "break_atr",
        "extend",
        "interval",
        "min_span",
        "min_touches",
        "sides",
        "symbol",
        "tape",
        "touch_atr",
    )

    def __init__(
        self,
        symbol: str,
        interval: str,
        *,
        left: int = 8,
        right: int = 4,
        memory: int = 8,
        min_span: int = 10,
        min_touches: int = 3,
        touch_atr: float = 0.15,
        break_atr: float = 0.25,
        extend: float = 1.0,
    ) -> None:
        self.symbol = symbol
        self.interval = interval
        self.tape = Tape(left, right)
        self.sides = (_Side(1, memory), _Side(-1, memory))
        self.min_span = min_span
        self.min_touches = min_touches
        self.touch_atr = touch_atr
        self.break_atr = break_atr
        self.extend = extend

    def lines(self) -> list[tuple[Line, int]]:
        """The active lines in real prices, with their touches (for the chart's overlay)."""
        out = []
        for side in self.sides:
            if side.active is not None:
                line, s = side.active.line, side.sign
                out.append((Line(line.x0, line.y0 * s, line.slope * s), side.active.touches))
        return out

    def on_candle(self, c: Candle) -> list[Signal]:
        tape = self.tape
        tape.update(c)
        atr = tape.atr
        if atr is None:
            return []
        out: list[Signal] = []
        for side in self.sides:
            for p in tape.pivots:
                q = p if side.sign > 0 else p.mirrored()
                if q.kind == LOW:
                    self._pivot(side, q, atr)
            found = self._check(side, c, atr)
            if found is not None:
                out.append(found)
        return out

    def _pivot(self, side: _Side, b: Pivot, atr: float) -> None:
        tolerance = self.touch_atr * atr
        active = side.active
        if active is not None and abs(b.price - active.line.at(b.index)) <= tolerance:
            active.touches += 1
            active.last = b
        best: Trendline | None = None
        lows = list(side.lows)
        for k, a in enumerate(lows):
            if a.price >= b.price or b.index - a.index < self.min_span:
                continue
            line = Line.through(a, b)
            between = lows[k + 1 :]
            if any(p.price < line.at(p.index) - tolerance for p in between):
                continue  # a pivot pierced it: no line
            if not self._intact(side, line, b, atr):
                continue
            touches = 2 + sum(abs(p.price - line.at(p.index)) <= tolerance for p in between)
            found = Trendline(line, a, b, touches)
            if best is None or (touches, found.span) > (best.touches, best.span):
                best = found
        if best is not None and best.touches >= self.min_touches:
            side.active = best
        side.lows.append(b)

    def _intact(self, side: _Side, line: Line, b: Pivot, atr: float) -> bool:
        """No close since `b` (its right side) broke the line already."""
        margin = self.break_atr * atr
        tape = self.tape
        for i in range(b.index + 1, tape.index + 1):
            if tape.bar(i).close * side.sign < line.at(i) - margin:
                return False
        return True

    def _check(self, side: _Side, c: Candle, atr: float) -> Signal | None:
        active = side.active
        if active is None:
            return None
        i = self.tape.index
        if i - active.last.index > self.extend * max(active.span, 1):
            side.active = None
            return None
        edge = active.line.at(i)
        if c.close * side.sign >= edge - self.break_atr * atr:
            return None
        side.active = None
        s = side.sign
        slope = active.line.slope * s
        factors = {
            "p1_time": float(active.anchor.time),
            "p1_price": active.anchor.price * s,
            "p2_time": float(active.last.time),
            "p2_price": active.last.price * s,
            "breakout": edge * s,
            "slope": slope,
            "slope_atr": slope / atr,
            "touches": float(active.touches),
            "z": float(active.touches),
            "atr": atr,
        }
        kind = "uptrend" if s > 0 else "downtrend"
        text = f"closed through the {kind} line at {edge * s:g} ({active.touches} touches)"
        direction = Direction.BEARISH if s > 0 else Direction.BULLISH
        return candle_signal("trendline_break", direction, c, factors, text, active.anchor.time)


candle_detector("trendlines")(Trendlines)
