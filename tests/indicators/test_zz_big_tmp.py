import statistics
from fractions import Fraction
from math import ulp
from hypothesis import given, settings, strategies as st
from cryptotui.indicators import BBands
from tests.indicators.test_drift import levels, spreads, moves, candle

@settings(max_examples=2000, deadline=None, database=None)
@given(period=st.integers(2, 15), level=levels, spread=spreads, steps=st.lists(moves, min_size=15, max_size=100))
def test_big(period, level, spread, steps):
    xs = [level * (1.0 + spread * s) for s in steps]
    bands = BBands(period, 1.0)
    for i, x in enumerate(xs):
        got = bands.update(candle(x))
        if got is None:
            continue
        window = xs[i + 1 - period : i + 1]
        exact_std = float(statistics.pvariance(map(Fraction, window))) ** 0.5
        assert abs((got.upper - got.middle) - exact_std) <= 1e-9 * exact_std + 4 * ulp(level)
