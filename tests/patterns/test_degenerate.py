"""The swing-point detectors on degenerate series: flat stretches, zero volume, repeated
prices, huge and tiny price levels. Whatever they report, they must not fail (a detector that
raises would stop the engine's candle for every detector after it), and their factors stay
finite floats (they are stored and written as JSON)."""

from __future__ import annotations

from math import isfinite

from hypothesis import given, settings
from hypothesis import strategies as st

from cryptotui.models import Candle
from cryptotui.patterns import CANDLE_DETECTORS

NAMES = ("chart", "sr_levels", "trendlines", "divergence", "ad_phase")

rows = st.lists(
    st.tuples(
        st.integers(-3, 3),  # close move in ticks (0: flat)
        st.integers(0, 2),  # shadow in ticks
        st.sampled_from([0.0, 0.0, 1.0, 1e6]),  # volume, often none
        st.integers(0, 4),  # gap in ticks
    ),
    min_size=0,
    max_size=300,
)


@settings(max_examples=60, deadline=None)
@given(rows, st.sampled_from([1e-8, 0.01, 1.0, 50_000.0]))
def test_degenerate_series_never_raise(moves, tick):
    detectors = [CANDLE_DETECTORS[n]("X", "1m") for n in NAMES]
    close = 1000 * tick
    for i, (move, shadow, volume, gap) in enumerate(moves):
        open_ = close + gap * tick * (1 if move >= 0 else -1)
        close = max(tick, open_ + move * tick)
        high, low = (
            max(open_, close) + shadow * tick,
            max(tick / 2, min(open_, close) - shadow * tick),
        )
        c = Candle("X", "1m", i * 60_000, i * 60_000 + 59_999, open_, high, low, close, volume)
        for d in detectors:
            for s in d.on_candle(c):
                assert all(isinstance(v, float) and isfinite(v) for v in s.factors.values()), s
