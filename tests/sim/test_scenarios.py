"""Each injected scenario is visible in the generated data and recorded as ground truth."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import numpy as np
import pytest
import talib

from cryptotui.intervals import MINUTE
from cryptotui.sim import PATTERNS, Market, SimExchange
from cryptotui.sim.scenarios import round_level
from tests.sim.conftest import START

# TA-Lib (the project's pattern oracle) function and expected sign per formation
TALIB = {
    "bullish_engulfing": ("CDLENGULFING", 1),
    "bearish_engulfing": ("CDLENGULFING", -1),
    "hammer": ("CDLHAMMER", 1),
    "shooting_star": ("CDLSHOOTINGSTAR", -1),
    "morning_star": ("CDLMORNINGSTAR", 1),
    "evening_star": ("CDLEVENINGSTAR", -1),
    "three_white_soldiers": ("CDL3WHITESOLDIERS", 1),
    "three_black_crows": ("CDL3BLACKCROWS", -1),
    "doji": ("CDLDOJI", 1),
}


def test_every_pattern_has_an_oracle() -> None:
    assert set(PATTERNS) == set(TALIB)


@pytest.mark.parametrize("pattern", sorted(PATTERNS))
@pytest.mark.parametrize(("symbol", "interval"), [("BTCUSDT", "1m"), ("DOGEUSDT", "5m")])
def test_candle_formation_is_textbook(pattern: str, symbol: str, interval: str) -> None:
    market = Market([symbol], seed=11, start_time_ms=START)
    truth = market.inject(
        "candle_formation", symbol, START + 45_000, pattern=pattern, interval=interval
    )
    market.advance(truth.end_ms + 1, wanted={})
    rows = market.klines(symbol, interval, end=truth.end_ms, limit=40)
    assert rows[-1][0] == truth.details["candle_open_times"][-1]
    assert rows[-1][6] == truth.end_ms
    # the steered candles have exactly the planned OHLC
    planned = truth.details["candles"]
    got = rows[-len(planned) :]
    for want, row in zip(planned, got, strict=True):
        assert row[0] == want["open_time"]
        assert [float(x) for x in row[1:5]] == [want[k] for k in ("open", "high", "low", "close")]
    o, h, low, c = (np.array([float(r[i]) for r in rows]) for i in (1, 2, 3, 4))
    function, sign = TALIB[pattern]
    flags = getattr(talib, function)(o, h, low, c)
    assert np.sign(flags[-1]) == sign, (pattern, flags[-8:])
    assert truth.interval == interval and truth.start_ms == planned[0]["open_time"]


def test_whale_trade() -> None:
    market = Market(["ETHUSDT"], seed=7, start_time_ms=START)
    truth = market.inject("whale_trade", "ETHUSDT", START + 20_000, side="buy")
    frames = market.advance(START + 40_000, {"ethusdt@aggTrade"})
    trades = [d for _, d in frames]
    notional = [float(t["p"]) * float(t["q"]) for t in trades]
    whale = max(range(len(trades)), key=notional.__getitem__)
    usual = statistics.median(notional)
    assert notional[whale] > 100 * usual
    assert trades[whale]["T"] == START + 20_000 and trades[whale]["m"] is False
    assert truth.details["agg_id"] == trades[whale]["a"]
    assert truth.details["side"] == "buy"
    assert sorted(notional)[-2] < notional[whale] / 10  # only one whale


def test_pump_and_dump() -> None:
    market = Market(["SOLUSDT"], seed=7, start_time_ms=START)
    at = START + 5 * MINUTE
    truth = market.inject("pump_and_dump", "SOLUSDT", at, pct=0.1, minutes=10)
    market.advance(truth.end_ms + 5 * MINUTE, wanted={})
    rows = market.klines("SOLUSDT", "1m", start=START, limit=20)
    before = [r for r in rows if r[6] < at]
    during = [r for r in rows if at <= r[0] and r[6] <= truth.end_ms]
    start_price = truth.details["start_price"]
    peak = max(float(r[2]) for r in during)
    assert peak >= start_price * 1.09
    peak_row = max(during, key=lambda r: float(r[2]))
    assert abs(peak_row[0] - truth.details["peak_ms"]) <= MINUTE
    assert abs(float(during[-1][4]) / start_price - 1.0) < 0.03  # it came back down
    usual = statistics.mean(float(r[5]) for r in before)
    assert statistics.mean(float(r[5]) for r in during) > 5 * usual


def test_round_number_cross() -> None:
    market = Market(["BTCUSDT"], seed=7, start_time_ms=START)
    truth = market.inject("round_number_cross", "BTCUSDT", START + 10_000)
    frames = market.advance(truth.end_ms, {"btcusdt@aggTrade"})
    level = truth.details["level"]
    assert level == 100_000.0 == round_level(97_000.0)
    prices = [(d["T"], float(d["p"])) for _, d in frames]
    first_above = next(t for t, p in prices if p >= level)
    assert truth.details["cross_ms"] == first_above
    assert all(p < level for t, p in prices if t < START + 10_000)
    assert prices[-1][1] > level


@pytest.mark.parametrize(
    ("price", "direction", "level"),
    [(97_000, "up", 100_000), (3_400, "up", 3_500), (0.92, "up", 1.0), (0.32, "up", 0.35),
     (650, "down", 600), (2.3, "up", 2.5)],
)  # fmt: skip
def test_round_levels(price: float, direction: str, level: float) -> None:
    assert round_level(price, direction) == pytest.approx(level)


def test_volume_spike() -> None:
    market = Market(["BNBUSDT"], seed=7, start_time_ms=START)
    truth = market.inject("volume_spike", "BNBUSDT", START + 10 * MINUTE + 5_000, mult=10)
    assert truth.start_ms == START + 11 * MINUTE and truth.end_ms == START + 12 * MINUTE - 1
    market.advance(truth.end_ms + 5 * MINUTE, wanted={})
    rows = market.klines("BNBUSDT", "1m", start=START, limit=17)
    volumes = {r[0]: float(r[5]) for r in rows}
    spike = volumes.pop(truth.start_ms)
    assert spike > 4 * statistics.median(volumes.values())
    assert max(volumes.values()) < spike / 2


def test_invalid_injections_are_rejected() -> None:
    market = Market(["BTCUSDT"], seed=7, start_time_ms=START)
    with pytest.raises(ValueError, match="unknown scenario"):
        market.inject("meteor", "BTCUSDT")
    with pytest.raises(ValueError, match="not simulated"):
        market.inject("whale_trade", "ETHUSDT")
    with pytest.raises(ValueError, match="unknown pattern"):
        market.inject("candle_formation", "BTCUSDT", pattern="teacup")
    with pytest.raises(ValueError, match="in the past"):
        market.inject("whale_trade", "BTCUSDT", START - 1)
    assert market.truth == []


async def test_ground_truth_file(tmp_path: Path) -> None:
    path = tmp_path / "truth.json"
    async with SimExchange(
        ["BTCUSDT", "DOGEUSDT"], seed=3, speed=0, start_time_ms=START, ground_truth_path=path
    ) as sim:
        sim.inject("whale_trade", "DOGEUSDT", START + 1000)
        sim.inject("candle_formation", "BTCUSDT", pattern="hammer", interval="1m")
        sim.inject("volume_spike", "BTCUSDT", START + 9 * MINUTE)
        sim.inject("pump_and_dump", "DOGEUSDT", START + MINUTE, minutes=3)
        sim.inject("round_number_cross", "DOGEUSDT", START + 5 * MINUTE, minutes=2)
        assert len(json.loads(path.read_text())["scenarios"]) == 5  # written on injection
        sim.fast_forward(12 * MINUTE)
    data = json.loads(path.read_text())
    assert (data["seed"], data["start_time_ms"]) == (3, START)
    names = [(s["scenario"], s["symbol"], s["interval"]) for s in data["scenarios"]]
    assert names == [
        ("whale_trade", "DOGEUSDT", None),
        ("candle_formation", "BTCUSDT", "1m"),
        ("volume_spike", "BTCUSDT", "1m"),
        ("pump_and_dump", "DOGEUSDT", None),
        ("round_number_cross", "DOGEUSDT", None),
    ]
    for record in data["scenarios"]:
        assert set(record) == {"scenario", "symbol", "interval", "start_ms", "end_ms", "details"}
        assert record["start_ms"] <= record["end_ms"]
    whale, formation, _, pump, cross = (s["details"] for s in data["scenarios"])
    assert "agg_id" in whale  # filled in when it happened
    assert formation["pattern"] == "hammer" and len(formation["candles"]) == 1
    assert pump["peak_price"] > pump["start_price"]
    assert cross["level"] == 0.35 and cross["cross_ms"] >= START + 5 * MINUTE
