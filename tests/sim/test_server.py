"""The server over real sockets: WS paths and control messages, REST, limits, lifecycle.

Most tests freeze the clock (`speed=0`) and move sim time with `fast_forward`, then read up to a
control reply: replies share the data frames' queue, so everything before the reply has arrived.
Binance's 5 messages/s inbound limit applies here too, so no test sends more than 5 per second on
one connection.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from typing import Any

import httpx
import orjson
import pytest
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, InvalidStatus

from cryptotui.binance.codec import Decoder, kline_row
from cryptotui.models import ControlError, ControlReply
from cryptotui.sim import SimExchange
from tests.sim.conftest import START, fixture

_ids = itertools.count(1)


async def connect(sim: SimExchange, path: str) -> ClientConnection:
    return await websockets.connect(sim.ws_url + path, open_timeout=2, ping_interval=None)


async def recv(ws: ClientConnection, timeout: float = 2.0) -> Any:
    return orjson.loads(await asyncio.wait_for(ws.recv(), timeout))


async def call(ws: ClientConnection, method: str, params: Any = None) -> tuple[list, dict]:
    """Send a control request; return (data frames received before the reply, the reply)."""
    rid = next(_ids)
    msg: dict[str, Any] = {"method": method, "id": rid}
    if params is not None:
        msg["params"] = params
    await ws.send(orjson.dumps(msg).decode())
    frames = []
    while True:
        item = await recv(ws)
        if isinstance(item, dict) and item.get("id") == rid and item.keys() & {"result", "error"}:
            return frames, item
        frames.append(item)


async def sync(ws: ClientConnection) -> list:
    """Every data frame queued for this connection so far."""
    frames, _ = await call(ws, "LIST_SUBSCRIPTIONS")
    return frames


# ----------------------------------------------------------------------------- paths


async def test_raw_combined_and_empty_paths(sim: SimExchange) -> None:
    raw = await connect(sim, "/ws/btcusdt@aggTrade")
    multi = await connect(sim, "/ws/btcusdt@aggTrade/ethusdt@aggTrade")
    combined = await connect(sim, "/stream?streams=btcusdt@aggTrade/ethusdt@kline_1m")
    empty = await connect(sim, "/ws")
    _, reply = await call(empty, "SUBSCRIBE", ["btcusdt@aggTrade"])
    assert reply == fixture("ws_subscribe_reply") | {"id": reply["id"]}
    sim.fast_forward(10_000)
    raw_frames = await sync(raw)
    assert raw_frames and all(f["e"] == "aggTrade" and f["s"] == "BTCUSDT" for f in raw_frames)
    assert await sync(empty) == raw_frames
    both = await sync(multi)
    assert {f["s"] for f in both} == {"BTCUSDT", "ETHUSDT"}
    wrapped = await sync(combined)
    assert {f["stream"] for f in wrapped} == {"btcusdt@aggTrade", "ethusdt@kline_1m"}
    assert [f["data"] for f in wrapped if f["stream"] == "btcusdt@aggTrade"] == raw_frames
    for ws in (raw, multi, combined, empty):
        await ws.close()
    assert sim.connections_accepted == 4
    assert sim.frames_sent == 3 * len(raw_frames) + len(both) - len(raw_frames) + len(wrapped)


async def test_bad_url_stream_is_rejected_at_handshake(sim: SimExchange) -> None:
    with pytest.raises(InvalidStatus) as err:
        await connect(sim, "/stream?streams=btcusdt@aggTrade/BTCUSDT@kline_1m")
    assert err.value.response.status_code == 400
    with pytest.raises(InvalidStatus):
        await connect(sim, "/ws/btcusdt@kline_7m")


# ----------------------------------------------------------------------------- control


async def test_subscribe_list_unsubscribe_and_unknown_symbols(sim: SimExchange) -> None:
    ws = await connect(sim, "/ws")
    _, reply = await call(ws, "SUBSCRIBE", ["btcusdt@kline_1s", "zzzusdt@aggTrade"])
    assert reply["result"] is None
    _, listed = await call(ws, "LIST_SUBSCRIPTIONS")
    assert listed["result"] == ["btcusdt@kline_1s", "zzzusdt@aggTrade"]
    sim.fast_forward(3_000)
    frames, reply = await call(ws, "UNSUBSCRIBE", ["btcusdt@kline_1s"])
    assert reply == {"result": None, "id": reply["id"]}
    assert frames and {f["s"] for f in frames} == {"BTCUSDT"}  # the unknown symbol is silent
    sim.fast_forward(3_000)
    frames, listed = await call(ws, "LIST_SUBSCRIPTIONS")
    assert frames == [] and listed["result"] == ["zzzusdt@aggTrade"]
    await ws.close()


async def test_combined_property(sim: SimExchange) -> None:
    ws = await connect(sim, "/ws/ethusdt@kline_1s")
    _, reply = await call(ws, "GET_PROPERTY", ["combined"])
    assert reply["result"] is False
    _, reply = await call(ws, "SET_PROPERTY", ["combined", True])
    assert reply == {"result": None, "id": reply["id"]}
    sim.fast_forward(2_000)
    frames, reply = await call(ws, "GET_PROPERTY", ["combined"])
    assert reply["result"] is True
    assert frames and all(f["stream"] == "ethusdt@kline_1s" for f in frames)
    await ws.close()


@pytest.mark.parametrize(
    ("message", "code", "msg_start", "echo_id"),
    [
        ('{"method":"SUBSCRIBE","params":["btcusdt@aggtrade"],"id":9}', 2, "Invalid request: "
         "invalid stream", True),
        ("not json", 3, "Invalid JSON: expected value at line 1 column 1", False),
        ('{"params":[],"id":9}', 2, "Invalid request: missing field `method`", False),
        ('{"method":"PING","id":9}', 2, "Invalid request: unknown variant `PING`", True),
        ('{"method":"SET_PROPERTY","params":["combined","yes"],"id":9}', 1, "Invalid value "
         "type: expected Boolean", True),
        ('{"method":"GET_PROPERTY","params":["compressed"],"id":9}', 0, "Unknown property", True),
        ('{"method":"LIST_SUBSCRIPTIONS","id":"a-b"}', 2, "Invalid request: request ID", False),
    ],
)  # fmt: skip
async def test_control_errors(
    sim: SimExchange, message: str, code: int, msg_start: str, echo_id: bool
) -> None:
    ws = await connect(sim, "/ws")
    await ws.send(message)
    reply = await recv(ws)
    assert reply["error"]["code"] == code and reply["error"]["msg"].startswith(msg_start)
    assert reply["id"] == (9 if echo_id else None)
    assert list(reply) == ["error", "id"]
    (event,) = Decoder().decode(orjson.dumps(reply))
    assert isinstance(event, ControlError) and event.code == code
    _, still_fine = await call(ws, "LIST_SUBSCRIPTIONS")
    assert isinstance(Decoder().decode(orjson.dumps(still_fine))[0], ControlReply)
    await ws.close()


async def test_stream_limit_per_connection(sim: SimExchange) -> None:
    ws = await connect(sim, "/ws")
    many = [f"s{i}usdt@aggTrade" for i in range(1024)]
    _, reply = await call(ws, "SUBSCRIBE", many)
    assert reply["result"] is None
    _, reply = await call(ws, "SUBSCRIBE", ["btcusdt@aggTrade"])
    assert reply["error"]["code"] == 2
    _, listed = await call(ws, "LIST_SUBSCRIPTIONS")
    assert len(listed["result"]) == 1024
    await ws.close()


async def test_more_than_five_messages_a_second_disconnects(sim: SimExchange) -> None:
    ws = await connect(sim, "/ws")
    for _ in range(6):
        await ws.send('{"method":"LIST_SUBSCRIPTIONS","id":1}')
    replies = 0
    with pytest.raises(ConnectionClosed):
        while True:
            await recv(ws)
            replies += 1
    assert replies == 5
    assert ws.close_code == 1008


# ----------------------------------------------------------------------------- data over WS


async def test_ws_closed_candles_equal_rest_klines(sim: SimExchange) -> None:
    streams = "btcusdt@kline_1s/btcusdt@kline_1m/btcusdt@kline_3m/dogeusdt@kline_1m"
    ws = await connect(sim, f"/stream?streams={streams}")
    sim.fast_forward(7 * 60_000 + 500)
    frames = await sync(ws)
    closed = [f["data"]["k"] for f in frames if f["data"]["k"]["x"]]
    assert len(closed) == 420 + 7 + 2 + 7
    async with httpx.AsyncClient(base_url=sim.rest_url) as http:
        for (symbol, interval), group in itertools.groupby(closed, lambda k: (k["s"], k["i"])):
            ks = list(group)
            params = {"symbol": symbol, "interval": interval, "startTime": ks[0]["t"]}
            rows = (await http.get("/api/v3/klines", params=params | {"limit": 1000})).json()
            by_open = {r[0]: r for r in rows}
            for k in ks:
                expected = [k["t"], k["o"], k["h"], k["l"], k["c"], k["v"], k["T"], k["q"]]
                expected += [k["n"], k["V"], k["Q"], "0"]
                assert by_open[k["t"]] == expected
            last = kline_row(rows[-1], symbol, interval)
            assert last.close_time > sim.market.now  # the still-open candle comes last
    await ws.close()


async def test_rest_agg_trades_reach_back_before_the_start_and_agree_with_the_candles(
    sim: SimExchange,
) -> None:
    """A client warms its whale detector from `aggTrades?limit=1000` at start: the sim serves
    trades from before its start, consecutive with the live ones and inside the 1s candles."""
    async with httpx.AsyncClient(base_url=sim.rest_url) as http:

        async def agg_trades(**params: Any) -> list[dict]:
            query = {"symbol": "BTCUSDT", "limit": 1000} | params
            return (await http.get("/api/v3/aggTrades", params=query)).json()

        past = await agg_trades()
        assert len(past) == 1000
        assert [t["a"] for t in past] == list(range(past[0]["a"], past[0]["a"] + 1000))
        assert all(a["T"] <= b["T"] < START for a, b in itertools.pairwise(past))
        assert all(a["l"] + 1 == b["f"] for a, b in itertools.pairwise(past))
        rows = (
            await http.get(
                "/api/v3/klines",
                params={"symbol": "BTCUSDT", "interval": "1s", "startTime": past[0]["T"] - 999},
            )
        ).json()
        by_second = {r[0]: r for r in rows}
        for t in past:
            k = by_second[t["T"] // 1000 * 1000]
            assert float(k[3]) <= float(t["p"]) <= float(k[2])  # low ≤ price ≤ high
            assert k[0] <= t["T"] <= k[6]
        sim.fast_forward(5_000)
        live = await agg_trades(fromId=past[-1]["a"] + 1)
        assert live and live[0]["a"] == past[-1]["a"] + 1 and live[0]["T"] >= START
        assert live[0]["f"] == past[-1]["l"] + 1


async def test_same_seed_same_frames_through_the_server() -> None:
    streams = "btcusdt@aggTrade/ethusdt@kline_1s/solusdt@ticker/!miniTicker@arr/xrpusdt@bookTicker"
    results = []
    for step in (250, 1_000):
        async with SimExchange(seed=7, speed=0, start_time_ms=START) as sim:
            ws = await connect(sim, f"/stream?streams={streams}")
            for _ in range(6_000 // step):
                sim.fast_forward(step)
            frames = await sync(ws)
            per_stream: dict[str, list] = {}
            for f in frames:
                per_stream.setdefault(f["stream"], []).append(f["data"])
            results.append(per_stream)
            await ws.close()
    assert results[0] == results[1]
    assert len(results[0]) == 5 and len(results[0]["ethusdt@kline_1s"]) == 12


async def test_clock_driven_runs_agree_where_they_overlap() -> None:
    """Two real-time runs (speed 40) see the same frames for the sim times they both covered."""

    async def collect() -> dict[str, list]:
        async with SimExchange(seed=5, speed=40, start_time_ms=START) as sim:
            ws = await connect(sim, "/stream?streams=bnbusdt@aggTrade/bnbusdt@kline_1s")
            out: dict[str, list] = {"bnbusdt@aggTrade": [], "bnbusdt@kline_1s": []}
            deadline = time.monotonic() + 0.6
            while time.monotonic() < deadline:
                f = await recv(ws)
                out[f["stream"]].append(f["data"])
            await ws.close()
            return out

    a, b = await collect(), await collect()
    for stream in a:
        lo = max(a[stream][0]["E"], b[stream][0]["E"])
        hi = min(a[stream][-1]["E"], b[stream][-1]["E"])
        assert hi - lo > 5_000, "each run should cover well over 5 sim seconds"
        window_a = [f for f in a[stream] if lo <= f["E"] <= hi]
        window_b = [f for f in b[stream] if lo <= f["E"] <= hi]
        assert window_a == window_b and window_a


# ----------------------------------------------------------------------------- REST


async def test_rest_headers_weights_and_errors(sim: SimExchange) -> None:
    # One weight window throughout: on the wall clock the count resets if the test happens to
    # cross a minute boundary.
    sim.rest.meter.clock = lambda: 1_000_020.0
    async with httpx.AsyncClient(base_url=sim.rest_url) as http:
        r = await http.get("/api/v3/ping")
        assert r.status_code == 200 and r.json() == {}
        assert r.headers["content-type"] == "application/json;charset=UTF-8"
        assert r.headers["x-mbx-used-weight-1m"] == "1"
        r = await http.get("/api/v3/time")
        assert r.json() == {"serverTime": START} and r.headers["x-mbx-used-weight-1m"] == "2"
        steps = [
            ("/api/v3/exchangeInfo", {}, 20),
            ("/api/v3/klines", {"symbol": "BTCUSDT", "interval": "1h"}, 2),
            ("/api/v3/ticker/24hr", {}, 80),
            ("/api/v3/ticker/24hr", {"symbol": "ETHUSDT"}, 2),
            ("/api/v3/ticker/24hr", {"symbols": '["ETHUSDT","BTCUSDT"]'}, 2),
            ("/api/v3/depth", {"symbol": "ETHUSDT", "limit": 500}, 25),
            ("/api/v3/klines", {"symbol": "NOPE", "interval": "1h"}, 2),
        ]
        used = 2
        for path, params, weight in steps:
            r = await http.get(path, params=params)
            used += weight
            assert int(r.headers["x-mbx-used-weight-1m"]) == used, path
        assert r.status_code == 400 and r.json() == fixture("rest_error_invalid_symbol")
        r = await http.get("/api/v3/klines", params={"symbol": "BTCUSDT", "interval": "1y"})
        assert (r.status_code, r.json()["code"]) == (400, -1120)
        r = await http.get("/api/v3/klines", params={"interval": "1m"})
        assert (r.status_code, r.json()["code"]) == (400, -1102)
        r = await http.get("/api/v3/klines", params={"symbol": "btcusdt", "interval": "1m"})
        assert (r.status_code, r.json()["code"]) == (400, -1100)
        r = await http.get("/api/v3/exchangeInfo", params={"symbols": '["BTCUSDT","NOPE"]'})
        assert (r.status_code, r.json()["code"]) == (400, -1121)
        r = await http.get("/api/v3/exchangeInfo", params={"symbol": "DOGEUSDT"})
        assert [s["symbol"] for s in r.json()["symbols"]] == ["DOGEUSDT"]
        r = await http.get(
            "/api/v3/klines", params={"symbol": "BTCUSDT", "interval": "1m", "limit": 5000}
        )
        assert len(r.json()) == 1000
        assert (await http.get("/api/v3/nothing")).status_code == 404
    assert sim.rest_requests == 16


async def test_rest_rate_limit_429_then_ban_418() -> None:
    now = [1_800_000_010.0]  # 10 s into a minute window
    async with SimExchange(["BTCUSDT"], speed=0, start_time_ms=START, weight_limit=45) as sim:
        sim.rest.meter.clock = lambda: now[0]
        async with httpx.AsyncClient(base_url=sim.rest_url) as http:
            for _ in range(2):
                assert (await http.get("/api/v3/exchangeInfo")).status_code == 200
            r = await http.get("/api/v3/exchangeInfo")
            assert r.status_code == 429
            assert r.headers["retry-after"] == "50"
            assert r.json()["code"] == -1003 and "current limit is 45" in r.json()["msg"]
            assert r.headers["x-mbx-used-weight-1m"] == "60"
            r = await http.get("/api/v3/ping")
            assert r.status_code == 418 and r.headers["retry-after"] == "120"
            assert "IP banned until" in r.json()["msg"]
            now[0] += 100  # next window, but still banned
            assert (await http.get("/api/v3/ping")).status_code == 418
            now[0] += 30
            r = await http.get("/api/v3/ping")
            assert r.status_code == 200 and r.headers["x-mbx-used-weight-1m"] == "1"


# ----------------------------------------------------------------------------- faults


async def test_drop_after_cuts_without_close_frame(sim: SimExchange) -> None:
    ws = await connect(sim, "/ws/btcusdt@kline_1s")
    await sync(ws)
    sim.faults.drop_after(5)
    sim.fast_forward(20_000)
    got = []
    with pytest.raises(ConnectionClosed):
        while True:
            got.append(await recv(ws))
    assert len(got) == 5
    assert ws.protocol.close_rcvd is None  # no close frame: the TCP connection was aborted
    again = await connect(sim, "/ws/btcusdt@kline_1s")  # one-shot: the next one works
    sim.fast_forward(20_000)
    assert len(await sync(again)) == 40
    await again.close()


async def test_stall_keeps_pings_and_control_but_loses_data(sim: SimExchange) -> None:
    ws = await connect(sim, "/ws/ethusdt@kline_1s")
    sim.faults.stall(0.3)
    sim.fast_forward(5_000)
    pong = await ws.ping()
    await asyncio.wait_for(pong, 1.0)
    assert await sync(ws) == []
    await asyncio.sleep(0.35)
    sim.fast_forward(2_000)
    frames = await sync(ws)
    assert [f["E"] for f in frames] == [START + t for t in (5_500, 6_000, 6_500, 7_000)]
    await ws.close()


async def test_malformed_frames(sim: SimExchange) -> None:
    ws = await connect(sim, "/ws/btcusdt@kline_1s")
    sim.faults.malformed(2)
    sim.fast_forward(3_000)
    decoder = Decoder()
    raws = [await asyncio.wait_for(ws.recv(), 2) for _ in range(6)]
    events = [decoder.decode(r) for r in raws]
    assert events[0] == [] and events[1] == [] and all(len(e) == 1 for e in events[2:])
    assert decoder.errors == {"malformed JSON": 2}
    await ws.close()


async def test_refuse_connections(sim: SimExchange) -> None:
    sim.faults.refuse_connections(2)
    for _ in range(2):
        with pytest.raises(InvalidStatus) as err:
            await connect(sim, "/ws")
        assert err.value.response.status_code == 503
    async with httpx.AsyncClient(base_url=sim.rest_url) as http:
        assert (await http.get("/api/v3/ping")).status_code == 200  # REST is unaffected
    ws = await connect(sim, "/ws")
    await ws.close()
    assert sim.connections_accepted == 1


async def test_rest_error_faults(sim: SimExchange) -> None:
    sim.faults.rest_errors(429, 2, retry_after=7)
    sim.faults.rest_errors(500, 1)
    sim.faults.rest_errors(418, 1, retry_after=300)
    async with httpx.AsyncClient(base_url=sim.rest_url) as http:
        for _ in range(2):
            r = await http.get("/api/v3/time")
            assert (r.status_code, r.headers["retry-after"], r.json()["code"]) == (429, "7", -1003)
        r = await http.get("/api/v3/time")
        assert (r.status_code, r.json()["code"]) == (500, -1000)
        r = await http.get("/api/v3/time")
        assert (r.status_code, r.headers["retry-after"]) == (418, "300")
        assert "banned" in r.json()["msg"]
        assert (await http.get("/api/v3/time")).status_code == 200


async def test_server_shutdown_event_then_close(sim: SimExchange) -> None:
    raw = await connect(sim, "/ws/btcusdt@aggTrade")
    combined = await connect(sim, "/stream?streams=btcusdt@aggTrade")
    await sync(raw), await sync(combined)
    sim.faults.server_shutdown()
    event = await recv(raw)
    assert list(event) == list(fixture("ws_server_shutdown")) and event["e"] == "serverShutdown"
    wrapped = await recv(combined)
    assert wrapped["stream"] == "!serverShutdown" and wrapped["data"] == event
    for ws in (raw, combined):
        with pytest.raises(ConnectionClosed):
            await recv(ws)
        assert ws.close_code == 1001
    assert type(Decoder().decode(orjson.dumps(wrapped))[0]).__name__ == "ServerShutdown"


async def test_max_connection_age() -> None:
    async with SimExchange(
        ["BTCUSDT"], speed=0, start_time_ms=START, max_connection_age=0.2
    ) as sim:
        ws = await connect(sim, "/ws")
        started = time.monotonic()
        with pytest.raises(ConnectionClosed):
            await recv(ws, timeout=2)
        assert 0.15 < time.monotonic() - started < 1.5
        assert ws.close_code == 1000
        await asyncio.sleep(0.05)
        assert sim.connections == 0


# ----------------------------------------------------------------------------- lifecycle


async def test_real_time_clock_and_prompt_stop() -> None:
    sim = SimExchange(["BTCUSDT", "ETHUSDT"], speed=100, start_time_ms=START)
    await sim.start()
    started = time.monotonic()
    ws = await connect(sim, "/ws/btcusdt@kline_1s")
    first = await recv(ws)
    await asyncio.sleep(0.3)
    sim.pump()
    expected = (time.monotonic() - started) * 100_000
    assert abs(sim.market.now - START - expected) < 5_000  # 100× wall time, minus driver lag
    assert first["E"] < sim.market.now
    started = time.monotonic()
    await sim.stop()  # the client is not reading: its close handshake cannot complete
    assert time.monotonic() - started < 1.0
    with pytest.raises(ConnectionClosed):
        while True:
            await recv(ws)
    with pytest.raises(OSError):
        await connect(sim, "/ws")


async def test_speed_can_change_while_running(sim: SimExchange) -> None:
    await asyncio.sleep(0.05)
    assert sim.sim_time_ms() == START  # speed 0: frozen
    sim.speed = 1_000
    await asyncio.sleep(0.1)
    sim.speed = 0
    reached = sim.sim_time_ms()
    assert 90_000 <= reached - START < 1_000_000
    await asyncio.sleep(0.05)
    assert sim.sim_time_ms() == reached
    async with httpx.AsyncClient(base_url=sim.rest_url) as http:
        assert (await http.get("/api/v3/time")).json()["serverTime"] == reached


def test_runs_in_a_background_thread_loop() -> None:
    """The TUI runs the sim in its own thread's event loop and talks to it over sockets."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        sim = SimExchange(["SOLUSDT"], speed=10, start_time_ms=START)
        asyncio.run_coroutine_threadsafe(sim.start(), loop).result(5)
        with httpx.Client(base_url=sim.rest_url) as http:
            first = http.get("/api/v3/time").json()["serverTime"]
            time.sleep(0.2)
            assert http.get("/api/v3/time").json()["serverTime"] - first >= 1_000
        asyncio.run_coroutine_threadsafe(sim.stop(), loop).result(5)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


def test_refuses_non_loopback_hosts() -> None:
    with pytest.raises(ValueError, match="non-loopback"):
        SimExchange(host="0.0.0.0")
