"""The codec against every Binance fixture: same keys, same JSON types, exact values."""

from __future__ import annotations

import json

import pytest

from cryptotui.binance import codec
from cryptotui.models import (
    AggTrade,
    AvgPrice,
    BookLevels,
    BookTicker,
    Candle,
    ControlError,
    ControlReply,
    DepthUpdate,
    ServerShutdown,
    Ticker,
    Trade,
)
from tests.conftest import FIXTURES, fixture_json, fixture_text


def decode_one(name: str):
    dec = codec.Decoder()
    events = dec.decode(fixture_text(name))
    assert not dec.errors, dec.errors
    assert len(events) == 1
    return events[0]


def test_kline_open_candle_fields():
    c = decode_one("ws_kline.json")
    assert isinstance(c, Candle)
    assert (c.symbol, c.interval, c.open_time, c.close_time) == (
        "BNBBTC",
        "1m",
        1672515780000,
        1672515839999,
    )
    assert (c.open, c.high, c.low, c.close) == (0.0010, 0.0025, 0.0015, 0.0020)
    assert (c.volume, c.quote_volume, c.trades) == (1000.0, 1.0, 100)
    assert (c.taker_buy_volume, c.taker_buy_quote_volume) == (500.0, 0.5)
    assert c.closed is False
    assert c.event_time == 1672515782136


def test_kline_closed_and_no_trade_candles():
    closed = decode_one("ws_kline_closed.json")
    assert closed.closed is True
    assert closed.close_time == closed.open_time + 60_000 - 1
    empty = decode_one("ws_kline_no_trades.json")
    assert empty.closed and empty.trades == 0 and empty.volume == 0.0
    assert empty.open == empty.high == empty.low == empty.close == 1870.76


def test_kline_without_ignore_field_still_decodes():
    raw = fixture_json("ws_kline_no_trades.json")
    del raw["k"]["B"]
    assert codec.Decoder().decode(json.dumps(raw))[0].interval == "1s"


def test_combined_kline_unwraps():
    c = decode_one("ws_combined_kline.json")
    wrapper = fixture_json("ws_combined_kline.json")
    assert isinstance(c, Candle)
    assert wrapper["stream"] == f"{c.symbol.lower()}@kline_{c.interval}"


def test_trades():
    a = decode_one("ws_agg_trade.json")
    assert isinstance(a, AggTrade)
    raw = fixture_json("ws_agg_trade.json")
    assert a.agg_id == raw["a"] and a.price == float(raw["p"]) and a.qty == float(raw["q"])
    assert a.notional == pytest.approx(float(raw["p"]) * float(raw["q"]))
    assert a.buyer_is_maker is raw["m"] and a.time == raw["T"]
    t = decode_one("ws_trade.json")
    assert isinstance(t, Trade) and t.trade_id == fixture_json("ws_trade.json")["t"]


def test_tickers():
    full = decode_one("ws_ticker_24hr.json")
    raw = fixture_json("ws_ticker_24hr.json")
    assert isinstance(full, Ticker) and full.window == "24h"
    assert full.last == float(raw["c"]) and full.bid == float(raw["b"]) and full.trades == raw["n"]
    assert full.change_pct == pytest.approx(
        (float(raw["c"]) - float(raw["o"])) / float(raw["o"]) * 100
    )
    mini = decode_one("ws_mini_ticker.json")
    assert isinstance(mini, Ticker) and mini.bid == 0.0
    rolling = decode_one("ws_rolling_ticker_1h.json")
    assert (
        rolling.window == "1h" and rolling.trades == fixture_json("ws_rolling_ticker_1h.json")["n"]
    )


@pytest.mark.parametrize("name", ["ws_mini_ticker_arr.json", "ws_combined_mini_ticker_arr.json"])
def test_mini_ticker_array_gives_one_event_per_symbol(name):
    dec = codec.Decoder()
    events = dec.decode(fixture_text(name))
    raw = fixture_json(name)
    items = raw["data"] if isinstance(raw, dict) else raw
    assert [e.symbol for e in events] == [i["s"] for i in items]
    assert all(isinstance(e, Ticker) for e in events)
    assert not dec.errors


def test_book_ticker_has_no_event_type():
    b = decode_one("ws_book_ticker.json")
    assert isinstance(b, BookTicker)
    assert (b.symbol, b.update_id) == ("BNBUSDT", 400900217)
    assert b.spread == pytest.approx(25.3652 - 25.3519)


def test_partial_depth_takes_symbol_from_stream_name():
    dec = codec.Decoder()
    wrapped = json.dumps({"stream": "bnbbtc@depth5", "data": fixture_json("ws_depth_partial.json")})
    (levels,) = dec.decode(wrapped)
    assert isinstance(levels, BookLevels)
    assert levels.symbol == "BNBBTC" and levels.bids == [(0.0024, 10.0)]


def test_depth_update_avg_price_and_shutdown():
    d = decode_one("ws_depth_update.json")
    assert isinstance(d, DepthUpdate) and d.first_update_id <= d.final_update_id
    assert isinstance(decode_one("ws_avg_price.json"), AvgPrice)
    assert isinstance(decode_one("ws_server_shutdown.json"), ServerShutdown)
    assert isinstance(decode_one("ws_combined_server_shutdown.json"), ServerShutdown)


@pytest.mark.parametrize(
    ("name", "result"),
    [
        ("ws_subscribe_reply.json", None),
        ("ws_unsubscribe_reply.json", None),
        ("ws_set_property_reply.json", None),
        ("ws_get_property_reply.json", True),
    ],
)
def test_control_replies(name, result):
    reply = decode_one(name)
    assert isinstance(reply, ControlReply)
    assert reply.id == fixture_json(name)["id"] and reply.result == result


def test_list_subscriptions_reply_keeps_the_list():
    reply = decode_one("ws_list_subscriptions_reply.json")
    assert reply.result == fixture_json("ws_list_subscriptions_reply.json")["result"]


@pytest.mark.parametrize(
    "name",
    ["ws_error_invalid_stream.json", "ws_error_missing_method.json", "ws_error_invalid_json.json"],
)
def test_control_errors(name):
    err = decode_one(name)
    raw = fixture_json(name)
    assert isinstance(err, ControlError)
    assert (err.id, err.code, err.msg) == (raw["id"], raw["error"]["code"], raw["error"]["msg"])


def test_every_ws_fixture_decodes_without_errors():
    """Requests are what we send, not what we receive; every other ws_ fixture must decode."""
    names = sorted(p.name for p in FIXTURES.glob("ws_*.json") if "_request" not in p.name)
    assert len(names) > 20
    for name in names:
        dec = codec.Decoder()
        events = dec.decode(fixture_text(name))
        assert events and not dec.errors, name


def test_malformed_and_unknown_frames_are_counted_not_raised(caplog):
    dec = codec.Decoder()
    for raw in ["{not json", "{not json either", '{"e":"mystery","E":1}', "42", '{"e":"kline"}']:
        assert dec.decode(raw) == []
    assert dec.errors["malformed JSON"] == 2
    assert dec.errors["unknown event 'mystery'"] == 1
    assert dec.errors["not an object"] == 1
    assert dec.errors["bad field"] == 1
    # logged once per kind, not once per frame
    assert sum("malformed JSON" in r.getMessage() for r in caplog.records) == 1


def test_rest_klines_rows():
    rows = fixture_json("rest_klines.json")
    candles = [codec.kline_row(r, "BTCUSDT", "1m") for r in rows]
    assert [c.open_time for c in candles] == [r[0] for r in rows]
    assert all(c.close_time == c.open_time + 59_999 for c in candles)
    assert candles[0].close == float(rows[0][4]) and candles[0].trades == rows[0][8]
    doc = codec.kline_row(fixture_json("rest_klines_doc_row.json")[0], "X", "1m")
    assert doc.taker_buy_quote_volume == float(fixture_json("rest_klines_doc_row.json")[0][10])


def test_rest_tickers_full_and_mini():
    full = codec.ticker_rest(fixture_json("rest_ticker_24hr.json"))
    assert full.bid == float(fixture_json("rest_ticker_24hr.json")["bidPrice"])
    listed = [codec.ticker_rest(d) for d in fixture_json("rest_ticker_24hr_list.json")]
    assert len(listed) == 2
    mini = codec.ticker_rest(fixture_json("rest_ticker_24hr_mini.json"))
    assert mini.bid == 0.0 and mini.last == float(
        fixture_json("rest_ticker_24hr_mini.json")["lastPrice"]
    )


def test_rest_agg_trades():
    trades = [codec.agg_trade_rest(d, "BTCUSDT") for d in fixture_json("rest_agg_trades.json")]
    assert trades and trades[0].agg_id == fixture_json("rest_agg_trades.json")[0]["a"]


def test_exchange_info_tick_and_step_decimals():
    info = codec.exchange_info(fixture_json("rest_exchange_info.json"))
    assert set(info) == {"BTCUSDT", "ETHUSDT", "DOGEUSDT"}
    btc = info["BTCUSDT"]
    assert btc.trading and btc.base_asset == "BTC" and btc.quote_asset == "USDT"
    assert btc.price_decimals == 2 and btc.tick_size == 0.01
    assert info["DOGEUSDT"].price_decimals >= 5


def test_exchange_text_is_made_safe_where_it_enters():
    """Symbols, statuses and messages from the exchange lose escape sequences, bells, bidi
    controls and line breaks in the codec, before any consumer sees them."""
    hostile = "EVIL\x1b[2J\x07\u202eUSDT"
    frame = json.loads(fixture_text("ws_kline.json"))
    frame["k"]["s"] = frame["s"] = hostile
    (candle,) = codec.Decoder().decode(json.dumps(frame))
    assert candle.symbol == "EVIL[2JUSDT"
    error = {"error": {"code": 2, "msg": "bad\n\x1b]0;title\x07stream\u2066"}, "id": 1}
    (reply,) = codec.Decoder().decode(json.dumps(error))
    assert reply.msg == "bad ]0;titlestream"
    info = fixture_json("rest_exchange_info.json")
    info["symbols"][0] |= {"symbol": hostile, "status": "TRADING\r\nX", "baseAsset": "\x1bB"}
    (first, *_) = codec.exchange_info(info).values()
    assert (first.symbol, first.status, first.base_asset) == ("EVIL[2JUSDT", "TRADING X", "B")
