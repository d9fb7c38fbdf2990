"""The stream client over real sockets against the simulated exchange.

Each test drives the sim fast (a 1m candle closes every 0.1 s at speed 600) and injects one
failure; the assertions are about what a consumer sees: every closed candle exactly once, in
order, with nothing missing across the failure.
"""

from __future__ import annotations

import asyncio
from itertools import pairwise

import pytest

from cryptotui.binance.rest import Rest
from cryptotui.binance.stream import Stream, StreamOptions
from cryptotui.models import AggTrade, Candle, ConnectionStatus, ConnState, GapFill, Notice, Ticker
from cryptotui.sim import SimExchange
from tests.conftest import until

T0 = 1_767_225_600_000  # 2026-01-01T00:00Z
M = 60_000


class Recorder:
    def __init__(self) -> None:
        self.events: list = []

    def __call__(self, ev) -> None:
        self.events.append(ev)

    def closed(self, symbol: str = "BTCUSDT", interval: str = "1m") -> list[Candle]:
        return [
            e
            for e in self.events
            if isinstance(e, Candle) and e.closed and (e.symbol, e.interval) == (symbol, interval)
        ]

    def of(self, cls) -> list:
        return [e for e in self.events if isinstance(e, cls)]


def fetcher(rest: Rest):
    async def fetch(symbol, interval, start, end):
        return [c async for page in rest.klines_range(symbol, interval, start, end) for c in page]

    return fetch


def fast(**kw) -> StreamOptions:
    return StreamOptions(**{"backoff_initial": 0.3, "backoff_max": 0.6, "stall_timeout": 3.0, **kw})


async def assert_exactly_once_matching_rest(rec: Recorder, rest: Rest) -> list[Candle]:
    closed = rec.closed()
    opens = [c.open_time for c in closed]
    assert opens == sorted(set(opens)), "closed candles out of order or duplicated"
    assert all(b - a == M for a, b in pairwise(opens)), "a closed candle is missing"
    truth = await rest.klines("BTCUSDT", "1m", start=opens[0], end=opens[-1], limit=1000)
    assert [(c.open_time, c.open, c.high, c.low, c.close, c.volume) for c in closed] == [
        (c.open_time, c.open, c.high, c.low, c.close, c.volume) for c in truth
    ]
    return closed


@pytest.fixture
async def sim():
    async with SimExchange(
        symbols=["BTCUSDT", "ETHUSDT"], seed=11, speed=600, start_time_ms=T0
    ) as s:
        yield s


async def start(sim, rec: Recorder, streams: list[str], **opts) -> tuple[Stream, Rest]:
    rest = Rest(sim.rest_url)

    async def fetch_trades(symbol: str, from_id: int):
        return await rest.agg_trades(symbol, from_id=from_id)

    stream = Stream(
        sim.ws_url, rec, fetch=fetcher(rest), fetch_trades=fetch_trades, options=fast(**opts)
    )
    await stream.subscribe(streams)
    return stream, rest


async def test_combined_stream_delivers_klines_and_tickers(sim):
    rec = Recorder()
    stream, rest = await start(sim, rec, ["btcusdt@kline_1m", "ethusdt@ticker"])
    try:
        await until(lambda: len(rec.closed()) >= 3 and rec.of(Ticker), what="klines and tickers")
        assert {t.symbol for t in rec.of(Ticker)} == {"ETHUSDT"}
        assert any(isinstance(e, Candle) and not e.closed for e in rec.events)
        assert stream.decoder.errors == {}
        assert rec.of(ConnectionStatus)[0].state is ConnState.CONNECTING
        assert any(s.state is ConnState.OPEN for s in rec.of(ConnectionStatus))
        await assert_exactly_once_matching_rest(rec, rest)
    finally:
        await stream.close()
        await rest.aclose()


async def test_drop_reconnects_and_gap_fills_every_missed_candle(sim):
    rec = Recorder()
    stream, rest = await start(sim, rec, ["btcusdt@kline_1m"])
    try:
        await until(lambda: len(rec.closed()) >= 3, what="first candles")
        sim.faults.drop_after(0)
        await until(lambda: stream.stats.reconnects >= 1, what="a reconnect")
        await until(lambda: rec.of(GapFill), what="a gap-fill")
        n = len(rec.closed())
        await until(lambda: len(rec.closed()) >= n + 3, what="live candles after the fill")
        fill = rec.of(GapFill)[0]
        assert fill.count >= 1 and fill.holes == 0
        assert any(s.state is ConnState.BACKOFF for s in rec.of(ConnectionStatus))
        await assert_exactly_once_matching_rest(rec, rest)
    finally:
        await stream.close()
        await rest.aclose()


async def test_silent_stall_is_detected_and_recovered(sim):
    rec = Recorder()
    stream, rest = await start(sim, rec, ["btcusdt@kline_1m"], stall_timeout=0.4)
    try:
        await until(lambda: len(rec.closed()) >= 2, what="first candles")
        sim.faults.stall(1.5)  # the socket stays open, no data
        await until(lambda: stream.stats.stalls >= 1, what="the stall watchdog")
        await until(lambda: rec.of(GapFill), timeout=15, what="a gap-fill after the stall")
        (down, *_) = [s for s in rec.of(ConnectionStatus) if s.state is ConnState.BACKOFF]
        assert down.reason == "client closed the connection (no data for 0.4 s: stalled)"
        n = len(rec.closed())
        await until(lambda: len(rec.closed()) >= n + 2, what="live candles after the stall")
        await assert_exactly_once_matching_rest(rec, rest)
    finally:
        await stream.close()
        await rest.aclose()


async def test_malformed_frames_are_counted_and_the_stream_goes_on(sim):
    rec = Recorder()
    stream, rest = await start(sim, rec, ["btcusdt@kline_1m"])
    try:
        await until(lambda: len(rec.closed()) >= 1, what="first candle")
        sim.faults.malformed(5)
        await until(lambda: stream.decoder.errors["malformed JSON"] >= 5, what="bad frames")
        n = len(rec.closed())
        await until(lambda: len(rec.closed()) >= n + 2, what="candles after bad frames")
        assert stream.stats.reconnects == 0
        await assert_exactly_once_matching_rest(rec, rest)
    finally:
        await stream.close()
        await rest.aclose()


async def test_frames_naming_an_unsubscribed_symbol_are_dropped_and_counted(sim):
    """A frame on btcusdt@kline_1m that says it is `EVIL<ESC>[2J<U+202E>USDT` is neither
    delivered (so never stored as a new series nor printed) nor allowed to disturb BTCUSDT."""
    rec = Recorder()
    stream, rest = await start(sim, rec, ["btcusdt@kline_1m"])
    try:
        await until(lambda: len(rec.closed()) >= 1, what="first candle")
        sim.faults.foreign_symbol(6, "EVIL\x1b[2J\u202eUSDT")
        await until(lambda: stream.decoder.errors["unsubscribed stream"] >= 6, what="forged frames")
        n = len(rec.closed())
        await until(lambda: len(rec.closed()) >= n + 2, what="candles after the forged ones")
        assert {e.symbol for e in rec.events if isinstance(e, Candle)} == {"BTCUSDT"}
        await assert_exactly_once_matching_rest(rec, rest)
    finally:
        await stream.close()
        await rest.aclose()


async def test_server_shutdown_rolls_to_a_new_connection_without_duplicates(sim):
    rec = Recorder()
    stream, rest = await start(sim, rec, ["btcusdt@kline_1m"])
    try:
        await until(lambda: len(rec.closed()) >= 2, what="first candles")
        first = stream.connections[0]
        sim.faults.server_shutdown()
        await until(lambda: stream.stats.rolls >= 1, what="the roll-over")
        await until(
            lambda: stream.connections and stream.connections[0] is not first,
            what="the old connection to retire",
        )
        n = len(rec.closed())
        await until(lambda: len(rec.closed()) >= n + 3, what="candles on the new connection")
        assert len(stream.connections) == 1
        await assert_exactly_once_matching_rest(rec, rest)
    finally:
        await stream.close()
        await rest.aclose()


async def test_connection_is_rolled_before_its_maximum_age(sim):
    rec = Recorder()
    stream, rest = await start(sim, rec, ["btcusdt@kline_1m"], max_age=0.5)
    try:
        await until(lambda: stream.stats.rolls >= 2, what="two roll-overs")
        assert stream.stats.reconnects == 0  # rolled, never dropped
        await until(lambda: len(rec.closed()) >= 5, what="candles")
        await assert_exactly_once_matching_rest(rec, rest)
    finally:
        await stream.close()
        await rest.aclose()


async def test_refused_handshakes_back_off_then_connect(sim):
    rec = Recorder()
    sim.faults.refuse_connections(2)
    stream, rest = await start(sim, rec, ["btcusdt@kline_1m"], backoff_initial=0.05)
    try:
        await until(lambda: len(rec.closed()) >= 1, what="data after refusals")
        backoffs = [s for s in rec.of(ConnectionStatus) if s.state is ConnState.BACKOFF]
        assert len(backoffs) == 2 and "refused" in backoffs[0].reason
        assert backoffs[1].attempt == 2
    finally:
        await stream.close()
        await rest.aclose()


async def test_live_subscribe_and_unsubscribe_on_the_open_connection(sim):
    rec = Recorder()
    stream, rest = await start(sim, rec, ["btcusdt@kline_1m"])
    try:
        await until(lambda: len(rec.closed()) >= 1, what="first candle")
        await stream.subscribe(["ethusdt@kline_1m", "ethusdt@ticker"])
        await until(lambda: rec.closed("ETHUSDT"), what="ETH candles after SUBSCRIBE")
        assert len(stream.connections) == 1 and stream.stats.reconnects == 0
        await stream.unsubscribe(["ethusdt@kline_1m", "ethusdt@ticker"])
        await asyncio.sleep(0.05)  # frames already on the wire before the reply may still land
        before = len(rec.closed("ETHUSDT"))
        n = len(rec.closed())
        await until(lambda: len(rec.closed()) >= n + 3, what="BTC candles go on")
        assert len(rec.closed("ETHUSDT")) == before
    finally:
        await stream.close()
        await rest.aclose()


async def test_rejected_stream_name_becomes_a_notice(sim):
    rec = Recorder()
    stream, rest = await start(sim, rec, ["btcusdt@kline_1m"])
    try:
        await until(lambda: len(rec.closed()) >= 1, what="first candle")
        await stream.subscribe(["btcusdt@nonsense"])
        await until(lambda: rec.of(Notice), what="a notice")
        assert "btcusdt@nonsense" in rec.of(Notice)[0].text
        assert "btcusdt@nonsense" not in stream.streams
    finally:
        await stream.close()
        await rest.aclose()


async def test_streams_beyond_the_per_connection_limit_open_more_connections(sim):
    rec = Recorder()
    names = ["btcusdt@kline_1m", "btcusdt@kline_5m", "ethusdt@kline_1m", "ethusdt@ticker"]
    stream, rest = await start(sim, rec, names, max_streams=3)
    try:
        assert sorted(len(c.streams) for c in stream.connections) == [1, 3]
        await until(lambda: rec.closed("ETHUSDT") and rec.of(Ticker), what="data on both")
    finally:
        await stream.close()
        await rest.aclose()


async def test_repeated_drops_never_double_the_connections(sim):
    """Reconnect storms: one supervisor, one reconnect in flight, never two sockets."""
    rec = Recorder()
    stream, rest = await start(sim, rec, ["btcusdt@kline_1m"], backoff_initial=0.05)
    try:
        for i in range(3):
            await until(lambda i=i: stream.stats.reconnects >= i and sim.connections == 1)
            await until(lambda: stream.connections[0].first_frame.is_set(), what="data")
            sim.faults.drop_after(0)
        await until(lambda: stream.stats.reconnects >= 3, what="three reconnects")
        await until(lambda: sim.connections == 1, what="one live socket")
        assert sim.connections_accepted == stream.stats.reconnects + 1
        n = len(rec.closed())
        await until(lambda: len(rec.closed()) >= n + 2, what="candles after the storm")
        await assert_exactly_once_matching_rest(rec, rest)
    finally:
        await stream.close()
        await rest.aclose()


async def test_server_pings_are_answered_so_the_connection_lives():
    async with SimExchange(
        symbols=["BTCUSDT"], seed=4, speed=600, start_time_ms=T0, ping_interval=0.1
    ) as sim:
        rec = Recorder()
        stream, rest = await start(sim, rec, ["btcusdt@kline_1m"])
        try:
            await until(lambda: len(rec.closed()) >= 12, what="1.2 s of candles")
            assert stream.stats.reconnects == 0 and sim.connections_accepted == 1
        finally:
            await stream.close()
            await rest.aclose()


async def test_trades_missed_during_an_outage_are_fetched_in_order():
    async with SimExchange(symbols=["BTCUSDT"], seed=12, speed=60, start_time_ms=T0) as sim:
        rec = Recorder()
        stream, rest = await start(sim, rec, ["btcusdt@aggTrade"], backoff_initial=0.3)
        try:
            await until(lambda: len(rec.of(AggTrade)) >= 50, what="first trades")
            sim.faults.drop_after(0)
            await until(lambda: stream.stats.reconnects >= 1, what="a reconnect")
            n = len(rec.of(AggTrade))
            await until(lambda: len(rec.of(AggTrade)) >= n + 200, what="trades after it")
            ids = [t.agg_id for t in rec.of(AggTrade)]
            assert all(b == a + 1 for a, b in pairwise(ids)), "a trade is missing or repeated"
            assert stream.trades.filled > 0  # some came from REST, not the socket
        finally:
            await stream.close()
            await rest.aclose()
