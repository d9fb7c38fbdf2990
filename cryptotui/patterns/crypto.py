"""Crypto-specific detectors: whale trades, volume spikes, pumps and dumps, round numbers.

Every threshold is relative to the symbol's own recent behaviour (robust statistics: median and
MAD, which the outliers being looked for cannot drag along), so one setting works for BTCUSDT and
for a thin altcoin alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cryptotui.hotpath import mypyc_attr
from cryptotui.indicators import VolumeSpike
from cryptotui.indicators.base import bisect_floats, insort_floats
from cryptotui.models import AggTrade, Candle, Direction, Signal, Ticker
from cryptotui.patterns.base import (
    CandleDetector,
    ValueDetector,
    candle_detector,
    candle_signal,
    market_detector,
)


@dataclass(slots=True, init=False)  # a compiled __init__: `cryptotui.hotpath` says why
class _Obs:
    """Lets the robust-z indicator score a number that is not a candle's volume."""

    volume: float

    def __init__(self, volume: float) -> None:
        self.volume = volume


# ------------------------------------------------------------------------------- whale trades


class WhaleTrade:
    """An aggTrade whose notional is extreme against the symbol's last `window` trades.

    Notionals are heavy-tailed, so they are compared on a log scale: fires when
    log(notional) is `min_z` robust standard deviations above the median AND the notional is at
    least `floor` (quote currency) — the floor keeps a quiet pair's "big" 300 USDT order quiet.
    On the simulated market the calm maximum over 12 symbol-hours was z ≈ 4.5, and a trade 500×
    the median notional scores z ≈ 6.1: 5.0 sits between.
    """

    name = "whale_trade"
    __slots__ = ("floor", "min_z", "robust", "symbol")

    def __init__(
        self,
        symbol: str,
        *,
        window: int = 1000,
        min_z: float = 5.0,
        floor: float = 50_000.0,
        min_samples: int = 200,
    ) -> None:
        self.symbol = symbol
        # Scores start after `min_samples` trades, against however many the window holds then.
        self.robust = VolumeSpike(window, warm=min_samples)
        self.min_z = min_z
        self.floor = floor

    def on_trade(self, t: AggTrade) -> list[Signal]:
        notional = t.price * t.qty
        z = self.robust.update(_Obs(math.log(notional) if notional > 0 else 0.0))
        if z is None or z < self.min_z or notional < self.floor:
            return []
        direction = Direction.BEARISH if t.buyer_is_maker else Direction.BULLISH
        side = "sell" if t.buyer_is_maker else "buy"
        return [
            Signal(
                self.name,
                direction,
                t.symbol,
                None,
                t.time,
                t.price,
                t.time,
                t.time,
                {"z": z, "notional": notional, "side_buy": float(not t.buyer_is_maker)},
                description=f"whale {side} of {notional:,.0f} {t.symbol} notional",
            )
        ]

    def on_ticker(self, t: Ticker) -> list[Signal]:
        return []


# ------------------------------------------------------------------------------- volume spikes


class VolumeSpikeDetector(ValueDetector):
    """A closed candle whose volume is `min_z` robust σ above the last `period` candles.

    The score is the `volume_spike:<period>` indicator's (`reads`): an engine that computes
    that indicator anyway hands its value to `on_value` rather than computing it twice.
    """

    name = "volume_spike"
    __slots__ = ("interval", "min_z", "reads", "robust", "symbol")

    def __init__(self, symbol: str, interval: str, *, period: int = 20, min_z: float = 6.0):
        self.symbol = symbol
        self.interval = interval
        self.robust = VolumeSpike(period)
        self.reads = self.robust.columns[0]
        self.min_z = min_z

    def on_candle(self, c: Candle) -> list[Signal]:
        return self.on_value(c, self.robust.update(c))

    def on_value(self, c: Candle, z: float | None) -> list[Signal]:
        if z is None or z < self.min_z or not math.isfinite(z):
            return []
        direction = (
            Direction.BULLISH
            if c.close > c.open
            else Direction.BEARISH
            if c.close < c.open
            else Direction.NEUTRAL
        )
        return [
            candle_signal(
                self.name,
                direction,
                c,
                {"z": z, "volume": c.volume, "volume_z": z},
                f"volume {z:.1f} robust σ above the last {self.robust.period} candles",
            )
        ]


# ------------------------------------------------------------------------------- pump / dump


@mypyc_attr(allow_interpreted_subclasses=True)  # a test subclasses it: the old median
class PumpAndDump(CandleDetector):
    """Fast move on surging volume, and whether it reverses.

    - `pump` (or `dump`): within `window` closed candles the price rose (fell) by at least `move`
      from the window's low (high) while the window's volume was at least `surge` × the usual
      (median candle volume of the `baseline` candles before the window);
    - `pump_and_dump`: after a pump, the price gave back at least `retrace` of the rise within
      `within` candles. Each leg is reported once.
    """

    name = "pump_and_dump"
    __slots__ = (
        "bars",
        "baseline",
        "before",
        "interval",
        "move",
        "pump",
        "retrace",
        "surge",
        "symbol",
        "volumes",
        "window",
        "within",
    )

    def __init__(
        self,
        symbol: str,
        interval: str,
        *,
        window: int = 8,
        move: float = 0.04,
        surge: float = 3.0,
        retrace: float = 0.6,
        within: int = 20,
        baseline: int = 60,
    ) -> None:
        self.symbol = symbol
        self.interval = interval
        self.window = window
        self.move = move
        self.surge = surge
        self.retrace = retrace
        self.within = within
        self.baseline = baseline
        self.bars: list[Candle] = []
        """The last `window + baseline` bars, oldest first (a list: compiled, its reads are
        native, where a deque's are generic calls)."""
        self.volumes: list[float] = []
        """Their volumes, read on every candle (a bar's attribute is a generic lookup)."""
        self.before: list[float] = []
        """The volumes of the bars before the window, sorted: the median is one index away
        (kept as bars come and go, instead of sorting 60 volumes on every candle)."""
        self.pump: tuple[float, float, int, int, float] | None = None
        """(low before the rise, peak so far, candles since, start time, volume ratio)."""

    def _push(self, c: Candle) -> None:
        bars, volumes, before = self.bars, self.volumes, self.before
        held = len(volumes)
        if held == self.window + self.baseline:  # the oldest bar leaves the baseline
            del before[bisect_floats(before, volumes[0])]
            del bars[0]
            del volumes[0]
            held -= 1
        if held >= self.window:  # the bar leaving the window joins it
            insort_floats(before, volumes[held - self.window])
        bars.append(c)
        volumes.append(c.volume)

    def _reset(self) -> None:
        self.bars.clear()
        self.before.clear()
        self.volumes.clear()

    def _signal(self, name: str, direction: Direction, c: Candle, start: int, factors) -> Signal:
        description = (
            f"{name.replace('_', ' ')}: {factors['move'] * 100:+.1f}% on "
            f"{factors['volume_ratio']:.1f}× usual volume"
        )
        return candle_signal(name, direction, c, factors, description, start)

    def on_candle(self, c: Candle) -> list[Signal]:
        self._push(c)
        if self.pump is not None:
            return self._follow(c)
        if len(self.bars) < self.window + self.baseline // 2:
            return []
        usual = self.before[len(self.before) // 2]
        if usual <= 0:
            return []
        volumes, window = self.volumes, self.window
        traded = 0.0  # the window's volume, oldest first (a native loop, where `sum` is generic)
        for i in range(len(volumes) - window, len(volumes)):
            traded += volumes[i]
        ratio = traded / (usual * window)
        if ratio < self.surge:
            return []
        recent = self.bars[-self.window :]
        low = min(b.low for b in recent)
        high = max(b.high for b in recent)
        rise, fall = c.close / low - 1.0, 1.0 - c.close / high
        z = ratio  # volume multiple: how far from usual trading
        if rise >= self.move:
            self.pump = (low, max(high, c.close), 0, recent[0].open_time, ratio)
            f = {"z": z, "move": rise, "volume_ratio": ratio}
            return [self._signal("pump", Direction.BULLISH, c, recent[0].open_time, f)]
        if fall >= self.move:
            self._reset()  # one report per dump
            f = {"z": z, "move": -fall, "volume_ratio": ratio}
            return [self._signal("dump", Direction.BEARISH, c, recent[0].open_time, f)]
        return []

    def _follow(self, c: Candle) -> list[Signal]:
        assert self.pump is not None
        low, peak, age, start, ratio = self.pump
        peak = max(peak, c.high)
        age += 1
        given_back = (peak - c.close) / (peak - low) if peak > low else 0.0
        if given_back >= self.retrace:
            self.pump = None
            self._reset()
            f = {"z": ratio, "move": peak / low - 1.0, "volume_ratio": ratio, "retrace": given_back}
            return [self._signal("pump_and_dump", Direction.BEARISH, c, start, f)]
        if age >= self.within:
            self.pump = None  # the pump stood: reported already, nothing more to say
            self._reset()
        else:
            self.pump = (low, peak, age, start, ratio)
        return []


# ------------------------------------------------------------------------------- round numbers


def round_step(price: float) -> float:
    """Spacing of psychological levels around `price`: half its power of ten.

    97 000 → 5 000 (95 000, 100 000); 3 400 → 500; 2.3 → 0.5; 0.32 → 0.05 (0.30, 0.35).
    """
    return 0.5 * 10.0 ** math.floor(math.log10(price))


def roundness(level: float) -> float:
    """1.0 for 100 000 or 1.0-like levels, less for 50 000, 10 000, 5 000 …"""
    exp = math.floor(math.log10(level) + 1e-9)
    mantissa = level / 10.0**exp
    if abs(mantissa - 1.0) < 1e-9:
        return 1.0
    if abs(mantissa - 5.0) < 1e-9:
        return 0.8
    if abs(mantissa - round(mantissa)) < 1e-9:
        return 0.6
    return 0.4


class RoundNumberCross:
    """The last price crossed a psychological level and moved `hysteresis` beyond it.

    The hysteresis (a fraction of the level) keeps a price dithering on the level from firing on
    every tick: after a cross the next one needs a real move back through the level.
    """

    name = "round_number_cross"
    __slots__ = ("anchor", "hysteresis", "symbol")

    def __init__(self, symbol: str, *, hysteresis: float = 0.001) -> None:
        self.symbol = symbol
        self.hysteresis = hysteresis
        self.anchor: float | None = None

    def on_trade(self, t: AggTrade) -> list[Signal]:
        return []

    def on_ticker(self, t: Ticker) -> list[Signal]:
        price = t.last
        if price <= 0:
            return []
        if self.anchor is None:
            self.anchor = price
            return []
        lo, hi = sorted((self.anchor, price))
        step = round_step(hi)
        level = math.floor(hi / step) * step
        if not (lo < level <= hi) or abs(price - level) < level * self.hysteresis:
            return []
        up = price > self.anchor
        self.anchor = price
        r = roundness(level)
        return [
            Signal(
                self.name,
                Direction.BULLISH if up else Direction.BEARISH,
                t.symbol,
                None,
                t.event_time,
                price,
                t.event_time,
                t.event_time,
                {"z": 2.0 + 4.0 * r, "level": level, "roundness": r},
                description=f"crossed {level:g} {'upwards' if up else 'downwards'}",
            )
        ]


candle_detector("volume_spike")(VolumeSpikeDetector)
candle_detector("pump_and_dump")(PumpAndDump)
market_detector("whale_trade")(WhaleTrade)
market_detector("round_number_cross")(RoundNumberCross)
