"""What a recording sees of the wire: each WebSocket frame's raw text as it arrived and each REST
answer's raw body, before anything is decoded (`cryptotui record`, `cryptotui.replay`).

`Stream` and `Rest` take one (None by default, which costs one `is None` test per frame), so the
recording happens at the edges and everything it captures is exactly what the codec was given.
Also the other way round: `--replay` hands `Stream` a `connect` and `Rest` a transport that serve
a recording, and the codec, the gates and the engine run unchanged.
"""

from __future__ import annotations

from typing import Protocol


class Tap(Protocol):
    def frame(self, conn_id: int, received_ms: int, raw: str | bytes) -> None:
        """A frame of connection `conn_id`, received at `received_ms` (local clock)."""

    def opened(self, conn_id: int, url: str) -> None:
        """Connection `conn_id` is open (its URL names its streams)."""

    def closed(self, conn_id: int, reason: str) -> None:
        """Connection `conn_id` ended; the client will reconnect unless it is shutting down."""

    def answer(
        self, endpoint: str, params: dict, status: int, body: bytes, retry_after: str | None
    ) -> None:
        """`GET /api/v3/<endpoint>?<params>` was answered with `status` and `body`."""
