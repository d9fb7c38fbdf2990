"""Confidence: each factor's formula, the weights, and the neutral treatment of missing evidence."""

from __future__ import annotations

import math

import pytest

from cryptotui.models import Direction, Signal
from cryptotui.scoring import Context, Scorer, significance, timeframes
from cryptotui.stats.record import Evidence


def signal(direction=Direction.BULLISH, z=5.0, **factors) -> Signal:
    return Signal("x", direction, "BTCUSDT", "1m", 0, 1.0, 0, 0, {"z": z, **factors})


def test_no_evidence_beyond_significance_scores_neutral():
    s = Scorer().score(signal(z=0.0), Context())
    assert s.scores == {
        "significance": 0.0, "history": 0.5, "volume": 0.5, "timeframes": 0.5, "market": 0.5,
    }  # fmt: skip
    assert s.confidence == pytest.approx(0.7 * 0.5)


def test_every_factor_counts_with_its_weight():
    s = Scorer().score(signal(z=5.0), Context(volume_z=6.0, trends=(1, 1, -1, 1), breadth=0.8))
    expected = {
        "significance": 1 - math.exp(-2),
        "history": 0.5,
        "volume": 1 - math.exp(-2),
        "timeframes": 0.75,
        "market": 0.8,
    }
    assert s.scores == pytest.approx(expected)
    weights = {
        "significance": 0.3,
        "history": 0.25,
        "volume": 0.2,
        "timeframes": 0.15,
        "market": 0.1,
    }
    assert s.confidence == pytest.approx(sum(weights[k] * v for k, v in expected.items()))


def test_bearish_signals_read_trend_and_breadth_the_other_way():
    bull = Scorer().score(signal(Direction.BULLISH), Context(trends=(1, 1), breadth=0.9))
    bear = Scorer().score(signal(Direction.BEARISH), Context(trends=(1, 1), breadth=0.9))
    assert bull.scores["timeframes"] == 1.0 and bear.scores["timeframes"] == 0.0
    assert bear.scores["market"] == pytest.approx(0.1)
    assert bull.confidence > bear.confidence


def test_history_evidence_and_custom_weights():
    evidence = Evidence(n=40, hits=30, baseline=0.5, pooled=False, score=0.9)
    s = Scorer({"history": 1.0}).score(signal(), Context(history=evidence))
    assert s.confidence == pytest.approx(0.9)  # only history weighs, normalised to 1
    assert s.factors["hist_n"] == 40 and s.factors["hist_hit_rate"] == 0.75
    assert s.factors["hist_low"] < 0.75 < s.factors["hist_high"]
    assert Scorer({"history": 1.0}).score(signal(), Context()).confidence == 0.5
    with pytest.raises(ValueError, match="unknown confidence factor"):
        Scorer({"luck": 1.0})
    with pytest.raises(ValueError, match="not all 0"):
        Scorer({"history": 0.0})


def test_significance_is_monotone_and_bounded():
    values = [significance(z) for z in (-1, 0, 1, 2.5, 5, 8, 50, math.inf)]
    assert values == sorted(values) and values[0] == 0.0 and values[-1] == 1.0
    assert significance(2.5) == pytest.approx(1 - math.exp(-1))
    assert timeframes(Direction.NEUTRAL, (1, 1)) == 0.5
