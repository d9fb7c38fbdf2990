"""The feed on its own asyncio loop in one thread (DESIGN.md: Threads).

A slow repaint can then never delay a frame, a gap-fill or an alert. The UI thread only reads
the `MarketState` snapshot the feed writes; alerts (later) cross over with `App.post_message`,
which is thread-safe.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine

log = logging.getLogger(__name__)


class FeedThread(threading.Thread):
    """Runs `main(stop)` on a fresh event loop until `stop()` is called from another thread."""

    def __init__(self, main: Callable[[asyncio.Event], Coroutine[None, None, None]]) -> None:
        super().__init__(name="cryptotui-feed", daemon=True)
        self._main = main
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._running = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._run())
        except BaseException as exc:  # shown by the UI, never silently lost
            self.error = exc
            log.exception("feed thread failed")
        finally:
            self._running.set()

    async def _run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop_event = asyncio.Event()
        self._running.set()
        await self._main(self._stop_event)

    def stop(self, timeout: float = 5.0) -> None:
        self._running.wait(timeout)
        loop, stop = self._loop, self._stop_event
        if loop is not None and stop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stop.set)
        self.join(timeout)
