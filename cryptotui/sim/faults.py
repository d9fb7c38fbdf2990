"""Fault injection, on demand: the failures a Binance client must survive — dropped, stalled and
refused connections, malformed frames, REST 429/418/5xx, the server's shutdown notice.

Each method arms a fault; the server consults the `take_*`/`count_*` hooks at the matching point
(handshake, REST request, data frame). Faults are one-shot counters or wall-clock deadlines, so a
test arms one, provokes it, and the sim behaves normally afterwards. "Data frame" means a market
data frame; control replies and `serverShutdown` are never affected.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class RestFault:
    status: int
    remaining: int
    retry_after: float | None
    body: bytes | None = None
    """Sent as it is instead of Binance's error JSON (`rest_reply`)."""


class Faults:
    def __init__(self) -> None:
        self._drop_countdown: int | None = None
        self._stall_until = 0.0
        self._malformed = 0
        self._refuse = 0
        self._rest: list[RestFault] = []
        self._foreign = 0
        self._foreign_symbol = ""
        self.shutdown_hook: Callable[[], None] | None = None
        """Set by the server: sends `serverShutdown` to every connection, then closes them."""

    # ------------------------------------------------------------------ arming (tests, CLI)

    def drop_after(self, n: int) -> None:
        """After `n` more data frames (counted over all connections), abort every connection's
        TCP transport: no close frame, like a network cut."""
        if n < 0:
            raise ValueError("n must be >= 0")
        self._drop_countdown = n

    def stall(self, seconds: float) -> None:
        """For `seconds` of wall time send no data frames (they are lost, as in a frozen feed);
        pings, pongs and control replies keep working."""
        self._stall_until = time.monotonic() + seconds

    def malformed(self, n: int) -> None:
        """The next `n` data frames are truncated, i.e. invalid JSON."""
        self._malformed += n

    def refuse_connections(self, n: int) -> None:
        """Reject the next `n` WebSocket handshakes with HTTP 503."""
        self._refuse += n

    def rest_errors(self, status: int, count: int, retry_after: float | None = None) -> None:
        """The next `count` REST requests fail with `status` (429/418 carry Retry-After)."""
        if status not in (418, 429, 500, 502, 503, 504):
            raise ValueError("status must be 418, 429 or 5xx")
        self._rest.append(RestFault(status, count, retry_after))

    def rest_reply(self, status: int, body: bytes, count: int = 1) -> None:
        """The next `count` REST requests get `status` with exactly `body` — a server that is
        not quite Binance: an HTML error page, a message full of control characters."""
        if not 400 <= status <= 599:
            raise ValueError("status must be 4xx or 5xx")
        self._rest.append(RestFault(status, count, None, body))

    def foreign_symbol(self, n: int, symbol: str) -> None:
        """The next `n` kline frames name `symbol` (as `s` and `k.s`) instead of their own, as a
        hostile or confused server might: clients must neither print nor store it raw."""
        self._foreign, self._foreign_symbol = n, symbol

    def server_shutdown(self) -> None:
        """Send `serverShutdown` on every open connection, then close them."""
        if self.shutdown_hook is None:
            raise RuntimeError("server_shutdown needs a running SimExchange")
        self.shutdown_hook()

    # ------------------------------------------------------------------ hooks (server)

    @property
    def stalled(self) -> bool:
        return time.monotonic() < self._stall_until

    def take_refusal(self) -> bool:
        if self._refuse > 0:
            self._refuse -= 1
            return True
        return False

    def take_malformed(self) -> bool:
        if self._malformed > 0:
            self._malformed -= 1
            return True
        return False

    def forge(self, payload: bytes) -> bytes:
        """A kline data frame with the `foreign_symbol` while that fault is armed."""
        if self._foreign <= 0 or b'"kline"' not in payload:
            return payload
        message = json.loads(payload)
        data = message.get("data", message)
        data["s"] = data["k"]["s"] = self._foreign_symbol
        self._foreign -= 1
        return json.dumps(message, ensure_ascii=False).encode()

    def count_data_frame(self) -> bool:
        """Called after each data frame is sent; True when every connection must drop now."""
        if self._drop_countdown is None:
            return False
        self._drop_countdown -= 1
        if self._drop_countdown <= 0:
            self._drop_countdown = None
            return True
        return False

    def drop_pending_now(self) -> bool:
        """`drop_after(0)`: drop at once, without waiting for a frame."""
        if self._drop_countdown == 0:
            self._drop_countdown = None
            return True
        return False

    def take_rest_error(self) -> RestFault | None:
        while self._rest:
            fault = self._rest[0]
            if fault.remaining > 0:
                fault.remaining -= 1
                return fault
            self._rest.pop(0)
        return None
