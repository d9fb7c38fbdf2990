"""Alert latency and detector cost.

1. Latency from a frame's arrival (read off the socket, `StreamStats.frame_ns`) to its alert
   reaching a consumer, with 20 symbols × 3 intervals streaming from the simulator at high speed,
   through the real Feed, stream client, engine and router. Target p99 < 2 ms.
2. µs per closed candle for each detector and for the full set, on a generated series.
"""

from __future__ import annotations

import asyncio
import statistics
import time

import numpy as np

from cryptotui.alerts.router import AlertRouter
from cryptotui.alerts.rules import parse_rules
from cryptotui.binance.stream import StreamOptions
from cryptotui.engine import Engine
from cryptotui.feed import Endpoints, Feed
from cryptotui.models import AggTrade, Alert, Candle
from cryptotui.patterns import CANDLE_DETECTORS, build_candle_detectors
from cryptotui.sim import SimExchange

SYMBOLS = [
    "BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT", "ADAUSDT", "AVAXUSDT",
    "LINKUSDT", "DOTUSDT", "TRXUSDT", "LTCUSDT", "BCHUSDT", "ATOMUSDT", "NEARUSDT", "UNIUSDT",
    "APTUSDT", "ARBUSDT", "OPUSDT", "FILUSDT",
]  # fmt: skip
INTERVALS = ["1m", "5m", "15m"]
T0 = 1_767_225_600_000


async def _latency(seconds: float, speed: float) -> tuple[list[float], int, int]:
    lat: list[float] = []
    # One rule per bar and symbol (fires on every candle close), plus every detector at 0.
    rules = parse_rules([{"name": "tick", "when": "price > 0"}])
    async with SimExchange(symbols=SYMBOLS, seed=5, speed=speed, start_time_ms=T0) as sim:
        engine = Engine(
            SYMBOLS, INTERVALS, emit=lambda _e: None, router=AlertRouter(rules, min_confidence=0)
        )
        feed = Feed(
            Endpoints(sim.rest_url, sim.ws_url, "sim"),
            SYMBOLS,
            INTERVALS,
            options=StreamOptions(),
            engine=engine,
        )

        def consumer(ev: object) -> None:
            if type(ev) is Alert and ev.received_ns:
                lat.append((time.perf_counter_ns() - ev.received_ns) / 1e6)

        feed.consumers.append(consumer)
        await feed.start()
        await asyncio.sleep(seconds)
        messages = feed.stream.stats.messages
        await feed.aclose()
    return lat, messages, engine.alerts


def _series(n: int) -> list[Candle]:
    rng = np.random.default_rng(3)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.002, n)))
    opens = np.concatenate(([close[0]], close[:-1]))
    spread = np.abs(rng.normal(0, 0.001, n)) * close
    vol = rng.lognormal(3, 0.5, n)
    return [
        Candle(
            "BTCUSDT",
            "1m",
            i * 60_000,
            i * 60_000 + 59_999,
            float(o),
            float(max(o, c) + s),
            float(min(o, c) - s),
            float(c),
            float(v),
        )
        for i, (o, c, s, v) in enumerate(zip(opens, close, spread, vol, strict=True))
    ]


def _detector_costs(n: int) -> list[tuple[str, float]]:
    data = _series(n)
    rows = []
    for name in [*CANDLE_DETECTORS, "all candle detectors"]:
        names = list(CANDLE_DETECTORS) if name.startswith("all") else [name]
        dets = build_candle_detectors(names, "BTCUSDT", "1m")
        started = time.perf_counter()
        for c in data:
            for d in dets:
                d.on_candle(c)
        rows.append((name, (time.perf_counter() - started) / n * 1e6))
    engine = Engine(["BTCUSDT"], ["1m"], emit=lambda _e: None)
    started = time.perf_counter()
    for c in data:
        engine.on_candle(c)
    rows.append(
        ("engine: indicators + all detectors + scoring", (time.perf_counter() - started) / n * 1e6)
    )
    from cryptotui.patterns.crypto import WhaleTrade

    whale = WhaleTrade("BTCUSDT")
    trades = [
        AggTrade("BTCUSDT", i, c.close, c.volume / 50, i, i, i, bool(i % 2))
        for i, c in enumerate(data)
    ]
    started = time.perf_counter()
    for t in trades:
        whale.on_trade(t)
    rows.append(("whale_trade (per aggTrade)", (time.perf_counter() - started) / n * 1e6))
    return rows


def main() -> None:
    lat, messages, alerts = asyncio.run(_latency(seconds=10.0, speed=60.0))
    lat.sort()
    print(
        f"20 symbols × 3 intervals at 60× speed for 10 s: {messages:,} frames, {alerts:,} alerts\n"
    )
    print("| frame → alert latency | ms |")
    print("|---|---:|")
    if lat:
        p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]  # noqa: E731
        print(f"| p50 | {statistics.median(lat):.3f} |")
        print(f"| p99 | {p(0.99):.3f} |")
        print(f"| max | {lat[-1]:.3f} |")
    print("\n| detector cost, 100,000 candles | µs per candle |")
    print("|---|---:|")
    for name, us in _detector_costs(100_000):
        print(f"| {name} | {us:.2f} |")


if __name__ == "__main__":
    main()
