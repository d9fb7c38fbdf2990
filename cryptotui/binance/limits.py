"""Client-side limits that keep us out of Binance's bans.

Binance counts REST request weight per IP per minute and bans IPs that keep going after a 429.
Every REST call in the process (gap-fill, backfill, tickers) shares one `WeightBudget`, so no
caller can spend weight another caller is counting on. WebSocket connection attempts are
limited per IP too (300 per 5 minutes): `AttemptLimiter` keeps a reconnect storm under it.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping

from cryptotui.binance.errors import ExchangeError

WEIGHT_HEADER_PREFIX = "x-mbx-used-weight-"


class IpBanned(ExchangeError):
    """HTTP 418: Binance banned this IP for continuing after 429s. All REST stops until `until`."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(
            f"Binance banned this IP for {retry_after:.0f} s after too many requests (HTTP 418); "
            "REST calls are paused until then — close other Binance clients on this network"
        )


class WeightBudget:
    """Tracks `X-MBX-USED-WEIGHT-1M` and makes callers wait before the per-minute limit.

    `acquire(weight)` sleeps until the next minute window when the request would push the
    estimated usage past `soft_ratio` of the limit; `pause(seconds)` holds every caller (a 429's
    Retry-After) and then lets them go one by one, `spacing` seconds apart plus jitter, so the
    queued requests do not hit the server in the same millisecond again; `ban(seconds)` makes
    every caller fail fast with `IpBanned` (a 418).
    """

    def __init__(
        self,
        limit: int = 6000,
        *,
        soft_ratio: float = 0.8,
        spacing: float = 0.2,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.limit = limit
        self.soft_ratio = soft_ratio
        self.spacing = spacing
        self.used = 0
        self._clock = clock
        self._sleep = sleep
        self._window = self._minute()
        self._paused_until = 0.0
        self._turns = 0
        """Callers queued behind the current pause: each waits `spacing` longer than the last."""
        self._banned_until = 0.0
        self.waited = 0.0
        """Seconds callers spent waiting for the budget (shown in the health view)."""

    def _minute(self) -> int:
        return math.floor(self._clock() / 60)

    def _roll(self) -> None:
        minute = self._minute()
        if minute != self._window:
            self._window = minute
            self.used = 0

    @property
    def soft_limit(self) -> int:
        return int(self.limit * self.soft_ratio)

    def banned_for(self) -> float:
        return max(0.0, self._banned_until - self._clock())

    async def acquire(self, weight: int) -> None:
        while True:
            if (left := self.banned_for()) > 0:
                raise IpBanned(left)
            now = self._clock()
            if now < self._paused_until:
                turn, self._turns = self._turns, self._turns + 1
                jitter = random.uniform(0, self.spacing / 2)
                await self._wait(self._paused_until - now + turn * self.spacing + jitter)
                continue
            self._roll()
            if self.used + weight <= self.soft_limit or self.used == 0:
                self.used += weight
                return
            await self._wait((self._window + 1) * 60 - now + 0.05)

    async def _wait(self, seconds: float) -> None:
        self.waited += seconds
        await self._sleep(seconds)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Adopt the server's count: it also includes other clients on the same IP."""
        for key, value in headers.items():
            if key.lower() == WEIGHT_HEADER_PREFIX + "1m":
                self._roll()
                try:
                    self.used = int(value)
                except ValueError:
                    return

    def pause(self, seconds: float) -> None:
        now = self._clock()
        if now >= self._paused_until:  # a new pause: its queue starts afresh
            self._turns = 0
        self._paused_until = max(self._paused_until, now + seconds)

    def ban(self, seconds: float) -> None:
        self._banned_until = max(self._banned_until, self._clock() + seconds)


class AttemptLimiter:
    """At most `limit` connection attempts in any sliding `window` seconds (Binance: 300/5 min)."""

    def __init__(
        self,
        limit: int = 300,
        window: float = 300.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._times: deque[float] = deque()

    def delay(self) -> float:
        """Seconds to wait before the next attempt may start (0 when it may start now)."""
        now = self._clock()
        while self._times and now - self._times[0] >= self.window:
            self._times.popleft()
        if len(self._times) < self.limit:
            return 0.0
        return self.window - (now - self._times[0])

    async def wait(self) -> None:
        while (d := self.delay()) > 0:
            await asyncio.sleep(d)
        self._times.append(self._clock())
