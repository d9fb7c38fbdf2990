"""Plays a recording into the unchanged client: `Stream` gets a `connect` whose connections
yield the recorded frames, `Rest` an httpx transport that answers from the recorded bodies.
The codec, the gates, the feed and the engine run as they did live; nothing touches a network.

Deterministic at any speed, because one walker goes through the recording in order and hands
each line over only when the client is ready for it:

- a frame goes to the connection it was recorded on once that connection's reader asks for the
  next frame, and the walker moves on only when the reader asks again, i.e. when the frame has
  been decoded and every event of it handled;
- a REST answer is given to the request that matches it (endpoint and parameters) when the
  walker reaches it, so a gap-fill lands between the same frames as it did live. A request
  whose answer lies ahead waits for the walker; an answer nobody asks for within
  `rest_grace` seconds (a chart the user opened while recording) is passed over;
- `time` and `ping` are answered at once (the clock re-sync runs on wall time, so its calls
  differ from run to run and carry no market data);
- a connection the recording opened takes the client's next connect, one it closed ends the
  client's connection (which reconnects, as it did live).

`speed` scales the recorded receive times (2 = twice as fast); 0 plays as fast as the client
takes the lines. The walker stops at the end of the recording or at its first damaged line;
`finished` then holds what happened.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import httpx

from cryptotui.replay.recording import (
    Answer,
    Closed,
    Damaged,
    Frame,
    Line,
    Opened,
    Recording,
    request_key,
)

log = logging.getLogger(__name__)

FREE = frozenset({"time", "ping"})
"""Endpoints answered at once from the nearest recorded answer, never waited for."""
REST_GRACE = 2.0
"""Seconds a recorded answer waits for its request before it is passed over: far longer than
the client takes to send one it will send (milliseconds), short enough not to stall a replay
over calls the client will not repeat."""
CONNECT_GRACE = 35.0
"""Seconds a recorded connection waits for the client to connect (its reconnect backoff is at
most 30 s)."""
LOOKAHEAD = 50_000
"""Lines read ahead, at most, to find whether a request's answer is still to come."""

Key = tuple[str, tuple[tuple[str, str], ...]]


@dataclass(slots=True, frozen=True)
class Outcome:
    message: str
    damaged: bool = False


class Player:
    """One replay of `recording` at `speed`; `async with` runs the walker."""

    def __init__(
        self,
        recording: Recording,
        speed: float = 1.0,
        *,
        rest_grace: float = REST_GRACE,
        connect_grace: float = CONNECT_GRACE,
    ) -> None:
        self.recording = recording
        self.header = recording.header
        self.speed = speed
        self.rest_grace = rest_grace
        self.connect_grace = connect_grace
        self.frames = 0
        self.answers = 0
        self.dropped = 0
        """Frames of a connection the client had already closed."""
        self.unclaimed = 0
        """Recorded answers no request asked for."""
        self.finished: asyncio.Future[Outcome] | None = None
        self._lines: Iterator[Line] = recording.lines()
        self._ahead: deque[Line | Damaged] = deque()
        self._eof = False
        self._current: Line | None = None
        self._pending: list[tuple[Key, asyncio.Future[Answer | None]]] = []
        self._connects: deque[asyncio.Future[ReplayConnection]] = deque()
        self._wake = asyncio.Event()
        self._bound: dict[int, ReplayConnection] = {}
        self._ended: set[int] = set()
        self._latest: dict[Key, Answer] = {}
        self._served: set[int] = set()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Player:
        loop = asyncio.get_running_loop()
        self.finished = loop.create_future()
        self._task = loop.create_task(self._walk(), name="cryptotui.replay walker")
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for ws in self._bound.values():
            ws.end(1001, "replay closed")

    # -------------------------------------------------------------- for Stream and Rest

    def connect(self, url: str, **_options: Any) -> _Connect:
        """Stands in for websockets' `connect` (the URL and options do not matter: the
        recording decides what arrives)."""
        return _Connect(self)

    def transport(self) -> httpx.AsyncBaseTransport:
        return _Transport(self)

    # -------------------------------------------------------------- the walker

    async def _walk(self) -> None:
        assert self.finished is not None
        loop = asyncio.get_running_loop()
        wall0 = loop.time()
        t0: int | None = None
        try:
            while (line := self._take()) is not None:
                if self.speed > 0:
                    t0 = line.t if t0 is None else t0
                    delay = wall0 + (line.t - t0) / 1000.0 / self.speed - loop.time()
                    if delay > 0:
                        await asyncio.sleep(delay)
                self._current = line
                await self._play(line)
                self._current = None
        except Damaged as exc:
            outcome = Outcome(
                f"replay stopped at {exc.where}: {exc.what}; everything before it was replayed "
                f"({self.frames} frames)",
                damaged=True,
            )
        else:
            outcome = Outcome(
                f"replay finished: {self.frames} frames and {self.answers} REST answers from "
                f"{self.recording.path}"
            )
        if self.unclaimed or self.dropped:
            log.info(
                "replay: %d answers unclaimed, %d frames dropped", self.unclaimed, self.dropped
            )
        if not self.finished.done():
            self.finished.set_result(outcome)

    async def _play(self, line: Line) -> None:
        if isinstance(line, Frame):
            ws = self._bound.get(line.c)
            if ws is not None and await ws.give(line.raw):
                self.frames += 1
            else:
                self.dropped += 1
        elif isinstance(line, Answer):
            await self._answer(line)
        elif isinstance(line, Opened):
            waiter = await self._next_connect()
            if waiter is None:
                log.warning("replay: no client connection for recorded connection %d", line.c)
                return
            self._ended.discard(line.c)  # a reconnect keeps its connection's number
            ws = self._bound[line.c] = ReplayConnection()
            waiter.set_result(ws)
        elif isinstance(line, Closed):
            self._ended.add(line.c)
            ws = self._bound.get(line.c)
            if ws is not None:
                ws.end(1000, f"as recorded: {line.reason}")

    async def _answer(self, line: Answer) -> None:
        key = line.key
        if line.path in FREE:
            self._latest[key] = line
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.rest_grace
        while (waiter := self._claim(key)) is None:
            if not await self._woken(deadline - loop.time()):
                self.unclaimed += 1
                self._latest[key] = line
                return
        self._latest[key] = line
        self.answers += 1
        self._current = None  # answered: what comes next is what `_free` looks at
        waiter.set_result(line)
        # Let the requester run on to its next wait: the answer is handled (a gap-fill's
        # candles delivered) before the walker hands over anything else.
        for _ in range(3):
            await asyncio.sleep(0)

    def _claim(self, key: Key) -> asyncio.Future[Answer | None] | None:
        for i, (wanted, waiter) in enumerate(self._pending):
            if wanted == key and not waiter.done():
                del self._pending[i]
                return waiter
        self._pending = [(k, w) for k, w in self._pending if not w.done()]
        return None

    async def _next_connect(self) -> asyncio.Future[ReplayConnection] | None:
        deadline = asyncio.get_running_loop().time() + self.connect_grace
        while True:
            while self._connects and self._connects[0].done():
                self._connects.popleft()  # its connect was given up (cancelled)
            if self._connects:
                return self._connects.popleft()
            if not await self._woken(deadline - asyncio.get_running_loop().time()):
                return None

    async def _woken(self, timeout: float) -> bool:
        """Wait for a request or a connect to arrive; False after `timeout` seconds."""
        if timeout <= 0:
            return False
        self._wake.clear()
        try:
            async with asyncio.timeout(timeout):
                await self._wake.wait()
        except TimeoutError:
            return False
        return True

    # -------------------------------------------------------------- reading ahead

    def _take(self) -> Line | None:
        if not self._ahead and not self._read_one():
            return None
        item = self._ahead.popleft()
        if isinstance(item, Damaged):
            raise item
        return item

    def _read_one(self) -> bool:
        if self._eof:
            return False
        try:
            self._ahead.append(next(self._lines))
        except StopIteration:
            self._eof = True
            return False
        except Damaged as exc:
            self._ahead.append(exc)
            self._eof = True
        return True

    def _upcoming(self) -> Iterable[Line]:
        """The line being played and those after it, read ahead as far as `LOOKAHEAD`."""
        if self._current is not None:
            yield self._current
        i = 0
        while i < LOOKAHEAD:
            if i == len(self._ahead) and not self._read_one():
                return
            item = self._ahead[i]
            if isinstance(item, Damaged):
                return
            yield item
            i += 1

    # -------------------------------------------------------------- requests

    async def request(self, path: str, params: Iterable[tuple[str, str]]) -> Answer | None:
        """The recorded answer to `GET /api/v3/<path>?<params>`, or None if there is none."""
        key = request_key(path, list(params))
        if path in FREE:
            return self._free(key)
        if self.finished is None or self.finished.done() or not self._ahead_has(key):
            return self._latest.get(key)
        waiter: asyncio.Future[Answer | None] = asyncio.get_running_loop().create_future()
        self._pending.append((key, waiter))
        self._wake.set()
        return await waiter

    def _free(self, key: Key) -> Answer | None:
        """The first unused recorded answer before the next sequenced one, else the last seen:
        what the client got live when it asked at this point."""
        for line in self._upcoming():
            if isinstance(line, Answer):
                if line.path not in FREE:
                    break
                if line.key == key and id(line) not in self._served:
                    self._served.add(id(line))
                    self._latest[key] = line
                    return line
        return self._latest.get(key)

    def _ahead_has(self, key: Key) -> bool:
        return any(isinstance(line, Answer) and line.key == key for line in self._upcoming())

    def scaled(self, seconds: str) -> str:
        """A recorded Retry-After at this replay's speed (never 0: clients read 0 as absent)."""
        try:
            value = float(seconds)
        except ValueError:
            return seconds
        return f"{max(0.001, value / self.speed if self.speed > 0 else 0.0):.3f}"

    async def connection(self) -> ReplayConnection:
        """The client connects: it gets the next connection the recording opens, or continues
        one the recording kept open but the client closed itself (its stall watchdog)."""
        for conn_id, ws in list(self._bound.items()):
            if ws.dead and ws.closed_by_client and conn_id not in self._ended:
                fresh = self._bound[conn_id] = ReplayConnection()
                return fresh
        waiter: asyncio.Future[ReplayConnection] = asyncio.get_running_loop().create_future()
        self._connects.append(waiter)
        self._wake.set()
        return await waiter


class ReplayConnection:
    """The client's side of one recorded connection: `async for` yields its frames."""

    def __init__(self) -> None:
        self.close_code: int | None = None
        self.close_reason = ""
        self.dead = False
        self.closed_by_client = False
        self._ready = asyncio.Event()
        """Set while the reader waits for a frame: the previous one has been handled."""
        self._slot: asyncio.Future[str | None] | None = None

    def __aiter__(self) -> ReplayConnection:
        return self

    async def __anext__(self) -> str:
        if self.dead:
            raise StopAsyncIteration
        slot = self._slot = asyncio.get_running_loop().create_future()
        self._ready.set()
        raw = await slot
        if raw is None:
            raise StopAsyncIteration
        return raw

    async def give(self, raw: str) -> bool:
        """Hand `raw` to the reader and wait until it has been handled; False if the client
        closed this connection meanwhile."""
        await self._ready.wait()
        slot = self._slot
        if self.dead or slot is None or slot.done():
            return False
        self._ready.clear()
        slot.set_result(raw)
        await self._ready.wait()
        return True

    def end(self, code: int, reason: str) -> None:
        if self.dead:
            return
        self.dead = True
        self.close_code, self.close_reason = code, reason
        if self._slot is not None and not self._slot.done():
            self._slot.set_result(None)
        self._ready.set()

    async def send(self, message: str | bytes) -> None:
        """(Un)subscribe requests: the replies, when the client sent the same live, are
        recorded frames and arrive in their place."""

    async def close(self, code: int = 1000, reason: str = "") -> None:
        if not self.dead:
            self.closed_by_client = True
        self.end(code, reason)


class _Connect:
    def __init__(self, player: Player) -> None:
        self._player = player
        self._ws: ReplayConnection | None = None

    async def __aenter__(self) -> ReplayConnection:
        self._ws = await self._player.connection()
        return self._ws

    async def __aexit__(self, *exc: object) -> None:
        if self._ws is not None:
            await self._ws.close()


class _Transport(httpx.AsyncBaseTransport):
    def __init__(self, player: Player) -> None:
        self._player = player

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/v3/")
        query = request.url.query.decode()
        line = await self._player.request(path, parse_qsl(query, keep_blank_values=True))
        if line is None:
            msg = (
                f"not in this recording: GET {request.url.path}?{query} "
                "(a replay answers only what was recorded)"
            )
            body = httpx.Response(400, json={"code": -1, "msg": msg}).content
            return httpx.Response(400, content=body, headers={"content-type": "application/json"})
        headers = {"content-type": "application/json;charset=UTF-8"}
        if line.retry_after is not None:
            headers["retry-after"] = self._player.scaled(line.retry_after)
        return httpx.Response(line.status, content=line.body.encode(), headers=headers)
