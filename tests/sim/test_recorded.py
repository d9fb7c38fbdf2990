"""The simulator serving a recording as its market (`python -m cryptotui.sim --replay FILE`):
recorded frames to subscribers as sim time passes them, REST answers from what was recorded."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest
import websockets

from cryptotui.replay.recording import Header, Recorder, Recording
from cryptotui.sim import Faults, Market, SimExchange
from cryptotui.sim.recorded import RecordedMarket
from cryptotui.sim.rest import RestApi
from tests.conftest import until
from tests.sim.conftest import START

STREAMS = {"btcusdt@aggTrade", "btcusdt@kline_1m", "btcusdt@ticker", "ethusdt@ticker"}
SKEW = 5_000
"""The recorder's clock ran this far behind the exchange's (its `time` answer shows it)."""


@pytest.fixture
def recording(tmp_path: Path) -> tuple[Path, list[tuple[int, str, dict]]]:
    """Three minutes of a generated market recorded as a client would have: its REST start-up,
    a control reply, then frames. Returns the file and the frames (exchange time, stream,
    payload)."""
    market = Market(["BTCUSDT", "ETHUSDT"], seed=3, start_time_ms=START)
    api = RestApi(market, Faults())
    local = [START - SKEW]
    path = tmp_path / "market.jsonl.gz"
    header = Header(symbols=["BTCUSDT", "ETHUSDT"], intervals=["1m"], streams=["kline"])
    rec = Recorder(path, header, clock=lambda: local[0] / 1000)
    for endpoint, query in [
        ("exchangeInfo", ""),
        ("time", ""),
        ("klines", f"symbol=BTCUSDT&interval=1m&limit=5&endTime={START - 1}"),
        ("aggTrades", "symbol=BTCUSDT&limit=3"),
    ]:
        reply = api.handle(f"/api/v3/{endpoint}", query)
        rec.answer(endpoint, dict(parse_qsl(query)), reply.status, reply.body, None)
    rec.opened(1, "ws://x/stream?streams=" + "/".join(sorted(STREAMS)))
    rec.frame(1, local[0], '{"result":null,"id":1}')
    sent = []
    for t in range(START + 1000, START + 180_000, 1000):
        local[0] = t - SKEW
        for stream, data in market.advance(t, STREAMS):
            rec.frame(1, local[0], json.dumps({"stream": stream, "data": data}))
            sent.append((t, stream, data))
    rec.close()
    return path, sent


async def test_subscribers_get_the_recorded_frames_as_sim_time_passes_them(recording) -> None:
    path, sent = recording
    market = RecordedMarket(Recording(path))
    assert market.start_ms == START  # the first frame, on the exchange's clock
    async with SimExchange(speed=0, recorded=market) as sim:
        ws = await websockets.connect(f"{sim.ws_url}/ws/btcusdt@aggTrade", ping_interval=None)
        try:
            await until(lambda: sim.connections == 1, what="the subscription")
            sim.fast_forward(60_000)
            wanted = [
                data for t, s, data in sent if s == "btcusdt@aggTrade" and t <= START + 60_000
            ]
            assert len(wanted) > 50
            got = [json.loads(await asyncio.wait_for(ws.recv(), 2)) for _ in wanted]
            assert got == wanted  # nothing else (no klines, no control reply), in order
        finally:
            await ws.close()


async def test_rest_answers_come_from_the_recording_up_to_sim_time(recording) -> None:
    path, sent = recording
    async with SimExchange(speed=0, recorded=RecordedMarket(Recording(path))) as sim:
        sim.fast_forward(120_000)
        now = START + 120_000
        async with httpx.AsyncClient(base_url=f"{sim.rest_url}/api/v3/") as client:
            assert (await client.get("time")).json() == {"serverTime": now}
            info = (await client.get("exchangeInfo")).json()
            assert [s["symbol"] for s in info["symbols"]] == ["BTCUSDT", "ETHUSDT"]
            rows = (await client.get("klines?symbol=BTCUSDT&interval=1m&limit=1000")).json()
            closed = [d["k"]["t"] for t, s, d in sent if s.endswith("kline_1m") and d["k"]["x"]]
            closed = [open_time for open_time in closed if open_time + 60_000 <= now]
            assert [r[0] for r in rows[-len(closed) :]] == closed and len(rows) == 5 + len(closed)
            trades = [d["a"] for t, s, d in sent if s.endswith("aggTrade") and t <= now]
            got = (await client.get(f"aggTrades?symbol=BTCUSDT&fromId={trades[-10]}")).json()
            assert [t["a"] for t in got] == trades[-10:]
            ticker = (await client.get("ticker/24hr?symbol=ETHUSDT")).json()
            last = [d for t, s, d in sent if s == "ethusdt@ticker" and t <= now][-1]
            assert ticker["lastPrice"] == last["c"] and ticker["closeTime"] == last["C"]
            refused = await client.get("depth?symbol=BTCUSDT")
            assert refused.status_code == 400 and "not in this recording" in refused.json()["msg"]
            unknown = await client.get("klines?symbol=DOGEUSDT&interval=1m")
            assert unknown.json()["code"] == -1121


def test_the_command_line_serves_a_recording_and_refuses_a_bad_one(recording, tmp_path) -> None:
    from tests.sim.test_cli import start, stop

    path, _ = recording
    proc, port = start("--replay", str(path), "--speed", "60")
    try:
        assert httpx.get(f"http://127.0.0.1:{port}/api/v3/ping").json() == {}
    finally:
        assert stop(proc) == 0
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    done = subprocess.run(
        [sys.executable, "-m", "cryptotui.sim", "--replay", str(bad)],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().endswith(
        "bad.jsonl:1: not a cryptotui recording (no header line); "
        "record one with `cryptotui record FILE`"
    )
