"""Every frame and REST body has the fixtures' keys, key order and JSON types, and decodes."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from cryptotui.binance import codec
from cryptotui.models import AggTrade, AvgPrice, BookLevels, BookTicker, Candle, Ticker, Trade
from cryptotui.sim import Market
from cryptotui.sim.faults import Faults
from cryptotui.sim.rest import RestApi
from tests.sim.conftest import START, core_streams, fixture


def assert_same_shape(ours: Any, theirs: Any, where: str = "$") -> None:
    """Same JSON types everywhere; for objects the same keys in the same order."""
    assert type(ours) is type(theirs), f"{where}: {type(ours).__name__} vs {type(theirs).__name__}"
    if isinstance(theirs, dict):
        assert list(ours) == list(theirs), f"{where}: keys {list(ours)} vs {list(theirs)}"
        for key in theirs:
            assert_same_shape(ours[key], theirs[key], f"{where}.{key}")
    elif isinstance(theirs, list) and theirs:
        for i, item in enumerate(ours):
            assert_same_shape(item, theirs[min(i, len(theirs) - 1)], f"{where}[{i}]")


@pytest.fixture(scope="module")
def frames() -> dict[str, list]:
    market = Market(["BTCUSDT", "ETHUSDT"], seed=7, start_time_ms=START)
    out: dict[str, list] = {}
    periodic = {"btcusdt@avgPrice", "ethusdt@depth10", "btcusdt@depth5@100ms"}
    frames = market.advance(START + 65_000, core_streams(market))
    for stream, data in frames + market.advance(START + 67_000, periodic):
        out.setdefault(stream, []).append(data)
    return out


STREAM_FIXTURES = [
    ("btcusdt@aggTrade", "ws_agg_trade"),
    ("btcusdt@trade", "ws_trade"),
    ("btcusdt@ticker", "ws_ticker_24hr"),
    ("ethusdt@miniTicker", "ws_mini_ticker"),
    ("ethusdt@bookTicker", "ws_book_ticker"),
    ("btcusdt@kline_1m", "ws_kline_closed"),
    ("ethusdt@kline_1s", "ws_kline"),
    ("!miniTicker@arr", "ws_mini_ticker_arr"),
    ("btcusdt@avgPrice", "ws_avg_price"),
    ("ethusdt@depth10", "ws_depth_partial"),
    ("btcusdt@depth5@100ms", "ws_depth_partial"),
]


@pytest.mark.parametrize(("stream", "name"), STREAM_FIXTURES)
def test_stream_frames_match_fixture_shapes(
    frames: dict[str, list], stream: str, name: str
) -> None:
    assert frames[stream]
    for data in frames[stream]:
        assert_same_shape(data, fixture(name))


def test_periodic_cadences(frames: dict[str, list]) -> None:
    assert [d["E"] for d in frames["btcusdt@avgPrice"]] == [START + 66_000, START + 67_000]
    assert len(frames["btcusdt@depth5@100ms"]) == 20
    assert len(frames["ethusdt@depth10"]) == 2
    assert all(len(d["bids"]) == len(d["asks"]) == 10 for d in frames["ethusdt@depth10"])


def test_numbers_use_binance_decimal_text(frames: dict[str, list]) -> None:
    k = frames["btcusdt@kline_1m"][-1]["k"]
    for key in "ochlvqVQ":
        whole, _, frac = k[key].partition(".")
        assert whole.isdigit() and len(frac) == 8, k[key]


def test_every_frame_decodes_raw_and_combined(frames: dict[str, list]) -> None:
    decoder = codec.Decoder()
    expected = {
        "aggTrade": AggTrade,
        "trade": Trade,
        "ticker": Ticker,
        "miniTicker": Ticker,
        "bookTicker": BookTicker,
        "arr": Ticker,
        "avgPrice": AvgPrice,
    }
    for stream, items in frames.items():
        kind = expected.get(stream.partition("@")[2], Candle)
        if "@depth" in stream:
            kind = BookLevels
        for data in items:
            raw = orjson.dumps(data)
            combined = orjson.dumps({"stream": stream, "data": data})
            for wire in (raw, combined):
                events = decoder.decode(wire)
                assert events and all(type(e) is kind for e in events), (stream, events)
    assert decoder.errors == {}
    closing = [d for d in frames["btcusdt@kline_1m"] if d["k"]["x"]]
    candle = decoder.decode(orjson.dumps(closing[0]))[0]
    assert candle.closed and (candle.open_time, candle.close_time) == (START, START + 59_999)


def test_rest_bodies_match_fixtures_and_parse() -> None:
    market = Market(["BTCUSDT", "ETHUSDT", "DOGEUSDT"], seed=7, start_time_ms=START)
    market.advance(START + 10_000, wanted={})
    api = RestApi(market, Faults())

    def get(path: str, query: str = "") -> Any:
        reply = api.handle(f"/api/v3/{path}", query)
        assert reply.status == 200, reply.body
        return orjson.loads(reply.body)

    cases = [
        ("ping", "", "rest_ping"),
        ("time", "", "rest_time"),
        ("klines", "symbol=BTCUSDT&interval=1m&limit=3", "rest_klines"),
        ("ticker/24hr", "symbol=BTCUSDT", "rest_ticker_24hr"),
        ("ticker/24hr", "", "rest_ticker_24hr_list"),
        ("ticker/24hr", "symbol=ETHUSDT&type=MINI", "rest_ticker_24hr_mini"),
        ("ticker/price", "symbol=BTCUSDT", "rest_ticker_price"),
        ("ticker/price", "", "rest_ticker_price_list"),
        ("ticker/bookTicker", "symbol=BTCUSDT", "rest_book_ticker"),
        ("avgPrice", "symbol=BTCUSDT", "rest_avg_price"),
        ("aggTrades", "symbol=BTCUSDT&limit=5", "rest_agg_trades"),
        ("trades", "symbol=BTCUSDT&limit=5", "rest_trades"),
        ("depth", "symbol=BTCUSDT&limit=5", "rest_depth"),
        ("exchangeInfo", "", "rest_exchange_info"),
    ]
    for path, query, name in cases:
        body = get(path, query)
        assert_same_shape(body, fixture(name), f"{path}?{query}")

    rows = get("klines", "symbol=BTCUSDT&interval=1m&limit=3")
    candles = [codec.kline_row(r, "BTCUSDT", "1m") for r in rows]
    assert [c.open_time for c in candles] == [START - 120_000, START - 60_000, START]
    ticker = codec.ticker_rest(get("ticker/24hr", "symbol=ETHUSDT"))
    assert ticker.symbol == "ETHUSDT" and ticker.low <= ticker.last <= ticker.high
    assert ticker.bid < ticker.ask
    infos = codec.exchange_info(get("exchangeInfo"))
    assert sorted(infos) == ["BTCUSDT", "DOGEUSDT", "ETHUSDT"]
    assert (infos["BTCUSDT"].price_decimals, infos["BTCUSDT"].qty_decimals) == (2, 5)
    assert (infos["DOGEUSDT"].price_decimals, infos["DOGEUSDT"].qty_decimals) == (5, 0)
    depth = get("depth", "symbol=ETHUSDT&limit=20")
    bids = [float(p) for p, _ in depth["bids"]]
    asks = [float(p) for p, _ in depth["asks"]]
    assert len(bids) == len(asks) == 20 and bids == sorted(bids, reverse=True)
    assert asks == sorted(asks) and bids[0] < asks[0]


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("symbol=NOPEUSDT&interval=1m", "rest_error_invalid_symbol"),
        ("symbol=BTCUSDT&interval=7m", "rest_error_bad_interval"),
        ("interval=1m", "rest_error_missing_param"),
        ("symbol=BTCUSDT&interval=1m&limit=0", "rest_error_invalid_parameter"),
    ],
)
def test_rest_errors_are_binance_bodies(query: str, name: str) -> None:
    api = RestApi(Market(["BTCUSDT"], seed=7, start_time_ms=START), Faults())
    reply = api.handle("/api/v3/klines", query)
    assert reply.status == 400
    assert orjson.loads(reply.body) == fixture(name)
