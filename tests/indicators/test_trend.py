"""Mann–Kendall against `pymannkendall.original_test` on every window, the one-sided HP trend
against `statsmodels`' `hpfilter` on every prefix (and exact rational arithmetic where
statsmodels' own solve loses digits), and the sorted multiset behind Sen's slope against
sorting."""

from __future__ import annotations

import math
import random
from fractions import Fraction

import numpy as np
import pymannkendall
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.tsa.filters.hp_filter import hpfilter

from cryptotui.indicators import HodrickPrescott, MannKendall, build_one
from cryptotui.indicators.trend import SortedBlocks, band_median
from cryptotui.models import Candle
from tests.indicators.series import market
from tests.indicators.strategies import candle_streams


def candle(close: float) -> Candle:
    return Candle("T", "1m", 0, 0, close, close, close, close, 1.0)


def closes(kind: str, n: int, seed: int = 5) -> np.ndarray:
    """n closes of the shared market series, cut where its stress is (the long flat stretch,
    the price gap), plus two series with many ties."""
    if kind == "ticks":  # a coarse tick: runs of equal closes, many tied slopes
        return np.round(market("walk", n, seed).close / 25.0)
    if kind == "levels":  # three prices only: every window is mostly ties
        return np.random.default_rng(seed).integers(0, 3, n).astype(float)
    start = {"flat": 130, "gaps": 280}.get(kind, 0)
    return market(kind, max(1000, start + n), seed).close[start : start + n]


def assert_matches_pymannkendall(mk: MannKendall, window: list[float], got) -> None:
    want = pymannkendall.original_test(np.array(window))
    assert got.tau == want.Tau
    assert got.slope == want.slope
    assert mk.z == want.z
    # Same formula; ours is erfc(|z|/√2), theirs 2·(1 - Φ(|z|)), which rounds to a few 1e-16.
    assert abs(got.p - want.p) <= 1e-15


@pytest.mark.parametrize("kind", ["walk", "flat", "tiny", "ticks", "levels"])
@pytest.mark.parametrize("period", [2, 3, 7, 20])
def test_mann_kendall_equals_pymannkendall_on_every_window(kind: str, period: int) -> None:
    xs = closes(kind, 120 + period).tolist()
    mk = MannKendall(period)
    for i, x in enumerate(xs):
        got = mk.update(candle(x))
        if i + 1 < period:
            assert got is None
            continue
        assert_matches_pymannkendall(mk, xs[i + 1 - period : i + 1], got)


@settings(max_examples=60, deadline=None)
@given(
    period=st.integers(2, 9),
    xs=st.lists(st.sampled_from([1.0, 2.0, 2.5, 3.0, 1e-7, 4e12]), min_size=1, max_size=40),
)
def test_mann_kendall_equals_batch_on_tied_streams(period: int, xs: list[float]) -> None:
    mk = MannKendall(period)
    for i, x in enumerate(xs):
        got = mk.update(candle(x))
        if got is not None:
            assert_matches_pymannkendall(mk, xs[i + 1 - period : i + 1], got)


def test_mann_kendall_stays_exact_over_a_long_run() -> None:
    """S and the tie sum are integers and every slope is recomputed from the same two closes,
    so nothing can drift: after 10,000 candles the windows still equal fresh batch tests, and
    the multiset holds exactly the window's pairs."""
    xs = closes("ticks", 10_060, seed=9).tolist()
    mk = MannKendall(40)  # 780 slopes: several blocks, split and merged as the window slides
    for i, x in enumerate(xs):
        got = mk.update(candle(x))
        if i >= len(xs) - 60:
            assert_matches_pymannkendall(mk, xs[i - 39 : i + 1], got)
    assert mk._slopes.size == 40 * 39 // 2


@pytest.mark.parametrize("kind", ["walk", "ticks", "levels"])
@pytest.mark.parametrize("period", [2, 7, 20, 50])
def test_mann_kendall_without_slopes_is_the_same_test_and_its_slope_on_demand(
    kind: str, period: int
) -> None:
    """`slopes=False` (what the trend-reversal detector runs): the same tau, p and z on every
    window, and `sen_slope()` equal to the slope the full indicator keeps."""
    xs = closes(kind, 100 + period, seed=4).tolist()
    full, lean = MannKendall(period), MannKendall(period, slopes=False)
    for x in xs:
        want, got = full.update(candle(x)), lean.update(candle(x))
        if want is None:
            assert got is None
            continue
        assert (got.tau, got.p, lean.z) == (want.tau, want.p, full.z)
        assert math.isnan(got.slope)
        assert lean.sen_slope() == want.slope
    assert lean._slopes.size == 0


def test_mann_kendall_warm_up_and_trend_direction() -> None:
    mk = build_one("mk:5")
    assert mk.columns == ("mk_5_tau", "mk_5_p", "mk_5_slope") and mk.lookback == 4
    values = [mk.update(candle(x)) for x in (1.0, 3.0, 2.0, 4.0, 5.0, 7.0, 8.0)]
    assert values[:4] == [None] * 4
    assert values[5].tau == 0.8  # 3 > 2 is the one discordant pair
    assert values[6] == (1.0, pytest.approx(0.0275, abs=1e-4), 1.5)  # slopes 1 … 2, middle 1.5
    assert values[6].p < values[5].p == values[4].p  # same S, no ties


@settings(max_examples=200, deadline=None)
@given(
    load=st.integers(1, 5),
    start=st.lists(st.integers(-6, 6), max_size=60),
    steps=st.lists(
        st.tuples(st.lists(st.integers(0, 100)), st.lists(st.integers(-6, 6), max_size=8)),
        max_size=6,
    ),
)
def test_band_median_and_replace_equal_sorting(
    load: int, start: list[int], steps: list[tuple[list[int], list[int]]]
) -> None:
    """Small integers make ties across block and band edges the common case."""
    blocks = SortedBlocks(load)
    reference = sorted(map(float, start))
    blocks.replace([], reference)
    for picks, new in steps:
        pool = reference.copy()
        removed = sorted(pool.pop(p % len(pool)) for p in picks[: len(pool)] if pool)
        added = sorted(map(float, new))
        result = sorted([*pool, *added])
        if result:
            half, odd = divmod(len(result), 2)
            want = result[half] if odd else (result[half - 1] + result[half]) / 2
            assert band_median(blocks, removed, added) == want
        blocks.replace(removed, added)
        reference = result
        assert blocks.values() == reference and blocks.size == len(reference)
        assert blocks.range(len(reference) // 3, len(reference)) == reference[len(reference) // 3 :]


def exact_hp_last(y: list[float], lamb: float) -> float:
    """The last point of the two-sided HP trend of `y`, by exact rational elimination of
    (I + λ KᵀK) τ = y (pentadiagonal, so the elimination stays within the band)."""
    n = len(y)
    lam = Fraction(lamb)
    a = [[Fraction(int(i == j)) for j in range(n)] for i in range(n)]
    for r in range(n - 2):
        row = {r: 1, r + 1: -2, r + 2: 1}
        for i, ki in row.items():
            for j, kj in row.items():
                a[i][j] += lam * ki * kj
    b = [Fraction(v) for v in y]
    for c in range(n):
        for r in range(c + 1, min(n, c + 3)):
            f = a[r][c] / a[c][c]
            for j in range(c, min(n, c + 3)):
                a[r][j] -= f * a[c][j]
            b[r] -= f * b[c]
    x = [Fraction(0)] * n
    for r in range(n - 1, -1, -1):
        x[r] = (b[r] - sum(a[r][j] * x[j] for j in range(r + 1, min(n, r + 3)))) / a[r][r]
    return float(x[-1])


@pytest.mark.parametrize("kind", ["walk", "flat", "gaps", "huge", "tiny"])
@pytest.mark.parametrize("lamb", [6.25, 1600.0, 129_600.0])
def test_hp_equals_statsmodels_on_every_prefix(kind: str, lamb: float) -> None:
    """From the third candle (the first prefix with a curvature term), not only the tenth."""
    y = closes(kind, 150, seed=4)
    hp = HodrickPrescott(lamb)
    for i, x in enumerate(y.tolist()):
        got = hp.update(candle(x))
        if i < 2:
            assert got is None
            continue
        want = hpfilter(y[: i + 1], lamb)[1][-1]
        assert abs(got - want) <= 1e-9 * abs(want)


@pytest.mark.parametrize("lamb", [1600.0, 1e8, 1e12])
def test_hp_is_exact_where_statsmodels_loses_digits(lamb: float) -> None:
    """statsmodels solves (I + λKᵀK)τ = y, whose condition number grows with λ (1e12: ~1e-4
    relative error); the filter stays within a few ulps of the exact rational answer."""
    y = closes("walk", 30, seed=8).tolist()
    hp = HodrickPrescott(lamb)
    for i, x in enumerate(y):
        got = hp.update(candle(x))
        if got is not None:
            exact = exact_hp_last(y[: i + 1], lamb)
            assert abs(got - exact) <= 4e-16 * abs(exact)


@settings(max_examples=30, deadline=None)
@given(candles=candle_streams(), lamb=st.sampled_from([0.5, 1600.0, 1e5]))
def test_hp_equals_batch_on_generated_streams(candles: list[Candle], lamb: float) -> None:
    """Flat runs, gaps and 1e-8 … 1e9 price levels: every prefix from the third candle."""
    hp = HodrickPrescott(lamb)
    closes = np.array([c.close for c in candles])
    for i, c in enumerate(candles):
        got = hp.update(c)
        if i >= 2:
            want = hpfilter(closes[: i + 1], lamb)[1][-1]
            assert abs(got - want) <= 1e-9 * np.abs(closes[: i + 1]).max()


def test_hp_does_not_drift_over_a_long_run() -> None:
    """100,000 candles at BTC prices: the last value equals the two-sided HP trend of the whole
    series (the filter forgets rounding errors as it forgets old closes)."""
    rng = np.random.default_rng(12)
    y = np.round(30_000.0 * np.exp(np.cumsum(rng.normal(0.0, 0.001, 100_000))), 2)
    hp = HodrickPrescott(1600.0)
    update = hp.update
    for x in y.tolist():
        got = update(candle(x))
    want = hpfilter(y, 1600.0)[1][-1]
    assert abs(got - want) <= 1e-9 * abs(want)


def test_hp_lambda_zero_is_the_close_and_specs_name_lambda() -> None:
    hp = build_one("hp:0")
    rng = random.Random(2)
    for _ in range(50):
        x = rng.uniform(1.0, 2.0)
        got = hp.update(candle(x))
        assert got is None or abs(got - x) <= 4e-16 * x
    assert build_one("hp").columns == ("hp_1600",)
    assert build_one("hp:129600.0").columns == ("hp_129600",)
    assert build_one("hp:0.5").columns == ("hp_0.5",)
