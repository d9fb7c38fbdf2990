"""Binance JSON ↔ cryptotui models.

Prices arrive as decimal strings; they are parsed to float here, once, and nowhere else. Text
(symbols, statuses, error messages) is untrusted and passes `fmt.safe` here, once. The
decoder never raises into the receive loop: malformed JSON and unknown event types are counted and
logged once per kind. The JSON library is msgspec, chosen by measurement
(`benchmarks/bench_codec.py`: ~6 % more frames/s than orjson, ~60 % more than stdlib json).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

import msgspec

from cryptotui.fmt import safe
from cryptotui.models import (
    AggTrade,
    AvgPrice,
    BookLevels,
    BookTicker,
    Candle,
    ControlError,
    ControlReply,
    DepthUpdate,
    Event,
    ServerShutdown,
    SymbolInfo,
    Ticker,
    Trade,
)

log = logging.getLogger(__name__)

loads = msgspec.json.Decoder().decode
encode = msgspec.json.Encoder().encode
"""JSON bytes, keys in insertion order (Binance's own order wherever we build payloads)."""


def dumps(obj: Any) -> str:
    return encode(obj).decode()


# ---------------------------------------------------------------------------- stream events


def kline_event(d: dict) -> Candle:
    k = d["k"]
    return Candle(
        safe(k["s"]),
        safe(k["i"]),
        k["t"],
        k["T"],
        float(k["o"]),
        float(k["h"]),
        float(k["l"]),
        float(k["c"]),
        float(k["v"]),
        float(k["q"]),
        k["n"],
        float(k["V"]),
        float(k["Q"]),
        k["x"],
        d["E"],
    )


def agg_trade_event(d: dict) -> AggTrade:
    return AggTrade(
        safe(d["s"]), d["a"], float(d["p"]), float(d["q"]), d["f"], d["l"], d["T"], d["m"], d["E"]
    )


def trade_event(d: dict) -> Trade:
    return Trade(safe(d["s"]), d["t"], float(d["p"]), float(d["q"]), d["T"], d["m"], d["E"])


def mini_ticker_event(d: dict) -> Ticker:
    return Ticker(
        safe(d["s"]),
        d["E"],
        float(d["c"]),
        float(d["o"]),
        float(d["h"]),
        float(d["l"]),
        float(d["v"]),
        float(d["q"]),
    )


def ticker_event(d: dict) -> Ticker:
    return Ticker(
        safe(d["s"]),
        d["E"],
        float(d["c"]),
        float(d["o"]),
        float(d["h"]),
        float(d["l"]),
        float(d["v"]),
        float(d["q"]),
        "24h",
        float(d["b"]),
        float(d["a"]),
        d["n"],
    )


def rolling_ticker_event(d: dict) -> Ticker:
    t = mini_ticker_event(d)
    t.window = d["e"].removesuffix("Ticker")
    t.trades = d["n"]
    return t


def book_ticker_event(d: dict) -> BookTicker:
    return BookTicker(
        safe(d["s"]), d["u"], float(d["b"]), float(d["B"]), float(d["a"]), float(d["A"])
    )


def avg_price_event(d: dict) -> AvgPrice:
    return AvgPrice(safe(d["s"]), d["E"], d["i"], float(d["w"]), d["T"])


def _levels(rows: list) -> list[tuple[float, float]]:
    return [(float(p), float(q)) for p, q in rows]


def depth_update_event(d: dict) -> DepthUpdate:
    return DepthUpdate(safe(d["s"]), d["E"], d["U"], d["u"], _levels(d["b"]), _levels(d["a"]))


def book_levels(d: dict, symbol: str) -> BookLevels:
    return BookLevels(symbol, d["lastUpdateId"], _levels(d["bids"]), _levels(d["asks"]))


def server_shutdown_event(d: dict) -> ServerShutdown:
    return ServerShutdown(d["E"])


_BY_TYPE: dict[str, Callable[[dict], Event]] = {
    "kline": kline_event,
    "aggTrade": agg_trade_event,
    "trade": trade_event,
    "24hrMiniTicker": mini_ticker_event,
    "24hrTicker": ticker_event,
    "1hTicker": rolling_ticker_event,
    "4hTicker": rolling_ticker_event,
    "1dTicker": rolling_ticker_event,
    "avgPrice": avg_price_event,
    "depthUpdate": depth_update_event,
    "serverShutdown": server_shutdown_event,
}


class Decoder:
    """Turns raw WebSocket text frames into events, counting what it cannot use.

    `decode` returns a list because one frame can carry many events (`!miniTicker@arr`).
    Problems are tallied in `errors` by kind and logged the first time each kind is seen.
    """

    __slots__ = ("_loads", "errors", "frames")

    def __init__(self, loads: Callable[[str | bytes], Any] = loads) -> None:
        self._loads = loads
        self.frames = 0
        self.errors: Counter[str] = Counter()

    def ignore(self, kind: str, detail: str) -> list[Event]:
        """Count a frame nobody can use, by kind; log the first of each kind."""
        if kind not in self.errors:
            log.warning("ignored frame (%s): %s; further ones are only counted", kind, detail)
        self.errors[kind] += 1
        return []

    def decode(self, raw: str | bytes) -> list[Event]:
        self.frames += 1
        try:
            msg = self._loads(raw)
        except ValueError as exc:
            return self.ignore("malformed JSON", f"{exc}: {raw[:80]!r}")
        try:
            if isinstance(msg, dict):
                stream = msg.get("stream")
                if stream is not None and "data" in msg:
                    return self._payload(msg["data"], stream)
                return self._payload(msg, "")
            if isinstance(msg, list):
                return self._payload(msg, "")
            return self.ignore("not an object", repr(msg)[:80])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            return self.ignore("bad field", f"{type(exc).__name__} {exc} in {raw[:120]!r}")

    def _payload(self, data: Any, stream: str) -> list[Event]:
        if isinstance(data, list):
            out: list[Event] = []
            for item in data:
                out.extend(self._payload(item, stream))
            return out
        if not isinstance(data, dict):
            return self.ignore("not an object", repr(data)[:80])
        etype = data.get("e")
        if etype is not None:
            fn = _BY_TYPE.get(etype)
            if fn is None:
                return self.ignore(f"unknown event {etype!r}", repr(data)[:80])
            return [fn(data)]
        if "u" in data and "b" in data and "a" in data and "s" in data:
            return [book_ticker_event(data)]
        if "lastUpdateId" in data:
            return [book_levels(data, safe(stream.partition("@")[0].upper()))]
        if "id" in data:
            err = data.get("error")
            if isinstance(err, dict):
                return [ControlError(data["id"], err["code"], safe(str(err["msg"])))]
            return [ControlReply(data["id"], data.get("result"))]
        return self.ignore("unknown payload", repr(data)[:80])


# ---------------------------------------------------------------------------- REST bodies


def kline_row(row: list, symbol: str, interval: str, closed: bool = True) -> Candle:
    """One REST kline row `[t, o, h, l, c, v, T, q, n, V, Q, ignore]`."""
    return Candle(
        symbol,
        interval,
        row[0],
        row[6],
        float(row[1]),
        float(row[2]),
        float(row[3]),
        float(row[4]),
        float(row[5]),
        float(row[7]),
        row[8],
        float(row[9]),
        float(row[10]),
        closed,
    )


def ticker_rest(d: dict) -> Ticker:
    """`ticker/24hr` object, FULL or MINI."""
    return Ticker(
        safe(d["symbol"]),
        d["closeTime"],
        float(d["lastPrice"]),
        float(d["openPrice"]),
        float(d["highPrice"]),
        float(d["lowPrice"]),
        float(d["volume"]),
        float(d["quoteVolume"]),
        "24h",
        float(d.get("bidPrice", 0.0)),
        float(d.get("askPrice", 0.0)),
        d.get("count", 0),
    )


def agg_trade_rest(d: dict, symbol: str) -> AggTrade:
    return AggTrade(
        symbol, d["a"], float(d["p"]), float(d["q"]), d["f"], d["l"], d["T"], d["m"], d["T"]
    )


def _decimals(step: str) -> int:
    frac = step.partition(".")[2].rstrip("0")
    return len(frac)


def symbol_info(d: dict) -> SymbolInfo:
    filters = {f["filterType"]: f for f in d.get("filters", [])}
    tick = filters.get("PRICE_FILTER", {}).get("tickSize", "0.01")
    step = filters.get("LOT_SIZE", {}).get("stepSize", "0.00001")
    return SymbolInfo(
        safe(d["symbol"]),
        safe(d["status"]),
        safe(d["baseAsset"]),
        safe(d["quoteAsset"]),
        float(tick),
        float(step),
        _decimals(tick),
        _decimals(step),
    )


def exchange_info(d: dict) -> dict[str, SymbolInfo]:
    infos = (symbol_info(s) for s in d["symbols"])
    return {info.symbol: info for info in infos}
