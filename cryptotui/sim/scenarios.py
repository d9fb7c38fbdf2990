"""Scripted market events with recorded ground truth, for testing detectors end to end.

A scenario is planned when injected (its time span is known then, so the ground truth can be
written at once) and activated by the generator when sim time reaches its start: activation sees
the current price and returns a `Steer`, which the generator obeys until `end_ms`. A steer can

- replace the random walk by a price path (waypoints, linear in between, with noise),
- pin trades to exact prices at exact times (`forced`), which is how candle formations get their
  exact open/high/low/close, and clamp the noise per candle so no trade overshoots them,
- multiply the trade rate and the trade size (volume surges).

Formations are drawn in units `u` of a typical candle move for the interval and preceded by a few
trend candles, because most textbook patterns are defined relative to the trend and the recent
candle sizes (TA-Lib compares bodies with the average of the previous 10 candles).
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptotui.intervals import INTERVAL_MS
from cryptotui.models import AggTrade
from cryptotui.sim.bars import bounds
from cryptotui.sim.symbols import SymbolSpec


@dataclass(slots=True)
class GroundTruth:
    """What was injected where: the answer key for detector tests."""

    scenario: str
    symbol: str
    interval: str | None
    start_ms: int
    end_ms: int
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "symbol": self.symbol,
            "interval": self.interval,
            "start_ms": self.start_ms,
            "end_ms": self.end_ms,
            "details": self.details,
        }


@dataclass(slots=True)
class Forced:
    """A trade executed at exactly `time`; `price`/`qty`/`sell` None mean "as usual"."""

    time: int
    price: float | None = None
    qty: float | None = None
    sell: bool | None = None


@dataclass(slots=True)
class Steer:
    start_ms: int
    end_ms: int
    waypoints: list[tuple[int, float]] = field(default_factory=list)
    noise: float = 0.0
    """Relative standard deviation of trade prices around the path."""
    taper_ms: int = 0
    """Noise shrinks linearly to zero within this distance of a waypoint."""
    clamps: list[tuple[int, float, float]] = field(default_factory=list)
    """(from_ms, low, high): trade prices from `from_ms` on stay within [low, high]."""
    forced: list[Forced] = field(default_factory=list)
    rate_mult: float = 1.0
    qty_mult: float = 1.0
    observer: Callable[[AggTrade], None] | None = None

    def price_at(self, t: int, rng: random.Random) -> float | None:
        """Path price at `t` with noise, or None when this steer leaves prices to the walk."""
        points = self.waypoints
        if not points:
            return None
        i = bisect_right(points, t, key=lambda p: p[0])
        if i == 0:
            price = points[0][1]
            dist = points[0][0] - t
        elif i == len(points):
            price = points[-1][1]
            dist = t - points[-1][0]
        else:
            (t0, p0), (t1, p1) = points[i - 1], points[i]
            price = p0 + (p1 - p0) * (t - t0) / (t1 - t0)
            dist = min(t - t0, t1 - t)
        scale = self.noise if self.taper_ms <= 0 else self.noise * min(1.0, dist / self.taper_ms)
        if scale > 0.0:
            price *= math.exp(rng.gauss(0.0, scale))
        if self.clamps:
            j = bisect_right(self.clamps, t, key=lambda c: c[0]) - 1
            if j >= 0:
                _, low, high = self.clamps[j]
                price = min(max(price, low), high)
        return price


Activate = Callable[[float, random.Random], Steer]


def _clean(x: float) -> float:
    """A price as it appears on the wire (8 decimals), for readable ground truth."""
    return float(f"{x:.8f}")


@dataclass(slots=True)
class Plan:
    truth: GroundTruth
    start_ms: int
    activate: Activate
    """Called at `start_ms` with the current price and the symbol's RNG."""


# --------------------------------------------------------------------------- formations

# Candles as (open, high, low, close) in units u, relative to the price where the pattern starts.
_DOWN_CONTEXT = [(-i, -i + 0.15, -i - 1.15, -i - 1.0) for i in range(4)]
_UP_CONTEXT = [(i, i + 1.15, i - 0.15, i + 1.0) for i in range(4)]

PATTERNS: dict[str, tuple[str, list[tuple[float, float, float, float]]]] = {
    # name: (trend before it, pattern candles)
    "bullish_engulfing": ("down", [(0, 0.1, -0.6, -0.5), (-0.5, 0.8, -0.7, 0.7)]),
    "bearish_engulfing": ("up", [(0, 0.6, -0.1, 0.5), (0.5, 0.7, -0.8, -0.7)]),
    "hammer": ("down", [(0, 0.33, -2.0, 0.3)]),
    "shooting_star": ("up", [(0.35, 2.3, 0.07, 0.1)]),
    "morning_star": (
        "down",
        [(0, 0.1, -2.1, -2.0), (-2.2, -2.15, -2.45, -2.3), (-2.3, -0.5, -2.35, -0.6)],
    ),
    "evening_star": ("up", [(0, 2.1, -0.1, 2.0), (2.2, 2.45, 2.15, 2.3), (2.3, 2.35, 0.5, 0.6)]),
    "three_white_soldiers": (
        "down",
        [(0, 1.02, -0.1, 1.0), (1.0, 2.02, 0.9, 2.0), (2.0, 3.02, 1.9, 3.0)],
    ),
    "three_black_crows": (
        "up",
        [(0, 0.02, -1.02, -1.0), (-0.9, -0.88, -1.92, -1.9), (-1.8, -1.78, -2.82, -2.8)],
    ),
    "doji": ("up", [(0, 0.8, -0.8, 0)]),
}
"""Textbook shapes; gaps (open != previous close) only where the definition demands one."""

_OHLC = ("open", "high", "low", "close")
_BULLISH = {"bullish_engulfing", "hammer", "morning_star", "three_white_soldiers"}
_BEARISH = {"bearish_engulfing", "shooting_star", "evening_star", "three_black_crows"}


def _direction(pattern: str) -> str:
    if pattern in _BULLISH:
        return "bullish"
    return "bearish" if pattern in _BEARISH else "neutral"


def _next_open(at_ms: int, interval: str) -> int:
    start, _ = bounds(at_ms, interval)
    return start if start == at_ms else bounds(start, interval)[1] + 1


def candle_formation(spec: SymbolSpec, at_ms: int, *, pattern: str, interval: str = "1m") -> Plan:
    """Steer `interval` candles into `pattern` (after a 4-candle trend), from the next candle."""
    if pattern not in PATTERNS:
        raise ValueError(f"unknown pattern {pattern!r}; choose from {', '.join(PATTERNS)}")
    if interval not in INTERVAL_MS or interval == "1s":
        raise ValueError("candle_formation needs a fixed interval of at least 1m")
    trend, candles = PATTERNS[pattern]
    context = _DOWN_CONTEXT if trend == "down" else _UP_CONTEXT
    step = INTERVAL_MS[interval]
    first = _next_open(at_ms, interval)
    opens = [first + i * step for i in range(len(context) + len(candles))]
    pattern_opens = opens[len(context) :]
    unit = spec.sigma_s * math.sqrt(step / 1000) * 1.5
    truth = GroundTruth(
        "candle_formation",
        spec.symbol,
        interval,
        pattern_opens[0],
        pattern_opens[-1] + step - 1,
        {
            "pattern": pattern,
            "direction": _direction(pattern),
            "context_start_ms": first,
            "candle_open_times": pattern_opens,
            "unit": unit,
        },
    )
    shift = context[-1][3]  # pattern levels are relative to the end of the trend

    def activate(price: float, rng: random.Random) -> Steer:
        def at(level: float) -> float:
            return spec.round_price(price * math.exp(level * unit))

        steer = Steer(first, opens[-1] + step - 1, noise=unit * 0.08, taper_ms=step // 6)
        shapes = list(context) + [tuple(x + shift for x in c) for c in candles]
        _plant(steer, opens, step, [tuple(at(v) for v in c) for c in shapes])
        truth.details["candles"] = [
            {
                "open_time": t0,
                **{k: _clean(at(v)) for k, v in zip(_OHLC, shape, strict=True)},
            }
            for t0, shape in zip(pattern_opens, shapes[len(context) :], strict=True)
        ]
        return steer

    return Plan(truth, first, activate)


# --------------------------------------------------------------------------- chart formations

_QUIET = [(2, 100.6), (2, 99.4)] * 5
"""Twenty quiet candles that warm the ATR up before a flag's or a pennant's pole."""

CHART_SHAPES: dict[str, tuple[list[tuple[int, float]], int]] = {
    # name: (legs of (candles, close reached at the last of them), index of the breakout candle)
    "double_top": ([(6, 97), (20, 110), (10, 104), (10, 110), (15, 98)], 53),
    "head_shoulders": (
        [(6, 93), (12, 106), (8, 101), (12, 112), (12, 101), (8, 106), (15, 94)],
        64,
    ),
    "triangle_ascending": (
        [(12, 110), (6, 100), (6, 110), (6, 103), (6, 110), (6, 106), (8, 114)],
        46,
    ),
    "triangle_symmetric": (
        [(12, 112), (6, 100), (6, 110), (6, 102), (6, 108), (6, 104), (8, 112)],
        44,
    ),
    "rectangle": ([(12, 110), (6, 104), (6, 110), (6, 104), (6, 110), (6, 104), (8, 114)], 47),
    "flag": (
        [*_QUIET, (6, 110), *[(1, p) for p in (109, 108, 108.6, 107.6, 108.2, 107.2)],
         (1, 107.8), (1, 106.8), (1, 109.5), (3, 112)],
        34,
    ),
    "pennant": (
        [*_QUIET, (6, 110), *[(1, p) for p in (107, 109.4, 107.6, 109, 108, 108.6)],
         (1, 110.8), (3, 112)],
        32,
    ),
}  # fmt: skip
"""Textbook shapes on a price axis where 100 is the starting price and 1 is one unit: straight
legs, each candle opening at the last close with shadows of 0.2 units, so every swing point
sits on a waypoint and the breakout candle is known in advance (the same shapes the chart
detector's tests are worked out by hand on)."""

CHART_PATTERNS: dict[str, tuple[str, int]] = {
    # name: (shape drawn, +1 as drawn or -1 upside down)
    "double_top": ("double_top", 1),
    "double_bottom": ("double_top", -1),
    "head_shoulders": ("head_shoulders", 1),
    "inverse_head_shoulders": ("head_shoulders", -1),
    "triangle_ascending": ("triangle_ascending", 1),
    "triangle_descending": ("triangle_ascending", -1),
    "triangle_symmetric": ("triangle_symmetric", 1),
    "rectangle": ("rectangle", 1),
    "flag": ("flag", 1),
    "pennant": ("pennant", 1),
}


def _legs_ohlc(legs: list[tuple[int, float]], wick: float) -> list[tuple[float, ...]]:
    out: list[tuple[float, ...]] = []
    close = 100.0
    for bars, target in legs:
        step = (target - close) / bars
        for _ in range(bars):
            o, close = close, close + step
            out.append((o, max(o, close) + wick, min(o, close) - wick, close))
    return out


def chart_formation(
    spec: SymbolSpec, at_ms: int, *, pattern: str, interval: str = "1m", direction: str = "up"
) -> Plan:
    """Steer `interval` candles through a chart formation and its breakout, from the next candle.

    Flags and pennants break out the way their pole points (`direction`); the other formations
    carry their direction in their name. One unit is twice a typical candle move, so the shape
    stands well clear of the random walk before it."""
    if pattern not in CHART_PATTERNS:
        raise ValueError(f"unknown pattern {pattern!r}; choose from {', '.join(CHART_PATTERNS)}")
    if interval not in INTERVAL_MS or interval == "1s":
        raise ValueError("chart_formation needs a fixed interval of at least 1m")
    if direction not in ("up", "down"):
        raise ValueError("direction must be 'up' or 'down'")
    shape, sign = CHART_PATTERNS[pattern]
    if pattern in ("flag", "pennant") and direction == "down":
        sign = -1
    legs, breakout = CHART_SHAPES[shape]
    shapes = _legs_ohlc(legs, 0.2)
    bullish = (shape not in ("double_top", "head_shoulders")) == (sign > 0)
    step = INTERVAL_MS[interval]
    first = _next_open(at_ms, interval)
    opens = [first + i * step for i in range(len(shapes))]
    unit = spec.sigma_s * math.sqrt(step / 1000) * 2.0
    truth = GroundTruth(
        "chart_formation",
        spec.symbol,
        interval,
        first,
        opens[-1] + step - 1,
        {
            "pattern": pattern,
            "direction": "bullish" if bullish else "bearish",
            "breakout_open_time": opens[breakout],
            "candle_open_times": opens,
            "unit": unit,
        },
    )

    def activate(price: float, rng: random.Random) -> Steer:
        def at(level: float) -> float:
            return spec.round_price(price * (1.0 + sign * (level - 100.0) * unit))

        steer = Steer(first, opens[-1] + step - 1, noise=unit * 0.05, taper_ms=step // 6)
        _plant(steer, opens, step, [tuple(at(v) for v in c) for c in shapes])
        truth.details["breakout_close"] = _clean(at(shapes[breakout][3]))
        return steer

    return Plan(truth, first, activate)


def trend_change(
    spec: SymbolSpec, at_ms: int, *, direction: str = "up", interval: str = "1m", candles: int = 60
) -> Plan:
    """A steady trend against `direction` for `candles` candles of `interval`, then as long the
    other way: a V (or an inverted V) whose turn a trend test must find after the bottom (top).

    Each leg moves one unit (1.5 typical candle moves) a candle, with trade noise about the
    line, so a trend test over fewer candles than a leg is significant well before the turn."""
    if direction not in ("up", "down"):
        raise ValueError("direction must be 'up' or 'down'")
    if interval not in INTERVAL_MS or interval == "1s":
        raise ValueError("trend_change needs a fixed interval of at least 1m")
    if candles < 10:
        raise ValueError(f"trend_change needs legs of at least 10 candles, not {candles}")
    step = INTERVAL_MS[interval]
    first = _next_open(at_ms, interval)
    turn, end = first + candles * step, first + 2 * candles * step - 1
    unit = spec.sigma_s * math.sqrt(step / 1000) * 1.5
    sign = 1.0 if direction == "up" else -1.0
    truth = GroundTruth(
        "trend_change",
        spec.symbol,
        interval,
        first,
        end,
        {
            "direction": "bullish" if sign > 0 else "bearish",
            "turn_ms": turn,
            "candles": candles,
            "unit": unit,
        },
    )

    def activate(price: float, rng: random.Random) -> Steer:
        extreme = spec.round_price(price * (1.0 - sign * candles * unit))
        truth.details.update(start_price=_clean(price), turn_price=_clean(extreme))
        return Steer(
            first,
            end,
            waypoints=[(first, price), (turn, extreme), (end, price)],
            noise=unit * 0.3,
        )

    return Plan(truth, first, activate)


def _plant(steer: Steer, opens: list[int], step: int, shapes: list[tuple[float, ...]]) -> None:
    """Pin each candle's open, extremes and close with forced trades, noise clamped inside."""
    for t0, (o, h, low, c) in zip(opens, shapes, strict=True):
        h, low = max(h, low), min(h, low)  # an upside-down shape swaps them
        first_extreme, second_extreme = (low, h) if c >= o else (h, low)
        for frac, level in ((0.0, o), (0.3, first_extreme), (0.7, second_extreme)):
            t = t0 + int(frac * step)
            steer.waypoints.append((t, level))
            steer.forced.append(Forced(t, level))
        steer.waypoints.append((t0 + step - 1, c))
        steer.forced.append(Forced(t0 + step - 1, c))
        steer.clamps.append((t0, low, h))


# --------------------------------------------------------------------------- other scenarios


def whale_trade(
    spec: SymbolSpec, at_ms: int, *, side: str | None = None, notional: float | None = None
) -> Plan:
    """One aggTrade worth `notional` (default 500× the symbol's median trade) at `at_ms`."""
    if side not in (None, "buy", "sell"):
        raise ValueError("side must be 'buy' or 'sell'")
    value = notional if notional is not None else spec.median_notional * 500
    truth = GroundTruth(
        "whale_trade",
        spec.symbol,
        None,
        at_ms,
        at_ms,
        {"notional_target": value, "usual_notional": spec.median_notional},
    )

    def activate(price: float, rng: random.Random) -> Steer:
        sell = rng.random() < 0.5 if side is None else side == "sell"
        impact = 1.0 - 0.0005 if sell else 1.0 + 0.0005
        trade_price = spec.round_price(price * impact)
        qty = spec.round_qty(value / trade_price)

        def observe(trade: AggTrade) -> None:
            if "agg_id" not in truth.details and trade.qty == qty:
                truth.details.update(
                    agg_id=trade.agg_id,
                    price=_clean(trade.price),
                    qty=_clean(trade.qty),
                    notional=round(trade.price * trade.qty, 8),
                    side="sell" if trade.buyer_is_maker else "buy",
                )

        return Steer(at_ms, at_ms, forced=[Forced(at_ms, trade_price, qty, sell)], observer=observe)

    return Plan(truth, at_ms, activate)


def pump_and_dump(spec: SymbolSpec, at_ms: int, *, pct: float = 0.08, minutes: float = 10) -> Plan:
    """Rise by `pct` over the first 40 % of the span on heavy volume, then give it all back."""
    span = int(minutes * 60_000)
    peak_ms = at_ms + int(span * 0.4)
    truth = GroundTruth(
        "pump_and_dump", spec.symbol, None, at_ms, at_ms + span, {"pct": pct, "peak_ms": peak_ms}
    )

    def activate(price: float, rng: random.Random) -> Steer:
        peak = price * (1.0 + pct)
        end = price * (1.0 + pct * 0.1)
        truth.details.update(
            start_price=_clean(price), peak_price=_clean(peak), end_price=_clean(end)
        )
        return Steer(
            at_ms,
            at_ms + span,
            waypoints=[(at_ms, price), (peak_ms, peak), (at_ms + span, end)],
            noise=spec.sigma_s * 2.0,
            rate_mult=5.0,
            qty_mult=3.0,
        )

    return Plan(truth, at_ms, activate)


def round_level(price: float, direction: str = "up", reach: float = 0.12) -> float:
    """The roundest price level beyond `price` within `reach` (e.g. 97 000 → 100 000)."""
    exp = math.floor(math.log10(price))
    for k in range(exp + 1, exp - 8, -1):
        for mult in (1.0, 0.5):
            m = mult * 10.0**k
            if direction == "up":
                level = float(f"{(math.floor(price / m) + 1) * m:.12g}")
                if level <= price * (1 + reach):
                    return level
            else:
                level = float(f"{(math.ceil(price / m) - 1) * m:.12g}")
                if level > 0 and level >= price * (1 - reach):
                    return level
    raise ValueError(f"no round level near {price}")


def round_number_cross(
    spec: SymbolSpec,
    at_ms: int,
    *,
    level: float | None = None,
    direction: str = "up",
    minutes: float = 5,
) -> Plan:
    """Drive the price across a psychological level (auto: the roundest one within 12 %)."""
    if direction not in ("up", "down"):
        raise ValueError("direction must be 'up' or 'down'")
    span = int(minutes * 60_000)
    truth = GroundTruth(
        "round_number_cross", spec.symbol, None, at_ms, at_ms + span, {"direction": direction}
    )
    sign = 1.0 if direction == "up" else -1.0

    def activate(price: float, rng: random.Random) -> Steer:
        target = level if level is not None else round_level(price, direction)
        truth.details.update(level=target, start_price=_clean(price))

        def observe(trade: AggTrade) -> None:
            crossed = trade.price >= target if sign > 0 else trade.price <= target
            if crossed and "cross_ms" not in truth.details:
                truth.details.update(cross_ms=trade.time, cross_price=_clean(trade.price))

        beyond = target * (1.0 + sign * 0.006)
        return Steer(
            at_ms,
            at_ms + span,
            waypoints=[(at_ms, price), (at_ms + int(span * 0.6), beyond), (at_ms + span, beyond)],
            noise=spec.sigma_s,
            rate_mult=1.5,
            observer=observe,
        )

    return Plan(truth, at_ms, activate)


def volume_spike(
    spec: SymbolSpec, at_ms: int, *, interval: str = "1m", mult: float = 10.0, candles: int = 1
) -> Plan:
    """About `mult`× the usual volume for `candles` whole candles of `interval`; price unsteered."""
    if interval not in INTERVAL_MS:
        raise ValueError(f"volume_spike needs a fixed interval, not {interval!r}")
    step = INTERVAL_MS[interval]
    first = _next_open(at_ms, interval)
    end = first + candles * step - 1
    truth = GroundTruth(
        "volume_spike",
        spec.symbol,
        interval,
        first,
        end,
        {"mult": mult, "candle_open_times": [first + i * step for i in range(candles)]},
    )
    size = min(2.5, mult)

    def activate(price: float, rng: random.Random) -> Steer:
        return Steer(first, end, rate_mult=mult / size, qty_mult=size)

    return Plan(truth, first, activate)


SCENARIOS: dict[str, Callable[..., Plan]] = {
    "whale_trade": whale_trade,
    "pump_and_dump": pump_and_dump,
    "candle_formation": candle_formation,
    "round_number_cross": round_number_cross,
    "volume_spike": volume_spike,
    "chart_formation": chart_formation,
    "trend_change": trend_change,
}
"""Every kind `Market.inject`, `--scenario` and the ground-truth statistics
(`cryptotui.stats.groundtruth`) accept."""
