"""The engine wiring: indicators per (symbol, interval), detectors, rules reading indicators."""

from __future__ import annotations

import numpy as np
import pytest
import talib

from cryptotui.alerts.router import AlertRouter
from cryptotui.alerts.rules import parse_rules
from cryptotui.engine import Engine
from cryptotui.intervals import INTERVAL_MS
from cryptotui.models import AggTrade, Alert, Candle, Signal
from cryptotui.patterns.candles import CandlestickScanner
from cryptotui.patterns.candlestick import DEFAULT_PATTERNS

M = 60_000


def candles(n: int, seed: int = 1, interval: str = "1m", volume_sigma: float = 0.4) -> list[Candle]:
    """A seeded random walk of `n` closed BTCUSDT candles of `interval` from time 0."""
    rng = np.random.default_rng(seed)
    close = 100 + np.cumsum(rng.normal(0, 1, n))
    step = INTERVAL_MS[interval]
    out = []
    for i, c in enumerate(close):
        o = close[i - 1] if i else c
        hi, lo = max(o, c) + abs(rng.normal(0, 0.5)), min(o, c) - abs(rng.normal(0, 0.5))
        vol = float(rng.lognormal(3, volume_sigma))
        bar = (float(o), float(hi), float(lo), float(c), vol)
        out.append(Candle("BTCUSDT", interval, i * step, i * step + step - 1, *bar))
    return out


def test_indicator_values_follow_talib_and_replays_are_ignored():
    out: list = []
    engine = Engine(["BTCUSDT"], ["1m"], emit=out.append, detectors=[])
    data = candles(300)
    for c in data:
        engine.on_candle(c)
    engine.on_candle(data[10])  # a replayed old candle must not be committed again
    close = np.array([c.close for c in data])
    assert engine.values("BTCUSDT", "1m")["rsi_14"] == pytest.approx(
        talib.RSI(close, 14)[-1], rel=1e-9
    )
    assert engine.keys[("BTCUSDT", "1m")].trend in (1, -1)


def test_candlestick_signals_match_the_scanner_and_are_scored():
    out: list = []
    engine = Engine(["BTCUSDT"], ["1m"], emit=out.append, detectors=["candlestick"])
    scanner = CandlestickScanner(DEFAULT_PATTERNS)
    expected = []
    for c in candles(500, seed=4):
        engine.on_candle(c)
        expected += [(c.open_time, f"cdl_{k}") for k in scanner.update(c) if k in DEFAULT_PATTERNS]
    got = [(s.span_start, s.name) for s in out if isinstance(s, Signal)]
    assert got and sorted(got) == sorted(expected)
    assert all(0 <= s.confidence <= 1 and s.scores for s in out if isinstance(s, Signal))


def test_rules_get_the_indicators_they_read():
    rules = parse_rules([{"name": "oversold", "when": "rsi crosses below 45"}])
    out: list = []
    engine = Engine(["BTCUSDT"], ["1m"], emit=out.append, detectors=[], router=AlertRouter(rules))
    assert "rsi:14" in engine.spec
    for c in candles(400, seed=9):
        engine.on_candle(c)
    alerts = [a for a in out if isinstance(a, Alert)]
    assert alerts and all(a.kind == "rule" and a.factors["value"] < 45 for a in alerts)


def test_trades_warm_the_whale_detector_without_alerting():
    """REST trades at start feed the whale detector's baseline; a whale among them (or a whale
    rule they match) is history, not news. The first live whale is."""
    rules = parse_rules([{"name": "big", "when": "whale >= 1000000"}])
    out: list = []
    engine = Engine(
        ["BTCUSDT"], ["1m"], emit=out.append, detectors=["whale_trade"], router=AlertRouter(rules)
    )

    def trade(i: int, qty: float) -> AggTrade:
        return AggTrade("BTCUSDT", i, 100_000.0, qty, i, i, i, False, i)

    history = [trade(i, 0.01 * (1 + i % 7)) for i in range(1000)]
    engine.warm_up([*history, trade(1000, 50.0)])
    assert out == [] and engine.market["BTCUSDT"][0].robust.held == 1000  # a full window
    engine.on_trade(trade(1001, 60.0))
    assert [(type(x).__name__, x.name) for x in out] == [
        ("Signal", "whale_trade"),
        ("Alert", "whale_trade"),
        ("Alert", "big"),
    ]


def test_volume_spike_detector_reads_the_base_indicator_with_the_same_signals():
    """The engine computes `volume_spike:20` anyway: the detector of the same period takes that
    score instead of computing it again (`ValueDetector`), and fires exactly as alone."""
    data = candles(1500, seed=3, volume_sigma=1.2)
    for period, shared in ((20, "volume_spike_20"), (7, None)):
        out: list = []
        options = {"volume_spike": {"period": period, "min_z": 3.0}}
        engine = Engine(
            ["BTCUSDT"], ["1m"], emit=out.append, detectors=["volume_spike"],
            detector_options=options,
        )  # fmt: skip
        ((detector, reads),) = engine.keys[("BTCUSDT", "1m")].detectors
        assert reads == shared
        alone = type(detector)("BTCUSDT", "1m", **options["volume_spike"])
        expected = []
        for c in data:
            engine.on_candle(c)
            expected += [(s.time, s.direction, s.factors) for s in alone.on_candle(c)]
        got = [(s.time, s.direction, s.factors) for s in out if isinstance(s, Signal)]
        assert len(got) > 5 and got == expected


def test_timeframe_factor_follows_the_longer_trends_as_they_change():
    """Each signal's timeframe score counts the longer intervals' trends as they are when it is
    scored: the engine keeps them between signals only until one of those trends changes."""
    from cryptotui.scoring import timeframes

    seen: list[tuple[float, float]] = []
    engine: Engine

    def emit(ev: object) -> None:
        if isinstance(ev, Signal) and ev.interval == "1m":
            longer = [engine.keys[("BTCUSDT", iv)] for iv in ("5m", "15m")]
            trends = tuple(k.trend for k in longer if k.values.get("ema_20") is not None)
            seen.append((ev.scores["timeframes"], timeframes(ev.direction, trends)))

    engine = Engine(["BTCUSDT"], ["1m", "5m", "15m"], emit=emit, detectors=["candlestick"])
    bars = [
        *candles(3000, seed=6),
        *candles(600, seed=7, interval="5m"),
        *candles(200, seed=8, interval="15m"),
    ]
    for c in sorted(bars, key=lambda c: (c.close_time, INTERVAL_MS[c.interval])):
        engine.on_candle(c)
    assert len({expected for _, expected in seen}) >= 3  # trends moved under the signals
    assert all(got == expected for got, expected in seen)
