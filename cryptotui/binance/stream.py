"""Binance WebSocket stream client: combined streams, live (un)subscribe, reconnects, gap-fill.

One supervisor task owns each connection, so exactly one (re)connect is ever in flight for it:
an idempotent state machine CONNECTING → OPEN → BACKOFF → CONNECTING … → CLOSED. Streams are
put in the combined-stream URL, so a reconnect needs no SUBSCRIBE burst; live SUBSCRIBE /
UNSUBSCRIBE messages are paced (≤ 2 per second, under Binance's 5 inbound messages/s) and
batched. A connection holds at most 1024 streams; more streams open more connections.

Connections are replaced before Binance's 24 h cut, and at once on `serverShutdown`: the new
connection is opened first and the old one closed when the new one delivers its first frame.
A watchdog closes a connection whose data has gone silent for `stall_factor` × the fastest
stream's push cadence, and resyncs after the machine slept (wall clock jumped past monotonic).
Closed candles pass through a `CandleGate`, which fetches whatever a drop cost from REST.
Kline and aggTrade frames for a stream not subscribed (a confused or hostile server) are dropped
and counted with the decoder's bad frames: they must not become a new, unwatched series.

The receive loop only reads, decodes and hands events to `on_event` (a plain callable that must
return quickly); it never waits on consumers.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from cryptotui.backoff import backoff
from cryptotui.binance import codec
from cryptotui.binance.gapfill import CandleGate, Fetch, FetchTrades, TradeGate
from cryptotui.binance.limits import AttemptLimiter
from cryptotui.binance.tap import Tap
from cryptotui.models import (
    AggTrade,
    Candle,
    ConnectionStatus,
    ConnState,
    ControlError,
    ControlReply,
    Notice,
    ServerShutdown,
)

log = logging.getLogger(__name__)

MAX_STREAMS_PER_CONNECTION = 1024
CONTROL_MESSAGES_PER_SECOND = 2.0


def cadence(stream: str) -> float:
    """Seconds between pushes Binance promises for a stream; event-driven streams get a minute."""
    if "@kline_1s" in stream:
        return 1.0
    if "@kline_" in stream:
        return 2.0
    if "icker" in stream and "bookTicker" not in stream:
        return 1.0
    return 60.0


@dataclass(slots=True)
class StreamStats:
    messages: int = 0
    events: int = 0
    reconnects: int = 0
    stalls: int = 0
    rolls: int = 0
    control_errors: int = 0
    last_event_time: int = 0
    last_receive_ms: int = 0
    frame_ns: int = 0
    """perf_counter_ns() when the frame being dispatched arrived (alert latency)."""


@dataclass(slots=True)
class StreamOptions:
    stall_factor: float = 5.0
    stall_timeout: float | None = None
    """Absolute stall timeout in seconds; overrides `stall_factor` × cadence when set."""
    max_age: float = 23.5 * 3600
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    max_streams: int = MAX_STREAMS_PER_CONNECTION
    control_rate: float = CONTROL_MESSAGES_PER_SECOND
    reply_timeout: float = 10.0


class Stream:
    """All WebSocket connections for one set of stream names against one `ws_url`."""

    def __init__(
        self,
        ws_url: str,
        on_event: Callable[[object], None],
        *,
        fetch: Fetch | None = None,
        fetch_trades: FetchTrades | None = None,
        options: StreamOptions | None = None,
        attempts: AttemptLimiter | None = None,
        connect: Callable[..., Any] | None = None,
        tap: Tap | None = None,
    ) -> None:
        self.ws_url = ws_url.rstrip("/")
        self.connect = connect or ws_connect
        """websockets' `connect`, or a replay's (`cryptotui.replay`), which serves a recording."""
        self.tap = tap
        """Sees every frame and every connection's start and end (`cryptotui record`)."""
        self.options = options or StreamOptions()
        self.stats = StreamStats()
        self.decoder = codec.Decoder()
        self.attempts = attempts or AttemptLimiter()
        self._on_event = on_event
        self.gate = CandleGate(on_event, fetch)
        self.trades = TradeGate(on_event, fetch_trades)
        self._conns: list[_Connection] = []
        self._ids = itertools.count(1)
        self._closed = False
        self._klines: set[tuple[str, str]] = set()
        self._traded: set[str] = set()
        """The (symbol, interval) kline and the aggTrade streams subscribed: a frame for anything
        else (a confused or hostile server) is dropped and counted, never stored or shown."""

    # ------------------------------------------------------------------ public API

    @property
    def streams(self) -> set[str]:
        return {s for c in self._conns if not c.retiring for s in c.streams}

    @property
    def connections(self) -> list[_Connection]:
        return list(self._conns)

    async def subscribe(self, names: Iterable[str]) -> None:
        """Add streams: filled into open connections' spare room, new connections for the rest.

        Returns once Binance acknowledged the SUBSCRIBE on open connections (a rejected name
        becomes a Notice); new connections carry their streams in the URL."""
        new = [n for n in dict.fromkeys(names) if n not in self.streams]
        acks = []
        for conn in self._live():
            room = self.options.max_streams - len(conn.streams)
            if room > 0 and new:
                batch, new = new[:room], new[room:]
                acks.append(conn.add(batch))
        while new:
            batch, new = new[: self.options.max_streams], new[self.options.max_streams :]
            self._spawn(set(batch))
        self._refresh_wanted()
        await self._acknowledged(acks)

    async def unsubscribe(self, names: Iterable[str]) -> None:
        gone = set(names)
        acks = []
        for conn in self._live():
            drop = conn.streams & gone
            if drop:
                acks.append(conn.remove(drop))
                if not conn.streams:
                    await conn.close("no streams left")
        self._conns = [c for c in self._conns if c.streams]
        self._refresh_wanted()
        await self._acknowledged(acks)

    async def _acknowledged(self, acks: list[asyncio.Future | None]) -> None:
        """Wait for Binance's replies to what was sent on open sockets (paced, so ≤ a few s)."""
        pending = [a for a in acks if a is not None]
        if pending:
            await asyncio.gather(*pending)

    async def close(self) -> None:
        self._closed = True
        await asyncio.gather(*(c.close("client closed") for c in self._conns))
        await self.gate.aclose()
        await self.trades.aclose()
        self._conns.clear()

    # ------------------------------------------------------------------ internals

    def _refresh_wanted(self) -> None:
        klines: set[tuple[str, str]] = set()
        traded: set[str] = set()
        for name in self.streams:
            symbol, _, kind = name.partition("@")
            if kind.startswith("kline_"):
                klines.add((symbol.upper(), kind.removeprefix("kline_")))
            elif kind == "aggTrade":
                traded.add(symbol.upper())
        self._klines, self._traded = klines, traded

    def _live(self) -> list[_Connection]:
        return [c for c in self._conns if not c.retiring]

    def _spawn(self, streams: set[str]) -> _Connection:
        conn = _Connection(self, next(self._ids), streams)
        self._conns.append(conn)
        conn.start()
        return conn

    def _roll(self, old: _Connection, why: str) -> None:
        """Replace `old`: open the successor now, close `old` once the successor has data."""
        if old.retiring or self._closed:
            return
        old.retiring = True
        self.stats.rolls += 1
        log.info("connection %d: rolling over (%s)", old.conn_id, why)
        new = self._spawn(set(old.streams))
        new.predecessor = old

    def _retired(self, conn: _Connection) -> None:
        if conn in self._conns:
            self._conns.remove(conn)

    def _dispatch(self, raw: str | bytes, conn: _Connection) -> None:
        stats = self.stats
        stats.frame_ns = time.perf_counter_ns()
        stats.messages += 1
        now_ms = int(time.time() * 1000)
        if self.tap is not None:
            self.tap.frame(conn.conn_id, now_ms, raw)
        for ev in self.decoder.decode(raw):
            if isinstance(ev, Candle):
                if (ev.symbol, ev.interval) not in self._klines:
                    self.decoder.ignore("unsubscribed stream", f"kline {ev.symbol!r} {ev.interval}")
                    continue
                stats.last_event_time = ev.event_time
                stats.last_receive_ms = now_ms
                self.gate.on_candle(ev)
            elif isinstance(ev, AggTrade):
                if ev.symbol not in self._traded:
                    self.decoder.ignore("unsubscribed stream", f"aggTrade {ev.symbol!r}")
                    continue
                stats.last_event_time = ev.event_time
                stats.last_receive_ms = now_ms
                self.trades.on_trade(ev)
            elif isinstance(ev, ServerShutdown):
                self._roll(conn, "server announced shutdown")
                continue
            elif isinstance(ev, ControlReply | ControlError):
                conn.reply(ev)
                continue
            else:
                et = getattr(ev, "event_time", 0)
                if et:
                    stats.last_event_time = et
                    stats.last_receive_ms = now_ms
                self._on_event(ev)
            stats.events += 1


class _Connection:
    """One WebSocket and the single supervisor task that keeps it alive."""

    def __init__(self, owner: Stream, conn_id: int, streams: set[str]) -> None:
        self.owner = owner
        self.conn_id = conn_id
        self.streams = streams
        self.retiring = False
        self.predecessor: _Connection | None = None
        self.first_frame = asyncio.Event()
        self.ws: ClientConnection | None = None
        self.state = ConnState.CONNECTING
        self._task: asyncio.Task | None = None
        self._pending: dict[int, asyncio.Future] = {}
        self._background: set[asyncio.Task] = set()
        self._control: deque[tuple[str, list[str], asyncio.Future]] = deque()
        self._control_ready = asyncio.Event()
        self._stop = False
        self._closed_by_us = ""
        """Why the watchdog closed the socket: then the end is ours, not the server's."""
        self._got_data = False
        self._tapped = False
        """The tap was told this connection opened (and must be told when it ends)."""
        self._last_frame = time.monotonic()
        self._opened_at = time.monotonic()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(
            self._supervise(), name=f"binance-ws-{self.conn_id}"
        )

    def url(self) -> str:
        return f"{self.owner.ws_url}/stream?streams={'/'.join(sorted(self.streams))}"

    def stall_timeout(self) -> float:
        opts = self.owner.options
        if opts.stall_timeout is not None:
            return opts.stall_timeout
        return opts.stall_factor * min((cadence(s) for s in self.streams), default=60.0)

    def _status(self, state: ConnState, attempt: int = 0, reason: str = "", retry_in=0.0) -> None:
        self.state = state
        self.owner._on_event(
            ConnectionStatus(self.conn_id, state, len(self.streams), attempt, reason, retry_in)
        )

    # -------------------------------------------------------------- live (un)subscribe

    def add(self, names: list[str]) -> asyncio.Future | None:
        """Take `names` now (a reconnect's URL carries them); SUBSCRIBE if a socket is open.
        Returns a future resolved when Binance has answered, or None when nothing was sent."""
        self.streams.update(names)
        return self._request("SUBSCRIBE", names) if self.ws is not None else None

    def remove(self, names: set[str]) -> asyncio.Future | None:
        self.streams -= names
        if self.ws is None or not self.streams:
            return None
        return self._request("UNSUBSCRIBE", sorted(names))

    def _request(self, method: str, names: list[str]) -> asyncio.Future:
        done = asyncio.get_running_loop().create_future()
        self._control.append((method, names, done))
        self._control_ready.set()
        return done

    def reply(self, ev: ControlReply | ControlError) -> None:
        fut = self._pending.pop(ev.id, None) if isinstance(ev.id, int) else None
        if fut is not None and not fut.done():
            fut.set_result(ev)

    async def _control_sender(self, ws: ClientConnection) -> None:
        """Batch queued (un)subscribes per method and send ≤ `control_rate` messages/s."""
        interval = 1.0 / self.owner.options.control_rate
        loop = asyncio.get_running_loop()
        while True:
            await self._control_ready.wait()
            method, names, done = self._control.popleft()
            if not self._control:
                self._control_ready.clear()
            batch, waiters = list(names), [done]
            while self._control and self._control[0][0] == method:
                _, more, other = self._control.popleft()  # merge same-method requests
                batch.extend(more)
                waiters.append(other)
            req_id = next(self.owner._ids)
            reply = loop.create_future()
            self._pending[req_id] = reply
            await ws.send(codec.dumps({"method": method, "params": batch, "id": req_id}))
            task = loop.create_task(self._settle(req_id, reply, method, batch, waiters))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            await asyncio.sleep(interval)

    async def _settle(
        self, req_id: int, reply: asyncio.Future, method: str, names, waiters
    ) -> None:
        try:
            async with asyncio.timeout(self.owner.options.reply_timeout):
                ev = await reply
        except TimeoutError:
            self._pending.pop(req_id, None)
            ev = None
        if isinstance(ev, ControlError):
            self.owner.stats.control_errors += 1
            if method == "SUBSCRIBE":
                self.streams.difference_update(names)
                self.owner._refresh_wanted()
            self.owner._on_event(
                Notice(
                    "error",
                    f"Binance rejected {method} {', '.join(names)}: {ev.msg} (code {ev.code}) — "
                    "check the stream names",
                    "stream",
                )
            )
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(ev)

    # -------------------------------------------------------------- lifecycle

    async def close(self, why: str) -> None:
        self._stop = True
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close(reason=why[:100])
        if self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def _supervise(self) -> None:
        opts = self.owner.options
        attempt = 0
        try:
            while not self._stop:
                self._status(ConnState.CONNECTING, attempt)
                await self.owner.attempts.wait()
                reason = await self._run_once()
                self._untap(reason)
                if self._stop or self.retiring:
                    break
                if self._got_data:
                    attempt = 0
                self.owner.stats.reconnects += 1
                delay = backoff(attempt, opts.backoff_initial, opts.backoff_max)
                attempt += 1
                log.warning(
                    "connection %d: %s; reconnecting in %.2f s", self.conn_id, reason, delay
                )
                self._status(ConnState.BACKOFF, attempt, reason, delay)
                await asyncio.sleep(delay)
        finally:
            self._untap("closed")
            self._status(ConnState.CLOSED, attempt, "closed")
            self.owner._retired(self)

    def _untap(self, reason: str) -> None:
        if self._tapped and self.owner.tap is not None:
            self._tapped = False
            self.owner.tap.closed(self.conn_id, reason)

    async def _run_once(self) -> str:
        """Connect, read until the connection ends; return why it ended."""
        self._got_data = False
        self._closed_by_us = ""
        try:
            async with self.owner.connect(
                self.url(),
                ping_interval=None,  # Binance pings us; our own pings would count as messages
                close_timeout=2,
                open_timeout=10,
                max_size=2**24,
                max_queue=1024,
            ) as ws:
                self.ws = ws
                if self.owner.tap is not None:
                    self._tapped = True
                    self.owner.tap.opened(self.conn_id, self.url())
                self._opened_at = time.monotonic()
                self._last_frame = time.monotonic()
                self._status(ConnState.OPEN)
                helpers = [
                    asyncio.create_task(self._watchdog(ws)),
                    asyncio.create_task(self._control_sender(ws)),
                ]
                try:
                    return await self._read(ws)
                finally:
                    for t in helpers:
                        t.cancel()
                    await asyncio.gather(*helpers, return_exceptions=True)
                    self.ws = None
        except ConnectionClosed as exc:
            return self._ended_by_us() or f"connection closed ({exc})"
        except InvalidHandshake as exc:
            return f"handshake refused ({exc})"
        except (OSError, TimeoutError) as exc:
            return f"cannot connect ({type(exc).__name__}: {exc})"

    async def _read(self, ws: ClientConnection) -> str:
        dispatch = self.owner._dispatch
        async for raw in ws:
            self._last_frame = time.monotonic()
            if not self._got_data:
                self._got_data = True
                self.first_frame.set()
                if self.predecessor is not None:
                    # Close the old socket beside, not in, this read loop: its close handshake
                    # may take seconds and the new connection's frames must not wait for it.
                    old, self.predecessor = self.predecessor, None
                    closing = asyncio.create_task(old.close("replaced by a fresh connection"))
                    self._background.add(closing)
                    closing.add_done_callback(self._background.discard)
            dispatch(raw, self)
        return (
            self._ended_by_us()
            or f"server closed the connection (code {ws.close_code}, {ws.close_reason!r})"
        )

    def _ended_by_us(self) -> str:
        return f"client closed the connection ({self._closed_by_us})" if self._closed_by_us else ""

    async def _close_for(self, ws: ClientConnection, why: str, reason: str) -> None:
        """Close the socket ourselves (the read loop then ends and the supervisor reconnects)."""
        self._closed_by_us = why
        await ws.close(reason=reason)

    async def _watchdog(self, ws: ClientConnection) -> None:
        opts = self.owner.options
        skew = time.time() - time.monotonic()
        while True:
            timeout = self.stall_timeout()
            await asyncio.sleep(min(1.0, timeout / 4))
            now = time.monotonic()
            new_skew = time.time() - now
            if abs(new_skew - skew) > 5.0:
                log.warning("connection %d: clock jumped (sleep/resume?); resyncing", self.conn_id)
                await self._close_for(ws, "the clock jumped: resync", "resync after clock jump")
                return
            skew = new_skew
            if now - self._last_frame > timeout:
                self.owner.stats.stalls += 1
                log.warning(
                    "connection %d: no data for %.1f s; reconnecting", self.conn_id, timeout
                )
                await self._close_for(ws, f"no data for {timeout:.1f} s: stalled", "stalled")
                return
            if now - self._opened_at > opts.max_age:
                self.owner._roll(self, "maximum connection age")
                return
