"""The feed and engine on their own asyncio loop in one thread (DESIGN.md: Threads).

A slow repaint can then never delay a frame, a gap-fill or an alert. The UI thread only reads
`feed.state` snapshots; alerts (later) cross over with `App.post_message`, which is thread-safe.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable

from cryptotui.feed import Feed

log = logging.getLogger(__name__)


class FeedThread(threading.Thread):
    def __init__(
        self,
        feed: Feed,
        *,
        before: Callable[[], Awaitable[None]] | None = None,
        after: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(name="cryptotui-feed", daemon=True)
        self.feed = feed
        self._before = before
        self._after = after
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self.ready = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # surfaced to the UI, never silently lost
            self.error = exc
            log.exception("feed thread failed")
        finally:
            self.ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            if self._before is not None:
                await self._before()
            self.ready.set()
            await self.feed.run_forever(self._stop)
        finally:
            await self.feed.aclose()
            if self._after is not None:
                await self._after()

    def stop(self, timeout: float = 5.0) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        self.join(timeout)
