"""Support/resistance levels: a thrice-tested level's break and retest on the right candles, the
role flip, volume confirmation, and a stated rate on random walks."""

from __future__ import annotations

from collections import Counter

import pytest

from cryptotui.models import Candle, Direction
from cryptotui.patterns import CANDLE_DETECTORS
from cryptotui.patterns.levels import RESISTANCE, SUPPORT, SupportResistance
from tests.patterns.shapes import candles, mirrored, random_walk

THREE_TOPS = [(6, 97), (12, 110), (6, 104), (6, 110), (6, 104), (6, 110), (6, 105)]
"""Three pivot highs at 110.2 (a resistance touched three times), lows at 103.8 and 104.8."""
BREAK_AND_RETEST = [*THREE_TOPS, (10, 118), (8, 110.3), (6, 114)]
"""Through it to 118, back down to 110.3 (low 110.1, within 0.25 ATR) and up again."""
FLIP_AND_BREAK = [*BREAK_AND_RETEST, (4, 110.3), (6, 114), (4, 110.3), (6, 114), (10, 105)]
"""Then two more lows at 110.1: three support touches for the broken resistance, then down
through it."""


def run(series: list[Candle], **options) -> tuple[SupportResistance, list]:
    detector = SupportResistance("TESTUSDT", "1m", **options)
    return detector, [(i, s) for i, c in enumerate(series) for s in detector.on_candle(c)]


def test_break_and_retest_of_a_thrice_tested_resistance():
    series = candles(BREAK_AND_RETEST)
    _, found = run(series)
    assert [(i, s.name, s.direction) for i, s in found] == [
        # closes step 1.3 from 105: 110.2 (candle 51) is not 0.5 ATR beyond, 111.5 is
        (52, "sr_break", Direction.BULLISH),
        # the down leg's closes step 0.96 from 118: the 8th (110.3, low 110.1) comes back
        (65, "sr_retest", Direction.BULLISH),
    ]
    (_, brk), (_, retest) = found
    assert brk.factors["level"] == pytest.approx(110.2) and brk.factors["held"] == 3
    assert brk.factors["touches"] == 3 and brk.factors["flips"] == 1
    assert brk.factors["z"] == 4  # three touches and one flip
    assert brk.span_start == series[17].open_time  # the first touch
    assert retest.factors["level"] == pytest.approx(110.2)


def test_a_broken_level_flips_role_and_can_break_back():
    detector, found = run(candles(FLIP_AND_BREAK))
    assert [(s.name, s.direction) for _, s in found] == [
        ("sr_break", Direction.BULLISH),
        ("sr_retest", Direction.BULLISH),
        ("sr_break", Direction.BEARISH),
    ]
    last = found[-1][1]
    assert last.factors["held"] == 3 and last.factors["flips"] == 2
    (level,) = [lv for lv in detector.levels if abs(lv.price - 110.2) < 0.5]
    assert level.role == RESISTANCE and level.flips == 2


def test_mirror_image_breaks_support_downwards():
    _, found = run(mirrored(candles(BREAK_AND_RETEST)))
    assert [(i, s.name, s.direction) for i, s in found] == [
        (52, "sr_break", Direction.BEARISH),
        (65, "sr_retest", Direction.BEARISH),
    ]


def test_two_touches_make_no_break_signal_but_the_role_still_flips():
    legs = [(6, 97), (12, 110), (6, 104), (6, 110), (6, 105), (10, 118)]
    detector, found = run(candles(legs))
    assert found == []
    (level,) = [lv for lv in detector.levels if abs(lv.price - 110.2) < 0.5]
    assert level.role == SUPPORT and level.touches == 2


def test_volume_confirmation_when_asked():
    series = candles(BREAK_AND_RETEST)
    _, found = run(series, min_volume_z=3.0)
    assert found == []  # every candle trades the same volume: no break is confirmed
    series[52].volume = 100.0
    _, found = run(series, min_volume_z=3.0)
    assert [(i, s.name) for i, s in found] == [(52, "sr_break"), (65, "sr_retest")]
    assert found[0][1].factors["volume_z"] == float("inf")


CALM_RATES = {"sr_break": 53.1, "sr_retest": 38.5}
"""Per 10,000 candles of calm random walk (as in test_chart), measured over 100,000 candles. A
walk revisits its prices all the time, so thrice-touched levels form and break there too."""


def test_random_walks_state_their_rate():
    counts: Counter[str] = Counter()
    n = 0
    for seed in (100, 101):
        walk = random_walk(10_000, seed)
        n += len(walk)
        counts.update(s.name for _, s in run(walk)[1])
    for name, rate in CALM_RATES.items():
        assert 0.5 * rate <= counts[name] * 10_000 / n <= 1.5 * rate, counts


def test_registered():
    detector = CANDLE_DETECTORS["sr_levels"]("BTCUSDT", "1h", min_touches=2)
    assert isinstance(detector, SupportResistance) and detector.min_touches == 2
