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
        self._stop: asyncio.Event | None = None
        self._started = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._run())
        except BaseException as exc:  # shown by the UI, never silently lost
            self.error = exc
            log.exception("feed thread failed")
        finally:
            self._started.set()

    async def _run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._started.set()
        await self._main(self._stop)

    def stop(self, timeout: float = 5.0) -> None:
        self._started.wait(timeout)
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stop.set)
        self.join(timeout)
