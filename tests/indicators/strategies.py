"""Hypothesis strategies for candle streams with the awkward cases built in."""

from __future__ import annotations

from hypothesis import strategies as st

from cryptotui.intervals import HOUR, MINUTE
from cryptotui.models import Candle

# Small, exactly representable steps make repeated prices (flat windows, ties for min/max,
# zero changes) common; the scale puts the same shapes at micro and huge price levels.
_STEPS = st.sampled_from([0.0, 0.0, 0.25, -0.25, 0.5, -1.0, 1.75, -3.0, 8.0, -0.125])
_VOLUMES = st.sampled_from([0.0, 0.0, 1.0, 2.5, 7.0, 100.0, 1e6])
_SCALES = st.sampled_from([1e-8, 1.0, 1e9])
_GAPS = st.sampled_from([MINUTE, MINUTE, MINUTE, 7 * HOUR])  # some streams cross UTC midnight


@st.composite
def candle_streams(draw: st.DrawFn, max_size: int = 40) -> list[Candle]:
    scale = draw(_SCALES)
    n = draw(st.integers(1, max_size))
    time = draw(st.integers(0, 24 * 60)) * MINUTE + 1_700_000_000_000 // HOUR * HOUR
    close = 100.0
    candles = []
    for _ in range(n):
        open_ = close
        close = max(1.0, close + draw(_STEPS))
        high = max(open_, close) + draw(st.sampled_from([0.0, 0.0, 0.5, 2.0]))
        low = min(open_, close) - draw(st.sampled_from([0.0, 0.0, 0.25, 1.0]))
        candles.append(
            Candle(
                "TEST",
                "1m",
                time,
                time + MINUTE - 1,
                open_ * scale,
                high * scale,
                low * scale,
                close * scale,
                draw(_VOLUMES),
            )
        )
        time += draw(_GAPS)
    return candles
