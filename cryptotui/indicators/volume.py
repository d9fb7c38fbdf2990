"""Volume: OBV, Chaikin A/D line, MFI, VWAP (session and rolling), volume ROC, volume spike."""

from __future__ import annotations

from math import copysign, fsum, inf
from typing import Final, Protocol

from cryptotui.indicators.base import (
    TA_EPSILON,
    IndicatorBase,
    WindowSum,
    bisect_floats,
    insort_floats,
    typical_price,
)
from cryptotui.indicators.momentum import ROC
from cryptotui.intervals import DAY
from cryptotui.models import Candle

_MAD_TO_SIGMA: Final = 1.482602218505602  # 1 / Φ⁻¹(3/4)
_MEAN_AD_TO_SIGMA: Final = 1.2533141373155001  # √(π/2)


class HasVolume(Protocol):
    """What `VolumeSpike` reads: a candle, or any number wrapped as `.volume`."""

    @property
    def volume(self) -> float: ...


def _compensated_add(total: float, carry: float, x: float) -> tuple[float, float]:
    """One step of Neumaier summation: `total + carry` tracks the exact running sum.

    OBV and A/D are sums over the whole history, not over a window; compensating them keeps the
    error at a few ulps of the current value however many candles went in.
    """
    t = total + x
    if abs(total) >= abs(x):
        carry += (total - t) + x
    else:
        carry += (x - t) + total
    return t, carry


class OBV(IndicatorBase):
    """On-balance volume: ± volume by the direction of the close, starting (as TA-Lib) at the
    first candle's volume."""

    name = "obv"
    __slots__ = ("_carry", "_close", "_started", "_total")

    def __init__(self) -> None:
        self.params = ()
        self.lookback = 0
        self.reset()

    def reset(self) -> None:
        self._started = False
        self._close = 0.0  # the previous close, once `_started`
        self._total = 0.0
        self._carry = 0.0

    def _signed_volume(self, close: float, volume: float) -> float:
        prev = self._close
        if close > prev or not self._started:
            return volume
        return -volume if close < prev else 0.0

    def update(self, candle: Candle) -> float:
        close = candle.close
        self._total, self._carry = _compensated_add(
            self._total, self._carry, self._signed_volume(close, candle.volume)
        )
        self._close = close
        self._started = True
        return self._total + self._carry

    def preview(self, candle: Candle) -> float:
        signed = self._signed_volume(candle.close, candle.volume)
        total, carry = _compensated_add(self._total, self._carry, signed)
        return total + carry


class AD(IndicatorBase):
    """Chaikin accumulation/distribution line: Σ ((c-l) - (h-c)) / (h-l) · volume, candles with
    h == l adding nothing (TA-Lib's rule)."""

    name = "ad"
    __slots__ = ("_carry", "_total")

    def __init__(self) -> None:
        self.params = ()
        self.lookback = 0
        self.reset()

    def reset(self) -> None:
        self._total = 0.0
        self._carry = 0.0

    @staticmethod
    def _flow(candle: Candle) -> float:
        high, low, close = candle.high, candle.low, candle.close
        span = high - low
        return (((close - low) - (high - close)) / span) * candle.volume if span > 0.0 else 0.0

    def update(self, candle: Candle) -> float:
        self._total, self._carry = _compensated_add(self._total, self._carry, self._flow(candle))
        return self._total + self._carry

    def preview(self, candle: Candle) -> float:
        total, carry = _compensated_add(self._total, self._carry, self._flow(candle))
        return total + carry


class MFI(IndicatorBase):
    """Money flow index over `period` candles, as TA-Lib.

    Money flow = typical price · volume, positive when the typical price rose, negative when it
    fell, none when it did not move (relative to its size). MFI = 100 · positive / (positive +
    negative); a window without any money flow (no movement or no volume) gives 0. Both sums are
    drift-free window sums that are exactly 0.0 when the window holds no flow of that sign.
    """

    name = "mfi"
    __slots__ = ("_negative", "_pending", "_positive", "_tp", "period")

    def __init__(self, period: int = 14) -> None:
        self.period = period
        self.params = (period,)
        self.lookback = period
        self._positive = WindowSum(period)
        self._negative = WindowSum(period)
        self.reset()

    def reset(self) -> None:
        self._positive.reset()
        self._negative.reset()
        self._tp = 0.0
        self._pending = self.period + 1  # candles until the first value; the first has no flow

    def _flows(self, candle: Candle, tp: float) -> tuple[float, float]:
        """(positive, negative) money flow of a candle with typical price `tp`."""
        prev = self._tp
        change = tp - prev
        if abs(change) <= TA_EPSILON * (abs(tp) + abs(prev)):
            return 0.0, 0.0
        flow = tp * candle.volume
        return (0.0, flow) if change < 0.0 else (flow, 0.0)

    @staticmethod
    def _mfi(positive: float, negative: float) -> float:
        total = positive + negative
        if total <= 0.0:
            return 0.0
        return 100.0 * (min(max(positive, 0.0), total) / total)

    def update(self, candle: Candle) -> float | None:
        tp = typical_price(candle)
        if self._pending > self.period:
            self._tp = tp
            self._pending -= 1
            return None
        up, down = self._flows(candle, tp)
        self._tp = tp
        positive = self._positive.push(up)
        negative = self._negative.push(down)
        if self._pending:
            self._pending -= 1
            if self._pending:
                return None
        return self._mfi(positive, negative)

    def preview(self, candle: Candle) -> float | None:
        if self._pending > 1:
            return None
        up, down = self._flows(candle, typical_price(candle))
        return self._mfi(self._positive.peek(up), self._negative.peek(down))


class VWAP(IndicatorBase):
    """Volume-weighted average typical price since 00:00 UTC of the candle's day.

    The session restarts on the first candle of each UTC day (by open time). The sums only add
    positive numbers over at most one day of candles, so they need no compensation. None until
    the session has traded any volume.
    """

    name = "vwap"
    __slots__ = ("_day", "_pv", "_volume")

    def __init__(self) -> None:
        self.params = ()
        self.lookback = 0
        self.reset()

    def reset(self) -> None:
        self._day = -1
        self._pv = 0.0
        self._volume = 0.0

    def _sums(self, candle: Candle) -> tuple[int, float, float]:
        day = candle.open_time // DAY
        pv, volume = (self._pv, self._volume) if day == self._day else (0.0, 0.0)
        traded = candle.volume
        return day, pv + typical_price(candle) * traded, volume + traded

    def update(self, candle: Candle) -> float | None:
        self._day, pv, volume = self._sums(candle)
        self._pv, self._volume = pv, volume
        return pv / volume if volume > 0.0 else None

    def preview(self, candle: Candle) -> float | None:
        _, pv, volume = self._sums(candle)
        return pv / volume if volume > 0.0 else None


class RollingVWAP(IndicatorBase):
    """VWAP of the typical price over the last `period` candles (drift-free window sums).
    None when the window traded no volume."""

    name = "vwap"
    __slots__ = ("_pending", "_pv", "_volume", "period")

    def __init__(self, period: int = 20) -> None:
        self.period = period
        self.params = (period,)
        self.lookback = period - 1
        self._pv = WindowSum(period)
        self._volume = WindowSum(period)
        self.reset()

    def reset(self) -> None:
        self._pv.reset()
        self._volume.reset()
        self._pending = self.period

    def update(self, candle: Candle) -> float | None:
        traded = candle.volume
        pv = self._pv.push(typical_price(candle) * traded)
        volume = self._volume.push(traded)
        if self._pending:
            self._pending -= 1
            if self._pending:
                return None
        return pv / volume if volume > 0.0 else None

    def preview(self, candle: Candle) -> float | None:
        if self._pending > 1:
            return None
        traded = candle.volume
        volume = self._volume.peek(traded)
        if volume <= 0.0:
            return None
        return self._pv.peek(typical_price(candle) * traded) / volume


class VolumeROC(ROC):
    """Rate of change of the volume in percent over `period` candles (0 from a zero base)."""

    name = "vroc"
    source = "volume"
    __slots__ = ()

    def __init__(self, period: int = 14) -> None:
        super().__init__(period)


class VolumeSpike(IndicatorBase):
    """Robust z-score of the volume against the previous `period` candles.

    score = (volume - median) / (1.4826 · MAD), where MAD is the median absolute deviation from
    the median: 1.4826 · MAD estimates the standard deviation of normal data, and unlike the
    mean and standard deviation neither is dragged up by the spikes being looked for. The
    baseline excludes the candle being scored, so a spike does not hide itself. When more than
    half the baseline is identical (MAD = 0, common on illiquid pairs with many zero-volume
    candles) the scale falls back to 1.2533 · mean absolute deviation from the median (the
    Iglewicz-Hoaglin convention); when that is 0 too, the score is 0 for a volume equal to the
    median and ±inf otherwise.

    The baseline is kept sorted (bisect), so its median is an index and its MAD is the middle of
    the two sorted runs of distances on either side of the median (found by binary search).
    Median and scale are cached on commit, so `preview` is O(1).

    Only `.volume` is read, so any object with that attribute can be scored (the whale-trade
    detector scores log notionals this way).
    """

    name = "volume_spike"
    __slots__ = ("_held", "_i", "_median", "_ring", "_scale", "_sorted", "period", "warm")

    def __init__(self, period: int = 20, warm: int | None = None) -> None:
        self.period = period
        self.warm = period if warm is None else max(1, min(warm, period))
        """Values held before scores start (the whole window unless a caller, such as the
        whale detector, accepts a baseline of fewer)."""
        self.params = (period,)
        self.lookback = period
        self.reset()

    def reset(self) -> None:
        # The baseline window in a ring (a list: compiled, its reads and writes are native,
        # where a deque's are generic calls); slot `_i` is the next written, the oldest value
        # once `_held` reaches `period`.
        self._ring = [0.0] * self.period
        self._i = 0
        self._held = 0
        self._sorted: list[float] = []
        self._median = 0.0
        self._scale = 0.0

    @property
    def held(self) -> int:
        """Values in the baseline window."""
        return self._held

    def _score(self, volume: float) -> float:
        deviation = volume - self._median
        if self._scale > 0.0:
            return deviation / self._scale
        return copysign(inf, deviation) if deviation else 0.0

    def update(self, candle: HasVolume) -> float | None:
        volume = candle.volume
        held = self._held
        score = self._score(volume) if held >= self.warm else None
        ordered = self._sorted
        ring = self._ring
        i = self._i
        if held == self.period:
            del ordered[bisect_floats(ordered, ring[i])]
        else:
            held += 1
            self._held = held
        ring[i] = volume
        self._i = 0 if i + 1 == self.period else i + 1
        insort_floats(ordered, volume)
        if held >= self.warm:
            self._median, self._scale = baseline(ordered)
        return score

    def preview(self, candle: HasVolume) -> float | None:
        return self._score(candle.volume) if self._held >= self.warm else None


def baseline(ordered: list[float]) -> tuple[float, float]:
    """(median, robust scale) of a sorted non-empty list, as VolumeSpike uses them."""
    n = len(ordered)
    half = n // 2
    median = ordered[half] if n % 2 else (ordered[half - 1] + ordered[half]) / 2.0
    mad = median_abs_deviation(ordered, median)
    if mad > 0.0:
        return median, _MAD_TO_SIGMA * mad
    mean_ad = fsum([abs(v - median) for v in ordered]) / n
    return median, _MEAN_AD_TO_SIGMA * mean_ad


def median_abs_deviation(ordered: list[float], median: float) -> float:
    """Median of |x - median| over a sorted list, in O(log n).

    The distances of the values below the median, read leftwards from the median, and of the
    values at or above it, read rightwards, are two ascending runs; the middle of their union is
    found by binary search on how many of the smallest distances come from the left run.
    """
    n = len(ordered)
    split = bisect_floats(ordered, median)  # ordered[split - 1 - j]: j-th left, ordered[split + j]
    n_left, n_right = split, n - split
    k = (n - 1) // 2  # 0-based rank of the (lower) middle distance
    lo, hi = max(0, k - n_right), min(k, n_left)
    while lo < hi:  # smallest i such that the k smallest distances are i left and k - i right
        i = (lo + hi) // 2
        if ordered[split + k - i - 1] - median <= median - ordered[split - 1 - i]:
            hi = i
        else:
            lo = i + 1
    i, j = lo, k - lo
    a = median - ordered[split - 1 - i] if i < n_left else inf
    b = ordered[split + j] - median if j < n_right else inf
    if n % 2:
        return min(a, b)
    if a <= b:
        after = median - ordered[split - 2 - i] if i + 1 < n_left else inf
        return (a + min(after, b)) / 2.0
    after = ordered[split + j + 1] - median if j + 1 < n_right else inf
    return (b + min(a, after)) / 2.0
