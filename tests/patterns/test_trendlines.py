"""Trendlines: a three-touch line's break on the right candle, with its slope; no line from two
touches or through a pierced pivot; a stated rate on random walks."""

from __future__ import annotations

from collections import Counter

import pytest

from cryptotui.models import Candle, Direction
from cryptotui.patterns import CANDLE_DETECTORS
from cryptotui.patterns.trendlines import Trendlines
from tests.patterns.shapes import MINUTE, T0, candles, mirrored, random_walk

RISING_LOWS = [(8, 104), (6, 101), (8, 107), (6, 104), (8, 110), (6, 107), (8, 113), (10, 100)]
"""Lows 100.8, 103.8, 106.8 on candles 13, 27, 41 (slope 3/14 a candle), then a fall of 1.3 a
candle from 113: the close 107.8 on candle 53 is the first 0.25 ATR below the line (109.37)."""


def run(series: list[Candle], **options) -> tuple[Trendlines, list]:
    detector = Trendlines("TESTUSDT", "1m", **options)
    return detector, [(i, s) for i, c in enumerate(series) for s in detector.on_candle(c)]


def test_three_touch_uptrend_line_breaks_downwards():
    detector, found = run(candles(RISING_LOWS[:-1]))
    assert found == [] and len(detector.lines()) == 1
    (line, touches), = detector.lines()  # fmt: skip
    assert touches == 3 and line.slope == pytest.approx(3 / 14)
    _, found = run(candles(RISING_LOWS))
    (i, s), = found  # fmt: skip
    assert (i, s.name, s.direction) == (53, "trendline_break", Direction.BEARISH)
    f = s.factors
    assert f["slope"] == pytest.approx(3 / 14) and f["touches"] == 3 == f["z"]
    assert f["breakout"] == pytest.approx(100.8 + 3 / 14 * 40)
    assert (f["p1_time"], f["p1_price"]) == (T0 + 13 * MINUTE, pytest.approx(100.8))
    assert (f["p2_time"], f["p2_price"]) == (T0 + 41 * MINUTE, pytest.approx(106.8))
    assert f["slope_atr"] == pytest.approx(f["slope"] / f["atr"])


def test_downtrend_line_breaks_upwards():
    _, found = run(mirrored(candles(RISING_LOWS)))
    (i, s), = found  # fmt: skip
    assert (i, s.direction) == (53, Direction.BULLISH) and s.factors["slope"] < 0


def test_two_touches_are_no_trendline():
    _, found = run(candles([(8, 104), (6, 101), (8, 107), (6, 104), (8, 110), (10, 96)]))
    assert found == []


def test_a_pierced_line_is_no_trendline():
    """The middle low dips 1.5 under the line through the outer two."""
    legs = [(8, 104), (6, 101), (8, 107), (6, 102.5), (8, 110), (6, 107), (8, 113), (10, 100)]
    detector, found = run(candles(legs))
    assert found == [] and [round(p.price, 6) for p in detector.sides[0].lows] == [
        100.8, 102.3, 106.8
    ]  # fmt: skip


CALM_RATE = 89.1
"""trendline_break per 10,000 candles of calm random walk (as in test_chart), measured over
100,000 candles: a walk's pivots line up by chance, and every line breaks in the end."""


def test_random_walks_state_their_rate():
    counts: Counter[str] = Counter()
    n = 0
    for seed in (100, 101):
        walk = random_walk(10_000, seed)
        n += len(walk)
        counts.update(s.name for _, s in run(walk)[1])
    assert 0.5 * CALM_RATE <= counts["trendline_break"] * 10_000 / n <= 1.5 * CALM_RATE, counts


def test_registered():
    assert isinstance(CANDLE_DETECTORS["trendlines"]("BTCUSDT", "1h"), Trendlines)
