"""Trend statistics: the Mann–Kendall test with Sen's slope, and the one-sided Hodrick–Prescott
trend.

Both answer "is there a trend, and where is it" in ways a live chart can show honestly: the
Mann–Kendall test looks only at the last N closes, and the one-sided HP trend at each candle is
the last point of the HP trend of the closes up to that candle, so no value is revised later.
See docs/indicators.md for the formulas and the oracles they are tested against.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import deque
from itertools import accumulate, islice
from math import erfc, inf, nan, sqrt
from typing import NamedTuple

from cryptotui.indicators.base import IndicatorBase
from cryptotui.models import Candle

_SQRT1_2 = 0.7071067811865476


class MKValue(NamedTuple):
    tau: float
    p: float
    slope: float


def _tie_weight(t: int) -> int:
    """t(t-1)(2t+5): what a group of t equal values takes off the variance of S (times 18)."""
    return t * (t - 1) * (2 * t + 5)


class SortedBlocks:
    """A sorted multiset of floats kept in sorted blocks of about `load` values (a block that
    grows past 2·`load` is halved, one that shrinks below `load`/2 joins its neighbour).

    One flat sorted list would move half of itself on every insert and delete; here each moves
    at most one block (a C memmove), and finding the block is one binary search over the
    blocks' maxima. A range by rank is read through the blocks' start offsets, recomputed
    (one C pass over the block lengths) the first time it is needed after a change.
    """

    __slots__ = ("_blocks", "_load", "_maxes", "_starts", "size")

    def __init__(self, load: int = 256) -> None:
        self._load = load
        self.clear()

    def clear(self) -> None:
        self._blocks: list[list[float]] = []
        self._maxes: list[float] = []
        self._starts: list[int] | None = [0]
        self.size = 0

    def replace(self, removed: list[float], added: list[float]) -> None:
        """Take out one copy of each of `removed` (all present) and put in `added`."""
        blocks, maxes, load = self._blocks, self._maxes, self._load
        self._starts = None
        self.size += len(added) - len(removed)
        for value in removed:
            i = bisect_left(maxes, value)
            block = blocks[i]
            del block[bisect_left(block, value)]
            if not block:
                del blocks[i], maxes[i]
            elif len(block) < load // 2 and len(blocks) > 1:
                lo = i if i + 1 < len(blocks) else i - 1
                merged = blocks[lo] + blocks[lo + 1]
                blocks[lo : lo + 2] = [merged]
                maxes[lo : lo + 2] = [merged[-1]]
            else:
                maxes[i] = block[-1]
        for value in added:
            if not blocks:
                blocks.append([value])
                maxes.append(value)
                continue
            i = bisect_left(maxes, value)
            if i == len(maxes):
                i -= 1
                block = blocks[i]
                block.append(value)
                maxes[i] = value
            else:
                block = blocks[i]
                insort(block, value)
            if len(block) > 2 * load:
                blocks[i : i + 1] = [block[:load], block[load:]]
                maxes[i : i + 1] = [block[load - 1], block[-1]]

    def range(self, lo: int, hi: int) -> list[float]:
        """The values of ranks lo … hi-1, in order."""
        starts = self._starts
        if starts is None:
            starts = self._starts = list(accumulate(map(len, self._blocks), initial=0))
        out: list[float] = []
        i = bisect_right(starts, lo) - 1
        blocks = self._blocks
        while lo < hi:
            offset = starts[i]
            block = blocks[i]
            out += block[lo - offset : hi - offset]
            lo = offset + len(block)
            i += 1
        return out

    def values(self) -> list[float]:
        return [v for block in self._blocks for v in block]


def band_median(ordered: SortedBlocks, removed: list[float], added: list[float]) -> float:
    """Median of `ordered` once the sorted lists `removed` (a sub-multiset of it) and `added`
    are taken out and put in, without changing `ordered`, in O((r + a) log(r + a)).

    Taking out r values and putting in a moves the median by fewer than r + a ranks, so it lies
    in the band of ranks [k - a, k + 1 + r] of `ordered` around the new middle rank k: only that
    band is read. Everything below the band's lowest value is only counted. Ties across the
    band's edges do not matter: equal values are interchangeable, so a removed value equal to
    an edge may be taken from either side of it.
    """
    size = ordered.size
    total = size - len(removed) + len(added)
    half, odd = divmod(total, 2)
    first = half if odd else half - 1  # the rank(s) the median needs: first … half
    lo = max(0, first - len(added))
    hi = min(size, half + 1 + len(removed))
    band = ordered.range(lo, hi)
    low = band[0] if lo > 0 else -inf
    high = band[-1] if hi < size else inf
    below = lo
    for v in removed:
        if v < low:
            below -= 1
        elif v <= high:
            i = bisect_left(band, v)
            if i < len(band) and band[i] == v:
                del band[i]
            elif v == low:
                below -= 1
    for v in added:
        if v < low:
            below += 1
        elif v <= high:
            band.append(v)
    band.sort()
    if odd:
        return band[half - below]
    return (band[first - below] + band[half - below]) / 2


class MannKendall(IndicatorBase):
    """Mann–Kendall trend test over the last `period` closes, with Sen's slope.

    S = Σ_{i<j} sign(x_j - x_i); Var(S) = (n(n-1)(2n+5) - Σ t(t-1)(2t+5)) / 18 over the groups
    of t equal closes; z = (S ∓ 1) / √Var(S) (continuity correction, 0 when S = 0);
    tau = S / (n(n-1)/2); p = erfc(|z| / √2), the two-sided normal p-value; slope = the median
    of the pairwise slopes (x_j - x_i) / (j - i), in price per candle. This is
    `pymannkendall.original_test`, formula for formula.

    The window's closes are kept sorted, so the signs of a close against the whole window are
    two binary searches: S and the tie sum move in O(log n) per candle (the entering close's
    signs added, the leaving close's taken off), exactly, in integers. The pairwise slopes are
    kept in a `SortedBlocks` multiset: a candle takes out the n-1 slopes of the leaving close
    and puts in the n-1 of the entering one (the slope of two closes that both stay does not
    change: their distance in candles does not). The median of the result is read from a band
    of about 2n ranks (`band_median`) before the multiset is changed, so `update` and `preview`
    share one computation. O(n log n) per candle for the slopes instead of O(n² log n).

    With `slopes=False` only the test is kept (O(log n) per candle, the slope is NaN) and
    `sen_slope()` computes the slope of the committed window when it is wanted: what a detector
    that reports the slope only on the rare candle it fires needs (the slopes' upkeep is nine
    tenths of the cost).
    """

    name = "mk"
    outputs = ("tau", "p", "slope")
    __slots__ = ("_closes", "_s", "_slopes", "_sorted", "_ties", "keep_slopes", "period", "z")

    def __init__(self, period: int = 20, *, slopes: bool = True) -> None:
        self.period = period
        self.keep_slopes = slopes
        self.params = (period,)
        self.lookback = period - 1
        self._slopes = SortedBlocks()
        self.reset()

    def reset(self) -> None:
        self._closes: deque[float] = deque()
        self._sorted: list[float] = []
        self._slopes.clear()
        self._s = 0
        self._ties = 0
        self.z = 0.0
        """The test's z score for the last committed window (0.0 before the first value)."""

    def _next(self, x: float) -> tuple[int, int, list[float], list[float]]:
        """(S, tie sum, slopes leaving, slopes entering) once close `x` enters the window."""
        closes = self._closes
        ordered = self._sorted
        m = len(closes)
        lo, hi = bisect_left(ordered, x), bisect_right(ordered, x)
        gained = lo - (m - hi)  # Σ sign(x - v) over the window as it is
        equal = hi - lo
        s, ties = self._s, self._ties
        if m == self.period:
            x0 = closes[0]
            lo0, hi0 = bisect_left(ordered, x0), bisect_right(ordered, x0)
            s -= (m - hi0) - lo0  # the leaving close's signs against the others
            gained -= (x > x0) - (x < x0)  # x is not compared with the leaving close
            ties += _tie_weight(hi0 - lo0 - 1) - _tie_weight(hi0 - lo0)
            equal -= x == x0
        ties += _tie_weight(equal + 1) - _tie_weight(equal)
        removed: list[float] = []
        added: list[float] = []
        if self.keep_slopes:
            if m == self.period:
                kept = list(islice(closes, 1, None))
                x0 = closes[0]
                removed = sorted([(v - x0) / d for v, d in zip(kept, range(1, m), strict=True)])
                added = [(x - v) / d for v, d in zip(kept, range(m - 1, 0, -1), strict=True)]
            else:
                added = [(x - v) / d for v, d in zip(closes, range(m, 0, -1), strict=True)]
            added.sort()
        return s + gained, ties, removed, added

    def _value(self, s: int, ties: int, slope: float) -> tuple[MKValue, float]:
        n = self.period
        var_s = (n * (n - 1) * (2 * n + 5) - ties) / 18
        if s > 0:
            z = (s - 1) / sqrt(var_s)
        elif s < 0:
            z = (s + 1) / sqrt(var_s)
        else:
            z = 0.0
        return MKValue(s / (0.5 * n * (n - 1)), erfc(abs(z) * _SQRT1_2), slope), z

    def update(self, candle: Candle) -> MKValue | None:
        x = candle.close
        s, ties, removed, added = self._next(x)
        closes = self._closes
        full = len(closes) >= self.period - 1
        slope = self._slope(removed, added) if full else 0.0
        self._s, self._ties = s, ties
        if self.keep_slopes:
            self._slopes.replace(removed, added)
        if len(closes) == self.period:
            del self._sorted[bisect_left(self._sorted, closes.popleft())]
        closes.append(x)
        insort(self._sorted, x)
        if not full:
            return None
        value, self.z = self._value(s, ties, slope)
        return value

    def preview(self, candle: Candle) -> MKValue | None:
        if len(self._closes) < self.period - 1:
            return None
        s, ties, removed, added = self._next(candle.close)
        return self._value(s, ties, self._slope(removed, added))[0]

    def _slope(self, removed: list[float], added: list[float]) -> float:
        return band_median(self._slopes, removed, added) if self.keep_slopes else nan

    def sen_slope(self) -> float:
        """Sen's slope of the committed window from its closes, in O(n² log n): for a test kept
        without its slopes. The same differences and the same median as `update`'s."""
        xs = list(self._closes)
        slopes = sorted([(xs[j] - xs[i]) / (j - i) for j in range(1, len(xs)) for i in range(j)])
        half, odd = divmod(len(slopes), 2)
        return slopes[half] if odd else (slopes[half - 1] + slopes[half]) / 2


class HodrickPrescott(IndicatorBase):
    """One-sided Hodrick–Prescott trend: at each candle, the last point of the HP trend of all
    the closes so far (what a live chart can show without revising the past).

    The HP trend τ minimises Σ (y_t - τ_t)² + λ Σ (τ_t - 2τ_{t-1} + τ_{t-2})². It is the
    smoothed state of the local linear trend model y_t = τ_t + ε_t, τ_{t+1} = τ_t + β_t + η_t,
    β_{t+1} = β_t + η_t with Var ε / Var η = λ and a diffuse start, and the smoothed state at the
    last observation is the filtered one: so a Kalman filter on (τ, β) gives the one-sided trend
    in O(1) per candle. The variances are taken as Var ε = λ, Var η = 1 (only their ratio
    matters), so λ = 0 is allowed (the trend is then the close). The diffuse start is exact:
    after two closes y₁, y₂ the state is (y₂, y₂ - y₁) with covariance λ·[[1, 1], [1, 2]]; the
    first value is at the third close, the first prefix with a curvature term.
    """

    name = "hp"
    __slots__ = ("_beta", "_first", "_p11", "_p12", "_p22", "_seen", "_tau", "lamb")

    def __init__(self, lamb: float = 1600.0) -> None:
        self.lamb = float(lamb)
        self.params = (self.lamb,)
        self.lookback = 2
        self.reset()

    def reset(self) -> None:
        self._seen = 0
        self._first = 0.0
        self._tau = self._beta = 0.0
        self._p11 = self._p12 = self._p22 = 0.0

    def _step(self, y: float) -> tuple[float, float, float, float, float]:
        """(τ, β, P11, P12, P22) filtered at close `y` (from the third close on)."""
        lamb = self.lamb
        p11, p12, p22 = self._p11, self._p12, self._p22
        # Predict: T·P·Tᵀ + Var η·[[1, 1], [1, 1]] with T = [[1, 1], [0, 1]].
        p11 = p11 + 2.0 * p12 + p22 + 1.0
        p12 = p12 + p22 + 1.0
        p22 = p22 + 1.0
        tau = self._tau + self._beta
        # Update with Var ε = λ; the filtered P11, P12 are k·λ (no cancellation).
        gain = 1.0 / (p11 + lamb)
        k1, k2 = p11 * gain, p12 * gain
        error = y - tau
        return tau + k1 * error, self._beta + k2 * error, k1 * lamb, k2 * lamb, p22 - k2 * p12

    def update(self, candle: Candle) -> float | None:
        y = candle.close
        seen = self._seen
        self._seen = seen + 1
        if seen >= 2:
            self._tau, self._beta, self._p11, self._p12, self._p22 = self._step(y)
            return self._tau
        if seen == 0:
            self._first = y
        else:
            lamb = self.lamb
            self._tau, self._beta = y, y - self._first
            self._p11, self._p12, self._p22 = lamb, lamb, 2.0 * lamb
        return None

    def preview(self, candle: Candle) -> float | None:
        return self._step(candle.close)[0] if self._seen >= 2 else None
