"""Volatility: Bollinger Bands and ATR."""

from __future__ import annotations

from math import fsum, sqrt
from typing import Final, NamedTuple

from cryptotui.indicators.base import IndicatorBase, new_value, true_range
from cryptotui.models import Candle

_EXACT_BELOW: Final = 1e-6
"""BBands recomputes exactly when variance < this · the largest d² since the last recompute."""


class BBandsValue(NamedTuple):
    upper: float
    middle: float
    lower: float


class BBands(IndicatorBase):
    """Bollinger Bands: SMA(close) ± nbdev · population standard deviation, as TA-Lib.

    The variance is E[d²] - E[d]² over deviations d = x - K from a reference K inside the
    window, which avoids the catastrophic cancellation of E[x²] - E[x]² when the price is large
    and the spread small. The running sums of d and d² are exact-recomputed (fsum, K reset to the
    newest close) whenever the ring wraps, so they never drift.

    Between recomputes the sum of d² carries rounding error of up to a few ulps of the largest d²
    that went through it, which matters once that d² has left the window (a spike, or the mean
    having walked away from K): so whenever the variance falls below 1e-6 of that largest d²,
    the candle's sums are recomputed exactly at once (O(period); like TA-Lib's reseed). That
    bounds the variance's relative error by ~2.2e-16 · 1e6 and makes a flat window exactly 0.
    """

    name = "bbands"
    outputs = ("upper", "middle", "lower")
    __slots__ = (
        "_i",
        "_peak",
        "_pending",
        "_ring",
        "_s1",
        "_s2",
        "_shift",
        "_total",
        "nbdev",
        "period",
    )

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
        self._peak = 0.0
        self._pending = self.period

    def _sums(self, x: float) -> tuple[float, float, float, float]:
        """(total, Σd, Σd², largest d²) once close `x` is pushed, incrementally."""
        old = self._ring[self._i]
        shift = self._shift
        new_dev = x - shift
        old_dev = old - shift
        square = new_dev * new_dev
        return (
            self._total + (x - old),
            self._s1 + (new_dev - old_dev),
            self._s2 + (square - old_dev * old_dev),
            square if square > self._peak else self._peak,
        )

    @staticmethod
    def _exact(values: list[float], shift: float) -> tuple[float, float, float, float]:
        """(shift, Σd, Σd², largest d²) of `values` around `shift`, correctly rounded."""
        deviations = [v - shift for v in values]
        squares = [d * d for d in deviations]
        return shift, fsum(deviations), fsum(squares), max(squares)

    def _variance(
        self,
        s1: float,
        s2: float,
        peak: float,
        window: list[float],
        newest: float,
        state: tuple[float, float, float, float],
    ) -> tuple[float, tuple[float, float, float, float]]:
        """The variance, and the (shift, Σd, Σd², largest d²) to keep: `state`, or the exact
        sums of `window` around `newest` when they had to be recomputed (always a tuple of
        floats, never None: compiled, a `tuple | None` is a Python tuple built per candle)."""
        n = self.period
        m1 = s1 / n
        variance = s2 / n - m1 * m1
        if variance >= _EXACT_BELOW * peak:
            return variance, state
        exact = self._exact(window, newest)
        m1 = exact[1] / n
        return exact[2] / n - m1 * m1, exact

    def _bands(self, total: float, variance: float) -> BBandsValue:
        middle = total / self.period
        width = (sqrt(variance) if variance > 0.0 else 0.0) * self.nbdev
        return new_value(BBandsValue, (middle + width, middle, middle - width))

    def update(self, candle: Candle) -> BBandsValue | None:
        x = candle.close
        total, s1, s2, peak = self._sums(x)
        ring = self._ring
        ring[self._i] = x
        self._i += 1
        wrapped = self._i == self.period
        if wrapped:
            self._i = 0
            total_state = fsum(ring)
            state = self._exact(ring, x)
        else:
            total_state = total
            state = (self._shift, s1, s2, peak)
        self._total = total_state
        if self._pending:
            self._pending -= 1
            if self._pending:
                self._shift, self._s1, self._s2, self._peak = state
                return None
        variance, state = self._variance(s1, s2, peak, ring, x, state)
        self._shift, self._s1, self._s2, self._peak = state
        return self._bands(total, variance)

    def preview(self, candle: Candle) -> BBandsValue | None:
        if self._pending > 1:
            return None
        x = candle.close
        total, s1, s2, peak = self._sums(x)
        window = self._ring.copy()
        window[self._i] = x
        unchanged = (self._shift, self._s1, self._s2, self._peak)
        return self._bands(total, self._variance(s1, s2, peak, window, x, unchanged)[0])


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
        self._close = 0.0  # the previous close, once a candle is in
        self._atr = 0.0  # the TR sum until the first ATR
        self._pending = self.period + 1  # candles until the first ATR; the first has no TR

    def update(self, candle: Candle) -> float | None:
        prev_close = self._close
        self._close = candle.close
        if self._pending:
            return self._seed(candle, prev_close)
        tr = true_range(candle.high, candle.low, prev_close)
        atr = self._atr = self._alpha * tr + self._beta * self._atr
        return atr

    def _seed(self, candle: Candle, prev_close: float) -> float | None:
        """`update` until the first ATR: the first candle has no TR, the next `period` TRs are
        summed, and their average is the first ATR."""
        self._pending -= 1
        if self._pending == self.period:
            return None
        self._atr += true_range(candle.high, candle.low, prev_close)
        if self._pending:
            return None
        atr = self._atr = self._atr / self.period
        return atr

    def preview(self, candle: Candle) -> float | None:
        if self._pending > 1:
            return None
        tr = true_range(candle.high, candle.low, self._close)
        if self._pending:
            return (self._atr + tr) / self.period
        return self._alpha * tr + self._beta * self._atr
