"""Oscillators and momentum: RSI, MACD, Stochastic, Williams %R, ROC, CCI, ADX.

Each follows TA-Lib's algorithm, seeding and zero tests included, so values match `talib` from
the first one TA-Lib outputs (see docs/indicators.md for the warm-up of each).
"""

from __future__ import annotations

from typing import Final, NamedTuple

from cryptotui.indicators.base import (
    TA_EPSILON,
    IndicatorBase,
    RollingExtremes,
    WindowSum,
    new_value,
    true_range,
    typical_price,
)
from cryptotui.models import Candle


class RSI(IndicatorBase):
    """Wilder's RSI, seeded like TA-Lib with the plain average gain/loss of the first `period`
    changes, then smoothed as (prev·(period-1) + today) / period.

    A window with neither gains nor losses gives 0, TA-Lib's answer for 0/0; the test is exact,
    so a finely quoted coin whose moves are tiny in absolute terms is not flattened.
    """

    name = "rsi"
    __slots__ = ("_gain", "_last", "_loss", "_pending", "period")

    def __init__(self, period: int = 14) -> None:
        self.period = period
        self.params = (period,)
        self.lookback = period
        self.reset()

    def reset(self) -> None:
        self._last = 0.0
        self._gain = 0.0
        self._loss = 0.0
        self._pending = self.period + 1  # candles until the first value; the first has no change

    def _seed(self, change: float) -> tuple[float, float]:
        """Gain and loss sums of the seed window after one more close-to-close `change`."""
        if change < 0.0:
            return self._gain, self._loss - change
        return self._gain + change, self._loss

    def _smooth(self, change: float) -> tuple[float, float]:
        """Average gain and loss after a close-to-close `change` (past the seed)."""
        n = self.period
        gain = self._gain * (n - 1)
        loss = self._loss * (n - 1)
        if change < 0.0:
            loss -= change
        else:
            gain += change
        return gain / n, loss / n

    @staticmethod
    def _rsi(gain: float, loss: float) -> float:
        total = gain + loss
        return 100.0 * (gain / total) if total > 0.0 else 0.0

    def update(self, candle: Candle) -> float | None:
        x = candle.close
        change = x - self._last
        self._last = x
        if not self._pending:
            self._gain, self._loss = self._smooth(change)
            return self._rsi(self._gain, self._loss)
        if self._pending <= self.period:
            self._gain, self._loss = self._seed(change)
        self._pending -= 1
        if self._pending:
            return None
        self._gain /= self.period
        self._loss /= self.period
        return self._rsi(self._gain, self._loss)

    def preview(self, candle: Candle) -> float | None:
        change = candle.close - self._last
        if not self._pending:
            return self._rsi(*self._smooth(change))
        if self._pending > 1:
            return None
        gain, loss = self._seed(change)
        return self._rsi(gain / self.period, loss / self.period)


class MACDValue(NamedTuple):
    macd: float
    signal: float
    hist: float


class MACD(IndicatorBase):
    """MACD line (fast EMA - slow EMA), its signal EMA and the histogram, as TA-Lib computes it.

    TA-Lib's seeding differs from "two independent EMAs": both EMAs start on the same candle,
    the slow one's `slow`-th. The slow EMA is seeded with the SMA of the first `slow` closes, the
    fast one with the SMA of the last `fast` of those same closes. The signal EMA is seeded with
    the SMA of the first `signal` MACD values. The first output is at candle slow + signal - 1.
    """

    name = "macd"
    outputs = ("", "signal", "hist")
    __slots__ = (
        "_fast",
        "_fast_k",
        "_seen",
        "_signal",
        "_signal_k",
        "_slow",
        "_slow_k",
        "fast",
        "signal",
        "slow",
    )

    def __init__(self, fast: int = 12, slow: int = 26, signal: int = 9) -> None:
        self.fast, self.slow, self.signal = fast, slow, signal
        self.params = (fast, slow, signal)
        self.lookback = slow - 1 + signal - 1
        self._fast_k = 2.0 / (fast + 1)
        self._slow_k = 2.0 / (slow + 1)
        self._signal_k = 2.0 / (signal + 1)
        self.reset()

    def reset(self) -> None:
        self._seen = 0
        self._fast = 0.0  # seed sums until candle `slow`, EMA values after
        self._slow = 0.0
        self._signal = 0.0

    def _seed_line(self, x: float) -> tuple[float, float]:
        """Fast and slow EMA seeds once close `x` completes the slow window (x is in both)."""
        return (self._fast + x) / self.fast, (self._slow + x) / self.slow

    def update(self, candle: Candle) -> MACDValue | None:
        x = candle.close
        seen = self._seen
        slow_n = self.slow
        if seen >= slow_n:
            fast = self._fast = ((x - self._fast) * self._fast_k) + self._fast
            slow = self._slow = ((x - self._slow) * self._slow_k) + self._slow
        elif seen + 1 < slow_n:
            self._slow += x
            if seen + 1 > slow_n - self.fast:
                self._fast += x
            self._seen = seen + 1
            return None
        else:
            fast, slow = self._fast, self._slow = self._seed_line(x)
        line = fast - slow
        seen += 1
        self._seen = seen
        lines = seen - slow_n + 1  # MACD-line values so far, this one included
        if lines < self.signal:
            self._signal += line
            return None
        if lines == self.signal:
            signal = self._signal = (self._signal + line) / self.signal
        else:
            signal = self._signal = ((line - self._signal) * self._signal_k) + self._signal
        return new_value(MACDValue, (line, signal, line - signal))

    def preview(self, candle: Candle) -> MACDValue | None:
        lines = self._seen + 1 - self.slow + 1
        if lines < self.signal:
            return None
        x = candle.close
        if self._seen >= self.slow:
            fast = ((x - self._fast) * self._fast_k) + self._fast
            slow = ((x - self._slow) * self._slow_k) + self._slow
        else:
            fast, slow = self._seed_line(x)
        line = fast - slow
        if lines == self.signal:
            signal = (self._signal + line) / self.signal
        else:
            signal = ((line - self._signal) * self._signal_k) + self._signal
        return new_value(MACDValue, (line, signal, line - signal))


def _fast_k(close: float, highest: float, lowest: float) -> float:
    """Stochastic %K of one candle, TA-Lib's way: 0 when the window's range is zero relative to
    its own extremes (a scale-free test, so micro-priced coins are not flattened)."""
    span = highest - lowest
    if abs(span) <= TA_EPSILON * (abs(highest) + abs(lowest)):
        return 0.0
    return (close - lowest) / (span / 100.0)


class StochValue(NamedTuple):
    k: float
    d: float


class Stoch(IndicatorBase):
    """Slow stochastic: %K = SMA(fast %K, slowk), %D = SMA(%K, slowd), TA-Lib's defaults
    (SMA smoothing for both)."""

    name = "stoch"
    outputs = ("k", "d")
    __slots__ = ("_d_sum", "_extremes", "_k_sum", "_seen", "fastk", "slowd", "slowk")

    def __init__(self, fastk: int = 14, slowk: int = 3, slowd: int = 3) -> None:
        self.fastk, self.slowk, self.slowd = fastk, slowk, slowd
        self.params = (fastk, slowk, slowd)
        self.lookback = (fastk - 1) + (slowk - 1) + (slowd - 1)
        self._extremes = RollingExtremes(fastk)
        self._k_sum = WindowSum(slowk)
        self._d_sum = WindowSum(slowd)
        self.reset()

    def reset(self) -> None:
        self._extremes.reset()
        self._k_sum.reset()
        self._d_sum.reset()
        self._seen = 0

    def update(self, candle: Candle) -> StochValue | None:
        highest, lowest = self._extremes.push(candle.high, candle.low)
        seen = self._seen
        if seen <= self.lookback:
            self._seen = seen = seen + 1
            if seen < self.fastk:
                return None
        k = self._k_sum.push(_fast_k(candle.close, highest, lowest)) / self.slowk
        if seen < self.fastk + self.slowk - 1:
            return None
        d = self._d_sum.push(k) / self.slowd
        if seen <= self.lookback:
            return None
        return new_value(StochValue, (k, d))

    def preview(self, candle: Candle) -> StochValue | None:
        if self._seen < self.lookback:
            return None
        highest, lowest = self._extremes.peek(candle.high, candle.low)
        k = self._k_sum.peek(_fast_k(candle.close, highest, lowest)) / self.slowk
        return new_value(StochValue, (k, self._d_sum.peek(k) / self.slowd))


class WillR(IndicatorBase):
    """Williams %R over `period` candles, in [-100, 0]; 0 when high == low across the window."""

    name = "willr"
    __slots__ = ("_extremes", "_pending", "period")

    def __init__(self, period: int = 14) -> None:
        self.period = period
        self.params = (period,)
        self.lookback = period - 1
        self._extremes = RollingExtremes(period)
        self.reset()

    def reset(self) -> None:
        self._extremes.reset()
        self._pending = self.period

    @staticmethod
    def _willr(close: float, highest: float, lowest: float) -> float:
        span = (highest - lowest) / (-100.0)
        return (highest - close) / span if span != 0.0 else 0.0

    def update(self, candle: Candle) -> float | None:
        highest, lowest = self._extremes.push(candle.high, candle.low)
        if self._pending:
            self._pending -= 1
            if self._pending:
                return None
        return self._willr(candle.close, highest, lowest)

    def preview(self, candle: Candle) -> float | None:
        if self._pending > 1:
            return None
        highest, lowest = self._extremes.peek(candle.high, candle.low)
        return self._willr(candle.close, highest, lowest)


class ROC(IndicatorBase):
    """Rate of change in percent over `period` candles: (x / x[period ago] - 1) · 100.

    A zero base gives 0, as in TA-Lib. `source` picks the candle field (the close here, the
    volume for VolumeROC).
    """

    name = "roc"
    source = "close"
    __slots__ = ("_i", "_pending", "_ring", "period")

    def __init__(self, period: int = 10) -> None:
        self.period = period
        self.params = (period,)
        self.lookback = period
        self.reset()

    def reset(self) -> None:
        # The last `period` values in a ring (a list: compiled, its reads and writes are native,
        # where a deque's are generic calls); slot `_i` holds the one `period` candles back.
        self._ring = [0.0] * self.period
        self._i = 0
        self._pending = self.period + 1  # candles until the first value

    @staticmethod
    def _roc(x: float, base: float) -> float:
        return ((x / base) - 1.0) * 100.0 if base != 0.0 else 0.0

    def update(self, candle: Candle) -> float | None:
        x: float = getattr(candle, self.source)
        ring = self._ring
        i = self._i
        base = ring[i]
        ring[i] = x
        self._i = 0 if i + 1 == self.period else i + 1
        if self._pending:
            self._pending -= 1
            if self._pending:
                return None
        return self._roc(x, base)

    def preview(self, candle: Candle) -> float | None:
        if self._pending > 1:
            return None
        return self._roc(getattr(candle, self.source), self._ring[self._i])


class CCI(IndicatorBase):
    """Commodity Channel Index: (tp - SMA(tp)) / (0.015 · mean |tp - SMA(tp)|), tp = (h+l+c)/3.

    The mean absolute deviation is taken around the *current* mean, so it has no running form:
    each update walks the `period` typical prices twice, in plain loops (as fast as `sum` over
    a list comprehension interpreted, ~13× faster compiled). Like TA-Lib, a
    deviation that is zero relative to the mean (a flat window) gives 0.
    """

    name = "cci"
    __slots__ = ("_i", "_pending", "_ring", "period")

    def __init__(self, period: int = 20) -> None:
        self.period = period
        self.params = (period,)
        self.lookback = period - 1
        self.reset()

    def reset(self) -> None:
        self._ring = [0.0] * self.period
        self._i = 0
        self._pending = self.period

    def _cci(self, ring: list[float], tp: float) -> float:
        n = self.period
        total = 0.0
        for v in ring:
            total += v
        mean = total / n
        deviation = 0.0
        for v in ring:
            deviation += abs(v - mean)
        diff = tp - mean
        scale = TA_EPSILON * abs(mean)
        if abs(diff) <= scale or abs(deviation) <= scale:
            return 0.0
        return diff / (0.015 * (deviation / n))

    def update(self, candle: Candle) -> float | None:
        tp = typical_price(candle)
        ring = self._ring
        ring[self._i] = tp
        self._i = (self._i + 1) % self.period
        if self._pending:
            self._pending -= 1
            if self._pending:
                return None
        return self._cci(ring, tp)

    def preview(self, candle: Candle) -> float | None:
        if self._pending > 1:
            return None
        tp = typical_price(candle)
        ring = self._ring.copy()
        ring[self._i] = tp
        return self._cci(ring, tp)


_NO_DX: Final = -1.0
"""ADX's "no DX on this candle" (a DX is never negative): a float rather than None, because
compiled a `float | None` in a returned tuple is a Python float allocated per candle."""


class ADX(IndicatorBase):
    """Wilder's Average Directional Index, step for step as TA-Lib.

    +DM/-DM and the true range are summed over the first period-1 changes, then Wilder-smoothed
    (x - x/period + today). DX is summed over the next `period` candles and averaged into the
    first ADX (candle 2·period), which is then smoothed as (prev·(period-1) + DX) / period.
    Like TA-Lib, a candle whose true-range sum is 0 or whose DI sum is (relatively) 0 leaves the
    ADX unchanged.
    """

    name = "adx"
    __slots__ = (
        "_adx",
        "_close",
        "_high",
        "_low",
        "_minus_dm",
        "_plus_dm",
        "_seen",
        "_tr",
        "period",
    )

    def __init__(self, period: int = 14) -> None:
        self.period = period
        self.params = (period,)
        self.lookback = 2 * period - 1
        self.reset()

    def reset(self) -> None:
        self._seen = 0
        self._high = self._low = self._close = 0.0
        self._minus_dm = self._plus_dm = self._tr = 0.0
        self._adx = 0.0  # the DX sum until the first ADX

    def _step(self, high: float, low: float, t: int) -> tuple[float, float, float, float]:
        """(-DM, +DM, TR) smoothed through candle number `t` (t >= 1) and its DX (`_NO_DX`
        when undefined)."""
        n = self.period
        diff_p = high - self._high
        diff_m = self._low - low
        minus_dm, plus_dm, tr = self._minus_dm, self._plus_dm, self._tr
        if t >= n:
            minus_dm -= minus_dm / n
            plus_dm -= plus_dm / n
            tr -= tr / n
        if diff_m > 0.0 and diff_p < diff_m:
            minus_dm += diff_m
        elif diff_p > 0.0 and diff_p > diff_m:
            plus_dm += diff_p
        tr += true_range(high, low, self._close)
        dx = _NO_DX
        if tr > 0.0:
            minus_di = 100.0 * (minus_dm / tr)
            plus_di = 100.0 * (plus_dm / tr)
            di_sum = minus_di + plus_di
            if di_sum >= TA_EPSILON:
                dx = 100.0 * (abs(minus_di - plus_di) / di_sum)
        return minus_dm, plus_dm, tr, dx

    def _next_adx(self, t: int, dx: float) -> float:
        """After candle `t` (t >= period): the DX sum until the first ADX, the ADX from then."""
        n = self.period
        adx = self._adx
        if t < 2 * n - 1:
            return adx + dx if dx != _NO_DX else adx
        if t == 2 * n - 1:
            return (adx + dx if dx != _NO_DX else adx) / n
        if dx == _NO_DX:
            return adx
        return ((adx * (n - 1)) + dx) / n

    def update(self, candle: Candle) -> float | None:
        t = self._seen
        high, low = candle.high, candle.low
        if t:
            self._minus_dm, self._plus_dm, self._tr, dx = self._step(high, low, t)
            if t >= self.period:
                self._adx = self._next_adx(t, dx)
        self._high, self._low, self._close = high, low, candle.close
        if t < self.lookback:
            self._seen = t + 1
            return None
        if t == self.lookback:
            self._seen = t + 1
        return self._adx

    def preview(self, candle: Candle) -> float | None:
        t = self._seen
        if t < self.lookback:
            return None
        return self._next_adx(t, self._step(candle.high, candle.low, t)[3])
