"""The shared vocabulary: every source produces these, every consumer reads them.

Prices and quantities are floats (parsed once in `binance/codec.py`); times are int ms UTC.
Slots dataclasses keep the hot path cheap: tens of thousands of these are built per second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

# Re-exported: every consumer imports them from here.
from cryptotui.direction import Direction as Direction
from cryptotui.signals import Signal as Signal


@dataclass(slots=True)
class Candle:
    """One kline. `closed` is Binance's `x`: False while the candle is still forming."""

    symbol: str
    interval: str
    open_time: int
    close_time: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    quote_volume: float = 0.0
    trades: int = 0
    taker_buy_volume: float = 0.0
    taker_buy_quote_volume: float = 0.0
    closed: bool = True
    event_time: int = 0
    """Exchange time of the frame that carried it (0 for REST rows)."""


@dataclass(slots=True)
class AggTrade:
    """Trades of one taker order at one price (`<symbol>@aggTrade`, REST `aggTrades`)."""

    symbol: str
    agg_id: int
    price: float
    qty: float
    first_trade_id: int
    last_trade_id: int
    time: int
    buyer_is_maker: bool
    event_time: int = 0

    @property
    def notional(self) -> float:
        return self.price * self.qty


@dataclass(slots=True)
class Trade:
    """A single trade (`<symbol>@trade`, REST `trades`)."""

    symbol: str
    trade_id: int
    price: float
    qty: float
    time: int
    buyer_is_maker: bool
    event_time: int = 0


@dataclass(slots=True)
class Ticker:
    """Rolling-window statistics of one symbol.

    Built from the 24 h ticker, the mini ticker (no bid/ask/count: those stay 0) and the
    rolling-window tickers (`window` "1h"/"4h"/"1d"). Mini tickers carry no change percent, so
    `change_pct` is always derived from open and last price.
    """

    symbol: str
    event_time: int
    last: float
    open: float
    high: float
    low: float
    volume: float
    quote_volume: float
    window: str = "24h"
    bid: float = 0.0
    ask: float = 0.0
    trades: int = 0

    @property
    def change_pct(self) -> float:
        return (self.last - self.open) / self.open * 100.0 if self.open else 0.0


@dataclass(slots=True)
class BookTicker:
    """Best bid/ask (`<symbol>@bookTicker`: no event type and no event time on the wire)."""

    symbol: str
    update_id: int
    bid: float
    bid_qty: float
    ask: float
    ask_qty: float

    @property
    def spread(self) -> float:
        return self.ask - self.bid


@dataclass(slots=True)
class AvgPrice:
    """Exchange's average price over `interval` (`<symbol>@avgPrice`, REST `avgPrice`)."""

    symbol: str
    event_time: int
    interval: str
    price: float
    last_trade_time: int


@dataclass(slots=True)
class BookLevels:
    """Top-of-book levels: partial depth stream (`depth<N>`) or REST `depth`."""

    symbol: str
    last_update_id: int
    bids: list[tuple[float, float]]
    asks: list[tuple[float, float]]


@dataclass(slots=True)
class DepthUpdate:
    """A diff-depth event (`<symbol>@depth`): quantities are absolute, 0 removes the level."""

    symbol: str
    event_time: int
    first_update_id: int
    final_update_id: int
    bids: list[tuple[float, float]]
    asks: list[tuple[float, float]]


@dataclass(slots=True)
class ServerShutdown:
    """The server is about to close this connection (`serverShutdown`): reconnect now."""

    event_time: int


@dataclass(slots=True)
class ControlReply:
    """Answer to a SUBSCRIBE/UNSUBSCRIBE/LIST_SUBSCRIPTIONS/…/GET_PROPERTY request."""

    id: int | str | None
    result: object


@dataclass(slots=True)
class ControlError:
    """Error reply to a control request (`{"error":{"code","msg"},"id"}`, small positive codes)."""

    id: int | str | None
    code: int
    msg: str


Event = (
    Candle
    | AggTrade
    | Trade
    | Ticker
    | BookTicker
    | AvgPrice
    | BookLevels
    | DepthUpdate
    | ServerShutdown
    | ControlReply
    | ControlError
)


@dataclass(slots=True, frozen=True)
class SymbolInfo:
    """What exchangeInfo tells about one symbol that an analysis app needs."""

    symbol: str
    status: str
    base_asset: str
    quote_asset: str
    tick_size: float
    step_size: float
    price_decimals: int
    qty_decimals: int

    @property
    def trading(self) -> bool:
        return self.status == "TRADING"


class ConnState(StrEnum):
    CONNECTING = "connecting"
    OPEN = "open"
    BACKOFF = "backoff"
    CLOSED = "closed"


@dataclass(slots=True)
class ConnectionStatus:
    """Published by the stream client whenever a connection changes state (for status bars)."""

    conn_id: int
    state: ConnState
    streams: int
    attempt: int = 0
    reason: str = ""
    retry_in: float = 0.0


@dataclass(slots=True)
class GapFill:
    """The stream client fetched `count` missed closed candles from REST after a gap."""

    symbol: str
    interval: str
    count: int
    holes: int = 0
    """Candles the exchange confirmed it does not have (REST returned nothing for them)."""


@dataclass(slots=True)
class Notice:
    """One clear line for the user: what happened and what to do."""

    level: str
    text: str
    kind: str = field(default="")


@dataclass(slots=True, kw_only=True)
class Alert:
    """What reaches the user: a scored signal above threshold, or a user rule that fired.

    Keyword-only: ten fields, several of the same type, are too easy to misplace by position."""

    time: int
    symbol: str
    interval: str | None
    kind: str
    """'pattern' (a detector's signal) or 'rule' (a user rule from the config)."""
    name: str
    direction: Direction
    confidence: float
    price: float
    factors: dict[str, float]
    message: str
    rule: str = ""
    span_start: int = 0
    span_end: int = 0
    """Open of the first and close of the last candle the pattern covers (0: a rule or trade)."""
    received_ns: int = 0
    """Monotonic ns when the triggering frame arrived (latency measurement)."""

    def to_json(self) -> dict:
        """The JSONL record: exactly these keys, documented in the README."""
        return {
            "time": self.time,
            "symbol": self.symbol,
            "interval": self.interval,
            "kind": self.kind,
            "name": self.name,
            "direction": str(self.direction),
            "confidence": round(self.confidence, 4),
            "price": self.price,
            "factors": self.factors,
            "message": self.message,
        }
