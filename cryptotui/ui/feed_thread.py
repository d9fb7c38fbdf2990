"""The feed on its own asyncio loop in one thread.

A slow repaint can then never delay a frame, a gap-fill or an alert. The UI thread only reads
the `MarketState` snapshot the feed writes; everything the UI asks of the feed (watch a symbol,
load chart history) is a coroutine handed to the feed's loop with `submit`, so every mutation
of the state still happens on one thread.

The TUI runs this thread in a process of its own (`feed_process.FeedProcess`, the same
`FeedRunner` interface), so that the feed does not share the UI's interpreter either; tests
and tools that want the feed in-process use the thread directly. Requests are module-level
coroutine functions taking the feed and plain arguments, so they can cross to that process.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable, Coroutine
from typing import Any, Protocol, TypeVar

from cryptotui.alerts.delivery import EXIT_GRACE
from cryptotui.feed import Feed

log = logging.getLogger(__name__)

T = TypeVar("T")

Request = Callable[..., Coroutine[Any, Any, T]]
"""`async def request(feed, *args)`: module-level, so that it can be sent to another process."""


class FeedRunner(Protocol):
    """What the UI needs of whatever runs the feed: a thread here, or a process."""

    error: BaseException | None

    @property
    def running(self) -> bool: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def submit(self, request: Request[T], *args: Any) -> concurrent.futures.Future[T] | None: ...


class FeedThread(threading.Thread):
    """Runs `main(stop)` on a fresh event loop until `stop()` is called from another thread.

    Whoever builds the `Feed` inside `main` hands it to `attach`, which makes it visible to the
    UI as `feed` (None until the source is open).
    """

    def __init__(self, main: Callable[[asyncio.Event], Coroutine[None, None, None]]) -> None:
        super().__init__(name="cryptotui-feed", daemon=True)
        self._main = main
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._running = threading.Event()
        self.error: BaseException | None = None
        self.feed: Feed | None = None

    def attach(self, feed: Feed) -> Feed:
        """Publish the feed built on this thread's loop (returns it, for use in a factory)."""
        self.feed = feed
        return feed

    @property
    def running(self) -> bool:
        """A feed is attached and its loop is open."""
        loop = self._loop
        return self.feed is not None and loop is not None and not loop.is_closed()

    def submit(self, request: Request[T], *args: Any) -> concurrent.futures.Future[T] | None:
        """Run `request(feed, *args)` on the feed's loop; thread-safe. None while no feed is
        running (the caller decides whether that matters: a watchlist edit is retried at
        start-up)."""
        loop, feed = self._loop, self.feed
        if loop is None or feed is None or loop.is_closed():
            return None
        return asyncio.run_coroutine_threadsafe(request(feed, *args), loop)

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

    def stop(self, timeout: float = EXIT_GRACE + 5.0) -> None:
        """Stop the feed and wait for it to close: alert delivery may take its exit grace
        period, and a command it runs is terminated only if the thread gets to finish."""
        self._running.wait(timeout)
        loop, stop = self._loop, self._stop_event
        if loop is not None and stop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stop.set)
        self.join(timeout)
