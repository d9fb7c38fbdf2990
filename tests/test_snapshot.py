"""The snapshot channel: the UI's mirror of a feed's state in another process shows what the feed's
state holds, from far fewer, coalesced updates; alerts do not wait for the next delta."""

from __future__ import annotations

import asyncio
import pickle

import numpy as np

from cryptotui.alerts.router import AlertRouter
from cryptotui.alerts.rules import parse_rules
from cryptotui.engine import Engine
from cryptotui.models import Alert, Candle, ConnectionStatus, ConnState, Notice, Ticker
from cryptotui.snapshot import Delta, Mirror, Publisher
from cryptotui.state import MarketState

SYMBOLS = ["BTCUSDT", "ETHUSDT"]
M = 60_000


def market(n: int) -> list[object]:
    """Per minute and symbol: ten forming updates and ten tickers, then the close."""
    rng = np.random.default_rng(3)
    events: list[object] = []
    price = {s: 100.0 + 50 * i for i, s in enumerate(SYMBOLS)}
    for i in range(n):
        t = i * M
        for sym in SYMBOLS:
            o = price[sym]
            for k in range(1, 11):
                price[sym] = p = price[sym] * float(np.exp(rng.normal(0, 0.001)))
                c = Candle(sym, "1m", t, t + M - 1, o, max(o, p), min(o, p), p, 1.0 + k)
                c.closed, c.event_time = k == 10, t + k * 6000 - 1
                events.append(c)
                events.append(Ticker(sym, t + k * 6000, p, 100.0, 200.0, 50.0, 1e3, 1e5))
    return events


def history(symbol: str) -> list[Candle]:
    return [Candle(symbol, "1m", t, t + M - 1, 100, 101, 99, 100, 1) for t in range(-50 * M, 0, M)]


async def test_the_mirror_shows_the_feed_state_from_coalesced_deltas():
    source = MarketState(list(SYMBOLS))
    rules = parse_rules([{"name": "over", "when": "price > 130"}])
    deltas: list[Delta] = []
    shown = MarketState([])
    mirror = Mirror(shown)

    def emit(ev: object) -> None:  # what `Feed._emit` does: the state, then the consumers
        source.apply(ev)
        publisher(ev)

    def feed(ev: object) -> None:  # and `Feed._on_event`: that, then the engine
        emit(ev)
        engine.on_event(ev)

    engine = Engine(SYMBOLS, ["1m"], emit=emit, router=AlertRouter(rules), detectors=[])
    source.indicators = engine.live_values
    publisher = Publisher(source, engine, deltas.append)

    sent = 0

    def deliver() -> None:
        nonlocal sent
        while deltas:  # as the pipe carries them
            mirror.apply(pickle.loads(pickle.dumps(deltas.pop(0))))
            sent += 1

    source.info = {}
    feed(ConnectionStatus(1, ConnState.OPEN, 4))
    for sym in SYMBOLS:
        source.load_history(sym, "1m", history(sym))
    events = market(30)
    for i, ev in enumerate(events):
        feed(ev)
        if i % 97 == 0:
            publisher.flush()
            deliver()
    feed(Notice("warning", "something to say"))
    source.symbols = ["ETHUSDT", "BTCUSDT"]
    source.health.messages = len(events)
    publisher.flush()
    await asyncio.sleep(0)
    deliver()

    assert shown.symbols == ["ETHUSDT", "BTCUSDT"] and shown.info == {}
    fields = lambda r: (r.symbol, r.last, r.change_pct, r.high, r.low, r.direction)  # noqa: E731
    assert [fields(r) for r in shown.rows()] == [fields(r) for r in source.rows()]
    assert shown.candles == source.candles and len(shown.candles[("BTCUSDT", "1m")]) == 80
    assert shown.forming == source.forming
    assert list(shown.alerts) == list(source.alerts) and shown.alerts
    assert list(shown.notices) == list(source.notices) and shown.conns == source.conns
    assert shown.health == source.health and shown.health.messages == len(events)
    for sym in SYMBOLS:
        assert shown.indicators(sym, "1m") == source.indicators(sym, "1m")
        assert shown.indicators(sym, "1m")["rsi_14"] is not None
    # 600 ticker and 600 kline updates became a few deltas, each with the latest ones only
    assert sent < 40 and 0 < shown.versions["BTCUSDT"] < source.versions["BTCUSDT"] // 5


async def test_an_alert_goes_out_at_once_and_a_busy_channel_collects_more():
    state = MarketState(["BTCUSDT"])
    deltas: list[Delta] = []
    busy = True
    publisher = Publisher(state, None, deltas.append, ready=lambda: not busy)
    t = Ticker("BTCUSDT", 1, 100.0, 99.0, 101.0, 98.0, 1.0, 100.0)
    publisher(t)
    alert = Alert(
        time=1, symbol="BTCUSDT", interval="1m", kind="rule", name="x", direction="bullish",
        confidence=1.0, price=100.0, factors={}, message="x",
    )  # fmt: skip
    publisher(alert)
    await asyncio.sleep(0)
    assert deltas == []  # the last delta is still on its way: keep collecting
    busy = False
    publisher(alert)  # the next alert flushes at once, with everything held back
    await asyncio.sleep(0)
    assert len(deltas) == 1 and deltas[0].events == [alert, alert]
    assert deltas[0].tickers == {"BTCUSDT": t}
