"""Crypto detectors against simulator scenarios (ground truth), and their quiet on a calm market.

The market generator is driven directly (no sockets) and its frames decoded by the real codec,
so hours of market take a second or two.
"""

from __future__ import annotations

from collections import Counter

import msgspec
import pytest

from cryptotui.binance.codec import Decoder
from cryptotui.engine import Engine
from cryptotui.models import Direction, Signal
from cryptotui.sim import Market

T0 = 1_767_225_600_000  # 2026-01-01T00:00Z
H = 3_600_000
_encode = msgspec.json.Encoder().encode


def streams(symbols, intervals=("1m",)) -> set[str]:
    out = set()
    for s in symbols:
        s = s.lower()
        out |= {f"{s}@aggTrade", f"{s}@ticker"} | {f"{s}@kline_{iv}" for iv in intervals}
    return out


def run(market: Market, engine: Engine, until_ms: int, symbols, intervals=("1m",)) -> None:
    decoder = Decoder()
    wanted = streams(symbols, intervals)
    for stream, payload in market.advance(until_ms, wanted):
        for ev in decoder.decode(_encode({"stream": stream, "data": payload})):
            engine.on_event(ev)
    assert not decoder.errors


def signals_of(symbols, intervals=("1m",), detectors=None, seed=3, inject=(), hours=2.0):
    market = Market(symbols, seed=seed, start_time_ms=T0, trade_rate=3.0)
    truths = [market.inject(name, sym, T0 + int(at * H), **kw) for name, sym, at, kw in inject]
    out: list = []
    engine = Engine(symbols, intervals, emit=out.append, detectors=detectors)
    run(market, engine, T0 + int(hours * H), symbols, intervals)
    return [s for s in out if isinstance(s, Signal)], truths


def test_whale_trade_scores_after_min_samples_not_a_full_window():
    from cryptotui.models import AggTrade
    from cryptotui.patterns.crypto import WhaleTrade

    det = WhaleTrade("BTCUSDT", window=1000, min_samples=200, floor=1.0)

    def trade(i: int, qty: float) -> AggTrade:
        return AggTrade("BTCUSDT", i, 100.0, qty, i, i, i, False)

    calm = [det.on_trade(trade(i, 1.0 + (i % 7) / 10)) for i in range(200)]
    assert not any(calm)
    (whale,) = det.on_trade(trade(200, 5000.0))  # the 201st trade: scored against 200
    assert whale.factors["z"] >= 5


def test_whale_trade_is_found_with_its_side():
    sigs, (truth,) = signals_of(
        ["BTCUSDT"],
        detectors=["whale_trade"],
        inject=[("whale_trade", "BTCUSDT", 1.0, {"side": "sell"})],
    )
    assert len(sigs) == 1, sigs
    (s,) = sigs
    assert s.time == truth.start_ms and s.direction is Direction.BEARISH
    assert s.factors["notional"] == pytest.approx(truth.details["notional"])
    assert s.factors["z"] >= 5 and 0 < s.confidence <= 1
    assert set(s.scores) == {"significance", "history", "volume", "timeframes", "market"}


def test_volume_spike_is_found_on_the_spiking_candle():
    sigs, (truth,) = signals_of(
        ["ETHUSDT"], detectors=["volume_spike"], inject=[("volume_spike", "ETHUSDT", 1.0, {})]
    )
    hits = [s for s in sigs if s.span_start in truth.details["candle_open_times"]]
    assert hits and hits[0].factors["z"] >= 6
    assert len(sigs) - len(hits) <= 1  # at most one unrelated spike in two calm hours


def test_pump_then_dump_is_reported_leg_by_leg():
    sigs, (truth,) = signals_of(
        ["SOLUSDT"], detectors=["pump_and_dump"], inject=[("pump_and_dump", "SOLUSDT", 1.0, {})]
    )
    names = [(s.name, s.direction) for s in sigs]
    assert names == [("pump", Direction.BULLISH), ("pump_and_dump", Direction.BEARISH)], names
    pump, dump = sigs
    assert truth.start_ms <= pump.time <= truth.details["peak_ms"] + 60_000
    assert truth.details["peak_ms"] < dump.time <= truth.end_ms + 60_000
    assert dump.factors["retrace"] >= 0.6


@pytest.mark.parametrize("direction", ["up", "down"])
def test_round_number_cross_names_the_level(direction):
    sigs, (truth,) = signals_of(
        ["BTCUSDT"],
        detectors=["round_number_cross"],
        inject=[("round_number_cross", "BTCUSDT", 1.0, {"direction": direction})],
    )
    level = truth.details["level"]
    hits = [s for s in sigs if s.factors["level"] == level]
    assert len(hits) == 1
    want = Direction.BULLISH if direction == "up" else Direction.BEARISH
    assert hits[0].direction is want
    assert truth.details["cross_ms"] <= hits[0].time <= truth.end_ms


def test_calm_market_stays_quiet():
    """False positives per symbol-hour on a market with nothing injected, per detector."""
    symbols = ["BTCUSDT", "ETHUSDT", "DOGEUSDT"]
    hours = 4.0
    sigs, _ = signals_of(symbols, intervals=("1m", "5m"), seed=21, hours=hours)
    per_hour = Counter(s.name for s in sigs)
    rate = {name: n / (len(symbols) * hours) for name, n in per_hour.items()}
    assert rate.get("whale_trade", 0) <= 0.1, rate
    assert rate.get("pump", 0) + rate.get("dump", 0) + rate.get("pump_and_dump", 0) <= 0.1, rate
    assert rate.get("volume_spike", 0) <= 0.5, rate
    assert rate.get("round_number_cross", 0) <= 0.5, rate
