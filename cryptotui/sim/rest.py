"""The `/api/v3/` market-data endpoints: parameters, weights, limits and error bodies as Binance.

Independent of the HTTP plumbing: `RestApi.handle(path, query)` returns an `HttpReply`; the
server turns it into a response. Weight is counted per 1-minute wall-clock window (Binance resets
on minute boundaries); going over the limit gives 429 with Retry-After up to the window end, and
any request during that 429 period earns a ban (418), 2 minutes at first, doubling per repeat.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from cryptotui.binance.codec import encode
from cryptotui.sim import wire
from cryptotui.sim.bars import INTERVALS
from cryptotui.sim.faults import Faults
from cryptotui.sim.market import SYMBOL_RE, Market, split_trades

JSON_TYPE = "application/json;charset=UTF-8"
BAN_SECONDS = 120.0
MAX_BAN_SECONDS = 3 * 86_400.0

_SYMBOL_RANGE = "^[A-Z0-9-_.]{1,20}$"
_SYMBOLS_RANGE = '^\\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}){0,1}\\]$'


@dataclass(slots=True)
class HttpReply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class ApiError(Exception):
    def __init__(self, code: int, msg: str, status: int = 400) -> None:
        super().__init__(msg)
        self.code, self.msg, self.status = code, msg, status


def _missing(name: str) -> ApiError:
    return ApiError(
        -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
    )


def _illegal(name: str, legal: str) -> ApiError:
    return ApiError(
        -1100, f"Illegal characters found in parameter '{name}'; legal range is '{legal}'."
    )


class WeightMeter:
    """REQUEST_WEIGHT per minute for the (single, loopback) client IP."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.time) -> None:
        self.limit = limit
        self.clock = clock
        self.used = 0
        self._window = -1
        self._limited = False
        self._ban_until = 0.0
        self._ban_seconds = BAN_SECONDS

    def charge(self, weight: int) -> tuple[int, float]:
        """Count `weight`; return (200 | 429 | 418, Retry-After seconds)."""
        now = self.clock()
        window = int(now // 60)
        if window != self._window:
            self._window, self.used, self._limited = window, 0, False
        self.used += weight
        if now < self._ban_until:
            return 418, self._ban_until - now
        if self._limited:
            self._ban_until = now + self._ban_seconds
            self._ban_seconds = min(self._ban_seconds * 2, MAX_BAN_SECONDS)
            return 418, self._ban_until - now
        if self.used > self.limit:
            self._limited = True
            return 429, (window + 1) * 60 - now
        return 200, 0.0


class RestApi:
    def __init__(self, market: Market, faults: Faults, weight_limit: int = 6000) -> None:
        self.market = market
        self.faults = faults
        self.meter = WeightMeter(weight_limit)
        self._routes: dict[str, tuple[Callable[[dict[str, str]], int], Callable[..., Any]]] = {
            "ping": (lambda p: 1, lambda p: {}),
            "time": (lambda p: 1, lambda p: {"serverTime": self.market.now}),
            "exchangeInfo": (lambda p: 20, self._exchange_info),
            "klines": (lambda p: 2, self._klines),
            "uiKlines": (lambda p: 2, self._klines),
            "ticker/24hr": (self._ticker_weight, self._ticker_24hr),
            "ticker/price": (self._one_or_many_weight, self._ticker_price),
            "ticker/bookTicker": (self._one_or_many_weight, self._book_ticker),
            "avgPrice": (lambda p: 2, self._avg_price),
            "aggTrades": (lambda p: 4, self._agg_trades),
            "trades": (lambda p: 25, self._trades),
            "depth": (self._depth_weight, self._depth),
        }

    # ------------------------------------------------------------------ dispatch

    def handle(self, path: str, query: str) -> HttpReply:
        route = self._routes.get(path.removeprefix("/api/v3/"))
        if route is None or not path.startswith("/api/v3/"):
            return HttpReply(404, b'{"code":-1000,"msg":"Not found."}', self._headers())
        params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        fault = self.faults.take_rest_error()
        if fault is not None and fault.body is not None:
            kind = JSON_TYPE if fault.body.startswith(b"{") else "text/html"
            return HttpReply(fault.status, fault.body, {"Content-Type": kind})
        if fault is not None:
            return self._fault_reply(fault.status, fault.retry_after)
        weight_of, handler = route
        try:
            weight = weight_of(params)
        except ApiError:
            weight = 1
        status, retry_after = self.meter.charge(weight)
        if status != 200:
            return self._fault_reply(status, retry_after)
        try:
            body = handler(params)
        except ApiError as err:
            return HttpReply(err.status, encode(wire.error(err.code, err.msg)), self._headers())
        return HttpReply(200, encode(body), self._headers())

    def _headers(self, retry_after: float | None = None) -> dict[str, str]:
        used = str(self.meter.used)
        headers = {
            "Content-Type": JSON_TYPE,
            "X-MBX-USED-WEIGHT": used,
            "X-MBX-USED-WEIGHT-1M": used,
        }
        if retry_after is not None:
            headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
        return headers

    def _fault_reply(self, status: int, retry_after: float | None) -> HttpReply:
        retry: float | None
        if status == 429:
            body = wire.error(
                -1003,
                f"Too much request weight used; current limit is {self.meter.limit} request weight"
                " per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the"
                " API.",
            )
            retry = 60.0 if retry_after is None else retry_after
        elif status == 418:
            retry = BAN_SECONDS if retry_after is None else retry_after
            until = int((time.time() + retry) * 1000)
            body = wire.error(
                -1003,
                f"Way too much request weight used; IP banned until {until}. Please use WebSocket"
                " Streams for live updates to avoid bans.",
            )
        elif status == 503:
            body = wire.error(
                -1008,
                "Server is currently overloaded with other requests. Please try again in a few"
                " minutes.",
            )
            retry = retry_after
        else:
            body = wire.error(-1000, "An unknown error occurred while processing the request.")
            retry = retry_after
        return HttpReply(status, encode(body), self._headers(retry))

    # ------------------------------------------------------------------ parameters

    def _symbol(self, params: dict[str, str]) -> str:
        value = params.get("symbol")
        if not value:
            raise _missing("symbol")
        if not SYMBOL_RE.fullmatch(value):
            raise _illegal("symbol", _SYMBOL_RANGE)
        if value not in self.market.sims:
            raise ApiError(-1121, "Invalid symbol.")
        return value

    def _symbols(self, params: dict[str, str]) -> list[str] | None:
        """`symbol` / `symbols` → one-element list / list; None when neither was sent."""
        if "symbol" in params and "symbols" in params:
            raise ApiError(-1128, "Combination of optional parameters invalid.")
        if "symbol" in params:
            return [self._symbol(params)]
        raw = params.get("symbols")
        if raw is None:
            return None
        try:
            names = json.loads(raw)
        except json.JSONDecodeError:
            raise _illegal("symbols", _SYMBOLS_RANGE) from None
        if not isinstance(names, list) or not names:
            raise _illegal("symbols", _SYMBOLS_RANGE)
        for name in names:
            if not isinstance(name, str) or not SYMBOL_RE.fullmatch(name):
                raise _illegal("symbols", _SYMBOLS_RANGE)
            if name not in self.market.sims:
                raise ApiError(-1121, "Invalid symbol.")
        if len(set(names)) != len(names):
            raise ApiError(-1151, "Symbol is present multiple times in the list.")
        return names

    @staticmethod
    def _int(params: dict[str, str], name: str) -> int | None:
        value = params.get(name)
        if value is None:
            return None
        if not value.isdigit():
            raise _illegal(name, "^[0-9]{1,20}$")
        return int(value)

    @staticmethod
    def _limit(params: dict[str, str], default: int, maximum: int) -> int:
        value = params.get("limit")
        if value is None:
            return default
        if not value.isdigit() or int(value) < 1:
            raise ApiError(-1130, "Data sent for parameter 'limit' is not valid.")
        return min(int(value), maximum)

    def _count_weight(self, params: dict[str, str]) -> int:
        if "symbol" in params:
            return 1
        raw = params.get("symbols")
        if raw is None:
            return len(self.market.sims)
        try:
            names = json.loads(raw)
        except json.JSONDecodeError:
            raise ApiError(-1100, "bad symbols") from None
        return len(names) if isinstance(names, list) else 1

    def _ticker_weight(self, params: dict[str, str]) -> int:
        if "symbol" in params:
            return 2
        if "symbols" not in params:
            return 80
        n = self._count_weight(params)
        return 2 if n <= 20 else 40 if n <= 100 else 80

    def _one_or_many_weight(self, params: dict[str, str]) -> int:
        return 2 if "symbol" in params else 4

    def _depth_weight(self, params: dict[str, str]) -> int:
        limit = self._limit(params, 100, 5000)
        return 5 if limit <= 100 else 25 if limit <= 500 else 50 if limit <= 1000 else 250

    # ------------------------------------------------------------------ endpoints

    def _exchange_info(self, params: dict[str, str]) -> dict:
        names = self._symbols(params) or list(self.market.specs)
        specs = [self.market.specs[n] for n in names]
        return wire.exchange_info(specs, self.market.now, self.meter.limit)

    def _klines(self, params: dict[str, str]) -> list:
        symbol = self._symbol(params)
        interval = params.get("interval")
        if not interval:
            raise _missing("interval")
        if interval not in INTERVALS:
            raise ApiError(-1120, "Invalid interval.")
        start, end = self._int(params, "startTime"), self._int(params, "endTime")
        if start is not None and end is not None and start > end:
            raise ApiError(-1128, "Combination of optional parameters invalid.")
        limit = self._limit(params, 500, 1000)
        return self.market.klines(symbol, interval, start, end, limit)

    def _each(self, params: dict[str, str], make: Callable[[str], dict]) -> dict | list:
        names = self._symbols(params)
        if names is not None and "symbol" in params:
            return make(names[0])
        return [make(n) for n in (names or self.market.sims)]

    def _ticker_24hr(self, params: dict[str, str]) -> dict | list:
        kind = params.get("type", "FULL")
        if kind not in ("FULL", "MINI"):
            raise ApiError(-1130, "Data sent for parameter 'type' is not valid.")
        now = self.market.now
        return self._each(
            params,
            lambda s: wire.ticker_rest(self.market.sims[s].stats(now), mini=kind == "MINI"),
        )

    def _ticker_price(self, params: dict[str, str]) -> dict | list:
        return self._each(params, lambda s: wire.price_rest(s, self.market.sims[s].last_price))

    def _book_ticker(self, params: dict[str, str]) -> dict | list:
        return self._each(params, lambda s: wire.book_ticker_rest(self.market.sims[s].book))

    def _avg_price(self, params: dict[str, str]) -> dict:
        sim = self.market.sims[self._symbol(params)]
        price, last_time = sim.avg_price(self.market.now)
        return {"mins": 5, "price": wire.fmt(price), "closeTime": last_time}

    def _agg_trades(self, params: dict[str, str]) -> list:
        sim = self.market.sims[self._symbol(params)]
        limit = self._limit(params, 500, 1000)
        from_id = self._int(params, "fromId")
        start, end = self._int(params, "startTime"), self._int(params, "endTime")
        trades = sim.trade_log()
        if from_id is not None:
            trades = [t for t in trades if t.agg_id >= from_id][:limit]
        elif start is not None or end is not None:
            lo, hi = start or 0, end if end is not None else 2**63
            trades = [t for t in trades if lo <= t.time <= hi][:limit]
        else:
            trades = trades[-limit:]
        return [wire.agg_trade_rest(t) for t in trades]

    def _trades(self, params: dict[str, str]) -> list:
        sim = self.market.sims[self._symbol(params)]
        limit = self._limit(params, 500, 1000)
        trades = [x for agg in sim.trade_log() for x in split_trades(agg, sim.spec.step)]
        return [wire.trade_rest(t) for t in trades[-limit:]]

    def _depth(self, params: dict[str, str]) -> dict:
        sim = self.market.sims[self._symbol(params)]
        return wire.depth_partial(*sim.depth(self._limit(params, 100, 5000)))
