"""The player against the real `Stream` and `Rest`: frames in order, REST answers by request,
what nobody asks for passed over, what was never recorded refused in one line."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from cryptotui.binance.rest import BinanceError, Rest
from cryptotui.binance.stream import Stream
from cryptotui.models import Ticker
from cryptotui.replay.player import Player
from cryptotui.replay.recording import Header, Recorder, Recording
from tests.conftest import fixture_json


def _ticker(symbol: str, last: str, event_time: int) -> str:
    data = fixture_json("ws_ticker_24hr.json") | {"s": symbol, "c": last, "E": event_time}
    return json.dumps({"stream": f"{symbol.lower()}@ticker", "data": data})


@pytest.fixture
def recording(tmp_path: Path) -> Recording:
    """One connection: a ticker, an answer to a request the client will not make again (a chart
    the user opened while recording), a `time` answer, two more tickers, the end."""
    path = tmp_path / "rec.jsonl"
    rec = Recorder(path, Header(symbols=["BTCUSDT"], streams=[]), clock=lambda: 1000.0)
    rec.answer("time", {}, 200, b'{"serverTime":1700000000000}', None)
    rec.opened(1, "ws://x/stream?streams=btcusdt@ticker")
    rec.frame(1, 1_000_000, _ticker("BTCUSDT", "1.0", 1))
    rec.answer("klines", {"symbol": "BTCUSDT", "interval": "1h", "limit": 500}, 200, b"[]", None)
    rec.answer("time", {}, 200, b'{"serverTime":1700000005000}', None)
    rec.frame(1, 1_000_001, _ticker("BTCUSDT", "2.0", 2))
    rec.frame(1, 1_000_002, _ticker("BTCUSDT", "3.0", 3))
    rec.closed(1, "closed")
    rec.close()
    return Recording(path)


async def test_frames_in_order_and_answers_nobody_asks_for_passed_over(recording) -> None:
    events: list[object] = []
    async with Player(recording, speed=0, rest_grace=0.2) as player:
        rest = Rest("http://replay.invalid", transport=player.transport())
        stream = Stream("ws://replay.invalid", events.append, connect=player.connect)
        try:
            assert await rest.server_time() == 1_700_000_000_000
            await stream.subscribe(["btcusdt@ticker"])
            async with asyncio.timeout(10):
                outcome = await player.finished  # type: ignore[misc]
            assert not outcome.damaged and "3 frames and 0 REST answers" in outcome.message
            assert [e.last for e in events if isinstance(e, Ticker)] == [1.0, 2.0, 3.0]
            assert player.unclaimed == 1 and player.dropped == 0
            # After the recording: the last recorded answer, or a refusal naming the request.
            assert await rest.server_time() == 1_700_000_005_000
            with pytest.raises(BinanceError, match=r"not in this recording: GET /api/v3/klines"):
                await rest.klines("ETHUSDT", "1m")
        finally:
            await stream.close()
            await rest.aclose()


async def test_a_request_asked_early_is_answered_where_the_recording_has_it(recording) -> None:
    """The 1h klines answer reaches the client after the first frame and before the second,
    as it did live, however early it is asked for."""
    events: list[object] = []

    async with Player(recording, speed=0) as player:
        rest = Rest("http://replay.invalid", transport=player.transport())
        stream = Stream("ws://replay.invalid", events.append, connect=player.connect)

        async def ask() -> tuple[list, list[float]]:
            rows = await rest.klines("BTCUSDT", "1h")
            return rows, [e.last for e in events if isinstance(e, Ticker)]  # seen by then

        try:
            asked = asyncio.create_task(ask())
            await rest.server_time()
            await stream.subscribe(["btcusdt@ticker"])
            async with asyncio.timeout(10):
                assert await asked == ([], [1.0])
                await player.finished  # type: ignore[misc]
            assert player.answers == 1 and player.unclaimed == 0
        finally:
            await stream.close()
            await rest.aclose()
