"""Binance JSON for the simulator's objects: same keys, same key order, same JSON types.

Decimals are strings with 8 fractional digits (live spot format), times and ids are ints. The
functions return plain dicts/lists; the server serialises each frame once with msgspec.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptotui.models import AggTrade, BookTicker, Trade
from cryptotui.sim.bars import Bar, fmt
from cryptotui.sim.symbols import SymbolSpec


@dataclass(slots=True)
class Stats24h:
    """Rolling 24 h statistics of one symbol, the source of every ticker shape."""

    symbol: str
    open_time: int
    close_time: int
    prev_close: float
    open: float
    high: float
    low: float
    last: float
    last_qty: float
    volume: float
    quote_volume: float
    first_id: int
    last_id: int
    count: int
    book: BookTicker

    @property
    def change(self) -> float:
        return self.last - self.open

    @property
    def change_pct(self) -> str:
        return f"{self.change / self.open * 100.0:.3f}" if self.open else "0.000"

    @property
    def weighted_avg(self) -> float:
        return self.quote_volume / self.volume if self.volume else self.last


# --------------------------------------------------------------------------- stream events


def kline_event(symbol: str, interval: str, bar: Bar, closed: bool, event_time: int) -> dict:
    return {
        "e": "kline",
        "E": event_time,
        "s": symbol,
        "k": {
            "t": bar.open_time,
            "T": bar.close_time,
            "s": symbol,
            "i": interval,
            "f": bar.first_id,
            "L": bar.last_id,
            "o": fmt(bar.open),
            "c": fmt(bar.close),
            "h": fmt(bar.high),
            "l": fmt(bar.low),
            "v": fmt(bar.volume),
            "n": bar.trades,
            "x": closed,
            "q": fmt(bar.quote_volume),
            "V": fmt(bar.taker_volume),
            "Q": fmt(bar.taker_quote),
            "B": "0",
        },
    }


def agg_trade_event(t: AggTrade) -> dict:
    # Binance's key order: the event header, then the REST record's fields.
    return {"e": "aggTrade", "E": t.event_time, "s": t.symbol, **agg_trade_rest(t)}


def trade_event(t: Trade) -> dict:
    return {
        "e": "trade",
        "E": t.event_time,
        "s": t.symbol,
        "t": t.trade_id,
        "p": fmt(t.price),
        "q": fmt(t.qty),
        "T": t.time,
        "m": t.buyer_is_maker,
        "M": True,
    }


def book_ticker_event(b: BookTicker) -> dict:
    return {
        "u": b.update_id,
        "s": b.symbol,
        "b": fmt(b.bid),
        "B": fmt(b.bid_qty),
        "a": fmt(b.ask),
        "A": fmt(b.ask_qty),
    }


def ticker_event(s: Stats24h, event_time: int) -> dict:
    return {
        "e": "24hrTicker",
        "E": event_time,
        "s": s.symbol,
        "p": fmt(s.change),
        "P": s.change_pct,
        "w": fmt(s.weighted_avg),
        "x": fmt(s.prev_close),
        "c": fmt(s.last),
        "Q": fmt(s.last_qty),
        "b": fmt(s.book.bid),
        "B": fmt(s.book.bid_qty),
        "a": fmt(s.book.ask),
        "A": fmt(s.book.ask_qty),
        "o": fmt(s.open),
        "h": fmt(s.high),
        "l": fmt(s.low),
        "v": fmt(s.volume),
        "q": fmt(s.quote_volume),
        "O": s.open_time,
        "C": s.close_time,
        "F": s.first_id,
        "L": s.last_id,
        "n": s.count,
    }


def mini_ticker_event(s: Stats24h, event_time: int) -> dict:
    return {
        "e": "24hrMiniTicker",
        "E": event_time,
        "s": s.symbol,
        "c": fmt(s.last),
        "o": fmt(s.open),
        "h": fmt(s.high),
        "l": fmt(s.low),
        "v": fmt(s.volume),
        "q": fmt(s.quote_volume),
    }


def avg_price_event(symbol: str, price: float, last_trade_time: int, event_time: int) -> dict:
    return {
        "e": "avgPrice",
        "E": event_time,
        "s": symbol,
        "i": "5m",
        "w": fmt(price),
        "T": last_trade_time,
    }


def depth_partial(last_update_id: int, bids: list, asks: list) -> dict:
    """`<symbol>@depth<N>` payload; also the REST `depth` body (same shape)."""
    return {
        "lastUpdateId": last_update_id,
        "bids": [[fmt(p), fmt(q)] for p, q in bids],
        "asks": [[fmt(p), fmt(q)] for p, q in asks],
    }


def server_shutdown_event(event_time: int) -> dict:
    return {"e": "serverShutdown", "E": event_time}


# --------------------------------------------------------------------------- REST bodies


def ticker_rest(s: Stats24h, mini: bool = False) -> dict:
    if mini:
        return {
            "symbol": s.symbol,
            "openPrice": fmt(s.open),
            "highPrice": fmt(s.high),
            "lowPrice": fmt(s.low),
            "lastPrice": fmt(s.last),
            "volume": fmt(s.volume),
            "quoteVolume": fmt(s.quote_volume),
            "openTime": s.open_time,
            "closeTime": s.close_time,
            "firstId": s.first_id,
            "lastId": s.last_id,
            "count": s.count,
        }
    return {
        "symbol": s.symbol,
        "priceChange": fmt(s.change),
        "priceChangePercent": s.change_pct,
        "weightedAvgPrice": fmt(s.weighted_avg),
        "prevClosePrice": fmt(s.prev_close),
        "lastPrice": fmt(s.last),
        "lastQty": fmt(s.last_qty),
        "bidPrice": fmt(s.book.bid),
        "bidQty": fmt(s.book.bid_qty),
        "askPrice": fmt(s.book.ask),
        "askQty": fmt(s.book.ask_qty),
        "openPrice": fmt(s.open),
        "highPrice": fmt(s.high),
        "lowPrice": fmt(s.low),
        "volume": fmt(s.volume),
        "quoteVolume": fmt(s.quote_volume),
        "openTime": s.open_time,
        "closeTime": s.close_time,
        "firstId": s.first_id,
        "lastId": s.last_id,
        "count": s.count,
    }


def price_rest(symbol: str, price: float) -> dict:
    return {"symbol": symbol, "price": fmt(price)}


def book_ticker_rest(b: BookTicker) -> dict:
    return {
        "symbol": b.symbol,
        "bidPrice": fmt(b.bid),
        "bidQty": fmt(b.bid_qty),
        "askPrice": fmt(b.ask),
        "askQty": fmt(b.ask_qty),
    }


def agg_trade_rest(t: AggTrade) -> dict:
    return {
        "a": t.agg_id,
        "p": fmt(t.price),
        "q": fmt(t.qty),
        "f": t.first_trade_id,
        "l": t.last_trade_id,
        "T": t.time,
        "m": t.buyer_is_maker,
        "M": True,
    }


def trade_rest(t: Trade) -> dict:
    return {
        "id": t.trade_id,
        "price": fmt(t.price),
        "qty": fmt(t.qty),
        "quoteQty": fmt(t.price * t.qty),
        "time": t.time,
        "isBuyerMaker": t.buyer_is_maker,
        "isBestMatch": True,
    }


def error(code: int, msg: str) -> dict:
    return {"code": code, "msg": msg}


_ORDER_TYPES = [
    "LIMIT",
    "LIMIT_MAKER",
    "MARKET",
    "STOP_LOSS",
    "STOP_LOSS_LIMIT",
    "TAKE_PROFIT",
    "TAKE_PROFIT_LIMIT",
]


def symbol_info(spec: SymbolSpec) -> dict[str, Any]:
    big = spec.price >= 1.0
    max_qty = 9_000.0 if spec.step < 1.0 else 9_000_000.0
    return {
        "symbol": spec.symbol,
        "status": "TRADING",
        "baseAsset": spec.base,
        "baseAssetPrecision": 8,
        "quoteAsset": spec.quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "baseCommissionPrecision": 8,
        "quoteCommissionPrecision": 8,
        "orderTypes": list(_ORDER_TYPES),
        "icebergAllowed": True,
        "ocoAllowed": True,
        "otoAllowed": True,
        "opoAllowed": True,
        "quoteOrderQtyMarketAllowed": True,
        "allowTrailingStop": True,
        "cancelReplaceAllowed": True,
        "amendAllowed": True,
        "pegInstructionsAllowed": True,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": True,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": fmt(spec.tick),
                "maxPrice": fmt(1_000_000.0 if big else 1_000.0),
                "tickSize": fmt(spec.tick),
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": fmt(spec.step),
                "maxQty": fmt(max_qty),
                "stepSize": fmt(spec.step),
            },
            {"filterType": "ICEBERG_PARTS", "limit": 100},
            {
                "filterType": "MARKET_LOT_SIZE",
                "minQty": fmt(0.0),
                "maxQty": fmt(max_qty / 100),
                "stepSize": fmt(0.0),
            },
            {
                "filterType": "TRAILING_DELTA",
                "minTrailingAboveDelta": 10,
                "maxTrailingAboveDelta": 2000,
                "minTrailingBelowDelta": 10,
                "maxTrailingBelowDelta": 2000,
            },
            {
                "filterType": "PERCENT_PRICE_BY_SIDE",
                "bidMultiplierUp": "5",
                "bidMultiplierDown": "0.2",
                "askMultiplierUp": "5",
                "askMultiplierDown": "0.2",
                "avgPriceMins": 5,
            },
            {
                "filterType": "NOTIONAL",
                "minNotional": fmt(5.0),
                "applyMinToMarket": True,
                "maxNotional": fmt(9_000_000.0),
                "applyMaxToMarket": False,
                "avgPriceMins": 5,
            },
            {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200},
            {"filterType": "MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": 5},
        ],
        "permissions": [],
        "permissionSets": [["SPOT", "MARGIN"]],
        "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
        "allowedSelfTradePreventionModes": [
            "EXPIRE_TAKER",
            "EXPIRE_MAKER",
            "EXPIRE_BOTH",
            "DECREMENT",
        ],
    }


def exchange_info(specs: list[SymbolSpec], server_time: int, weight_limit: int) -> dict:
    return {
        "timezone": "UTC",
        "serverTime": server_time,
        "rateLimits": [
            {
                "rateLimitType": "REQUEST_WEIGHT",
                "interval": "MINUTE",
                "intervalNum": 1,
                "limit": weight_limit,
            },
            {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100},
            {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 200000},
            {
                "rateLimitType": "RAW_REQUESTS",
                "interval": "MINUTE",
                "intervalNum": 5,
                "limit": 300000,
            },
        ],
        "exchangeFilters": [],
        "symbols": [symbol_info(s) for s in specs],
    }
