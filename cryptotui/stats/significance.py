"""Exact small-sample statistics for hit rates: Wilson intervals, binomial tails, BH q-values.

Plain Python on purpose (no scipy at runtime): every function here runs on a handful of numbers
per report row or per scored signal; only a long binomial tail is summed by numpy, a chunk of
terms at a time. Tails are exact (a log-space sum of the binomial pmf), never a
normal approximation: pattern samples are often a few dozen signals, where the normal tail is
wrong by a factor. Formulas and their references: docs/validation.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

Z95 = 1.959963984540054
"""The two-sided 95 % normal quantile, Φ⁻¹(0.975)."""

_TINY = 1e-18
"""Relative size below which further pmf terms cannot change a double-precision sum."""


def wilson(hits: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion; (0, 1) when n = 0 (no evidence either way).

    Unlike the Wald interval it stays inside [0, 1] and keeps its coverage near 0 and 1 and at
    small n, which is exactly where a pattern's record lives.
    """
    if n <= 0:
        return 0.0, 1.0
    p = hits / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1.0 - p) / n + z2 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def binom_sf(k: int, n: int, p: float) -> float:
    """P[X ≥ k] for X ~ Binomial(n, p), exact.

    The smaller tail is summed in log space from its inner end outwards (terms shrink
    monotonically beyond the mode, so the sum stops once they no longer count); the other tail
    is its complement. Cost is O(√n) terms in practice, not O(n).
    """
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    if k > n * p:  # upper tail is the small one
        return _tail(k, n, p, up=True)
    return max(0.0, 1.0 - _tail(k - 1, n, p, up=False))


def binom_cdf(k: int, n: int, p: float) -> float:
    """P[X ≤ k] for X ~ Binomial(n, p), exact."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    if k < n * p:  # lower tail is the small one
        if p >= 1.0:
            return 0.0
        return _tail(k, n, p, up=False)
    return max(0.0, 1.0 - binom_sf(k + 1, n, p))


def _tail(k: int, n: int, p: float, *, up: bool) -> float:
    """Σ pmf(j) for j from `k` (the tail's inner end, nearest the mode) outwards: up to n when
    `up`, else down to 0. The first term comes from log-gamma, the rest by the pmf's ratio
    recurrence (one multiplication each), stopping once terms no longer count."""
    q = 1.0 - p
    term = math.exp(
        math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
        + k * math.log(p) + (n - k) * math.log1p(-p)
    )  # fmt: skip
    ratio = p / q if up else q / p
    # Terms stop counting within ~9.2 standard deviations of the mode.
    chunk = int(10.0 * math.sqrt(n * p * q)) + 16
    if chunk > CHUNK_TERMS:
        return _tail_in_chunks(term, k, n, ratio, up, chunk)
    total = term
    if up:
        for j in range(k, n):
            term *= (n - j) / (j + 1) * ratio
            total += term
            if term < total * _TINY:
                break
    else:
        for j in range(k, 0, -1):
            term *= j / (n - j + 1) * ratio
            total += term
            if term < total * _TINY:
                break
    return min(1.0, total)


CHUNK_TERMS = 64
"""Tails that may need more terms than this are summed by numpy, that many at a time at least
(a binomial of a million trials, as a year of 1m candles' report has, takes thousands)."""


def _tail_in_chunks(term: float, k: int, n: int, ratio: float, up: bool, chunk: int) -> float:
    """`_tail`'s loop a chunk of terms at a time, to the bit: each term is still the one before
    times the same ratio, and the sum still adds one term at a time, in order (numpy's
    accumulations are sequential)."""
    total = term
    while k != (n if up else 0):
        if up:
            j = np.arange(k, min(k + chunk, n))
            factors = (n - j) / (j + 1) * ratio
        else:
            j = np.arange(k, max(k - chunk, 0), -1)
            factors = j / (n - j + 1) * ratio
        terms = np.multiply.accumulate(np.concatenate(([term], factors)))
        sums = terms.copy()
        sums[0] = total
        np.add.accumulate(sums, out=sums)
        done = np.flatnonzero(terms[1:] < sums[1:] * _TINY)
        if len(done):
            return min(1.0, float(sums[done[0] + 1]))
        term, total = float(terms[-1]), float(sums[-1])
        k = int(j[-1]) + (1 if up else -1)
    return min(1.0, total)


def beats_baseline(hits: int, n: int, baseline: float) -> float:
    """P[true hit rate > baseline] under a Beta(1 + hits, 1 + misses) posterior (uniform prior).

    1 − I_b(1 + hits, 1 + misses); for integer shape parameters the regularised incomplete beta
    is a binomial tail, I_b(a, c) = P[Binomial(a + c − 1, b) ≥ a], so this equals
    P[Binomial(n + 1, b) ≤ hits]. With no data it is 1 − baseline (≈ 0.5); it moves towards 0 or
    1 only as evidence accrues, which is the shrinkage a confidence factor needs.
    """
    return binom_cdf(hits, n + 1, baseline)


def bh_qvalues(pvalues: Sequence[float | None]) -> list[float | None]:
    """Benjamini–Hochberg q-values (step-up, monotone, capped at 1); None entries are skipped
    and stay None (rows with no test, such as neutral patterns).

    Rank the m p-values ascending; q(i) = min over j ≥ i of p(j)·m/j.
    """
    ranked = sorted((p, i) for i, p in enumerate(pvalues) if p is not None)
    m = len(ranked)
    out: list[float | None] = [None] * len(pvalues)
    running = 1.0
    for rank in range(m, 0, -1):
        p, i = ranked[rank - 1]
        running = min(running, p * m / rank)
        out[i] = min(1.0, running)
    return out


def two_proportions(hits_a: int, n_a: int, hits_b: int, n_b: int) -> float | None:
    """Two-sided p-value of the pooled two-proportion z-test (None when either side is empty
    or the pooled rate is 0 or 1, where the test has nothing to say).

    Used to flag a pattern whose recent hit rate left its long-run rate; the normal
    approximation is adequate there because the flag needs both samples of a useful size
    (the caller enforces a minimum), unlike the per-pattern tail above.
    """
    if n_a <= 0 or n_b <= 0:
        return None
    pooled = (hits_a + hits_b) / (n_a + n_b)
    if pooled <= 0.0 or pooled >= 1.0:
        return None
    se = math.sqrt(pooled * (1.0 - pooled) * (1.0 / n_a + 1.0 / n_b))
    z = (hits_a / n_a - hits_b / n_b) / se
    return math.erfc(abs(z) / math.sqrt(2.0))
