"""The pattern detectors run in the engine by name, like every detector: their signals are
scored (significance from their `z`, volume from the confirmation candle) and reach the router."""

from __future__ import annotations

import math

import pytest

from cryptotui.engine import Engine
from cryptotui.models import Signal
from tests.patterns.shapes import candles
from tests.patterns.test_chart import EXPECTED, SHAPES


def test_engine_runs_and_scores_them():
    out: list = []
    engine = Engine(
        ["TESTUSDT"], ["1m"], emit=out.append, detectors=["chart", "sr_levels", "divergence"]
    )
    series = candles(SHAPES["double_top"])
    for c in series:
        engine.on_event(c)
    (s,) = [e for e in out if isinstance(e, Signal) and e.name == "chart_double_top"]
    assert s.time == series[EXPECTED["double_top"][0]].close_time
    assert s.scores["significance"] == pytest.approx(1 - math.exp(-s.factors["z"] / 2.5))
    assert s.scores["volume"] == pytest.approx(0.0)  # every candle trades the same volume
    assert 0 < s.confidence < 1
