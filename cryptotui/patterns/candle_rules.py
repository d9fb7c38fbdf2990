"""TA-Lib's candlestick rules, one `Rule` class per `CDL*` function, plus their metadata.

Each rule is a transcription of the corresponding `ta_CDL*.c` loop body: same comparisons, same
arithmetic in the same order (so float rounding matches), same output values. A rule sees the
recent candles (`b`, newest last) and `avg.get(setting, k)`: TA-Lib's candle average for
`setting` as seen by the candle `k` bars back, i.e. over the `avg_period` candles *before* that
one. The scanner (`candles.py`) keeps those rolling totals; rules only compare.

A rule is a class with a `detect` method, not a function: the scanner calls 25 to 61 of them on
every candle, and compiled, a method of a native class is called through its vtable, where a
function held in a variable is a generic Python call (its arguments boxed and parsed each time).
Each is registered by a call after it (`_pattern(...)(_Doji)`), not by a decorator: mypyc
compiles only undecorated classes natively.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from types import MappingProxyType
from typing import TypeVar

from cryptotui.hotpath import mypyc_attr
from cryptotui.patterns.candle_settings import (
    BODY_DOJI,
    BODY_LONG,
    BODY_SHORT,
    EQUAL,
    FAR,
    NEAR,
    SHADOW_LONG,
    SHADOW_SHORT,
    SHADOW_VERY_LONG,
    SHADOW_VERY_SHORT,
    CandleSetting,
    max_period,
)


@dataclass(slots=True, init=False)  # a compiled __init__: `cryptotui.hotpath` says why
class Bar:
    """One committed candle with the derived lengths every rule reads (computed once)."""

    open: float
    high: float
    low: float
    close: float
    body: float
    height: float
    upper: float
    lower: float
    top: float
    """max(open, close): the top of the real body."""
    bottom: float
    color: int
    """TA-Lib's candle colour: 1 white (close >= open), -1 black."""
    ranges: list[float]
    """Indexed by `RangeType`: real body, high-low, upper + lower shadow. A list: compiled, a
    tuple of floats is kept unboxed and rebuilt as a Python tuple on every read (the scanner's
    totals read ~20 per candle)."""

    def __init__(
        self,
        open: float,
        high: float,
        low: float,
        close: float,
        body: float,
        height: float,
        upper: float,
        lower: float,
        top: float,
        bottom: float,
        color: int,
        ranges: list[float],
    ) -> None:
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.body = body
        self.height = height
        self.upper = upper
        self.lower = lower
        self.top = top
        self.bottom = bottom
        self.color = color
        self.ranges = ranges

    @staticmethod
    def of(o: float, h: float, lo: float, c: float) -> Bar:
        """Derive the lengths exactly as TA-Lib's TA_REALBODY/TA_UPPERSHADOW/... macros do."""
        if c >= o:
            top, bottom, color = c, o, 1
        else:
            top, bottom, color = o, c, -1
        body = abs(c - o)
        upper = h - top
        lower = bottom - lo
        height = h - lo
        # Positional, in field order: the cheapest construction, interpreted or compiled.
        return Bar(
            o,
            h,
            lo,
            c,
            body,
            height,
            upper,
            lower,
            top,
            bottom,
            color,
            [body, height, upper + lower],
        )


def gap_up(later: Bar, earlier: Bar) -> bool:
    """TA_REALBODYGAPUP: `later`'s real body is entirely above `earlier`'s."""
    return later.bottom > earlier.top


def gap_down(later: Bar, earlier: Bar) -> bool:
    """TA_REALBODYGAPDOWN: `later`'s real body is entirely below `earlier`'s."""
    return later.top < earlier.bottom


@mypyc_attr(allow_interpreted_subclasses=True)
class Avg:
    """`avg.get(setting, k)`: the setting's threshold for the candle `k` bars back (0 = newest).

    Implemented by the scanner's rolling totals (`candles._Averages`). A class, not a callable:
    compiled rules then call `get` natively, and a rule reads a dozen averages per candle."""

    def get(self, setting: CandleSetting, k: int) -> float:
        raise NotImplementedError


class Rule:
    """`rule.detect(bars, avg)`: the recent bars (newest last; a list, which compiled rules index
    natively) and the averages in, TA-Lib's output value out. A stateful rule keeps its state on
    the instance: the scanner makes one per pattern."""

    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        raise NotImplementedError


class Direction(StrEnum):
    """How to read a pattern's value."""

    BULLISH = "bullish"
    BEARISH = "bearish"
    SIGNED = "signed"
    """Positive values are bullish, negative bearish."""
    NEUTRAL = "neutral"
    """Indecision: the value only says "present" (a sign, if any, is the candle's colour)."""


@dataclass(frozen=True, slots=True)
class PatternSpec:
    """What the scanner needs to run one TA-Lib rule, and what a UI needs to show it."""

    name: str
    """TA-Lib function name, lower-cased, without `CDL`: `engulfing` for `CDLENGULFING`."""
    title: str
    description: str
    direction: Direction
    values: tuple[int, ...]
    """Every non-zero value TA-Lib (and so the scanner) can return."""
    lookback: int
    """TA-Lib's `_Lookback()`: the first `lookback` candles always yield 0."""
    averages: tuple[tuple[CandleSetting, int], ...]
    """Every `avg.get(setting, k)` the rule may read; the scanner keeps a rolling total for each."""
    make: Callable[[], Rule]
    """A fresh instance of the rule (a new state machine for stateful rules)."""
    warmup: int = 0
    """Candles before `lookback` that a stateful rule must already see (its output ignored)."""

    @property
    def first(self) -> int:
        """Index of the first candle the rule judges: TA-Lib's loop (or pre-loop) start."""
        return self.lookback - self.warmup

    def bias(self, value: int) -> Direction:
        """Bullish, bearish or neutral reading of a value this pattern produced."""
        if self.direction is Direction.SIGNED:
            return Direction.BULLISH if value > 0 else Direction.BEARISH
        return self.direction


_REGISTRY: dict[str, PatternSpec] = {}
_R = TypeVar("_R", bound=Callable[[], Rule])
_DEFAULT_VALUES = {
    Direction.BULLISH: (100,),
    Direction.BEARISH: (-100,),
    Direction.SIGNED: (100, -100),
}


def _pattern(
    name: str,
    title: str,
    lookback: int,
    averages: tuple[tuple[CandleSetting, int], ...] = (),
    *,
    direction: Direction,
    description: str,
    values: tuple[int, ...] = (),
    warmup: int = 0,
) -> Callable[[_R], _R]:
    """Register a rule: its class, or a class with its arguments (`partial`)."""

    def register(rule: _R) -> _R:
        _REGISTRY[name] = PatternSpec(
            name=name,
            title=title,
            description=description,
            direction=direction,
            values=values or _DEFAULT_VALUES[direction],
            lookback=lookback,
            averages=averages,
            make=rule,
            warmup=warmup,
        )
        return rule

    return register


# --- one candle ----------------------------------------------------------------------------------


class _Doji(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        return 100 if b[-1].body <= avg.get(BODY_DOJI, 0) else 0


_pattern(
    "doji",
    "Doji",
    max_period(BODY_DOJI),
    ((BODY_DOJI, 0),),
    direction=Direction.NEUTRAL,
    values=(100,),
    description="Open and close (almost) equal: indecision.",
)(_Doji)


class _Dragonflydoji(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c = b[-1]
        return (
            100
            if c.body <= avg.get(BODY_DOJI, 0)
            and c.upper < avg.get(SHADOW_VERY_SHORT, 0)
            and c.lower > avg.get(SHADOW_VERY_SHORT, 0)
            else 0
        )


_pattern(
    "dragonflydoji",
    "Dragonfly Doji",
    max_period(BODY_DOJI, SHADOW_VERY_SHORT),
    ((BODY_DOJI, 0), (SHADOW_VERY_SHORT, 0)),
    direction=Direction.NEUTRAL,
    values=(100,),
    description="Doji at the high with a long lower shadow; a bottom hint after a decline.",
)(_Dragonflydoji)


class _Gravestonedoji(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c = b[-1]
        return (
            100
            if c.body <= avg.get(BODY_DOJI, 0)
            and c.lower < avg.get(SHADOW_VERY_SHORT, 0)
            and c.upper > avg.get(SHADOW_VERY_SHORT, 0)
            else 0
        )


_pattern(
    "gravestonedoji",
    "Gravestone Doji",
    max_period(BODY_DOJI, SHADOW_VERY_SHORT),
    ((BODY_DOJI, 0), (SHADOW_VERY_SHORT, 0)),
    direction=Direction.NEUTRAL,
    values=(100,),
    description="Doji at the low with a long upper shadow; a top hint after an advance.",
)(_Gravestonedoji)


class _Longleggeddoji(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c = b[-1]
        return (
            100
            if c.body <= avg.get(BODY_DOJI, 0)
            and (c.lower > avg.get(SHADOW_LONG, 0) or c.upper > avg.get(SHADOW_LONG, 0))
            else 0
        )


_pattern(
    "longleggeddoji",
    "Long Legged Doji",
    max_period(BODY_DOJI, SHADOW_LONG),
    ((BODY_DOJI, 0), (SHADOW_LONG, 0)),
    direction=Direction.NEUTRAL,
    values=(100,),
    description="Doji with at least one long shadow: strong indecision.",
)(_Longleggeddoji)


class _Rickshawman(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c = b[-1]
        return (
            100
            if c.body <= avg.get(BODY_DOJI, 0)
            and c.lower > avg.get(SHADOW_LONG, 0)
            and c.upper > avg.get(SHADOW_LONG, 0)
            and c.bottom <= c.low + c.height / 2 + avg.get(NEAR, 0)
            and c.top >= c.low + c.height / 2 - avg.get(NEAR, 0)
            else 0
        )


_pattern(
    "rickshawman",
    "Rickshaw Man",
    max_period(BODY_DOJI, SHADOW_LONG, NEAR),
    ((BODY_DOJI, 0), (SHADOW_LONG, 0), (NEAR, 0)),
    direction=Direction.NEUTRAL,
    values=(100,),
    description="Long-legged doji with its body near the middle of the range.",
)(_Rickshawman)


class _Takuri(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c = b[-1]
        return (
            100
            if c.body <= avg.get(BODY_DOJI, 0)
            and c.upper < avg.get(SHADOW_VERY_SHORT, 0)
            and c.lower > avg.get(SHADOW_VERY_LONG, 0)
            else 0
        )


_pattern(
    "takuri",
    "Takuri (Dragonfly Doji with very long lower shadow)",
    max_period(BODY_DOJI, SHADOW_VERY_SHORT, SHADOW_VERY_LONG),
    ((BODY_DOJI, 0), (SHADOW_VERY_SHORT, 0), (SHADOW_VERY_LONG, 0)),
    direction=Direction.BULLISH,
    description="Doji at the high with a very long lower shadow: buyers rejected the lows.",
)(_Takuri)


class _Spinningtop(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c = b[-1]
        if c.upper > c.body and c.lower > c.body and c.body < avg.get(BODY_SHORT, 0):
            return c.color * 100
        return 0


_pattern(
    "spinningtop",
    "Spinning Top",
    max_period(BODY_SHORT),
    ((BODY_SHORT, 0),),
    direction=Direction.NEUTRAL,
    values=(100, -100),
    description="Small body with shadows longer than it: indecision (sign = candle colour).",
)(_Spinningtop)


class _Highwave(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c = b[-1]
        if (
            c.body < avg.get(BODY_SHORT, 0)
            and c.upper > avg.get(SHADOW_VERY_LONG, 0)
            and c.lower > avg.get(SHADOW_VERY_LONG, 0)
        ):
            return c.color * 100
        return 0


_pattern(
    "highwave",
    "High-Wave Candle",
    max_period(BODY_SHORT, SHADOW_VERY_LONG),
    ((BODY_SHORT, 0), (SHADOW_VERY_LONG, 0)),
    direction=Direction.NEUTRAL,
    values=(100, -100),
    description="Small body, both shadows very long: confusion (sign = candle colour).",
)(_Highwave)


class _Shortline(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c = b[-1]
        if (
            c.body < avg.get(BODY_SHORT, 0)
            and c.upper < avg.get(SHADOW_SHORT, 0)
            and c.lower < avg.get(SHADOW_SHORT, 0)
        ):
            return c.color * 100
        return 0


_pattern(
    "shortline",
    "Short Line Candle",
    max_period(BODY_SHORT, SHADOW_SHORT),
    ((BODY_SHORT, 0), (SHADOW_SHORT, 0)),
    direction=Direction.NEUTRAL,
    values=(100, -100),
    description="Short body and short shadows: a quiet candle (sign = candle colour).",
)(_Shortline)


class _Longline(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c = b[-1]
        if (
            c.body > avg.get(BODY_LONG, 0)
            and c.upper < avg.get(SHADOW_SHORT, 0)
            and c.lower < avg.get(SHADOW_SHORT, 0)
        ):
            return c.color * 100
        return 0


_pattern(
    "longline",
    "Long Line Candle",
    max_period(BODY_LONG, SHADOW_SHORT),
    ((BODY_LONG, 0), (SHADOW_SHORT, 0)),
    direction=Direction.SIGNED,
    description="Long body with short shadows: one side in control.",
)(_Longline)


class _Marubozu(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c = b[-1]
        if (
            c.body > avg.get(BODY_LONG, 0)
            and c.upper < avg.get(SHADOW_VERY_SHORT, 0)
            and c.lower < avg.get(SHADOW_VERY_SHORT, 0)
        ):
            return c.color * 100
        return 0


_pattern(
    "marubozu",
    "Marubozu",
    max_period(BODY_LONG, SHADOW_VERY_SHORT),
    ((BODY_LONG, 0), (SHADOW_VERY_SHORT, 0)),
    direction=Direction.SIGNED,
    description="Long body with (almost) no shadows: strong conviction.",
)(_Marubozu)


class _Closingmarubozu(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c = b[-1]
        if c.body > avg.get(BODY_LONG, 0) and (
            (c.color == 1 and c.upper < avg.get(SHADOW_VERY_SHORT, 0))
            or (c.color == -1 and c.lower < avg.get(SHADOW_VERY_SHORT, 0))
        ):
            return c.color * 100
        return 0


_pattern(
    "closingmarubozu",
    "Closing Marubozu",
    max_period(BODY_LONG, SHADOW_VERY_SHORT),
    ((BODY_LONG, 0), (SHADOW_VERY_SHORT, 0)),
    direction=Direction.SIGNED,
    description="Long body closing at its extreme (no shadow on the close side).",
)(_Closingmarubozu)


class _Belthold(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c = b[-1]
        if c.body > avg.get(BODY_LONG, 0) and (
            (c.color == 1 and c.lower < avg.get(SHADOW_VERY_SHORT, 0))
            or (c.color == -1 and c.upper < avg.get(SHADOW_VERY_SHORT, 0))
        ):
            return c.color * 100
        return 0


_pattern(
    "belthold",
    "Belt-hold",
    max_period(BODY_LONG, SHADOW_VERY_SHORT),
    ((BODY_LONG, 0), (SHADOW_VERY_SHORT, 0)),
    direction=Direction.SIGNED,
    description="Long body opening at its extreme (no shadow on the open side).",
)(_Belthold)


# --- one candle judged against the previous one --------------------------------------------------


class _Hammer(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        p, c = b[-2], b[-1]
        return (
            100
            if c.body < avg.get(BODY_SHORT, 0)
            and c.lower > avg.get(SHADOW_LONG, 0)
            and c.upper < avg.get(SHADOW_VERY_SHORT, 0)
            and c.bottom <= p.low + avg.get(NEAR, 1)
            else 0
        )


_pattern(
    "hammer",
    "Hammer",
    max_period(BODY_SHORT, SHADOW_LONG, SHADOW_VERY_SHORT, NEAR) + 1,
    ((BODY_SHORT, 0), (SHADOW_LONG, 0), (SHADOW_VERY_SHORT, 0), (NEAR, 1)),
    direction=Direction.BULLISH,
    description="Small body at the top, long lower shadow, at or below the prior low.",
)(_Hammer)


class _Hangingman(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        p, c = b[-2], b[-1]
        return (
            -100
            if c.body < avg.get(BODY_SHORT, 0)
            and c.lower > avg.get(SHADOW_LONG, 0)
            and c.upper < avg.get(SHADOW_VERY_SHORT, 0)
            and c.bottom >= p.high - avg.get(NEAR, 1)
            else 0
        )


_pattern(
    "hangingman",
    "Hanging Man",
    max_period(BODY_SHORT, SHADOW_LONG, SHADOW_VERY_SHORT, NEAR) + 1,
    ((BODY_SHORT, 0), (SHADOW_LONG, 0), (SHADOW_VERY_SHORT, 0), (NEAR, 1)),
    direction=Direction.BEARISH,
    description="Hammer shape at or above the prior high: buyers may be exhausted.",
)(_Hangingman)


class _Invertedhammer(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        p, c = b[-2], b[-1]
        return (
            100
            if gap_down(c, p)
            and c.body < avg.get(BODY_SHORT, 0)
            and c.upper > avg.get(SHADOW_LONG, 0)
            and c.lower < avg.get(SHADOW_VERY_SHORT, 0)
            else 0
        )


_pattern(
    "invertedhammer",
    "Inverted Hammer",
    max_period(BODY_SHORT, SHADOW_LONG, SHADOW_VERY_SHORT) + 1,
    ((BODY_SHORT, 0), (SHADOW_LONG, 0), (SHADOW_VERY_SHORT, 0)),
    direction=Direction.BULLISH,
    description="Small body at the bottom, long upper shadow, gapping down.",
)(_Invertedhammer)


class _Shootingstar(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        p, c = b[-2], b[-1]
        return (
            -100
            if gap_up(c, p)
            and c.body < avg.get(BODY_SHORT, 0)
            and c.upper > avg.get(SHADOW_LONG, 0)
            and c.lower < avg.get(SHADOW_VERY_SHORT, 0)
            else 0
        )


_pattern(
    "shootingstar",
    "Shooting Star",
    max_period(BODY_SHORT, SHADOW_LONG, SHADOW_VERY_SHORT) + 1,
    ((BODY_SHORT, 0), (SHADOW_LONG, 0), (SHADOW_VERY_SHORT, 0)),
    direction=Direction.BEARISH,
    description="Small body at the bottom, long upper shadow, gapping up.",
)(_Shootingstar)


# --- two candles ---------------------------------------------------------------------------------


class _Engulfing(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], _avg: Avg) -> int:
        p, c = b[-2], b[-1]
        if (
            c.color == 1
            and p.color == -1
            and (
                (c.close >= p.open and c.open < p.close) or (c.close > p.open and c.open <= p.close)
            )
        ) or (
            c.color == -1
            and p.color == 1
            and (
                (c.open >= p.close and c.close < p.open) or (c.open > p.close and c.close <= p.open)
            )
        ):
            return c.color * (100 if c.open != p.close and c.close != p.open else 80)
        return 0


_pattern(
    "engulfing",
    "Engulfing Pattern",
    2,
    direction=Direction.SIGNED,
    values=(100, 80, -80, -100),
    description="A body engulfs the prior opposite body (80: one end matches).",
)(_Engulfing)


def _harami_value(p: Bar, c: Bar) -> int:
    """Harami body containment: strictly inside 100, one end matching 80, signed against `p`."""
    if c.top < p.top and c.bottom > p.bottom:
        return -p.color * 100
    if c.top <= p.top and c.bottom >= p.bottom:
        return -p.color * 80
    return 0


class _Harami(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        p, c = b[-2], b[-1]
        if p.body > avg.get(BODY_LONG, 1) and c.body <= avg.get(BODY_SHORT, 0):
            return _harami_value(p, c)
        return 0


_pattern(
    "harami",
    "Harami Pattern",
    max_period(BODY_SHORT, BODY_LONG) + 1,
    ((BODY_LONG, 1), (BODY_SHORT, 0)),
    direction=Direction.SIGNED,
    values=(100, 80, -80, -100),
    description="A short body inside the prior long body (80: one end matches).",
)(_Harami)


class _Haramicross(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        p, c = b[-2], b[-1]
        if p.body > avg.get(BODY_LONG, 1) and c.body <= avg.get(BODY_DOJI, 0):
            return _harami_value(p, c)
        return 0


_pattern(
    "haramicross",
    "Harami Cross Pattern",
    max_period(BODY_DOJI, BODY_LONG) + 1,
    ((BODY_LONG, 1), (BODY_DOJI, 0)),
    direction=Direction.SIGNED,
    values=(100, 80, -80, -100),
    description="A doji inside the prior long body (80: one end matches).",
)(_Haramicross)


class _Piercing(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        p, c = b[-2], b[-1]
        return (
            100
            if p.color == -1
            and p.body > avg.get(BODY_LONG, 1)
            and c.color == 1
            and c.body > avg.get(BODY_LONG, 0)
            and c.open < p.low
            and c.close < p.open
            and c.close > p.close + p.body * 0.5
            else 0
        )


_pattern(
    "piercing",
    "Piercing Pattern",
    max_period(BODY_LONG) + 1,
    ((BODY_LONG, 1), (BODY_LONG, 0)),
    direction=Direction.BULLISH,
    description="Long black, then a long white opening below its low, closing above its midpoint.",
)(_Piercing)


class _Darkcloudcover(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        p, c = b[-2], b[-1]
        return (
            -100
            if p.color == 1
            and p.body > avg.get(BODY_LONG, 1)
            and c.color == -1
            and c.open > p.high
            and c.close > p.open
            and c.close < p.close - p.body * 0.5  # TA-Lib's default penetration
            else 0
        )


_pattern(
    "darkcloudcover",
    "Dark Cloud Cover",
    max_period(BODY_LONG) + 1,
    ((BODY_LONG, 1),),
    direction=Direction.BEARISH,
    description="Long white, then a black opening above its high and closing below its midpoint.",
)(_Darkcloudcover)


class _Dojistar(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        p, c = b[-2], b[-1]
        if (
            p.body > avg.get(BODY_LONG, 1)
            and c.body <= avg.get(BODY_DOJI, 0)
            and ((p.color == 1 and gap_up(c, p)) or (p.color == -1 and gap_down(c, p)))
        ):
            return -p.color * 100
        return 0


_pattern(
    "dojistar",
    "Doji Star",
    max_period(BODY_DOJI, BODY_LONG) + 1,
    ((BODY_LONG, 1), (BODY_DOJI, 0)),
    direction=Direction.SIGNED,
    description="A doji gapping away from a long body; signed against the long candle.",
)(_Dojistar)


class _Matchinglow(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        p, c = b[-2], b[-1]
        return (
            100
            if p.color == -1
            and c.color == -1
            and c.close <= p.close + avg.get(EQUAL, 1)
            and c.close >= p.close - avg.get(EQUAL, 1)
            else 0
        )


_pattern(
    "matchinglow",
    "Matching Low",
    max_period(EQUAL) + 1,
    ((EQUAL, 1),),
    direction=Direction.BULLISH,
    description="Two black candles closing at the same level: support found.",
)(_Matchinglow)


class _Homingpigeon(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        p, c = b[-2], b[-1]
        return (
            100
            if p.color == -1
            and c.color == -1
            and p.body > avg.get(BODY_LONG, 1)
            and c.body <= avg.get(BODY_SHORT, 0)
            and c.open < p.open
            and c.close > p.close
            else 0
        )


_pattern(
    "homingpigeon",
    "Homing Pigeon",
    max_period(BODY_SHORT, BODY_LONG) + 1,
    ((BODY_LONG, 1), (BODY_SHORT, 0)),
    direction=Direction.BULLISH,
    description="A short black body inside the prior long black body.",
)(_Homingpigeon)


def _is_marubozu(c: Bar, avg: Avg, k: int) -> bool:
    """Long body and very short shadows, for the candle `k` bars back (kicking patterns)."""
    return (
        c.body > avg.get(BODY_LONG, k)
        and c.upper < avg.get(SHADOW_VERY_SHORT, k)
        and c.lower < avg.get(SHADOW_VERY_SHORT, k)
    )


def _is_kick(p: Bar, c: Bar, avg: Avg) -> bool:
    """Two opposite marubozu with a gap between their ranges in the direction of the second."""
    return (
        p.color == -c.color
        and _is_marubozu(p, avg, 1)
        and _is_marubozu(c, avg, 0)
        and ((p.color == -1 and c.low > p.high) or (p.color == 1 and c.high < p.low))
    )


_KICK_AVERAGES = ((SHADOW_VERY_SHORT, 1), (SHADOW_VERY_SHORT, 0), (BODY_LONG, 1), (BODY_LONG, 0))


class _Kicking(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        p, c = b[-2], b[-1]
        return c.color * 100 if _is_kick(p, c, avg) else 0


_pattern(
    "kicking",
    "Kicking",
    max_period(SHADOW_VERY_SHORT, BODY_LONG) + 1,
    _KICK_AVERAGES,
    direction=Direction.SIGNED,
    description="A marubozu, then an opposite marubozu gapping away: signed by the second.",
)(_Kicking)


class _Kickingbylength(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        p, c = b[-2], b[-1]
        if _is_kick(p, c, avg):
            return (c if c.body > p.body else p).color * 100
        return 0


_pattern(
    "kickingbylength",
    "Kicking - bull/bear determined by the longer marubozu",
    max_period(SHADOW_VERY_SHORT, BODY_LONG) + 1,
    _KICK_AVERAGES,
    direction=Direction.SIGNED,
    description="Kicking, signed by the colour of the longer of the two marubozu.",
)(_Kickingbylength)


class _Counterattack(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        p, c = b[-2], b[-1]
        if (
            p.color == -c.color
            and p.body > avg.get(BODY_LONG, 1)
            and c.body > avg.get(BODY_LONG, 0)
            and c.close <= p.close + avg.get(EQUAL, 1)
            and c.close >= p.close - avg.get(EQUAL, 1)
        ):
            return c.color * 100
        return 0


_pattern(
    "counterattack",
    "Counterattack",
    max_period(EQUAL, BODY_LONG) + 1,
    ((EQUAL, 1), (BODY_LONG, 1), (BODY_LONG, 0)),
    direction=Direction.SIGNED,
    description="Two opposite long candles closing at the same level.",
)(_Counterattack)


class _Separatinglines(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        p, c = b[-2], b[-1]
        if (
            p.color == -c.color
            and c.open <= p.open + avg.get(EQUAL, 1)
            and c.open >= p.open - avg.get(EQUAL, 1)
            and c.body > avg.get(BODY_LONG, 0)
            and (
                (c.color == 1 and c.lower < avg.get(SHADOW_VERY_SHORT, 0))
                or (c.color == -1 and c.upper < avg.get(SHADOW_VERY_SHORT, 0))
            )
        ):
            return c.color * 100
        return 0


_pattern(
    "separatinglines",
    "Separating Lines",
    max_period(SHADOW_VERY_SHORT, BODY_LONG, EQUAL) + 1,
    ((SHADOW_VERY_SHORT, 0), (BODY_LONG, 0), (EQUAL, 1)),
    direction=Direction.SIGNED,
    description="Opposite candle opening where the prior opened, as a belt-hold: continuation.",
)(_Separatinglines)


_NECK_AVERAGES = ((EQUAL, 1), (BODY_LONG, 1))


class _Inneck(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        p, c = b[-2], b[-1]
        return (
            -100
            if p.color == -1
            and p.body > avg.get(BODY_LONG, 1)
            and c.color == 1
            and c.open < p.low
            and c.close <= p.close + avg.get(EQUAL, 1)
            and c.close >= p.close
            else 0
        )


_pattern(
    "inneck",
    "In-Neck Pattern",
    max_period(EQUAL, BODY_LONG) + 1,
    _NECK_AVERAGES,
    direction=Direction.BEARISH,
    description="Long black, then a white opening below its low, closing just into its body.",
)(_Inneck)


class _Onneck(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        p, c = b[-2], b[-1]
        return (
            -100
            if p.color == -1
            and p.body > avg.get(BODY_LONG, 1)
            and c.color == 1
            and c.open < p.low
            and c.close <= p.low + avg.get(EQUAL, 1)
            and c.close >= p.low - avg.get(EQUAL, 1)
            else 0
        )


_pattern(
    "onneck",
    "On-Neck Pattern",
    max_period(EQUAL, BODY_LONG) + 1,
    _NECK_AVERAGES,
    direction=Direction.BEARISH,
    description="Long black, then a white opening below its low, closing at that low.",
)(_Onneck)


class _Thrusting(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        p, c = b[-2], b[-1]
        return (
            -100
            if p.color == -1
            and p.body > avg.get(BODY_LONG, 1)
            and c.color == 1
            and c.open < p.low
            and c.close > p.close + avg.get(EQUAL, 1)
            and c.close <= p.close + p.body * 0.5
            else 0
        )


_pattern(
    "thrusting",
    "Thrusting Pattern",
    max_period(EQUAL, BODY_LONG) + 1,
    _NECK_AVERAGES,
    direction=Direction.BEARISH,
    description="Long black, then a white opening below its low, closing below its midpoint.",
)(_Thrusting)


# --- three candles -------------------------------------------------------------------------------

_STAR_PENETRATION = 0.3
"""TA-Lib's default `optInPenetration` for the star and abandoned-baby patterns."""


class _Morningstar(Rule):
    """A morning star; `middle` is the setting the middle candle's body must not exceed
    (`BODY_SHORT`: a star; `BODY_DOJI`: a doji star)."""

    __slots__ = ("middle",)

    def __init__(self, middle: CandleSetting = BODY_SHORT) -> None:
        self.middle = middle

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c1, c2, c3 = b[-3], b[-2], b[-1]
        return (
            100
            if c1.color == -1
            and c3.color == 1
            and gap_down(c2, c1)
            and c3.close > c1.close + c1.body * _STAR_PENETRATION
            and c1.body > avg.get(BODY_LONG, 2)
            and c2.body <= avg.get(self.middle, 1)
            and c3.body > avg.get(BODY_SHORT, 0)
            else 0
        )


_pattern(
    "morningstar",
    "Morning Star",
    max_period(BODY_SHORT, BODY_LONG) + 2,
    ((BODY_LONG, 2), (BODY_SHORT, 1), (BODY_SHORT, 0)),
    direction=Direction.BULLISH,
    description="Long black, a short body gapping down, a white closing well into the first.",
)(_Morningstar)


class _Eveningstar(Rule):
    """An evening star; `middle` as in `_Morningstar`."""

    __slots__ = ("middle",)

    def __init__(self, middle: CandleSetting = BODY_SHORT) -> None:
        self.middle = middle

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c1, c2, c3 = b[-3], b[-2], b[-1]
        return (
            -100
            if c1.color == 1
            and c3.color == -1
            and gap_up(c2, c1)
            and c3.close < c1.close - c1.body * _STAR_PENETRATION
            and c1.body > avg.get(BODY_LONG, 2)
            and c2.body <= avg.get(self.middle, 1)
            and c3.body > avg.get(BODY_SHORT, 0)
            else 0
        )


_pattern(
    "eveningstar",
    "Evening Star",
    max_period(BODY_SHORT, BODY_LONG) + 2,
    ((BODY_LONG, 2), (BODY_SHORT, 1), (BODY_SHORT, 0)),
    direction=Direction.BEARISH,
    description="Long white, a short body gapping up, a black closing well into the first.",
)(_Eveningstar)


_DOJI_STAR_AVERAGES = ((BODY_LONG, 2), (BODY_DOJI, 1), (BODY_SHORT, 0))

_pattern(
    "morningdojistar",
    "Morning Doji Star",
    max_period(BODY_DOJI, BODY_LONG, BODY_SHORT) + 2,
    _DOJI_STAR_AVERAGES,
    direction=Direction.BULLISH,
    description="Morning star whose middle candle is a doji.",
)(partial(_Morningstar, BODY_DOJI))

_pattern(
    "eveningdojistar",
    "Evening Doji Star",
    max_period(BODY_DOJI, BODY_LONG, BODY_SHORT) + 2,
    _DOJI_STAR_AVERAGES,
    direction=Direction.BEARISH,
    description="Evening star whose middle candle is a doji.",
)(partial(_Eveningstar, BODY_DOJI))


class _Abandonedbaby(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c1, c2, c3 = b[-3], b[-2], b[-1]
        if (
            c1.body > avg.get(BODY_LONG, 2)
            and c2.body <= avg.get(BODY_DOJI, 1)
            and c3.body > avg.get(BODY_SHORT, 0)
            and (
                (
                    c1.color == 1
                    and c3.color == -1
                    and c3.close < c1.close - c1.body * _STAR_PENETRATION
                    and c2.low > c1.high
                    and c3.high < c2.low
                )
                or (
                    c1.color == -1
                    and c3.color == 1
                    and c3.close > c1.close + c1.body * _STAR_PENETRATION
                    and c2.high < c1.low
                    and c3.low > c2.high
                )
            )
        ):
            return c3.color * 100
        return 0


_pattern(
    "abandonedbaby",
    "Abandoned Baby",
    max_period(BODY_DOJI, BODY_LONG, BODY_SHORT) + 2,
    _DOJI_STAR_AVERAGES,
    direction=Direction.SIGNED,
    description="Long candle, a doji gapping away (shadows apart), then a gap back the other way.",
)(_Abandonedbaby)


class _Tristar(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c1, c2, c3 = b[-3], b[-2], b[-1]
        doji = avg.get(BODY_DOJI, 2)  # TA-Lib judges all three against the first one's average
        if not (c1.body <= doji and c2.body <= doji and c3.body <= doji):
            return 0
        value = 0
        if gap_up(c2, c1) and c3.top < c2.top:
            value = -100
        if gap_down(c2, c1) and c3.bottom > c2.bottom:
            value = 100
        return value


_pattern(
    "tristar",
    "Tristar Pattern",
    max_period(BODY_DOJI) + 2,
    ((BODY_DOJI, 2),),
    direction=Direction.SIGNED,
    description="Three dojis, the middle one gapping away from the first.",
)(_Tristar)


class _3whitesoldiers(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c1, c2, c3 = b[-3], b[-2], b[-1]
        return (
            100
            if c1.color == 1
            and c1.upper < avg.get(SHADOW_VERY_SHORT, 2)
            and c2.color == 1
            and c2.upper < avg.get(SHADOW_VERY_SHORT, 1)
            and c3.color == 1
            and c3.upper < avg.get(SHADOW_VERY_SHORT, 0)
            and c3.close > c2.close
            and c2.close > c1.close
            and c2.open > c1.open
            and c2.open <= c1.close + avg.get(NEAR, 2)
            and c3.open > c2.open
            and c3.open <= c2.close + avg.get(NEAR, 1)
            and c2.body > c1.body - avg.get(FAR, 2)
            and c3.body > c2.body - avg.get(FAR, 1)
            and c3.body > avg.get(BODY_SHORT, 0)
            else 0
        )


_pattern(
    "3whitesoldiers",
    "Three Advancing White Soldiers",
    max_period(SHADOW_VERY_SHORT, BODY_SHORT, FAR, NEAR) + 2,
    (
        (SHADOW_VERY_SHORT, 2),
        (SHADOW_VERY_SHORT, 1),
        (SHADOW_VERY_SHORT, 0),
        (NEAR, 2),
        (NEAR, 1),
        (FAR, 2),
        (FAR, 1),
        (BODY_SHORT, 0),
    ),
    direction=Direction.BULLISH,
    description="Three white candles with higher closes, each opening within the prior body.",
)(_3whitesoldiers)


class _3blackcrows(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c0, c1, c2, c3 = b[-4], b[-3], b[-2], b[-1]
        return (
            -100
            if c0.color == 1
            and c1.color == -1
            and c2.color == -1
            and c3.color == -1
            and c2.open < c1.open
            and c2.open > c1.close
            and c3.open < c2.open
            and c3.open > c2.close
            and c0.high > c1.close
            and c1.close > c2.close
            and c2.close > c3.close
            and c1.lower < avg.get(SHADOW_VERY_SHORT, 2)
            and c2.lower < avg.get(SHADOW_VERY_SHORT, 1)
            and c3.lower < avg.get(SHADOW_VERY_SHORT, 0)
            else 0
        )


_pattern(
    "3blackcrows",
    "Three Black Crows",
    max_period(SHADOW_VERY_SHORT) + 3,
    ((SHADOW_VERY_SHORT, 2), (SHADOW_VERY_SHORT, 1), (SHADOW_VERY_SHORT, 0)),
    direction=Direction.BEARISH,
    description="After a white candle, three declining blacks each opening within the prior body.",
)(_3blackcrows)


class _Identical3crows(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c1, c2, c3 = b[-3], b[-2], b[-1]
        return (
            -100
            if c1.color == -1
            and c1.lower < avg.get(SHADOW_VERY_SHORT, 2)
            and c2.color == -1
            and c2.lower < avg.get(SHADOW_VERY_SHORT, 1)
            and c3.color == -1
            and c3.lower < avg.get(SHADOW_VERY_SHORT, 0)
            and c1.close > c2.close
            and c2.close > c3.close
            and c2.open <= c1.close + avg.get(EQUAL, 2)
            and c2.open >= c1.close - avg.get(EQUAL, 2)
            and c3.open <= c2.close + avg.get(EQUAL, 1)
            and c3.open >= c2.close - avg.get(EQUAL, 1)
            else 0
        )


_pattern(
    "identical3crows",
    "Identical Three Crows",
    max_period(SHADOW_VERY_SHORT, EQUAL) + 2,
    (
        (SHADOW_VERY_SHORT, 2),
        (SHADOW_VERY_SHORT, 1),
        (SHADOW_VERY_SHORT, 0),
        (EQUAL, 2),
        (EQUAL, 1),
    ),
    direction=Direction.BEARISH,
    description="Three declining blacks, each opening at the prior close.",
)(_Identical3crows)


class _3inside(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c1, c2, c3 = b[-3], b[-2], b[-1]
        if (
            c2.top < c1.top
            and c2.bottom > c1.bottom
            and (
                (c1.color == 1 and c3.color == -1 and c3.close < c1.open)
                or (c1.color == -1 and c3.color == 1 and c3.close > c1.open)
            )
            and c1.body > avg.get(BODY_LONG, 2)
            and c2.body <= avg.get(BODY_SHORT, 1)
        ):
            return -c1.color * 100
        return 0


_pattern(
    "3inside",
    "Three Inside Up/Down",
    max_period(BODY_SHORT, BODY_LONG) + 2,
    ((BODY_LONG, 2), (BODY_SHORT, 1)),
    direction=Direction.SIGNED,
    description="A harami confirmed by a third candle closing beyond the first one's open.",
)(_3inside)


class _3outside(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], _avg: Avg) -> int:
        c1, c2, c3 = b[-3], b[-2], b[-1]
        if (
            c2.color == 1
            and c1.color == -1
            and c2.close > c1.open
            and c2.open < c1.close
            and c3.close > c2.close
        ) or (
            c2.color == -1
            and c1.color == 1
            and c2.open > c1.close
            and c2.close < c1.open
            and c3.close < c2.close
        ):
            return c2.color * 100
        return 0


_pattern(
    "3outside",
    "Three Outside Up/Down",
    3,
    direction=Direction.SIGNED,
    description="An engulfing confirmed by a third candle closing further in its direction.",
)(_3outside)


class _2crows(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c1, c2, c3 = b[-3], b[-2], b[-1]
        return (
            -100
            if c1.color == 1
            and c1.body > avg.get(BODY_LONG, 2)
            and c2.color == -1
            and gap_up(c2, c1)
            and c3.color == -1
            and c3.open < c2.open
            and c3.open > c2.close
            and c3.close > c1.open
            and c3.close < c1.close
            else 0
        )


_pattern(
    "2crows",
    "Two Crows",
    max_period(BODY_LONG) + 2,
    ((BODY_LONG, 2),),
    direction=Direction.BEARISH,
    description="Long white, a black gapping up, a black closing inside the white body.",
)(_2crows)


class _Upsidegap2crows(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c1, c2, c3 = b[-3], b[-2], b[-1]
        return (
            -100
            if c1.color == 1
            and c1.body > avg.get(BODY_LONG, 2)
            and c2.color == -1
            and c2.body <= avg.get(BODY_SHORT, 1)
            and gap_up(c2, c1)
            and c3.color == -1
            and c3.open > c2.open
            and c3.close < c2.close
            and c3.close > c1.close
            else 0
        )


_pattern(
    "upsidegap2crows",
    "Upside Gap Two Crows",
    max_period(BODY_SHORT, BODY_LONG) + 2,
    ((BODY_LONG, 2), (BODY_SHORT, 1)),
    direction=Direction.BEARISH,
    description="Long white, a small black gapping up, a black engulfing it above the white close.",
)(_Upsidegap2crows)


class _3starsinsouth(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c1, c2, c3 = b[-3], b[-2], b[-1]
        return (
            100
            if c1.color == -1
            and c2.color == -1
            and c3.color == -1
            and c1.body > avg.get(BODY_LONG, 2)
            and c1.lower > avg.get(SHADOW_LONG, 2)
            and c2.body < c1.body
            and c2.open > c1.close
            and c2.open <= c1.high
            and c2.low < c1.close
            and c2.low >= c1.low
            and c2.lower > avg.get(SHADOW_VERY_SHORT, 1)
            and c3.body < avg.get(BODY_SHORT, 0)
            and c3.lower < avg.get(SHADOW_VERY_SHORT, 0)
            and c3.upper < avg.get(SHADOW_VERY_SHORT, 0)
            and c3.low > c2.low
            and c3.high < c2.high
            else 0
        )


_pattern(
    "3starsinsouth",
    "Three Stars In The South",
    max_period(SHADOW_VERY_SHORT, SHADOW_LONG, BODY_LONG, BODY_SHORT) + 2,
    (
        (BODY_LONG, 2),
        (SHADOW_LONG, 2),
        (SHADOW_VERY_SHORT, 1),
        (SHADOW_VERY_SHORT, 0),
        (BODY_SHORT, 0),
    ),
    direction=Direction.BULLISH,
    description="Three shrinking blacks with rising lows, the last a small marubozu.",
)(_3starsinsouth)


class _Advanceblock(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c1, c2, c3 = b[-3], b[-2], b[-1]
        return (
            -100
            if c1.color == 1
            and c2.color == 1
            and c3.color == 1
            and c3.close > c2.close
            and c2.close > c1.close
            and c2.open > c1.open
            and c2.open <= c1.close + avg.get(NEAR, 2)
            and c3.open > c2.open
            and c3.open <= c2.close + avg.get(NEAR, 1)
            and c1.body > avg.get(BODY_LONG, 2)
            and c1.upper < avg.get(SHADOW_SHORT, 2)
            and _advance_blocked(c1, c2, c3, avg)
            else 0
        )


_pattern(
    "advanceblock",
    "Advance Block",
    max_period(SHADOW_LONG, SHADOW_SHORT, FAR, NEAR, BODY_LONG) + 2,
    (
        (SHADOW_SHORT, 2),
        (SHADOW_SHORT, 1),
        (SHADOW_SHORT, 0),
        (SHADOW_LONG, 0),
        (NEAR, 2),
        (NEAR, 1),
        (FAR, 2),
        (FAR, 1),
        (BODY_LONG, 2),
    ),
    direction=Direction.BEARISH,
    description="Three rising whites losing strength: shrinking bodies and/or long upper shadows.",
)(_Advanceblock)


def _advance_blocked(c1: Bar, c2: Bar, c3: Bar, avg: Avg) -> bool:
    """The four ways TA-Lib lets the advance stall (second/third candle weakening)."""
    return (
        (c2.body < c1.body - avg.get(FAR, 2) and c3.body < c2.body + avg.get(NEAR, 1))
        or c3.body < c2.body - avg.get(FAR, 1)
        or (
            c3.body < c2.body
            and c2.body < c1.body
            and (c3.upper > avg.get(SHADOW_SHORT, 0) or c2.upper > avg.get(SHADOW_SHORT, 1))
        )
        or (c3.body < c2.body and c3.upper > avg.get(SHADOW_LONG, 0))
    )


class _Stalledpattern(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c1, c2, c3 = b[-3], b[-2], b[-1]
        return (
            -100
            if c1.color == 1
            and c2.color == 1
            and c3.color == 1
            and c3.close > c2.close
            and c2.close > c1.close
            and c1.body > avg.get(BODY_LONG, 2)
            and c2.body > avg.get(BODY_LONG, 1)
            and c2.upper < avg.get(SHADOW_VERY_SHORT, 1)
            and c2.open > c1.open
            and c2.open <= c1.close + avg.get(NEAR, 2)
            and c3.body < avg.get(BODY_SHORT, 0)
            and c3.open >= c2.close - c3.body - avg.get(NEAR, 1)
            else 0
        )


_pattern(
    "stalledpattern",
    "Stalled Pattern",
    max_period(BODY_LONG, BODY_SHORT, SHADOW_VERY_SHORT, NEAR) + 2,
    ((BODY_LONG, 2), (BODY_LONG, 1), (BODY_SHORT, 0), (SHADOW_VERY_SHORT, 1), (NEAR, 2), (NEAR, 1)),
    direction=Direction.BEARISH,
    description="Two long whites, then a small white riding on the second's shoulder.",
)(_Stalledpattern)


class _Sticksandwich(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c1, c2, c3 = b[-3], b[-2], b[-1]
        return (
            100
            if c1.color == -1
            and c2.color == 1
            and c3.color == -1
            and c2.low > c1.close
            and c3.close <= c1.close + avg.get(EQUAL, 2)
            and c3.close >= c1.close - avg.get(EQUAL, 2)
            else 0
        )


_pattern(
    "sticksandwich",
    "Stick Sandwich",
    max_period(EQUAL) + 2,
    ((EQUAL, 2),),
    direction=Direction.BULLISH,
    description="Black, white trading above its close, black closing where the first closed.",
)(_Sticksandwich)


class _Unique3river(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c1, c2, c3 = b[-3], b[-2], b[-1]
        return (
            100
            if c1.color == -1
            and c2.color == -1
            and c3.color == 1
            and c2.close > c1.close
            and c2.open <= c1.open
            and c2.low < c1.low
            and c3.open > c2.low
            and c1.body > avg.get(BODY_LONG, 2)
            and c3.body < avg.get(BODY_SHORT, 0)
            else 0
        )


_pattern(
    "unique3river",
    "Unique 3 River",
    max_period(BODY_SHORT, BODY_LONG) + 2,
    ((BODY_LONG, 2), (BODY_SHORT, 0)),
    direction=Direction.BULLISH,
    description="Long black, a black harami with a lower low, a small white above that low.",
)(_Unique3river)


class _Gapsidesidewhite(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c1, c2, c3 = b[-3], b[-2], b[-1]
        if (
            ((gap_up(c2, c1) and gap_up(c3, c1)) or (gap_down(c2, c1) and gap_down(c3, c1)))
            and c2.color == 1
            and c3.color == 1
            and c3.body >= c2.body - avg.get(NEAR, 1)
            and c3.body <= c2.body + avg.get(NEAR, 1)
            and c3.open >= c2.open - avg.get(EQUAL, 1)
            and c3.open <= c2.open + avg.get(EQUAL, 1)
        ):
            return 100 if gap_up(c2, c1) else -100
        return 0


_pattern(
    "gapsidesidewhite",
    "Up/Down-gap side-by-side white lines",
    max_period(NEAR, EQUAL) + 2,
    ((NEAR, 1), (EQUAL, 1)),
    direction=Direction.SIGNED,
    description="Two similar white candles side by side after a gap; signed by the gap.",
)(_Gapsidesidewhite)


class _Tasukigap(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c1, c2, c3 = b[-3], b[-2], b[-1]
        if (
            gap_up(c2, c1)
            and c2.color == 1
            and c3.color == -1
            and c3.open < c2.close
            and c3.open > c2.open
            and c3.close < c2.open
            and c3.close > c1.top
            and abs(c2.body - c3.body) < avg.get(NEAR, 1)
        ) or (
            gap_down(c2, c1)
            and c2.color == -1
            and c3.color == 1
            and c3.open < c2.open
            and c3.open > c2.close
            and c3.close > c2.open
            and c3.close < c1.bottom
            and abs(c2.body - c3.body) < avg.get(NEAR, 1)
        ):
            return c2.color * 100
        return 0


_pattern(
    "tasukigap",
    "Tasuki Gap",
    max_period(NEAR) + 2,
    ((NEAR, 1),),
    direction=Direction.SIGNED,
    description="After a gap, an opposite candle partly closes it: continuation.",
)(_Tasukigap)


class _Xsidegap3methods(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], _avg: Avg) -> int:
        c1, c2, c3 = b[-3], b[-2], b[-1]
        if (
            c1.color == c2.color
            and c2.color == -c3.color
            and c3.open < c2.top
            and c3.open > c2.bottom
            and c3.close < c1.top
            and c3.close > c1.bottom
            and ((c1.color == 1 and gap_up(c2, c1)) or (c1.color == -1 and gap_down(c2, c1)))
        ):
            return c1.color * 100
        return 0


_pattern(
    "xsidegap3methods",
    "Upside/Downside Gap Three Methods",
    2,
    direction=Direction.SIGNED,
    description="Two candles with a gap between them, then an opposite one closing the gap.",
)(_Xsidegap3methods)


# --- four and five candles -----------------------------------------------------------------------


class _3linestrike(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c1, c2, c3, c4 = b[-4], b[-3], b[-2], b[-1]
        if (
            c1.color == c2.color
            and c2.color == c3.color
            and c4.color == -c3.color
            and c2.open >= c1.bottom - avg.get(NEAR, 3)
            and c2.open <= c1.top + avg.get(NEAR, 3)
            and c3.open >= c2.bottom - avg.get(NEAR, 2)
            and c3.open <= c2.top + avg.get(NEAR, 2)
            and (
                (
                    c3.color == 1
                    and c3.close > c2.close
                    and c2.close > c1.close
                    and c4.open > c3.close
                    and c4.close < c1.open
                )
                or (
                    c3.color == -1
                    and c3.close < c2.close
                    and c2.close < c1.close
                    and c4.open < c3.close
                    and c4.close > c1.open
                )
            )
        ):
            return c3.color * 100
        return 0


_pattern(
    "3linestrike",
    "Three-Line Strike",
    max_period(NEAR) + 3,
    ((NEAR, 3), (NEAR, 2)),
    direction=Direction.SIGNED,
    description="Three soldiers (crows), then one candle wiping them out; signed by the three.",
)(_3linestrike)


class _Concealbabyswall(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c1, c2, c3, c4 = b[-4], b[-3], b[-2], b[-1]
        return (
            100
            if c1.color == -1
            and c2.color == -1
            and c3.color == -1
            and c4.color == -1
            and c1.lower < avg.get(SHADOW_VERY_SHORT, 3)
            and c1.upper < avg.get(SHADOW_VERY_SHORT, 3)
            and c2.lower < avg.get(SHADOW_VERY_SHORT, 2)
            and c2.upper < avg.get(SHADOW_VERY_SHORT, 2)
            and gap_down(c3, c2)
            and c3.upper > avg.get(SHADOW_VERY_SHORT, 1)
            and c3.high > c2.close
            and c4.high > c3.high
            and c4.low < c3.low
            else 0
        )


_pattern(
    "concealbabyswall",
    "Concealing Baby Swallow",
    max_period(SHADOW_VERY_SHORT) + 3,
    ((SHADOW_VERY_SHORT, 3), (SHADOW_VERY_SHORT, 2), (SHADOW_VERY_SHORT, 1)),
    direction=Direction.BULLISH,
    description="Two black marubozu, a black gapping down into them, a black engulfing it.",
)(_Concealbabyswall)


class _Breakaway(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c1, c2, c3, c4, c5 = b[-5], b[-4], b[-3], b[-2], b[-1]
        if (
            c1.color == c2.color
            and c2.color == c4.color
            and c4.color == -c5.color
            and c1.body > avg.get(BODY_LONG, 4)
            and (
                (
                    c1.color == -1
                    and gap_down(c2, c1)
                    and c3.high < c2.high
                    and c3.low < c2.low
                    and c4.high < c3.high
                    and c4.low < c3.low
                    and c5.close > c2.open
                    and c5.close < c1.close
                )
                or (
                    c1.color == 1
                    and gap_up(c2, c1)
                    and c3.high > c2.high
                    and c3.low > c2.low
                    and c4.high > c3.high
                    and c4.low > c3.low
                    and c5.close < c2.open
                    and c5.close > c1.close
                )
            )
        ):
            return c5.color * 100
        return 0


_pattern(
    "breakaway",
    "Breakaway",
    max_period(BODY_LONG) + 4,
    ((BODY_LONG, 4),),
    direction=Direction.SIGNED,
    description="Long candle, a gap, three drifting candles, then a reversal into the gap.",
)(_Breakaway)


class _Ladderbottom(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c1, c2, c3, c4, c5 = b[-5], b[-4], b[-3], b[-2], b[-1]
        return (
            100
            if c1.color == -1
            and c2.color == -1
            and c3.color == -1
            and c1.open > c2.open
            and c2.open > c3.open
            and c1.close > c2.close
            and c2.close > c3.close
            and c4.color == -1
            and c4.upper > avg.get(SHADOW_VERY_SHORT, 1)
            and c5.color == 1
            and c5.open > c4.open
            and c5.close > c4.high
            else 0
        )


_pattern(
    "ladderbottom",
    "Ladder Bottom",
    max_period(SHADOW_VERY_SHORT) + 4,
    ((SHADOW_VERY_SHORT, 1),),
    direction=Direction.BULLISH,
    description="Three falling blacks, a black with an upper shadow, a white closing above it.",
)(_Ladderbottom)


_MAT_HOLD_PENETRATION = 0.5
"""TA-Lib's default `optInPenetration` for CDLMATHOLD."""


class _Mathold(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c1, c2, c3, c4, c5 = b[-5], b[-4], b[-3], b[-2], b[-1]
        floor = c1.close - c1.body * _MAT_HOLD_PENETRATION
        return (
            100
            if c1.color == 1
            and c2.color == -1
            and c5.color == 1
            and gap_up(c2, c1)
            and c3.bottom < c1.close
            and c4.bottom < c1.close
            and c3.bottom > floor
            and c4.bottom > floor
            and c3.top < c2.open
            and c4.top < c3.top
            and c5.open > c4.close
            and c5.close > max(c2.high, c3.high, c4.high)
            and c1.body > avg.get(BODY_LONG, 4)
            and c2.body < avg.get(BODY_SHORT, 3)
            and c3.body < avg.get(BODY_SHORT, 2)
            and c4.body < avg.get(BODY_SHORT, 1)
            else 0
        )


_pattern(
    "mathold",
    "Mat Hold",
    max_period(BODY_SHORT, BODY_LONG) + 4,
    ((BODY_LONG, 4), (BODY_SHORT, 3), (BODY_SHORT, 2), (BODY_SHORT, 1)),
    direction=Direction.BULLISH,
    description="Long white, three small candles holding above its body, a white breaking out.",
)(_Mathold)


class _Risefall3methods(Rule):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c1, c2, c3, c4, c5 = b[-5], b[-4], b[-3], b[-2], b[-1]
        k = c1.color  # TA-Lib multiplies prices by the colour to test both directions at once
        if (
            c1.color == -c2.color
            and c2.color == c3.color
            and c3.color == c4.color
            and c4.color == -c5.color
            and c2.bottom < c1.high
            and c2.top > c1.low
            and c3.bottom < c1.high
            and c3.top > c1.low
            and c4.bottom < c1.high
            and c4.top > c1.low
            and c3.close * k < c2.close * k
            and c4.close * k < c3.close * k
            and c5.open * k > c4.close * k
            and c5.close * k > c1.close * k
            and c1.body > avg.get(BODY_LONG, 4)
            and c2.body < avg.get(BODY_SHORT, 3)
            and c3.body < avg.get(BODY_SHORT, 2)
            and c4.body < avg.get(BODY_SHORT, 1)
            and c5.body > avg.get(BODY_LONG, 0)
        ):
            return 100 * k
        return 0


_pattern(
    "risefall3methods",
    "Rising/Falling Three Methods",
    max_period(BODY_SHORT, BODY_LONG) + 4,
    ((BODY_LONG, 4), (BODY_SHORT, 3), (BODY_SHORT, 2), (BODY_SHORT, 1), (BODY_LONG, 0)),
    direction=Direction.SIGNED,
    description="Long candle, three small counter-trend candles within it, a long continuation.",
)(_Risefall3methods)


# --- stateful: a pattern followed by a confirmation within three bars ---------------------------


class _Confirmable(Rule):
    """Hikkake state: the last signal, the inside bar's range, and bars left to confirm it.

    TA-Lib's hikkake answers ±100 on the pattern bar and ±200 on a later bar (within 3) that
    closes beyond the inside bar's high (bullish) or low (bearish).
    """

    __slots__ = ("high", "left", "low", "signal")

    def __init__(self) -> None:
        self.signal = 0
        self.high = 0.0
        self.low = 0.0
        self.left = 0

    def step(self, signal: int, inside: Bar, close: float) -> int:
        """Advance one bar: `signal` is this bar's pattern (0 if none), `inside` its inside bar."""
        out = 0
        if signal:
            self.signal, self.high, self.low, self.left = signal, inside.high, inside.low, 4
            out = signal
        elif self.left > 0 and (
            (self.signal > 0 and close > self.high) or (self.signal < 0 and close < self.low)
        ):
            out = self.signal * 2
            self.left = 0
        if self.left > 0:
            self.left -= 1
        return out


def _breakout(inside: Bar, c: Bar) -> int:
    """Hikkake false breakout of `inside` by `c`: 100 downwards (bullish), -100 upwards."""
    if c.high < inside.high and c.low < inside.low:
        return 100
    if c.high > inside.high and c.low > inside.low:
        return -100
    return 0


class _Hikkake(_Confirmable):
    __slots__ = ()

    def detect(self, b: list[Bar], _avg: Avg) -> int:
        c1, c2, c3 = b[-3], b[-2], b[-1]
        inside = c2.high < c1.high and c2.low > c1.low
        return self.step(_breakout(c2, c3) if inside else 0, c2, c3.close)


_pattern(
    "hikkake",
    "Hikkake Pattern",
    5,
    direction=Direction.SIGNED,
    warmup=3,
    values=(200, 100, -100, -200),
    description="Inside bar then a false breakout (±100); ±200 when a close confirms it.",
)(_Hikkake)


class _HikkakeMod(_Confirmable):
    __slots__ = ()

    def detect(self, b: list[Bar], avg: Avg) -> int:
        c1, c2, c3, c4 = b[-4], b[-3], b[-2], b[-1]
        signal = 0
        if c2.high < c1.high and c2.low > c1.low and c3.high < c2.high and c3.low > c2.low:
            signal = _breakout(c3, c4)
            if signal and not _closes_at_extreme(c2, signal, avg.get(NEAR, 2)):
                signal = 0
        return self.step(signal, c3, c4.close)


_pattern(
    "hikkakemod",
    "Modified Hikkake Pattern",
    max(1, max_period(NEAR)) + 5,
    ((NEAR, 2),),
    direction=Direction.SIGNED,
    warmup=3,
    values=(200, 100, -100, -200),
    description="Hikkake after two nested inside bars, the first closing at its extreme.",
)(_HikkakeMod)


def _closes_at_extreme(c: Bar, signal: int, near: float) -> bool:
    """Modified hikkake: the first inside bar closes near its low (bullish) or high (bearish)."""
    return c.close <= c.low + near if signal > 0 else c.close >= c.high - near


PATTERNS: Mapping[str, PatternSpec] = MappingProxyType(dict(sorted(_REGISTRY.items())))
"""Every supported pattern by name, in TA-Lib's (alphabetical) order."""
