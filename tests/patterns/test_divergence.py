"""Divergences at confirmed pivots (RSI, MACD, OBV; regular and hidden; both directions) and
accumulation/distribution phases, on engineered series; stated rates on random walks."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import talib

from cryptotui.models import Candle, Direction
from cryptotui.patterns import CANDLE_DETECTORS
from cryptotui.patterns.divergence import AccumulationDistribution, Divergences
from tests.patterns.shapes import MINUTE, T0, candles, mirrored, random_walk

PRELUDE = [(2, 100.6), (2, 99.4)] * 10
REGULAR = [*PRELUDE, (8, 86), (20, 100), (5, 84.5), (8, 92)]
"""A steep fall to 85.8 (candle 47: RSI 14), a rally, a gentler fall to a lower low 84.3
(candle 72): momentum and volume flow did not follow the price down."""
HIDDEN = [*PRELUDE, (10, 110), (6, 107), (8, 118), (3, 108.5), (8, 115)]
"""An uptrend: a gentle pullback to 106.8 (candle 55), a sharp one to the higher low 108.3
(candle 66) with RSI lower than at the first."""


def run(detector, series: list[Candle]) -> list[tuple[int, str, Direction]]:
    return [(i, s.name, s.direction) for i, c in enumerate(series) for s in detector.on_candle(c)]


def signals(detector, series: list[Candle]):
    return [s for c in series for s in detector.on_candle(c)]


def test_regular_bullish_divergence_of_all_three_oscillators():
    series = candles(REGULAR)
    found = signals(Divergences("TESTUSDT", "1m"), series)
    assert sorted((s.name, s.direction) for s in found) == [
        ("divergence_macd_regular", Direction.BULLISH),
        ("divergence_obv_regular", Direction.BULLISH),
        ("divergence_rsi_regular", Direction.BULLISH),
    ]
    assert {s.time for s in found} == {series[75].close_time}  # low of 72 confirmed 3 later
    close = np.array([c.close for c in series])
    volume = np.array([c.volume for c in series])
    oracle = {
        "rsi": talib.RSI(close, 14),
        "macd": talib.MACD(close, 12, 26, 9)[0],
        "obv": talib.OBV(close, volume),
    }
    for s in found:
        f = s.factors
        osc = s.name.split("_")[1]
        assert (f["osc1"], f["osc2"]) == pytest.approx((oracle[osc][47], oracle[osc][72]))
        assert (f["p1_time"], f["p2_time"]) == (T0 + 47 * MINUTE, T0 + 72 * MINUTE)
        assert (f["p1_price"], f["p2_price"]) == pytest.approx((85.8, 84.3))
        assert f["z"] > 2 and s.span_start == T0 + 47 * MINUTE


def test_regular_bearish_divergence_is_the_mirror_image():
    found = run(Divergences("TESTUSDT", "1m"), mirrored(candles(REGULAR)))
    assert sorted(found) == [
        (75, f"divergence_{osc}_regular", Direction.BEARISH) for osc in ("macd", "obv", "rsi")
    ]


def test_hidden_bullish_and_bearish_divergence():
    assert run(Divergences("TESTUSDT", "1m"), candles(HIDDEN)) == [
        (69, "divergence_rsi_hidden", Direction.BULLISH)
    ]
    assert run(Divergences("TESTUSDT", "1m"), mirrored(candles(HIDDEN))) == [
        (69, "divergence_rsi_hidden", Direction.BEARISH)
    ]
    assert run(Divergences("TESTUSDT", "1m", hidden=False), candles(HIDDEN)) == []


def test_oscillators_can_be_chosen():
    found = run(Divergences("TESTUSDT", "1m", oscillators=["rsi"]), candles(REGULAR))
    assert found == [(75, "divergence_rsi_regular", Direction.BULLISH)]
    with pytest.raises(ValueError, match=r"unknown oscillator.*stoch"):
        Divergences("TESTUSDT", "1m", oscillators=["stoch"])


def flat_with_flow(n: int) -> list[Candle]:
    """A flat price (100 ↔ 100.4) whose up candles close at their highs on heavy volume and
    whose down candles close near their lows on light volume: money flows in, price stays."""
    up = (100.0, 100.45, 99.5, 100.4, 20.0)
    down = (100.4, 100.5, 99.95, 100.0, 5.0)
    return [
        Candle(
            "TESTUSDT", "1m", T0 + i * MINUTE, T0 + (i + 1) * MINUTE - 1, *(down if i % 2 else up)
        )
        for i in range(n)
    ]


def test_accumulation_while_the_price_stays_flat():
    series = flat_with_flow(40)
    detector = AccumulationDistribution("TESTUSDT", "1m")
    found = [(i, s) for i, c in enumerate(series) for s in detector.on_candle(c)]
    (i, s), = found  # fmt: skip
    assert (i, s.name, s.direction) == (20, "accumulation", Direction.BULLISH)
    ad = talib.AD(*(np.array([getattr(c, k) for c in series]) for k in
                    ("high", "low", "close", "volume")))  # fmt: skip
    flow = (ad[20] - ad[0]) / sum(c.volume for c in series[1:21])
    assert s.factors["flow"] == pytest.approx(flow) and flow > 0.25
    assert s.factors["z"] == pytest.approx(10 * flow) and abs(s.factors["move"]) < 0.5


def test_distribution_is_the_mirror_and_a_rising_price_is_no_phase():
    series = mirrored(flat_with_flow(40), around=200.4)
    found = run(AccumulationDistribution("TESTUSDT", "1m"), series)
    assert found == [(20, "distribution", Direction.BEARISH)]
    rising = candles([(40, 120)])  # up candles closing near their highs: the price follows
    assert run(AccumulationDistribution("TESTUSDT", "1m"), rising) == []


CALM_RATES = {
    "divergence_rsi_regular": 11.5, "divergence_rsi_hidden": 14.7,
    "divergence_macd_regular": 6.9, "divergence_macd_hidden": 8.0,
    "divergence_obv_regular": 0.5, "divergence_obv_hidden": 0.3,
    "accumulation": 7.9, "distribution": 7.0,
}  # fmt: skip
"""Per 10,000 candles of calm random walk (as in test_chart), both directions together,
measured over 100,000 candles."""


def test_random_walks_state_their_rate():
    counts: Counter[str] = Counter()
    n = 0
    for seed in (100, 101):
        walk = random_walk(10_000, seed)
        n += len(walk)
        for detector in (Divergences("T", "1m"), AccumulationDistribution("T", "1m")):
            counts.update(s.name for s in signals(detector, walk))
    rates = {name: counts[name] * 10_000 / n for name in CALM_RATES}
    assert all(rates[k] <= 2 * CALM_RATES[k] + 2 for k in CALM_RATES), rates
    assert sum(rates.values()) > 0


def test_registered():
    assert isinstance(CANDLE_DETECTORS["divergence"]("BTCUSDT", "1h"), Divergences)
    assert isinstance(CANDLE_DETECTORS["ad_phase"]("BTCUSDT", "1h"), AccumulationDistribution)
