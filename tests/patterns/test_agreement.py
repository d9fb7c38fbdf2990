"""The scanner reproduces talib.CDL* candle by candle (TA-Lib is the oracle)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptotui.patterns.candles import PATTERNS, CandlestickScanner
from tests.patterns.agreement import PatternAgreement, scan, talib_output
from tests.patterns.series import Series, random_walk

MIN_FIRINGS = 3
"""Each pattern must fire this often in the engineered series, and each of its values this often
over the corpus: agreement on all-zero output would prove nothing."""


@pytest.mark.parametrize("name", PATTERNS)
def test_agrees_with_talib(name: str, agreement: dict[str, PatternAgreement]) -> None:
    a = agreement[name]
    assert a.mismatches == 0, f"{a.mismatches}/{a.candles} differ; first at {a.first_mismatch}"


@pytest.mark.parametrize("name", PATTERNS)
def test_fires_with_every_declared_value(name: str, agreement: dict[str, PatternAgreement]) -> None:
    a = agreement[name]
    assert a.firings["engineered"] >= MIN_FIRINGS, a.firings
    assert set(a.values) == set(PATTERNS[name].values), f"TA-Lib returned {a.values}"
    assert min(a.values.values()) >= MIN_FIRINGS, a.values


def test_single_pattern_scanners_match_the_full_scanner() -> None:
    """Totals are shared between patterns only when identical: no pattern sees another's."""
    s = random_walk("walk", 1500, seed=11, vol=0.01, tick=0.01)
    full = scan(s, CandlestickScanner())
    for name in PATTERNS:
        alone = scan(s, CandlestickScanner([name]))
        np.testing.assert_array_equal(alone[name], full[name], err_msg=name)


def _fold(values: list[float]) -> float:
    total = 0.0
    for v in values:
        total += v
    return total


def _knife_edge_prefix() -> tuple[np.ndarray, np.ndarray, float]:
    """Ten candles, then a long black body 20 at index 10, such that the BodyShort average seen
    by candle 11 differs with where summing starts: TA-Lib's harami/3inside start at index 1
    (sum of bodies 1..10), a scanner starting at 0 would have rolled once (0..9, +10 -0).
    Returns opens, closes and TA-Lib's threshold, which the next body will equal exactly."""
    for seed in range(1000):
        rng = np.random.default_rng(seed)
        opens = 1.0 + rng.random(10)
        closes = opens + rng.random(10) - 0.5
        bodies = [*np.abs(closes - opens).tolist(), 20.0]
        threshold = _fold(bodies[1:11]) / 10
        if threshold > (_fold(bodies[:10]) + (bodies[10] - bodies[0])) / 10:
            return np.r_[opens, 10.0], np.r_[closes, -10.0], threshold
    raise AssertionError("no knife edge found")


@pytest.mark.parametrize(
    ("name", "after"),
    [
        ("harami", []),  # the knife-edge body is judged at k=0 ...
        ("3inside", [(-5.0, 12.0)]),  # ... or at k=1, confirmed by a white close above 10
    ],
)
def test_totals_start_where_talib_starts(name: str, after: list[tuple[float, float]]) -> None:
    """On ordinary data, totals summed from different start indices converge within a few
    candles and no output changes (the corpus cannot tell). Here a body (open 0, close at the
    threshold) sits exactly on TA-Lib's BodyShort average, where the start index decides."""
    opens, closes, threshold = _knife_edge_prefix()
    o = np.r_[opens, 0.0, [a[0] for a in after]]
    c = np.r_[closes, threshold, [a[1] for a in after]]
    s = Series("knife-edge", o, np.maximum(o, c) + 0.5, np.minimum(o, c) - 0.5, c)
    expected = talib_output(name, s)
    assert expected[-1] == 100
    np.testing.assert_array_equal(scan(s, CandlestickScanner([name]))[name], expected)


_CALM = [(5.0, 6.0, 4.0, 5.0)] * 5
_WARMUP_CASES = {
    # bar 1 wide, bar 2 inside it, bar 3 breaks down (bullish hikkake at 3, inside TA-Lib's
    # lookback of 5), bar 5 closes above bar 2's high: +200 there.
    "hikkake": [(5, 6, 4, 5), (5, 10, 0, 5), (5, 8, 2, 5), (4, 7, 1, 3), (3, 7.5, 1.5, 4),
                (4, 9, 3, 8.5), (8, 9, 7, 8)],
    # after calm bars: wide bar 5, bar 6 inside it closing at its low, bar 7 inside 6, bar 8
    # breaks down (pattern inside the lookback of 10), bar 10 closes above bar 7's high: +200.
    "hikkakemod": [*_CALM, (5, 12, 0, 6), (8, 10, 2, 2.2), (5, 8, 3, 6), (5, 7, 2, 4),
                   (4, 7.5, 2.5, 5), (5, 9, 4, 8.5), (8, 9, 7, 8)],
}  # fmt: skip


@pytest.mark.parametrize("name", _WARMUP_CASES)
def test_hikkake_confirms_a_pattern_from_inside_the_lookback(name: str) -> None:
    """TA-Lib pre-runs hikkake's state machine over the 3 bars before its lookback ends."""
    o, h, lo, c = np.array(_WARMUP_CASES[name], dtype=float).T
    s = Series("warmup", o, h, lo, c)
    expected = talib_output(name, s)
    assert 200 in expected
    np.testing.assert_array_equal(scan(s, CandlestickScanner([name]))[name], expected)


_tick = st.integers(0, 4)


@st.composite
def tiny_series(draw: st.DrawFn) -> Series:
    """Up to 40 candles of a few ticks each: ties, zero ranges and lookback edges galore."""
    n = draw(st.integers(1, 40))
    moves = np.array(draw(st.lists(st.tuples(_tick, _tick, _tick, _tick), min_size=n, max_size=n)))
    gap, body, up, down = moves.T
    close = np.cumsum(gap - 2 + body - 2).astype(float)
    open_ = close - (body - 2)
    high = np.maximum(open_, close) + np.where(up > 2, up - 2, 0)
    low = np.minimum(open_, close) - np.where(down > 2, down - 2, 0)
    return Series("tiny", open_, high, low, close)


@settings(max_examples=150, deadline=None)
@given(tiny_series())
def test_agrees_on_tiny_tick_series(s: Series) -> None:
    actual = scan(s, CandlestickScanner())
    for name in PATTERNS:
        np.testing.assert_array_equal(actual[name], talib_output(name, s), err_msg=name)
