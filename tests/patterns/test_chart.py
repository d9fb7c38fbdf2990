"""Chart formations on textbook shapes: each fires once, on the candle that confirms it, with the
measured-move target; never on its mirror image or an unfinished shape; seldom on random walks;
and a signal once emitted is never revised by later candles."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptotui.models import Candle, Direction, Signal
from cryptotui.patterns import CANDLE_DETECTORS, check_names
from cryptotui.patterns.chart import FORMATIONS, GAP_KINDS, ChartDetector, check_formations
from tests.patterns.shapes import MINUTE, T0, candles, mirrored, random_walk

PRELUDE = [(2, 100.6), (2, 99.4)] * 5
"""Twenty quiet candles (range 99.2–100.8) that warm the ATR up before a pole or a gap."""

SHAPES = {
    # prior low, first top, valley, second top, breakdown
    "double_top": [(6, 97), (20, 110), (10, 104), (10, 110), (15, 98)],
    # prior low, left shoulder, trough, head, trough, right shoulder, breakdown
    "head_shoulders": [(6, 93), (12, 106), (8, 101), (12, 112), (12, 101), (8, 106), (15, 94)],
    # three highs and three lows, then a breakout upwards
    "triangle_ascending": [(12, 110), (6, 100), (6, 110), (6, 103), (6, 110), (6, 106), (8, 114)],
    "triangle_symmetric": [(12, 112), (6, 100), (6, 110), (6, 102), (6, 108), (6, 104), (8, 112)],
    "rectangle": [(12, 110), (6, 104), (6, 110), (6, 104), (6, 110), (6, 104), (8, 114)],
    # pole of six candles, eight candles drifting down in a channel, breakout
    "flag": [*PRELUDE, (6, 110), *[(1, p) for p in (109, 108, 108.6, 107.6, 108.2, 107.2)],
             (1, 107.8), (1, 106.8), (1, 109.5), (3, 112)],
    # pole, six candles converging, breakout
    "pennant": [*PRELUDE, (6, 110), *[(1, p) for p in (107, 109.4, 107.6, 109, 108, 108.6)],
                (1, 110.8), (3, 112)],
}  # fmt: skip
MIRROR = {
    "double_top": "double_bottom",
    "head_shoulders": "inverse_head_shoulders",
    "triangle_ascending": "triangle_descending",
    "triangle_symmetric": "triangle_symmetric",
    "rectangle": "rectangle",
    "flag": "flag",
    "pennant": "pennant",
}
EXPECTED = {
    # (confirmation candle, breakout level, target), worked out by hand from the legs:
    # the last leg's closes step down 0.8 from 110; the first below the valley low 103.8 (less
    # 0.1 ATR) is the 8th, candle 53; target 103.8 - (110.2 - 103.8).
    "double_top": (53, 103.8, 97.4),
    # neckline 100.8 (both troughs), head 112.2: h = 11.4; the 7th close of the last leg, 100.4.
    "head_shoulders": (64, 100.8, 89.4),
    # flat top 110.2, lows 99.8/102.8/105.8 on a line of slope 0.25; height at the first point
    # 110.2 - 98.3; the close 111 (candle 46) is the first above 110.2 + 0.1 ATR.
    "triangle_ascending": (46, 110.2, 122.1),
    # highs 112.2/110.2/108.2 (slope -1/6), lows 99.8/101.8/103.8; the upper line at candle 44 is
    # 106.7 and its close 107 the first above it (the last low is confirmed on that candle too).
    "triangle_symmetric": (44, 106.7, 120.1),
    # 110.2 and 103.8 three times each; closes step 1.25 from 104: 111.5 on candle 47.
    "rectangle": (47, 110.2, 116.6),
    # pole 99.2 → 110.2 (11.0); highs' regression line shifted up to the first flag candle.
    "flag": (34, 108.0095, 119.0095),
    "pennant": (32, None, None),
}


def run(series: list[Candle], formations=()) -> list[tuple[int, Signal]]:
    detector = ChartDetector("TESTUSDT", "1m", formations)
    return [(i, s) for i, c in enumerate(series) for s in detector.on_candle(c)]


def index_of(time: float) -> int:
    return int((time - T0) // MINUTE)


@pytest.mark.parametrize("name", list(SHAPES))
def test_textbook_shape_fires_once_on_its_confirmation_candle(name):
    found = run(candles(SHAPES[name]))
    assert [(s.name, s.direction) for _, s in found] == [
        (f"chart_{name}", Direction.BEARISH if "top" in name or "shoulders" in name else
         Direction.BULLISH)
    ]  # fmt: skip
    (i, s), = found  # fmt: skip
    at, level, target = EXPECTED[name]
    assert i == at
    f = s.factors
    if level is not None:
        assert f["breakout"] == pytest.approx(level, abs=1e-3)
        assert f["target"] == pytest.approx(target, abs=1e-3)
    assert f["target"] == pytest.approx(f["breakout"] + (f["height"] if s.direction ==
                                        Direction.BULLISH else -f["height"]))  # fmt: skip
    assert f["z"] == pytest.approx(f["height"] / f["atr"]) and f["z"] > 3
    assert all(isinstance(v, float) for v in f.values())
    assert s.span_start == f["p1_time"] and s.span_end == s.time
    keys = sorted(k for k in f if k.startswith("p") and k.endswith("_time"))
    assert len(keys) >= 2 and all(index_of(f[k]) <= i for k in keys)


def test_key_points_are_the_swing_points():
    (_, s), = run(candles(SHAPES["head_shoulders"]))  # fmt: skip
    f = s.factors
    points = [(index_of(f[f"p{k}_time"]), round(f[f"p{k}_price"], 6)) for k in range(1, 6)]
    assert points == [(17, 106.2), (25, 100.8), (37, 112.2), (49, 100.8), (57, 106.2)]


@pytest.mark.parametrize("name", list(SHAPES))
def test_mirror_image_fires_the_mirror_formation_only(name):
    found = run(mirrored(candles(SHAPES[name])))
    (i, s), = found  # fmt: skip
    assert s.name == f"chart_{MIRROR[name]}" and i == EXPECTED[name][0]
    assert s.direction != run(candles(SHAPES[name]))[0][1].direction
    if name != MIRROR[name]:
        assert not run(mirrored(candles(SHAPES[name])), [name])


INCOMPLETE = {
    # the decline stops above the neckline
    "double_top": [(6, 97), (20, 110), (10, 104), (10, 110), (8, 104.5), (10, 109)],
    # the second top falls well short of the first
    "double_top ": [(6, 97), (20, 110), (10, 104), (10, 107.5), (15, 98)],
    # no trend to reverse: the formation starts from a low above the neckline
    "double_top  ": [(6, 105), (20, 110), (10, 104), (10, 110), (15, 98)],
    # the right shoulder rises above the head
    "head_shoulders": [(6, 93), (12, 106), (8, 101), (12, 112), (12, 101), (8, 113), (15, 94)],
    # two highs and two lows only
    "triangle_ascending": [(12, 110), (6, 100), (6, 110), (6, 104), (8, 114)],
    # still inside at the end
    "rectangle": [(12, 110), (6, 104), (6, 110), (6, 104), (6, 110), (6, 104), (3, 107)],
    # the pole is too short for the ATR (two candles of 1.2)
    "flag": [*PRELUDE, (2, 102.4), (1, 102), (1, 101.6), (1, 101.9), (1, 101.5), (1, 103.5)],
    # the consolidation retraces most of the pole before the breakout
    "pennant": [*PRELUDE, (6, 110), (3, 103), (2, 106), (1, 111)],
}


@pytest.mark.parametrize("name", list(INCOMPLETE))
def test_incomplete_shape_stays_quiet(name):
    assert run(candles(INCOMPLETE[name])) == []


GAPS = {
    # quiet range, then a gap up out of it: breakaway, target open + the range's height
    "breakaway": ([(30, 100.2), (5, 101)], 30, 3.0, 1, Direction.BULLISH),
    # steady rise of 8 (0.4 a candle), gap up: runaway, target open + the rise so far
    "runaway": ([(20, 108), (10, 112)], 20, 1.5, 2, Direction.BULLISH),
    # a climb of 1.5 a candle for 20 candles (≥ 12 ATR): exhaustion, a warning of the top
    "exhaustion": ([(20, 130), (10, 134)], 20, 3.0, 3, Direction.BEARISH),
    # a rise and a fall back, then a small gap up inside that range: common
    "common": ([(10, 103), (10, 99), (10, 100)], 20, 1.5, 0, Direction.NEUTRAL),
}


@pytest.mark.parametrize("kind", list(GAPS))
def test_gaps_are_classified_by_what_came_before(kind):
    legs, at, size, code, direction = GAPS[kind]
    assert GAP_KINDS[code] == kind
    series = candles([*PRELUDE, *legs], gaps={20 + at: size})
    found = run(series, ["gap"])
    (i, s), = found  # fmt: skip
    assert i == 20 + at and s.name == "chart_gap" and s.direction is direction
    f = s.factors
    prev, gap = series[i - 1], series[i]
    assert GAP_KINDS[int(f["kind"])] == kind and f["gap"] == pytest.approx(gap.open - prev.high)
    if kind == "breakaway":
        window = series[i - 20 : i]
        height = max(c.high for c in window) - min(c.low for c in window)
        assert f["target"] == pytest.approx(gap.open + height)
    elif kind == "runaway":
        assert f["target"] == pytest.approx(gap.open + (prev.close - series[i - 20].open))
    else:
        assert f["target"] == pytest.approx(prev.high)  # the gap filled


def test_gap_smaller_than_half_an_atr_is_no_gap():
    """Candles of range 0.43 (ATR ≈ 0.45): an open 0.1 above the last high is no gap."""
    assert run(candles([*PRELUDE, (30, 100.2), (5, 101)], gaps={50: 0.3}), ["gap"]) == []
    assert run(candles([*PRELUDE, (30, 100.2), (5, 101)], gaps={50: 0.6}), ["gap"])


CALM_RATES = {
    "double_top": 2.0, "double_bottom": 3.3, "head_shoulders": 4.8, "inverse_head_shoulders": 4.7,
    "triangle_ascending": 5.2, "triangle_descending": 6.1, "triangle_symmetric": 8.5,
    "rectangle": 0.3, "flag": 2.7, "pennant": 0.4, "gap": 0.0,
}  # fmt: skip
"""Signals per 10,000 candles of calm random walk (gaussian log returns, σ 0.4 % a candle),
measured over 100,000 candles (ten seeds): a random walk has no formations to find, so every
one of these is a false signal. The docs and README quote these numbers."""


def test_random_walks_stay_quiet():
    """Three of the ten walks (30,000 candles), within 2× the measured rate (+2 for noise)."""
    counts: Counter[str] = Counter()
    n = 0
    for seed in (100, 101, 102):
        walk = random_walk(10_000, seed)
        n += len(walk)
        counts.update(s.name.removeprefix("chart_") for _, s in run(walk))
    rates = {name: counts[name] * 10_000 / n for name in FORMATIONS}
    assert all(rates[k] <= 2 * CALM_RATES[k] + 2 for k in FORMATIONS), rates
    assert sum(rates.values()) > 0  # the detectors do run on these series


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.integers(50, 1_500))
def test_signals_are_never_revised_by_later_candles(seed, cut):
    """What a prefix reports is exactly what the whole series reports up to the same candle."""
    walk = random_walk(1_500, seed, vol=0.01)
    full = [s for _, s in run(walk)]
    prefix = [s for _, s in run(walk[:cut])]
    assert prefix == [s for s in full if s.time <= walk[cut - 1].close_time]


def test_selection_does_not_change_what_a_formation_reports():
    walk = random_walk(6_000, 3, vol=0.01)
    everything = [(i, s) for i, s in run(walk) if s.name == "chart_triangle_symmetric"]
    alone = run(walk, ["triangle_symmetric"])
    assert everything == alone and alone


def test_registered_as_one_detector_with_a_formation_choice():
    assert "chart" in CANDLE_DETECTORS and check_names(["chart"]) == ["chart"]
    detector = CANDLE_DETECTORS["chart"]("BTCUSDT", "1h", formations=["flag", "gap"])
    assert detector.symbol == "BTCUSDT" and len(detector.formations) == 2
    with pytest.raises(ValueError, match=r"unknown chart formation.*double_topp"):
        check_formations(["double_topp"])
