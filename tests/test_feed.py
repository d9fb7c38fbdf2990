"""The feed against the simulator: symbol validation, live watchlist edits, chart history."""

from __future__ import annotations

from itertools import pairwise

from cryptotui.binance.stream import StreamOptions
from cryptotui.engine import Engine
from cryptotui.feed import Endpoints, Feed
from cryptotui.models import Candle, Notice
from cryptotui.sim import SimExchange
from tests.conftest import until

T0 = 1_767_225_600_000


def make(sim, symbols, **kw) -> Feed:
    ep = Endpoints(sim.rest_url, sim.ws_url, "sim")
    return Feed(ep, symbols, ["1m"], options=StreamOptions(backoff_initial=0.1), **kw)


async def test_unknown_symbols_are_dropped_with_one_clear_notice():
    async with SimExchange(symbols=["BTCUSDT"], seed=1, speed=60, start_time_ms=T0) as sim:
        feed = make(sim, ["BTCUSDT", "NOPEUSDT"])
        try:
            await feed.start()
            assert feed.state.symbols == ["BTCUSDT"]
            (n,) = [x for x in feed.state.notices if x.level == "error"]
            assert "NOPEUSDT" in n.text and "removed from the watchlist" in n.text
            await until(lambda: feed.state.rows()[0].version > 0, what="BTC ticker")
        finally:
            await feed.aclose()


async def test_watch_and_unwatch_while_running_and_live_rsi():
    async with SimExchange(
        symbols=["BTCUSDT", "ETHUSDT"], seed=2, speed=120, start_time_ms=T0
    ) as sim:
        engine = Engine(["BTCUSDT"], ["1m"], emit=lambda _e: None, detectors=[])
        feed = make(sim, ["BTCUSDT"], engine=engine, overview=True)
        try:
            await feed.start()
            assert "!miniTicker@arr" in feed.stream.streams
            assert not await feed.watch("NOPEUSDT")
            assert any("NOPEUSDT" in n.text for n in feed.state.notices)
            assert await feed.watch("ethusdt")
            assert feed.state.symbols == ["BTCUSDT", "ETHUSDT"]
            await until(lambda: feed.state.candles.get(("ETHUSDT", "1m")), what="ETH candles")
            await until(
                lambda: feed.state.indicators("ETHUSDT", "1m").get("rsi_14") is not None,
                timeout=15,
                what="ETH RSI after warm-up",
            )
            await feed.unwatch("ETHUSDT")
            assert feed.state.symbols == ["BTCUSDT"]
            assert not any(s.startswith("ethusdt@") for s in feed.stream.streams)
        finally:
            await feed.aclose()


async def test_chart_history_joins_the_live_stream_without_gaps():
    async with SimExchange(symbols=["BTCUSDT"], seed=3, speed=600, start_time_ms=T0) as sim:
        feed = make(sim, ["BTCUSDT"])
        try:
            await feed.start()
            n = await feed.load_candles("BTCUSDT", "5m", limit=200)
            assert n == 200
            await until(
                lambda: len(feed.state.candles[("BTCUSDT", "5m")]) >= 203, what="live 5m candles"
            )
            candles: list[Candle] = list(feed.state.candles[("BTCUSDT", "5m")])
            assert all(b.open_time - a.open_time == 300_000 for a, b in pairwise(candles))
            assert not [x for x in feed.state.notices if isinstance(x, Notice)]
        finally:
            await feed.aclose()


async def test_start_warms_up_indicators_and_continues_gap_free():
    async with SimExchange(symbols=["BTCUSDT"], seed=6, speed=300, start_time_ms=T0) as sim:
        engine = Engine(["BTCUSDT"], ["1m"], emit=lambda _e: None)
        feed = make(sim, ["BTCUSDT"], engine=engine)
        try:
            await feed.start()
            history = list(feed.state.candles[("BTCUSDT", "1m")])
            assert len(history) == 500  # WARM_UP_CANDLES, all closed, before any live frame
            assert engine.values("BTCUSDT", "1m")["rsi_14"] is not None
            assert engine.signals == 0  # history warms the detectors but raises nothing
            await until(lambda: len(feed.state.candles[("BTCUSDT", "1m")]) >= 505, what="live")
            candles = list(feed.state.candles[("BTCUSDT", "1m")])
            assert all(b.open_time - a.open_time == 60_000 for a, b in pairwise(candles))
        finally:
            await feed.aclose()
