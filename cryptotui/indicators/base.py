"""The building blocks the indicators share (the protocol they implement is in `protocol.py`).

An indicator is fed closed candles one at a time through `update`, which commits the candle and
returns the new value, or None while the indicator is still warming up (and, for a few
indicators, when the value is undefined: see docs/indicators.md). `preview` answers "what would
`update` return if this open candle closed now" without touching any state, so the live engine
can show the forming candle's value on every tick and still commit each candle exactly once.

Everything here is O(1) per update and plain typed Python: per-candle work is a handful of
float operations, where numpy's per-call overhead would cost more than it saves. The same source
is compiled with mypyc when a compiler is available (`cryptotui.hotpath`), so it keeps to what
mypyc compiles natively: typed attributes, `Final` constants, no class-level mutable state,
plain loops rather than `sum` over a comprehension (a native loop compiled, as fast
interpreted). Multi-output values are built with `new_value` (see there). Compiled, a float is
unboxed only where its type is exactly `float`: a `float | None` attribute, return value or
tuple item is a Python float object, allocated on every write, so state that may be missing is
a plain float beside a counter or flag saying whether it is set. The
protocol itself lives in `protocol.py`, which stays interpreted (`runtime_checkable` needs a
real Protocol class).
"""

from __future__ import annotations

import bisect
from math import fsum
from typing import Any, ClassVar, Final

from cryptotui.hotpath import is_compiled
from cryptotui.models import Candle

new_value: Final = tuple.__new__
"""Builds a multi-output value, `new_value(MACDValue, (macd, signal, hist))`: a NamedTuple's own
constructor is a Python function, ~1.5× slower in either build, and `tuple.__new__` written out
is a method lookup on every call compiled (a global lookup and an attribute read interpreted)."""

TA_EPSILON: Final = 1e-14
"""TA-Lib's zero band. Used only where TA-Lib applies it to a dimensionless quantity (an
oscillator or a ratio of the window's own extremes), so it behaves the same at every price scale."""


def format_param(value: int | float) -> str:
    """`20` → "20", `2.0` → "2", `2.5` → "2.5": column names must not depend on how the user
    spelled a number."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return repr(value)


class IndicatorBase:
    """Naming and flattening shared by all indicators; the arithmetic lives in subclasses."""

    __slots__ = ("_columns", "lookback", "params")

    name: ClassVar[str]
    outputs: ClassVar[tuple[str, ...]] = ("",)

    params: tuple[int | float, ...]
    lookback: int
    _columns: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """`<name>_<params joined by _>[_<output>]`, e.g. `macd_12_26_9_signal`. Built once:
        consumers read it next to every update."""
        try:
            return self._columns
        except AttributeError:
            stem = "_".join((self.name, *map(format_param, self.params)))
            self._columns = tuple(f"{stem}_{out}" if out else stem for out in self.outputs)
            return self._columns

    def update(self, candle: Candle) -> Any:
        """Commit a closed candle; the new value (None while warming up). Declared here so the
        compiled engine calls every indicator's natively (a protocol's is a generic call)."""
        raise NotImplementedError

    def preview(self, candle: Candle) -> Any:
        """What `update` would return for this open candle, without changing any state."""
        raise NotImplementedError

    def cells(self, value: Any) -> tuple[float | None, ...]:
        """One entry per column: the value itself, a NamedTuple's fields, or Nones."""
        if len(self.outputs) == 1:
            return (value,)
        return (None,) * len(self.outputs) if value is None else tuple(value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(map(format_param, self.params))})"


class WindowSum:
    """Sum of the last `size` pushed values, O(1) per push, without drift.

    A running sum gains one rounding error per add and per subtract. Over millions of updates
    those errors accumulate, and after a large value has left the window the residue can dwarf
    the sum of the small values still in it. Here the window lives in a ring, and every time the
    ring wraps (every `size` pushes) the running total is replaced by `math.fsum` of the ring,
    which is correctly rounded: the error never spans more than two windows of roundings, whatever
    the number of updates (periodic exact recompute; amortised cost one fsum per `size` pushes).

    The resync changes only the state that later pushes start from; the value a push returns is
    always `total + (x - leaving)`, which is exactly what `peek` computes, so a preview equals the
    update that follows it bit for bit.

    A window that holds only zeros sums to exactly 0.0 (a run of `size` zero pushes resets the
    total), so "is the sum zero" questions (no volume, no movement) get exact answers instead of
    rounding residue.

    Until `size` values have been pushed the missing ones count as 0.0.
    """

    __slots__ = ("_i", "_ring", "_zeros", "size", "total")

    def __init__(self, size: int) -> None:
        self.size = size
        self.reset()

    def reset(self) -> None:
        self.total = 0.0
        self._ring = [0.0] * self.size
        self._i = 0
        self._zeros = 0

    def push(self, x: float) -> float:
        """Add `x`, drop the value that leaves the window, and return the new sum."""
        i = self._i
        ring = self._ring
        total = self.total + (x - ring[i])
        ring[i] = x
        if x:
            self._zeros = 0
        else:
            self._zeros += 1
            if self._zeros >= self.size:
                total = 0.0
        i += 1
        if i == self.size:
            self._i = 0
            self.total = fsum(ring)
        else:
            self._i = i
            self.total = total
        return total

    def peek(self, x: float) -> float:
        """What `push(x)` would return, without pushing."""
        if not x and self._zeros + 1 >= self.size:
            return 0.0
        return self.total + (x - self._ring[self._i])

    def values(self) -> list[float]:
        """The window, oldest first (for exact recomputes and tests)."""
        i = self._i
        return self._ring[i:] + self._ring[:i]


class _MaxQueue:
    """Maximum of the last `size` pushed values, O(1) amortised per push: a monotonic queue.

    `_values[_head:_tail]` is non-increasing (a value is dropped from the back when a value at
    least as large arrives, so it never leaves by position while a larger one is kept), and
    `_at` holds each kept value's push index; the front is the window's maximum. The queue
    lives in two preallocated lists of `2 * size` slots, moved back to the start (a slice
    assignment of the same length) when the tail reaches the end: the queue never holds more
    than `size` values, so that happens at most once per `size` pushes, and the lists never
    change size (compiled, growing and shrinking lists reallocated their memory every few
    pushes; a deque of tuples would allocate a tuple per push and go through generic calls).
    """

    __slots__ = ("_at", "_count", "_head", "_tail", "_values", "size")

    def __init__(self, size: int) -> None:
        self.size = size
        self.reset()

    def reset(self) -> None:
        self._values = [0.0] * (2 * self.size)
        self._at = [0] * (2 * self.size)
        self._head = 0
        self._tail = 0
        self._count = 0

    def push(self, x: float) -> float:
        """Add `x` and return the maximum of the window ending with it."""
        values = self._values
        at = self._at
        head = self._head
        tail = self._tail
        while tail > head and values[tail - 1] <= x:
            tail -= 1
        if tail == len(values):
            kept = tail - head
            values[:kept] = values[head:tail]
            at[:kept] = at[head:tail]
            head, tail = 0, kept
        i = self._count
        values[tail] = x
        at[tail] = i
        self._tail = tail + 1
        self._count = i + 1
        if at[head] <= i - self.size:  # the front has left the window
            head += 1
        self._head = head
        return values[head]

    def peek(self, x: float) -> float:
        """What `push(x)` would return, without pushing.

        Only the front entry can be the one leaving the window; the entry behind it is then the
        maximum of what remains.
        """
        values = self._values
        head = self._head
        tail = self._tail
        if tail > head:
            if self._at[head] <= self._count - self.size:
                head += 1
            if tail > head and values[head] > x:
                return values[head]
        return x


class RollingExtremes:
    """Highest high and lowest low of the last `size` candles, O(1) amortised per push.

    Two monotonic queues; the lows go in negated (negation is exact, so the maximum of the
    negated lows is exactly minus the lowest low).
    """

    __slots__ = ("_highs", "_lows", "size")

    def __init__(self, size: int) -> None:
        self.size = size
        self._highs = _MaxQueue(size)
        self._lows = _MaxQueue(size)

    def reset(self) -> None:
        self._highs.reset()
        self._lows.reset()

    def push(self, high: float, low: float) -> tuple[float, float]:
        """Add one candle and return (highest high, lowest low) of the window ending with it."""
        return self._highs.push(high), -self._lows.push(-low)

    def peek(self, high: float, low: float) -> tuple[float, float]:
        """What `push(high, low)` would return, without pushing."""
        return self._highs.peek(high), -self._lows.peek(-low)


def bisect_floats(ordered: list[float], x: float) -> int:
    """`bisect.bisect_left(ordered, x)`, step for step (the same index, NaN included).

    Compiled, each step is a native float compare; `bisect`'s C loop boxes `x` and compares
    through `PyObject_RichCompare`, which made the sorted volume windows of the volume-spike
    score and the pump detector a tenth of a backtest's detector time."""
    lo, hi = 0, len(ordered)
    while lo < hi:
        mid = (lo + hi) // 2
        if ordered[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def insort_floats(ordered: list[float], x: float) -> None:
    """`bisect.insort(ordered, x)` (after any equal values), step for step."""
    lo, hi = 0, len(ordered)
    while lo < hi:
        mid = (lo + hi) // 2
        if x < ordered[mid]:
            hi = mid
        else:
            lo = mid + 1
    ordered.insert(lo, x)


if not is_compiled():
    # Interpreted, the loops above cost more than `bisect`'s C loop, which finds the same
    # index: the pure build uses that instead (rebound out of the type checker's sight).
    globals().update(bisect_floats=bisect.bisect_left, insort_floats=bisect.insort)


def typical_price(candle: Candle) -> float:
    """(high + low + close) / 3, in TA-Lib's operation order so results match bit for bit."""
    return (candle.high + candle.low + candle.close) / 3.0


def true_range(high: float, low: float, prev_close: float) -> float:
    """Wilder's true range: the candle's range stretched to the previous close (TA-Lib's order
    of comparisons)."""
    greatest = high - low
    to_high = abs(prev_close - high)
    if to_high > greatest:
        greatest = to_high
    to_low = abs(prev_close - low)
    if to_low > greatest:
        greatest = to_low
    return greatest
