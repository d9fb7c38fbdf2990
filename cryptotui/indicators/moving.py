"""Moving averages of the close: SMA, EMA, WMA, KAMA, TEMA.

Each follows TA-Lib's algorithm, seeding included, so values match `talib` from the first one
TA-Lib outputs (see docs/indicators.md for the warm-up of each).
"""

from __future__ import annotations

from math import fsum
from operator import mul
from typing import Final

from cryptotui.indicators.base import IndicatorBase, WindowSum
from cryptotui.models import Candle


class SMA(IndicatorBase):
    """Simple moving average of the close over `period` candles (drift-free window sum)."""

    name = "sma"
    __slots__ = ("_pending", "_sum", "period")

    def __init__(self, period: int = 20) -> None:
        self.period = period
        self.params = (period,)
        self.lookback = period - 1
        self._sum = WindowSum(period)
        self.reset()

    def reset(self) -> None:
        self._sum.reset()
        self._pending = self.period

    def update(self, candle: Candle) -> float | None:
        total = self._sum.push(candle.close)
        if self._pending:
            self._pending -= 1
            if self._pending:
                return None
        return total / self.period

    def preview(self, candle: Candle) -> float | None:
        if self._pending > 1:
            return None
        return self._sum.peek(candle.close) / self.period


class EmaCore:
    """TA-Lib's EMA recursion on a plain float stream, for EMA, TEMA and friends.

    TA-Lib seeds the EMA with the simple average of the first `period` inputs (the "classic"
    seed; the first value *is* that SMA), then applies `prev + (x - prev) * k` with
    k = 2 / (period + 1), in that operation order.

    `value` is a plain float, the seed sum until `pending` reaches 0 and the EMA from then:
    compiled, a `float | None` attribute is a Python float allocated on every write. `update`
    feeds it and returns the EMA or None (`seed`, then `step`); once seeded, TEMA calls `step`,
    which returns a plain float (it chains three).
    """

    __slots__ = ("_k", "pending", "period", "value")

    def __init__(self, period: int) -> None:
        self.period = period
        self._k = 2.0 / (period + 1)
        self.reset()

    def reset(self) -> None:
        self.value = 0.0
        self.pending = self.period  # inputs still missing from the seed

    def seed(self, x: float) -> float | None:
        """Push `x` while `pending`: None until the seed is complete, then the first EMA."""
        value = self.value + x
        self.pending -= 1
        if self.pending:
            self.value = value
            return None
        value = self.value = value / self.period
        return value

    def update(self, x: float) -> float | None:
        """Push `x`: `seed` while `pending`, then `step`."""
        return self.seed(x) if self.pending else self.step(x)

    def step(self, x: float) -> float:
        """Push `x` once seeded (`pending` is 0) and return the EMA."""
        value = self.value
        value = self.value = ((x - value) * self._k) + value
        return value

    def peek(self, x: float) -> float | None:
        value = self.value
        if self.pending:
            return (value + x) / self.period if self.pending == 1 else None
        return ((x - value) * self._k) + value


class EMA(IndicatorBase):
    """Exponential moving average of the close, seeded like TA-Lib with an SMA."""

    name = "ema"
    __slots__ = ("_core", "period")

    def __init__(self, period: int = 20) -> None:
        self.period = period
        self.params = (period,)
        self.lookback = period - 1
        self._core = EmaCore(period)

    def reset(self) -> None:
        self._core.reset()

    def update(self, candle: Candle) -> float | None:
        return self._core.update(candle.close)

    def preview(self, candle: Candle) -> float | None:
        return self._core.peek(candle.close)


class WMA(IndicatorBase):
    """Linearly weighted moving average (weights 1..period, newest heaviest), as TA-Lib.

    Keeps the plain window sum S and the weighted sum W; a new value x turns W into
    W - S + period·x (every weight drops by one, x gets the top weight). Both are recomputed
    exactly with fsum whenever the ring wraps, so neither drifts.
    """

    name = "wma"
    __slots__ = ("_divider", "_i", "_pending", "_ring", "_sum", "_weighted", "_weights", "period")

    def __init__(self, period: int = 20) -> None:
        self.period = period
        self.params = (period,)
        self.lookback = period - 1
        self._divider = float(period * (period + 1) // 2)
        # The weighted resync's products in C (`map` over `operator.mul`): a comprehension over
        # `enumerate` is ~10 % of WMA interpreted and unpacks a tuple per value compiled.
        self._weights = range(1, period + 1)
        self.reset()

    def reset(self) -> None:
        self._ring = [0.0] * self.period
        self._i = 0
        self._sum = 0.0
        self._weighted = 0.0
        self._pending = self.period

    def update(self, candle: Candle) -> float | None:
        x = candle.close
        n = self.period
        i = self._i
        ring = self._ring
        weighted = self._weighted - self._sum + n * x
        total = self._sum + (x - ring[i])
        ring[i] = x
        i += 1
        if i == n:
            i = 0
            self._sum = fsum(ring)
            self._weighted = fsum(map(mul, self._weights, ring))
        else:
            self._sum = total
            self._weighted = weighted
        self._i = i
        if self._pending:
            self._pending -= 1
            if self._pending:
                return None
        return weighted / self._divider

    def preview(self, candle: Candle) -> float | None:
        if self._pending > 1:
            return None
        return (self._weighted - self._sum + self.period * candle.close) / self._divider


_KAMA_SLOWEST: Final = 2.0 / (30.0 + 1.0)
_KAMA_SPAN: Final = 2.0 / (2.0 + 1.0) - _KAMA_SLOWEST


class KAMA(IndicatorBase):
    """Kaufman adaptive moving average with TA-Lib's fixed fast 2 / slow 30 constants.

    Efficiency ratio = |close - close[period ago]| / sum of |1-candle changes| over the period;
    the smoothing factor is (ER·(2/3 - 2/31) + 2/31)². TA-Lib seeds the first KAMA with the
    previous close and treats a window without movement (sum of changes exactly 0) as ER = 1.
    The sum of changes is a drift-free window sum that is exactly 0.0 on a flat window.
    """

    name = "kama"
    __slots__ = ("_changes", "_closes", "_i", "_last", "_value", "period")

    def __init__(self, period: int = 10) -> None:
        self.period = period
        self.params = (period,)
        self.lookback = period
        self._changes = WindowSum(period)
        self.reset()

    def reset(self) -> None:
        self._changes.reset()
        self._closes: list[float] = []
        self._i = 0
        # Plain floats, not `float | None` (compiled, that would allocate on every write): the
        # previous close once `_closes` holds any, and the previous KAMA, which is the previous
        # close until the first KAMA (TA-Lib's seed).
        self._last = 0.0
        self._value = 0.0

    def _kama(self, x: float, changes: float, base: float, prev: float) -> float:
        move = x - base
        # TA-Lib: no movement (or only upward movement, up to rounding) means ER = 1.
        ratio = 1.0 if changes <= move or changes == 0.0 else abs(move / changes)
        factor = ratio * _KAMA_SPAN + _KAMA_SLOWEST
        factor *= factor
        return ((x - prev) * factor) + prev

    def update(self, candle: Candle) -> float | None:
        x = candle.close
        closes = self._closes
        if len(closes) < self.period:
            if closes:
                self._changes.push(abs(x - self._last))
            closes.append(x)
            self._last = self._value = x
            return None
        changes = self._changes.push(abs(x - self._last))
        self._last = x
        # `closes` is a ring of the last `period` closes; slot _i holds the one `period` ago.
        i = self._i
        base = closes[i]
        closes[i] = x
        self._i = 0 if i + 1 == self.period else i + 1
        self._value = value = self._kama(x, changes, base, self._value)
        return value

    def preview(self, candle: Candle) -> float | None:
        if len(self._closes) < self.period:
            return None
        x = candle.close
        changes = self._changes.peek(abs(x - self._last))
        return self._kama(x, changes, self._closes[self._i], self._value)


class TEMA(IndicatorBase):
    """Triple EMA, 3·EMA1 - 3·EMA2 + EMA3, each EMA seeded with its own SMA as in TA-Lib."""

    name = "tema"
    __slots__ = ("_e1", "_e2", "_e3", "period")

    def __init__(self, period: int = 20) -> None:
        self.period = period
        self.params = (period,)
        self.lookback = 3 * (period - 1)
        self._e1 = EmaCore(period)
        self._e2 = EmaCore(period)
        self._e3 = EmaCore(period)

    def reset(self) -> None:
        self._e1.reset()
        self._e2.reset()
        self._e3.reset()

    def update(self, candle: Candle) -> float | None:
        if self._e3.pending:
            return self._warm(candle.close)
        e1 = self._e1.step(candle.close)
        e2 = self._e2.step(e1)
        return self._e3.step(e2) + ((3.0 * e1) - (3.0 * e2))

    def _warm(self, x: float) -> float | None:
        """`update` until the third EMA is seeded: each EMA is fed once the one before it has
        a value, and the first TEMA comes with the third one's first value."""
        e1 = self._e1.update(x)
        if e1 is None:
            return None
        e2 = self._e2.update(e1)
        if e2 is None:
            return None
        e3 = self._e3.seed(e2)
        if e3 is None:
            return None
        return e3 + ((3.0 * e1) - (3.0 * e2))

    def preview(self, candle: Candle) -> float | None:
        e1 = self._e1.peek(candle.close)
        if e1 is None:
            return None
        e2 = self._e2.peek(e1)
        if e2 is None:
            return None
        e3 = self._e3.peek(e2)
        if e3 is None:
            return None
        return e3 + ((3.0 * e1) - (3.0 * e2))
