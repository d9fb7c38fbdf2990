"""Volatility: Bollinger Bands and ATR."""

from __future__ import annotations

from math import fsum, sqrt
from typing import NamedTuple

from cryptotui.indicators.base import IndicatorBase, true_range
from cryptotui.models import Candle


class BBandsValue(NamedTuple):
    upper: float
    middle: float
    lower: float


class BBands(IndicatorBase):
    """Bollinger Bands: SMA(close) ± nbdev · population standard deviation, as TA-Lib.

    The variance is E[(x-K)²] - E[x-K]² over values shifted by a reference K taken from the
    window, which avoids the catastrophic cancellation of E[x²] - E[x]² when the price is large
    and the spread small: with K inside the window, E[(x-K)²] is at most (2·period+1) times the
    variance. Whenever the ring wraps, K becomes the newest close and the shifted sums are
    recomputed exactly (fsum), so they never drift. If the mean walks far from K before that
    (variance below 1e-3 · E[(x-K)²], e.g. a flat stretch after a move), this candle's sums are
    recomputed the same way at once (O(period), rare), like TA-Lib's reseed. A flat window gives
    exactly 0: every shifted value is exactly 0.
    """

    name = "bbands"
    outputs = ("upper", "middle", "lower")
    __slots__ = ("_i", "_pending", "_ring", "_s1", "_s2", "_shift", "_total", "nbdev", "period")

    _ILL_CONDITIONED = 1e-3
    """Recompute when variance < this · E[(x-K)²]: the incremental sums then carry about
    period · 2.2e-16 / this relative error into the variance, far below 1e-9."""

    def __init__(self, period: int = 20, nbdev: float = 2.0) -> None:
        self.period = period
        self.nbdev = float(nbdev)
        self.params = (period, self.nbdev)
        self.lookback = period - 1
        self.reset()

    def reset(self) -> None:
        self._ring = [0.0] * self.period
        self._i = 0
        self._total = 0.0
        self._shift = 0.0
        self._s1 = 0.0
        self._s2 = 0.0
        self._pending = self.period

    @staticmethod
    def _recentred(values: list[float], shift: float) -> tuple[float, float, float]:
        """Exact (shift, Σ(x-shift), Σ(x-shift)²)."""
        deviations = [v - shift for v in values]
        return shift, fsum(deviations), fsum([d * d for d in deviations])

    def _variance(
        self, s1: float, s2: float, values: list[float], newest: float
    ) -> tuple[float, tuple[float, float, float] | None]:
        """Variance from the shifted sums, and the exact recentred sums when it had to be
        recomputed from `values` because the shifted form was ill-conditioned."""
        n = self.period
        m1 = s1 / n
        m2 = s2 / n
        variance = m2 - m1 * m1
        if variance >= self._ILL_CONDITIONED * m2:
            return variance, None
        exact = self._recentred(values, newest)
        m1 = exact[1] / n
        return exact[2] / n - m1 * m1, exact

    def _bands(self, total: float, variance: float) -> BBandsValue:
        middle = total / self.period
        width = (sqrt(variance) if variance > 0.0 else 0.0) * self.nbdev
        return BBandsValue(middle + width, middle, middle - width)

    def update(self, candle: Candle) -> BBandsValue | None:
        x = candle.close
        ring = self._ring
        i = self._i
        old = ring[i]
        shift = self._shift
        total = self._total + (x - old)
        new_dev = x - shift
        old_dev = old - shift
        s1 = self._s1 + (new_dev - old_dev)
        s2 = self._s2 + (new_dev * new_dev - old_dev * old_dev)
        ring[i] = x
        i += 1
        wrapped = i == self.period
        self._i = 0 if wrapped else i
        self._total = fsum(ring) if wrapped else total
        recentred = self._recentred(ring, x) if wrapped else None
        if self._pending:
            self._pending -= 1
            if self._pending:
                self._shift, self._s1, self._s2 = recentred or (shift, s1, s2)
                return None
        variance, exact = self._variance(s1, s2, ring, x)
        self._shift, self._s1, self._s2 = exact or recentred or (shift, s1, s2)
        return self._bands(total, variance)

    def preview(self, candle: Candle) -> BBandsValue | None:
        if self._pending > 1:
            return None
        x = candle.close
        i = self._i
        old = self._ring[i]
        shift = self._shift
        new_dev = x - shift
        old_dev = old - shift
        s1 = self._s1 + (new_dev - old_dev)
        s2 = self._s2 + (new_dev * new_dev - old_dev * old_dev)
        ring = self._ring.copy()
        ring[i] = x
        return self._bands(self._total + (x - old), self._variance(s1, s2, ring, x)[0])


class ATR(IndicatorBase):
    """Average true range: Wilder-smoothed true range, seeded like TA-Lib with the plain average
    of the first `period` true ranges (the first candle has no previous close, so no TR)."""

    name = "atr"
    __slots__ = ("_alpha", "_atr", "_beta", "_close", "_pending", "period")

    def __init__(self, period: int = 14) -> None:
        self.period = period
        self.params = (period,)
        self.lookback = period
        # TA-Lib's two-coefficient Wilder step: beta first, alpha from it, so alpha + beta == 1.
        self._beta = (period - 1) / period
        self._alpha = 1.0 - self._beta
        self.reset()

    def reset(self) -> None:
        self._close: float | None = None
        self._atr = 0.0  # the TR sum until the first ATR
        self._pending = self.period

    def update(self, candle: Candle) -> float | None:
        prev_close = self._close
        self._close = candle.close
        if prev_close is None:
            return None
        tr = true_range(candle.high, candle.low, prev_close)
        if self._pending:
            self._atr += tr
            self._pending -= 1
            if self._pending:
                return None
            atr = self._atr = self._atr / self.period
            return atr
        atr = self._atr = self._alpha * tr + self._beta * self._atr
        return atr

    def preview(self, candle: Candle) -> float | None:
        if self._close is None or self._pending > 1:
            return None
        tr = true_range(candle.high, candle.low, self._close)
        if self._pending:
            return (self._atr + tr) / self.period
        return self._alpha * tr + self._beta * self._atr
