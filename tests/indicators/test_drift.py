"""Rolling sums and variances do not drift: the incremental value always equals a fresh batch
recompute of the same window, within a bound set by the magnitudes *currently in* the window,
however many updates came before (periodic exact recompute: see WindowSum)."""

from __future__ import annotations

import random
import statistics
from fractions import Fraction
from math import fsum, ulp

from hypothesis import given, settings
from hypothesis import strategies as st

from cryptotui.indicators import SMA, WMA, BBands, RollingVWAP
from cryptotui.indicators.base import WindowSum
from cryptotui.models import Candle

EPS = 2.0**-52

# Magnitudes from 1e-6 to 1e15 mixed in one stream: a big value entering and leaving the window
# is what makes a plain running sum lose the small ones for good.
magnitudes = st.sampled_from([1e-6, 1.0, 3e4, 1e9, 1e15])
values = st.builds(lambda m, f: m * f, magnitudes, st.floats(-1.0, 1.0))


def bound(size: int, recent: list[float]) -> float:
    """Error allowed for a window sum: a window's worth of roundings since the last exact
    recompute, each at most a few ulps of a sum of `size` values of the recent magnitude."""
    return 2.0 * (size + 3) ** 2 * EPS * max(map(abs, recent), default=0.0)


def candle(close: float, volume: float = 1.0, high: float | None = None) -> Candle:
    return Candle("T", "1m", 0, 0, close, high or close, close, close, volume)


@settings(max_examples=80, deadline=None)
@given(size=st.integers(1, 25), xs=st.lists(values, min_size=1, max_size=150))
def test_window_sum_equals_exact_sum_of_window(size: int, xs: list[float]) -> None:
    window = WindowSum(size)
    for i, x in enumerate(xs):
        got = window.push(x)
        exact = fsum(xs[max(0, i - size + 1) : i + 1])
        assert abs(got - exact) <= bound(size, xs[max(0, i - 2 * size) : i + 1])
        assert window.values()[-min(size, i + 1) :] == xs[max(0, i - size + 1) : i + 1]


def test_window_sum_recovers_small_values_after_huge_ones() -> None:
    """The case plain running sums get wrong for ever: 1e17 + 1 - 1e17 is 0, not 1."""
    window = WindowSum(10)
    naive = 0.0
    xs = [1e17] * 10 + [1.0] * 95
    for i, x in enumerate(xs):
        window.push(x)
        naive += x - (xs[i - 10] if i >= 10 else 0.0)
    assert window.total == 10.0
    assert naive != 10.0  # the drift this design exists to avoid


def test_window_sum_stays_exact_over_a_million_updates() -> None:
    """10 million updates in production; one million here (the error is per window, not per
    update, so it cannot grow with the count). A random walk at BTC prices."""
    rng = random.Random(3)
    window = WindowSum(20)
    price = 30_000.0
    recent: list[float] = []
    worst = 0.0
    for i in range(1_000_000):
        price = max(1.0, price + rng.gauss(0.0, 15.0))
        total = window.push(price)
        if i % 997 == 0 or i > 999_980:
            recent = window.values()
            worst = max(worst, abs(total - fsum(recent)) / ulp(fsum(recent)))
    assert worst <= 64  # ulps of the window sum


@settings(max_examples=40, deadline=None)
@given(period=st.integers(2, 12), xs=st.lists(values, min_size=12, max_size=120))
def test_sma_and_wma_equal_batch_recompute(period: int, xs: list[float]) -> None:
    sma, wma = SMA(period), WMA(period)
    divider = period * (period + 1) / 2
    for i, x in enumerate(xs):
        got_sma, got_wma = sma.update(candle(x)), wma.update(candle(x))
        if i + 1 < period:
            assert got_sma is None and got_wma is None
            continue
        window = xs[i + 1 - period : i + 1]
        recent = [abs(v) * period for v in xs[max(0, i - 2 * period) : i + 1]]
        assert abs(got_sma - fsum(window) / period) <= bound(period, recent) / period
        exact_wma = fsum(w * v for w, v in enumerate(window, 1)) / divider
        assert abs(got_wma - exact_wma) <= bound(period, recent) / period


# Prices with a small spread around a large level: E[x²] - E[x]² would lose every digit here.
# Flat runs (exact zeros) and spikes 300 spreads away leave residue in running sums of squares.
levels = st.sampled_from([1e-5, 1.0, 3e4, 1e12])
spreads = st.sampled_from([0.0, 1e-9, 1e-6, 1e-3, 0.1])
moves = st.one_of(st.floats(-1.0, 1.0), st.sampled_from([0.0, 0.0, 300.0, -300.0]))


@settings(max_examples=40, deadline=None)
@given(
    period=st.integers(2, 15),
    level=levels,
    spread=spreads,
    steps=st.lists(moves, min_size=15, max_size=100),
)
def test_bollinger_std_equals_exact_population_std(
    period: int, level: float, spread: float, steps: list[float]
) -> None:
    xs = [level * (1.0 + spread * s) for s in steps]
    bands = BBands(period, 1.0)
    for i, x in enumerate(xs):
        got = bands.update(candle(x))
        if got is None:
            continue
        window = xs[i + 1 - period : i + 1]
        exact_var = statistics.pvariance(map(Fraction, window))  # exact rational arithmetic
        exact_std = float(exact_var) ** 0.5
        assert abs((got.upper - got.middle) - exact_std) <= 1e-9 * exact_std + 4 * ulp(level)
        if exact_var == 0:
            assert got.upper == got.middle == got.lower


@settings(max_examples=40, deadline=None)
@given(
    period=st.integers(2, 10),
    bars=st.lists(
        st.tuples(values.map(abs), st.sampled_from([0.0, 0.0, 1e-3, 1.0, 1e9])),
        min_size=10,
        max_size=100,
    ),
)
def test_rolling_vwap_equals_batch_recompute(period: int, bars: list[tuple[float, float]]) -> None:
    vwap = RollingVWAP(period)
    for i, (price, volume) in enumerate(bars):
        got = vwap.update(candle(price, volume))
        if i + 1 < period:
            assert got is None
            continue
        window = bars[i + 1 - period : i + 1]
        volume_sum = fsum(v for _, v in window)
        if volume_sum == 0.0:
            assert got is None  # no volume in the window: exactly, not rounding residue
            continue
        recent = bars[max(0, i - 2 * period) : i + 1]
        exact = fsum(p * v for p, v in window) / volume_sum
        # Error of the numerator, plus the quotient's sensitivity to the denominator's error.
        flow_error = bound(period, [p * v for p, v in recent])
        volume_error = bound(period, [v for _, v in recent])
        allowed = (flow_error + abs(exact) * volume_error) / volume_sum + 4 * ulp(exact)
        assert abs(got - exact) <= allowed
