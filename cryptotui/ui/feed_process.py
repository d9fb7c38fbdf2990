"""The feed in a process of its own, so the UI's interpreter only paints.

In one process the feed's work (decoding every frame, gap-filling, the engine, the store
writer) and the app's painting take turns on one GIL: at 100× simulator speed frames came
late because the feed held it (`python -m benchmarks ui`). Here the feed runs the ordinary
`FeedThread` in a child process forked before Textual starts, so it inherits the
configuration, the source and the feed factory as they are; the app keeps its own
`MarketState`, written only by the `snapshot.Mirror` on a reader thread from the `Delta`s the
child sends about 20 times a second (at once for an alert). Requests go the other way as
module-level coroutine functions and plain arguments (`FeedRunner.submit`), and their results
come back as `concurrent.futures.Future`s, as with the thread.

The child ignores the terminal's signals (SIGINT, SIGHUP, SIGTERM): the app decides when the
feed stops, and `stop` lets it flush the store and deliver the last alerts; if the app dies,
the pipe's end tells the child to stop the same way. It never writes to the terminal (logging
goes nowhere), which belongs to Textual.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import logging
import multiprocessing
import queue
import signal
import threading
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from cryptotui.alerts.delivery import EXIT_GRACE
from cryptotui.feed import Endpoints, Feed, serve
from cryptotui.snapshot import Delta, Mirror, Publisher
from cryptotui.state import MarketState
from cryptotui.store.records import WatchlistRow
from cryptotui.ui.feed_thread import FeedThread, Request

log = logging.getLogger(__name__)

T = TypeVar("T")

STOP_TIMEOUT = EXIT_GRACE + 10.0
"""Seconds the feed gets to close (its own stop waits up to its exit grace + 5 s) before it
is killed."""


class FeedProcess:
    """Runs `make(endpoints)`'s feed on `source` in a child process; mirrors its state into
    `state`. The same interface as `FeedThread` (`FeedRunner`)."""

    def __init__(
        self,
        source: AbstractAsyncContextManager[Endpoints],
        make: Callable[[Endpoints], Feed],
        state: MarketState,
    ) -> None:
        self.error: BaseException | None = None
        self.mirror = Mirror(state)
        ctx = multiprocessing.get_context("fork")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(
            target=_child, args=(child, source, make), name="cryptotui-feed", daemon=True
        )
        self._child_conn: Connection | None = child
        self._reader = threading.Thread(target=self._read, name="cryptotui-feed-pipe", daemon=True)
        self._lock = threading.Lock()
        self._futures: dict[int, concurrent.futures.Future[Any]] = {}
        self._ids = itertools.count()
        self._ready = False
        self._started = False

    @property
    def running(self) -> bool:
        """The child has built its feed and has not stopped."""
        return self._ready

    def start(self) -> None:
        """Fork the feed's process (once; later calls do nothing). Best called before the app
        starts its own threads: a fork copies only the calling one."""
        if self._started:
            return
        self._started = True
        self._process.start()
        if self._child_conn is not None:
            self._child_conn.close()  # the child's end: EOF here once the child is gone
            self._child_conn = None
        self._reader.start()

    def submit(self, request: Request[T], *args: Any) -> concurrent.futures.Future[T] | None:
        """Run `request(feed, *args)` on the feed's loop in the child; None while no feed runs."""
        if not self._ready:
            return None
        done: concurrent.futures.Future[T] = concurrent.futures.Future()
        rid = next(self._ids)
        self._futures[rid] = done
        try:
            with self._lock:
                self._conn.send(("call", rid, request, args))
        except (OSError, ValueError):  # the child is gone
            self._futures.pop(rid, None)
            return None
        return done

    def _read(self) -> None:
        """Apply the child's deltas and resolve replies until its end of the pipe closes."""
        while True:
            try:
                kind, *rest = self._conn.recv()
            except (EOFError, OSError):
                break
            if kind == "delta":
                self.mirror.apply(rest[0])
            elif kind == "reply":
                rid, ok, value = rest
                done = self._futures.pop(rid, None)
                if done is not None and not done.done():  # a caller may have cancelled it
                    (done.set_result if ok else done.set_exception)(value)
            elif kind == "ready":
                self._ready = True
            elif kind == "error":
                self.error = RuntimeError(rest[0])
        self._ready = False
        stopped = RuntimeError("the feed has stopped")
        for done in self._futures.values():
            if not done.done():
                done.set_exception(stopped)
        self._futures.clear()

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Ask the feed to close and wait for it (its store flushed, its alerts delivered)."""
        if not self._started:
            return
        try:
            with self._lock:
                self._conn.send(("stop",))
        except (OSError, ValueError):
            pass
        self._process.join(timeout)
        if self._process.is_alive():
            log.warning("the feed did not stop in %.0f s: killed", timeout)
            self._process.kill()
            self._process.join(5)
        self._reader.join(5)
        self._conn.close()


class RemoteWriter:
    """The child's store writer, for the app's own rows (`UiStore`'s watchlists)."""

    def __init__(self, runner: FeedProcess) -> None:
        self.runner = runner

    def put_many(self, rows: list[WatchlistRow]) -> None:
        self.runner.submit(_put_rows, list(rows))


async def _put_rows(feed: Feed, rows: list[WatchlistRow]) -> None:
    if feed.writer is not None:
        feed.writer.put_many(rows)


class _Outbox:
    """The child's sender: one thread writes to the pipe, so the feed's loop never blocks on a
    reader that is busy; while a delta is still on its way the next one keeps collecting."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._queue: queue.SimpleQueue[tuple | None] = queue.SimpleQueue()
        self._sending = False
        self._thread = threading.Thread(target=self._run, name="cryptotui-feed-out", daemon=True)
        self._thread.start()

    @property
    def idle(self) -> bool:
        return not self._sending and self._queue.empty()

    def put(self, message: tuple) -> None:
        self._queue.put(message)

    def delta(self, d: Delta) -> None:
        self.put(("delta", d))

    def _run(self) -> None:
        while (message := self._queue.get()) is not None:
            self._sending = True
            try:
                self.conn.send(message)
            except (OSError, ValueError):
                return  # the app is gone
            except Exception:  # a reply that cannot be pickled: say what it was
                if message[0] != "reply":
                    raise
                rid, _ok, value = message[1:]
                self.conn.send(("reply", rid, False, RuntimeError(f"{value!r}")))
            finally:
                self._sending = False

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(5)


def _child(
    conn: Connection,
    source: AbstractAsyncContextManager[Endpoints],
    make: Callable[[Endpoints], Feed],
) -> None:
    for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    logging.getLogger().addHandler(logging.NullHandler())  # never Python's last-resort stderr
    out = _Outbox(conn)
    tasks: set[asyncio.Task] = set()

    def attach(endpoints: Endpoints) -> Feed:
        feed = thread.attach(make(endpoints))
        publisher = Publisher(feed.state, feed.engine, out.delta, ready=lambda: out.idle)
        feed.consumers.append(publisher)
        tasks.add(asyncio.get_running_loop().create_task(publisher.run()))
        out.put(("ready",))
        return feed

    async def main(stop: asyncio.Event) -> None:
        await serve(source, attach, stop)

    thread = FeedThread(main)  # a fresh thread: the forked one may carry the app's loop
    thread.start()
    while True:
        try:
            kind, *rest = conn.recv()
        except (EOFError, OSError):
            break  # the app is gone: stop as it would have asked
        if kind == "stop":
            break
        rid, request, args = rest
        done = thread.submit(request, *args)
        if done is None:
            out.put(("reply", rid, False, RuntimeError("the feed is not running")))
            continue

        def reply(f: concurrent.futures.Future, rid: int = rid) -> None:
            exc = f.exception()
            out.put(("reply", rid, exc is None, f.result() if exc is None else exc))

        done.add_done_callback(reply)
    thread.stop()
    if thread.error is not None:
        out.put(("error", f"{type(thread.error).__name__}: {thread.error}"))
    out.close()
    conn.close()
