"""`trend_reversal`: fires once, on the candle where the Mann–Kendall test turns significant the
other way (checked against pymannkendall), quiet rate on random walks, and end to end through
the engine with scoring and with alert rules reading `mk` columns."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pymannkendall
import pytest

from cryptotui.alerts.router import AlertRouter
from cryptotui.alerts.rules import parse_rules
from cryptotui.engine import Engine
from cryptotui.models import Alert, Candle, Direction, Signal
from cryptotui.patterns import CANDLE_DETECTORS
from cryptotui.patterns.trend import TrendReversal

M = 60_000


def candles(closes: np.ndarray, symbol: str = "BTCUSDT") -> list[Candle]:
    out = []
    prev = float(closes[0])
    for i, c in enumerate(closes.tolist()):
        t = 1_700_000_000_000 + i * M
        out.append(Candle(symbol, "1m", t, t + M - 1, prev, max(prev, c), min(prev, c), c, 5.0))
        prev = c
    return out


def v_shape(sign: int, seed: int = 3) -> np.ndarray:
    """80 candles trending down then 80 up (sign 1), or up then down (sign -1), with noise."""
    rng = np.random.default_rng(seed)
    leg = np.linspace(0.0, 8.0, 80)
    path = np.concatenate([-leg, -leg[-1] + leg]) * sign
    return np.round(100.0 + path + rng.normal(0.0, 0.4, path.size), 2)


def first_flip(closes: list[float], window: int, alpha: float) -> tuple[int, object]:
    """The candle index where pymannkendall's significant direction first flips, and its test."""
    last = 0
    for i in range(window - 1, len(closes)):
        test = pymannkendall.original_test(np.array(closes[i + 1 - window : i + 1]), alpha)
        if test.p < alpha and test.Tau != 0:
            trend = 1 if test.Tau > 0 else -1
            if last == -trend:
                return i, test
            last = trend
    raise AssertionError("no flip in the series")


@pytest.mark.parametrize(("sign", "direction"), [(1, Direction.BULLISH), (-1, Direction.BEARISH)])
def test_fires_once_on_the_flip_candle(sign: int, direction: Direction) -> None:
    series = candles(v_shape(sign))
    detector = TrendReversal("BTCUSDT", "1m", window=30, alpha=0.01)
    fired = [(i, s) for i, c in enumerate(series) for s in detector.on_candle(c)]
    at, test = first_flip([c.close for c in series], 30, 0.01)
    assert [i for i, _ in fired] == [at]
    (_, signal), candle = fired[0], series[at]
    assert signal.name == "trend_reversal" and signal.direction is direction
    assert signal.time == candle.close_time and signal.span_start == series[at - 29].open_time
    assert signal.factors["tau"] == test.Tau and signal.factors["slope"] == test.slope
    assert signal.factors["z"] == abs(test.z) and abs(signal.factors["p"] - test.p) <= 1e-15
    assert signal.factors["move"] == pytest.approx(test.slope * 29 / candle.close)
    assert sign * signal.factors["tau"] > 0


def test_random_walk_rate_per_10000_candles() -> None:
    """Random walks turn, and the test calls most of their swings significant: at the defaults
    (50 candles, alpha 0.01) the detector fires about 140 times per 10,000 candles of a random
    walk (documented in docs/indicators.md), and never twice the same way in a row."""
    rng = np.random.default_rng(17)
    series = candles(np.round(30_000.0 * np.exp(np.cumsum(rng.normal(0, 0.001, 10_000))), 2))
    detector = TrendReversal("BTCUSDT", "1m")
    signals = [s for c in series for s in detector.on_candle(c)]
    assert 100 <= len(signals) <= 200
    directions = [s.direction for s in signals]
    assert all(a is not b for a, b in pairwise(directions))


def test_options_are_checked() -> None:
    with pytest.raises(ValueError, match=r"alpha must be between 0 and 1, got 1\.5"):
        TrendReversal("BTCUSDT", "1m", alpha=1.5)
    with pytest.raises(ValueError, match="window must be at least 3 candles, got 1"):
        TrendReversal("BTCUSDT", "1m", window=1)


def test_through_the_engine_scored_and_with_mk_rules() -> None:
    """Registered by name; the engine scores its signals, and a rule on `mk_20_p` makes the
    engine compute `mk:20` and fires on the trending legs."""
    assert "trend_reversal" in CANDLE_DETECTORS
    rules = parse_rules(
        [{"name": "trending", "when": "mk_20_p < 0.001"}, {"name": "hp", "when": "hp_100 < 94"}]
    )
    out: list = []
    engine = Engine(
        ["BTCUSDT"],
        ["1m"],
        emit=out.append,
        detectors=["trend_reversal"],
        detector_options={"trend_reversal": {"window": 30}},
        router=AlertRouter(rules),
    )
    assert "mk:20" in engine.spec and "hp:100" in engine.spec
    for c in candles(v_shape(1)):
        engine.on_candle(c)
    signals = [s for s in out if isinstance(s, Signal)]
    assert [s.direction for s in signals] == [Direction.BULLISH]
    assert 0 < signals[0].confidence <= 1 and signals[0].scores["significance"] > 0.6
    fired = {a.name for a in out if isinstance(a, Alert) and a.kind == "rule"}
    assert fired == {"trending", "hp"}
