"""The significance formulas against independent computations (scipy, statsmodels, direct sums)."""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from cryptotui.stats.significance import (
    CHUNK_TERMS,
    Z95,
    beats_baseline,
    bh_qvalues,
    binom_cdf,
    binom_sf,
    two_proportions,
    wilson,
)


@pytest.mark.parametrize(
    ("hits", "n"), [(0, 1), (1, 1), (9, 10), (0, 10), (55, 100), (3, 7), (5123, 10000)]
)
def test_wilson_matches_statsmodels(hits: int, n: int) -> None:
    lo, hi = wilson(hits, n)
    ref_lo, ref_hi = proportion_confint(hits, n, alpha=0.05, method="wilson")
    assert lo == pytest.approx(ref_lo, abs=1e-12)
    assert hi == pytest.approx(ref_hi, abs=1e-12)


def test_wilson_by_the_formula() -> None:
    # 7 of 20 by hand: centre and half-width as written in docs/validation.md.
    p, n, z = 7 / 20, 20, Z95
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert wilson(7, 20) == pytest.approx((centre - half, centre + half), abs=1e-15)
    assert wilson(0, 0) == (0.0, 1.0)


def _direct_sf(k: int, n: int, p: float) -> float:
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))


@pytest.mark.parametrize("n", [1, 2, 5, 13, 40])
@pytest.mark.parametrize("p", [0.01, 0.3, 0.5, 0.77])
def test_binom_sf_equals_a_direct_sum_for_small_n(n: int, p: float) -> None:
    for k in range(n + 2):
        assert binom_sf(k, n, p) == pytest.approx(_direct_sf(k, n, p), rel=1e-10, abs=1e-300)


def test_binom_tails_match_scipy_for_large_n() -> None:
    rng = random.Random(3)
    for _ in range(300):
        n = rng.randint(50, 200_000)
        p = rng.uniform(0.05, 0.95)
        k = rng.randint(0, n)
        assert binom_sf(k, n, p) == pytest.approx(sps.binom.sf(k - 1, n, p), rel=1e-8, abs=1e-14)
        assert binom_cdf(k, n, p) == pytest.approx(sps.binom.cdf(k, n, p), rel=1e-8, abs=1e-14)


def _loop_tail(k: int, n: int, p: float, up: bool) -> float:
    """The tail's definition: one term at a time by the pmf's ratio, until they stop counting."""
    q = 1.0 - p
    term = math.exp(
        math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
        + k * math.log(p) + (n - k) * math.log1p(-p)
    )  # fmt: skip
    total, ratio = term, p / q if up else q / p
    for j in range(k, n) if up else range(k, 0, -1):
        term *= ((n - j) / (j + 1) if up else j / (n - j + 1)) * ratio
        total += term
        if term < total * 1e-18:
            break
    return min(1.0, total)


def test_long_tails_summed_in_chunks_are_the_loops_to_the_bit() -> None:
    rng = np.random.default_rng(5)
    long = 0
    for _ in range(300):
        n = int(rng.integers(50, 2_000_000))
        p = float(rng.uniform(0.02, 0.98))
        k = int(np.clip(rng.normal(n * p, 3 * math.sqrt(n * p * (1 - p))), 1, n))
        long += 10 * math.sqrt(n * p * (1 - p)) > CHUNK_TERMS
        if k > n * p:
            assert binom_sf(k, n, p) == _loop_tail(k, n, p, True)
        else:
            assert binom_sf(k, n, p) == max(0.0, 1.0 - _loop_tail(k - 1, n, p, False))
    assert long > 200


def test_binom_far_tail_keeps_relative_precision() -> None:
    # 700 hits of 1000 at 0.5: p ≈ 1e-37, far below anything 1 − cdf could resolve.
    assert binom_sf(700, 1000, 0.5) == pytest.approx(sps.binom.sf(699, 1000, 0.5), rel=1e-9)


def test_binom_edges() -> None:
    assert binom_sf(0, 10, 0.3) == 1.0
    assert binom_sf(11, 10, 0.3) == 0.0
    assert binom_sf(3, 10, 0.0) == 0.0
    assert binom_sf(3, 10, 1.0) == 1.0
    assert binom_cdf(-1, 10, 0.3) == 0.0
    assert binom_cdf(10, 10, 0.3) == 1.0


@pytest.mark.parametrize(
    ("hits", "n", "b"), [(0, 0, 0.5), (6, 10, 0.5), (60, 100, 0.52), (3, 9, 0.4)]
)
def test_beats_baseline_is_the_beta_posterior(hits: int, n: int, b: float) -> None:
    ref = sps.beta.sf(b, 1 + hits, 1 + n - hits)
    assert beats_baseline(hits, n, b) == pytest.approx(ref, rel=1e-10)


def test_beats_baseline_shrinks_small_samples() -> None:
    assert beats_baseline(0, 0, 0.5) == pytest.approx(0.5)
    # 3 of 3 is weaker evidence than 90 of 100 even though its raw rate is higher.
    assert beats_baseline(3, 3, 0.5) < beats_baseline(90, 100, 0.5)
    assert beats_baseline(30, 100, 0.5) < 0.001


def test_bh_matches_statsmodels_and_is_monotone() -> None:
    rng = random.Random(11)
    ps = [rng.random() ** 3 for _ in range(57)]
    qs = bh_qvalues(ps)
    ref = multipletests(ps, method="fdr_bh")[1]
    assert qs == pytest.approx(list(ref), rel=1e-12)
    order = sorted(range(len(ps)), key=ps.__getitem__)
    assert all(qs[a] <= qs[b] for a, b in itertools.pairwise(order))  # type: ignore[operator]
    assert all(q is not None and p <= q <= 1 for p, q in zip(ps, qs, strict=True))


def test_bh_by_hand_with_untested_rows() -> None:
    # m = 4 tested; sorted 0.01, 0.0125, 0.03, 0.04 → p·m/rank = 0.04, 0.025, 0.04, 0.04;
    # the step-up minimum from the top gives 0.025, 0.025, 0.04, 0.04.
    qs = bh_qvalues([0.04, None, 0.01, 0.03, 0.0125])
    assert qs[1] is None
    assert qs == pytest.approx([0.04, None, 0.025, 0.04, 0.025])


def test_two_proportions_matches_statsmodels() -> None:
    from statsmodels.stats.proportion import proportions_ztest

    _, ref = proportions_ztest([30, 55], [100, 110])
    assert two_proportions(30, 100, 55, 110) == pytest.approx(ref, rel=1e-10)
    assert two_proportions(0, 0, 5, 10) is None
    assert two_proportions(0, 10, 0, 10) is None
