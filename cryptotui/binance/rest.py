"""Binance REST market-data client (httpx).

All calls share one `WeightBudget`. Failures are sorted the way Binance asks: 429 waits for
`Retry-After` then retries, 418 stops every call until the ban ends, 5xx / timeouts / dropped
connections are retried with capped exponential backoff and jitter, and other 4xx become a
`BinanceError` whose message says what to do (an unknown symbol names the symbol).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

import httpx

from cryptotui.backoff import backoff
from cryptotui.binance import codec
from cryptotui.binance.errors import ExchangeError
from cryptotui.binance.limits import IpBanned, WeightBudget
from cryptotui.binance.tap import Tap
from cryptotui.fmt import safe
from cryptotui.intervals import INTERVALS
from cryptotui.models import AggTrade, Candle, SymbolInfo, Ticker

log = logging.getLogger(__name__)

KLINES_MAX = 1000
API = "/api/v3/"


class BinanceError(ExchangeError):
    """A request Binance refused. `code` is Binance's negative error code (0 when absent)."""

    def __init__(self, status: int, code: int, msg: str, hint: str = "") -> None:
        self.status = status
        self.code = code
        self.msg = msg
        text = f"Binance refused the request (HTTP {status}, code {code}): {msg}"
        super().__init__(f"{text}; {hint}" if hint else text)


class UnknownSymbol(BinanceError):
    def __init__(self, status: int, code: int, msg: str, symbol: str) -> None:
        self.symbol = symbol
        super().__init__(
            status,
            code,
            msg,
            f"{symbol!r} is not a Binance spot symbol — check the spelling "
            "(e.g. BTCUSDT) or search the symbol list with `/` in the app",
        )


class RestUnavailable(ExchangeError):
    """Retries ran out for a transient failure (5xx, timeout, connection refused)."""


def _weight_ticker_24hr(params: dict) -> int:
    if "symbol" in params:
        return 2
    if "symbols" in params:
        n = len(json.loads(params["symbols"]))
        return 2 if n <= 20 else 40 if n <= 100 else 80
    return 80


@dataclass(slots=True)
class RetryPolicy:
    attempts: int = 5
    initial: float = 0.25
    maximum: float = 8.0

    def delay(self, attempt: int) -> float:
        return backoff(attempt, self.initial, self.maximum)


class Rest:
    """Async client for Binance's public `/api/v3` endpoints.

    `base_url` is e.g. `https://api.binance.com` or a sim's `http://127.0.0.1:PORT`.
    """

    def __init__(
        self,
        base_url: str,
        *,
        budget: WeightBudget | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        tap: Tap | None = None,
    ) -> None:
        """`transport` replaces the network (a replay serves a recording's answers); `tap` sees
        every answer's raw body (`cryptotui record`)."""
        self.base_url = base_url.rstrip("/")
        self.tap = tap
        self.budget = budget or WeightBudget()
        self.retry = retry or RetryPolicy()
        self.clock_offset_ms = 0
        """Server time minus local time, from the last `sync_time()`."""
        self.clock_synced = False
        """Whether `sync_time()` has succeeded: until then the offset is a guess (0)."""
        self.clock_rate = 1.0
        """Server ms per local ms: 1 for an exchange, the simulator's `--speed` for its clock
        (a server clock that runs 10× drifts from any offset measured once)."""
        self._synced_at = (0, 0)
        """(server ms, local ms) at the last `sync_time()`."""
        self.requests = 0
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=timeout,
            headers={"User-Agent": "cryptotui"},
            transport=transport,
        )

    async def __aenter__(self) -> Rest:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def get(self, endpoint: str, params: dict | None = None, *, weight: int = 1):
        """GET `/api/v3/<endpoint>` and return the decoded JSON body."""
        params = params or {}
        for attempt in range(self.retry.attempts):
            await self.budget.acquire(weight)
            try:
                resp = await self._client.get(API + endpoint, params=params)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            else:
                self.requests += 1
                if self.tap is not None:
                    self.tap.answer(
                        endpoint, params, resp.status_code, resp.content,
                        resp.headers.get("retry-after"),
                    )  # fmt: skip
                self.budget.observe(resp.headers)
                if resp.status_code == 200:
                    return codec.loads(resp.content)
                retry_after = _retry_after(resp)
                if resp.status_code == 418:
                    self.budget.ban(retry_after or 120.0)
                    raise IpBanned(retry_after or 120.0)
                if resp.status_code == 429:
                    wait = retry_after or 60.0
                    log.warning("Binance said 429 (weight limit); waiting %.0f s as told", wait)
                    self.budget.pause(wait)
                    continue
                if resp.status_code < 500:
                    raise _client_error(resp, params)
                reason = f"HTTP {resp.status_code}"
            if attempt + 1 < self.retry.attempts:
                delay = self.retry.delay(attempt)
                log.info("GET %s failed (%s); retry in %.2f s", endpoint, reason, delay)
                await asyncio.sleep(delay)
        raise RestUnavailable(
            f"{self.base_url}{API}{endpoint} kept failing ({reason}) after "
            f"{self.retry.attempts} tries — check the network or the --rest-url setting"
        )

    # ------------------------------------------------------------------ endpoints

    async def ping(self) -> None:
        await self.get("ping")

    async def server_time(self) -> int:
        return (await self.get("time"))["serverTime"]

    async def sync_time(self) -> int:
        """Estimate server-minus-local clock offset (ms) from the round trip midpoint."""
        before = time.time()
        server = await self.server_time()
        after = time.time()
        local = int((before + after) / 2 * 1000)
        self.clock_offset_ms = server - local
        self._synced_at = (server, local)
        self.clock_synced = True
        return self.clock_offset_ms

    def server_time_at(self, local_ms: int) -> int:
        """The exchange's clock (ms) at local time `local_ms`: from the last `sync_time()`,
        running at `clock_rate` (before any sync: local time)."""
        server, local = self._synced_at
        if not self.clock_synced:
            return local_ms
        return server + round((local_ms - local) * self.clock_rate)

    def server_now(self) -> int | None:
        """The exchange's clock now (ms); None before `sync_time()` first succeeded. "Now" for
        whatever is dated by the exchange's candles (retention, relative ranges): a testnet, a
        replay or a simulator may run on another clock."""
        if not self.clock_synced:
            return None
        return self.server_time_at(int(time.time() * 1000))

    def lag_ms(self, received_ms: int, event_ms: int) -> int:
        """How late an event stamped `event_ms` by the exchange arrived at local time
        `received_ms`, in real ms: measured on the exchange's own clock (the one that stamped
        it), so a simulator running 10× fast is not read as 10× early or late."""
        if not event_ms or self.clock_rate <= 0:
            return 0
        return round((self.server_time_at(received_ms) - event_ms) / self.clock_rate)

    async def exchange_info(self, symbols: Iterable[str] | None = None) -> dict[str, SymbolInfo]:
        params = {}
        if symbols is not None:
            params["symbols"] = json.dumps(sorted(symbols), separators=(",", ":"))
        body = await self.get("exchangeInfo", params, weight=20)
        for limit in body.get("rateLimits", []):
            if limit.get("rateLimitType") == "REQUEST_WEIGHT" and limit.get("interval") == "MINUTE":
                self.budget.limit = int(limit["limit"]) // max(1, int(limit.get("intervalNum", 1)))
        return codec.exchange_info(body)

    async def klines(
        self,
        symbol: str,
        interval: str,
        *,
        start: int | None = None,
        end: int | None = None,
        limit: int = 500,
    ) -> list[Candle]:
        """One page of klines. Rows are marked closed; callers that may reach the still-open
        candle must bound `end` below the live candle's open time (the stream client does)."""
        if interval not in INTERVALS:
            raise ValueError(f"unknown interval {interval!r}; use one of {', '.join(INTERVALS)}")
        params: dict = {"symbol": symbol, "interval": interval, "limit": min(limit, KLINES_MAX)}
        if start is not None:
            params["startTime"] = start
        if end is not None:
            params["endTime"] = end
        rows = await self.get("klines", params, weight=2)
        return [codec.kline_row(r, symbol, interval) for r in rows]

    async def klines_range(
        self, symbol: str, interval: str, start: int, end: int | None = None
    ) -> AsyncIterator[list[Candle]]:
        """Page through [start, end] in chunks of 1000, oldest first."""
        while True:
            page = await self.klines(symbol, interval, start=start, end=end, limit=KLINES_MAX)
            if page:
                yield page
            if len(page) < KLINES_MAX:
                return
            start = page[-1].open_time + 1

    async def agg_trades(
        self, symbol: str, *, from_id: int | None = None, limit: int = 1000
    ) -> list[AggTrade]:
        """aggTrades from `from_id` on (oldest first), or the most recent ones."""
        params: dict = {"symbol": symbol, "limit": min(limit, 1000)}
        if from_id is not None:
            params["fromId"] = from_id
        rows = await self.get("aggTrades", params, weight=4)
        return [codec.agg_trade_rest(r, symbol) for r in rows]

    async def tickers_24h(self, symbols: Iterable[str] | None = None) -> list[Ticker]:
        params = {}
        if symbols is not None:
            params["symbols"] = json.dumps(sorted(symbols), separators=(",", ":"))
        body = await self.get("ticker/24hr", params, weight=_weight_ticker_24hr(params))
        items = body if isinstance(body, list) else [body]
        return [codec.ticker_rest(d) for d in items]

    async def prices(self) -> dict[str, float]:
        """The last price of every listed symbol (`ticker/price`, weight 4): one call values a
        whole portfolio, whatever it holds."""
        body = await self.get("ticker/price", weight=4)
        items = body if isinstance(body, list) else [body]
        return {safe(d["symbol"]): float(d["price"]) for d in items}


def _retry_after(resp: httpx.Response) -> float | None:
    value = resp.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


ERROR_TEXT_MAX = 200
"""Characters of an error body kept for the message (an HTML error page can be kilobytes)."""


def _client_error(resp: httpx.Response, params: dict) -> BinanceError:
    """The refusal as one safe line: `msg` (or the start of a body that is not Binance's JSON)
    is untrusted text, so it loses control characters and line breaks before anyone prints it."""
    try:
        body = resp.json()
        code, msg = int(body.get("code", 0)), str(body.get("msg", ""))
    except (ValueError, AttributeError, TypeError):
        code, msg = 0, resp.text[: 2 * ERROR_TEXT_MAX]
    msg = safe(msg).strip()
    if len(msg) > ERROR_TEXT_MAX:
        msg = msg[: ERROR_TEXT_MAX - 1] + "…"
    if code == -1121:
        symbol = params.get("symbol") or params.get("symbols", "?")
        return UnknownSymbol(resp.status_code, code, msg, symbol)
    if code == -1120:
        return BinanceError(resp.status_code, code, msg, f"use one of {', '.join(INTERVALS)}")
    return BinanceError(resp.status_code, code, msg)
