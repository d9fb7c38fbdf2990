"""Each planted chart formation is found by the real engine's `chart` detector, with its default
parameters, on the planted breakout candle and in the planted direction; a planted trend change
makes `trend_reversal` fire once after the turn."""

from __future__ import annotations

import pytest

from cryptotui.models import Direction
from cryptotui.sim import Market
from cryptotui.sim.scenarios import CHART_PATTERNS
from tests.test_detectors import T0, H, signals_of

CASES = [(name, "up") for name in CHART_PATTERNS] + [("flag", "down"), ("pennant", "down")]


@pytest.mark.parametrize(("pattern", "direction"), CASES)
def test_planted_formation_fires_on_its_breakout_candle(pattern, direction):
    sigs, (truth,) = signals_of(
        ["BTCUSDT"],
        detectors=["chart"],
        inject=[("chart_formation", "BTCUSDT", 0.5, {"pattern": pattern, "direction": direction})],
        hours=0.5 + 100 / 60,
    )
    d = truth.details
    inside = [s for s in sigs if truth.start_ms <= s.span_end <= truth.end_ms]
    hits = [s for s in inside if s.name == f"chart_{pattern}"]
    assert len(hits) == 1, [(s.name, s.time) for s in inside]
    (hit,) = hits
    breakout = d["breakout_open_time"]
    assert breakout <= hit.time < breakout + 60_000
    want = Direction.BULLISH if d["direction"] == "bullish" else Direction.BEARISH
    assert hit.direction is want
    assert d["pattern"] == pattern and truth.end_ms < T0 + 3 * H


def test_unknown_chart_pattern_is_named():
    market = Market(["BTCUSDT"], seed=1, start_time_ms=T0)
    with pytest.raises(ValueError, match="unknown pattern 'teacup'; choose from double_top"):
        market.inject("chart_formation", "BTCUSDT", pattern="teacup")


@pytest.mark.parametrize("direction", ["up", "down"])
def test_trend_change_fires_one_reversal_after_the_turn(direction):
    sigs, (truth,) = signals_of(
        ["ETHUSDT"],
        detectors=["trend_reversal"],
        inject=[("trend_change", "ETHUSDT", 0.5, {"direction": direction})],
        hours=2.6,
    )
    d = truth.details
    after = [s for s in sigs if d["turn_ms"] <= s.time <= truth.end_ms]
    assert len(after) == 1, [(s.name, s.direction, s.time) for s in sigs]
    want = Direction.BULLISH if direction == "up" else Direction.BEARISH
    assert after[0].direction is want and d["direction"] == want.value
