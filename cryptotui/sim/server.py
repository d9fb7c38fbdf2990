"""`SimExchange`: the simulated market served on one loopback port, REST and WebSocket together.

websockets' `process_request` hook sees every HTTP request before the upgrade: `/api/v3/...` is
answered right there with a JSON response, `/ws...` and `/stream...` proceed to the WebSocket
handshake. One port, no web framework.

A driver task maps wall time to sim time (`speed`× faster), advances the `Market` every
`tick_interval` seconds and fans the frames out: each frame is serialised once, wrapped once for
combined-stream connections, and queued per connection; a writer task per connection sends them.
Sending is decoupled from generation so a slow client never stalls the market (a client that
falls `MAX_BACKLOG` frames behind is dropped, as Binance drops slow consumers).
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import ipaddress
import json
import logging
import re
import time
from collections import deque
from collections.abc import Iterable
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import msgspec
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from cryptotui.binance.codec import encode
from cryptotui.outfile import open_output
from cryptotui.sim import wire
from cryptotui.sim.bars import INTERVALS
from cryptotui.sim.faults import Faults
from cryptotui.sim.history import MINUTE_HISTORY_DAYS
from cryptotui.sim.market import Frame, Market
from cryptotui.sim.rest import JSON_TYPE, HttpReply, RestApi
from cryptotui.sim.scenarios import GroundTruth
from cryptotui.sim.symbols import DEFAULT_SYMBOLS

if TYPE_CHECKING:
    from cryptotui.sim.recorded import RecordedMarket

log = logging.getLogger(__name__)

MAX_STREAMS = 1024
INBOUND_PER_SECOND = 5
MAX_BACKLOG = 50_000

STREAM_RE = re.compile(
    r"^[a-z0-9\-_.]{1,20}@(aggTrade|trade|ticker|miniTicker|bookTicker|avgPrice"
    r"|depth(5|10|20)?(@100ms|@1000ms)?|ticker_(1h|4h|1d)|referencePrice|blockTrade"
    r"|kline_(" + "|".join(INTERVALS) + r")(@[+-]\d\d:\d\d)?)$"
    r"|^!(miniTicker|ticker_(1h|4h|1d))@arr$"
)
"""Every spot market-data stream name Binance accepts. Not generated (accepted and silent, as
Binance treats unknown symbols): diff depth, rolling-window tickers, time-zoned klines,
referencePrice, blockTrade."""
_METHODS = ("SUBSCRIBE", "UNSUBSCRIBE", "LIST_SUBSCRIPTIONS", "SET_PROPERTY", "GET_PROPERTY")
_ID_RE = re.compile(r"^[A-Za-z0-9]{1,36}$")

_DATA, _CONTROL, _CLOSE = 0, 1, 2


def valid_stream(name: object) -> bool:
    return isinstance(name, str) and STREAM_RE.fullmatch(name) is not None


def _valid_id(rid: object) -> bool:
    if rid is None:
        return True
    if isinstance(rid, bool):
        return False
    if isinstance(rid, int):
        return -(2**63) <= rid < 2**63
    return isinstance(rid, str) and _ID_RE.match(rid) is not None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Conn:
    """One WebSocket client: its subscriptions and its outbound queue."""

    __slots__ = ("closing", "combined", "inbound", "opened", "out", "streams", "wake", "ws")

    def __init__(self, ws: ServerConnection, combined: bool, opened: float) -> None:
        self.ws = ws
        self.combined = combined
        self.opened = opened
        self.streams: dict[str, None] = {}
        self.out: deque[tuple[int, bytes, int]] = deque()
        self.wake = asyncio.Event()
        self.inbound: deque[float] = deque(maxlen=INBOUND_PER_SECOND)
        self.closing = False

    def push(self, kind: int, payload: bytes, code: int = 0) -> None:
        self.out.append((kind, payload, code))
        self.wake.set()


class SimExchange:
    """A Binance-compatible market-data server backed by the seeded `Market`.

    Use as `async with SimExchange(seed=7, speed=50) as sim: ...` or `await sim.start()` /
    `await sim.stop()`, inside any running asyncio loop. `speed=0` freezes the clock: sim time
    then moves only through `fast_forward`, which tests use for exact, fast control.
    """

    def __init__(
        self,
        symbols: Iterable[str] = DEFAULT_SYMBOLS,
        *,
        seed: int = 7,
        speed: float = 1.0,
        start_time_ms: int | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        weight_limit: int = 6000,
        max_connection_age: float = 86_400.0,
        trade_rate: float = 5.0,
        minute_days: float = MINUTE_HISTORY_DAYS,
        tick_interval: float = 0.025,
        ping_interval: float | None = 20.0,
        ground_truth_path: str | Path | None = None,
        allow_remote: bool = False,
        recorded: RecordedMarket | None = None,
    ) -> None:
        """`recorded` replaces the generated market (and its REST answers) with a recording's:
        `symbols`, `seed`, `start_time_ms`, `trade_rate` and `minute_days` then do not apply."""
        if not allow_remote and not _is_loopback(host):
            raise ValueError(f"refusing to bind non-loopback host {host!r} (allow_remote=False)")
        if speed < 0:
            raise ValueError("speed must be >= 0")
        self.faults = Faults()
        self.faults.shutdown_hook = self._server_shutdown
        self.market: Market | RecordedMarket
        self.rest: RestApi | RecordedMarket
        if recorded is not None:
            self.market = self.rest = recorded
        else:
            self.market = Market(
                symbols,
                seed=seed,
                start_time_ms=start_time_ms,
                trade_rate=trade_rate,
                minute_days=minute_days,
            )
            self.rest = RestApi(self.market, self.faults, weight_limit)
        self._speed = speed
        self.host = host
        self.max_connection_age = max_connection_age
        self.tick_interval = tick_interval
        self.ping_interval = ping_interval
        self.ground_truth_path = Path(ground_truth_path) if ground_truth_path else None
        self.connections_accepted = 0
        self.frames_sent = 0
        self.rest_requests = 0
        self._requested_port = port
        self._port = 0
        self._server: Server | None = None
        self._driver: asyncio.Task[None] | None = None
        self._conns: set[_Conn] = set()
        self._subs: dict[str, set[_Conn]] = {}
        self._clock0 = 0.0
        self._skipped_ms = 0
        self._on_wall_time = recorded is None and start_time_ms is None
        """Started "now": the clock starts at the wall clock, not at the whole minute the
        market's history ends on (a client at 1× would see a clock offset of up to a minute)."""
        self._truth_written = b""

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        if self._server is not None:
            return
        self._server = await serve(
            self._handle,
            self.host,
            self._requested_port,
            process_request=self._process_request,
            ping_interval=self.ping_interval,
            ping_timeout=60,
            close_timeout=1,
            compression=None,
            max_size=1 << 16,
        )
        self._port = self._server.sockets[0].getsockname()[1]
        if self._on_wall_time:
            self._on_wall_time = False
            self._skipped_ms = max(0, int(time.time() * 1000) - self.market.start_ms)
        self._clock0 = asyncio.get_running_loop().time()
        self._driver = asyncio.create_task(self._drive(), name="cryptotui.sim driver")

    async def stop(self) -> None:
        if self._driver is not None:
            self._driver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._driver
            self._driver = None
        if self._server is not None:
            # Close frames first; a client that is not reading never answers, so cut it off.
            self._server.close()
            try:
                async with asyncio.timeout(0.3):
                    await self._server.wait_closed()
            except TimeoutError:
                for conn in list(self._conns):
                    conn.ws.transport.abort()
                async with asyncio.timeout(2.0):
                    await self._server.wait_closed()
            self._rebase_clock()
            self._server = None
        self.write_ground_truth()

    async def __aenter__(self) -> SimExchange:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ properties

    @property
    def port(self) -> int:
        return self._port

    @property
    def rest_url(self) -> str:
        return f"http://{self.host}:{self._port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self._port}"

    @property
    def connections(self) -> int:
        """WebSocket connections open now."""
        return len(self._conns)

    @property
    def speed(self) -> float:
        """Sim ms per wall ms; settable while running (the clock continues from where it is)."""
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        if value < 0:
            raise ValueError("speed must be >= 0")
        self._rebase_clock()
        self._speed = value

    def sim_time_ms(self) -> int:
        """Sim time the clock has reached (the market catches up on the next tick)."""
        elapsed = 0.0
        if self._server is not None:
            elapsed = asyncio.get_running_loop().time() - self._clock0
        return self.market.start_ms + self._skipped_ms + int(elapsed * 1000.0 * self._speed)

    def _rebase_clock(self) -> None:
        """Fold the time run so far into the offset, so speed changes and restarts don't jump."""
        if self._server is not None:
            self._skipped_ms = self.sim_time_ms() - self.market.start_ms
            self._clock0 = asyncio.get_running_loop().time()

    # ------------------------------------------------------------------ control from code

    def fast_forward(self, ms: int) -> None:
        """Jump sim time ahead by `ms` now, delivering every frame in between."""
        self._skipped_ms += ms
        self.pump()

    def inject(
        self, scenario: str, symbol: str, at_ms: int | None = None, **params: Any
    ) -> GroundTruth:
        """Schedule a scenario (see `cryptotui.sim.scenarios.SCENARIOS`) at sim time `at_ms`."""
        self.pump()
        truth = self.market.inject(scenario, symbol, at_ms, **params)
        self.write_ground_truth()
        return truth

    def write_ground_truth(self, path: str | Path | None = None) -> None:
        target = Path(path) if path else self.ground_truth_path
        if target is None:
            return
        data = msgspec.json.format(encode(self.market.ground_truth()), indent=2)
        if data != self._truth_written or path:
            with open_output(target, binary=True) as out:  # readers never see half a file
                out.write(data)
            self._truth_written = data

    # ------------------------------------------------------------------ driving the market

    async def _drive(self) -> None:
        loop = asyncio.get_running_loop()
        last_truth = loop.time()
        while True:
            try:
                self.pump()
                self._expire_connections(loop.time())
                if self.ground_truth_path and loop.time() - last_truth > 1.0:
                    last_truth = loop.time()
                    self.write_ground_truth()
            except Exception:
                log.exception("sim driver step failed")
            await asyncio.sleep(self.tick_interval)

    def pump(self) -> None:
        """Advance the market to the clock and queue the frames for subscribers."""
        target = self.sim_time_ms()
        if target > self.market.now:
            frames = self.market.advance(target, self._subs)
            if frames:
                self._fan_out(frames)
        if self.faults.drop_pending_now():
            self._abort_all()

    def _fan_out(self, frames: list[Frame]) -> None:
        if self.faults.stalled:
            return
        subs = self._subs
        for stream, data in frames:
            conns = subs.get(stream)
            if not conns:
                continue
            raw = encode(data)
            combined = None
            for conn in conns:
                if conn.combined:
                    if combined is None:
                        combined = b'{"stream":"%s","data":%s}' % (stream.encode(), raw)
                    conn.push(_DATA, combined)
                else:
                    conn.push(_DATA, raw)
        for conn in list(self._conns):
            if len(conn.out) > MAX_BACKLOG:
                log.warning("dropping a slow consumer (%d frames behind)", len(conn.out))
                conn.out.clear()
                conn.ws.transport.abort()

    def _expire_connections(self, now: float) -> None:
        for conn in self._conns:
            if not conn.closing and now - conn.opened >= self.max_connection_age:
                conn.closing = True
                conn.push(_CLOSE, b"", 1000)

    def _server_shutdown(self) -> None:
        event = wire.server_shutdown_event(self.sim_time_ms())
        raw = encode(event)
        combined = encode({"stream": "!serverShutdown", "data": event})
        for conn in self._conns:
            if not conn.closing:
                conn.closing = True
                conn.push(_CONTROL, combined if conn.combined else raw)
                conn.push(_CLOSE, b"", 1001)

    @staticmethod
    async def _flushed(ws: ServerConnection, timeout: float = 0.5) -> None:
        """Wait until the socket took every byte written so far (abort() discards the rest)."""
        deadline = time.monotonic() + timeout
        while ws.transport.get_write_buffer_size() and time.monotonic() < deadline:
            await asyncio.sleep(0.005)

    def _abort_all(self) -> None:
        for conn in list(self._conns):
            conn.out.clear()
            conn.ws.transport.abort()

    # ------------------------------------------------------------------ HTTP

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path, _, query = request.path.partition("?")
        if path.startswith("/api/"):
            self.rest_requests += 1
            self.pump()
            return self._response(self.rest.handle(path, query))
        if path in ("/ws", "/stream") or path.startswith("/ws/"):
            if "websocket" not in request.headers.get("Upgrade", "").lower():
                return None  # websockets answers 426 Upgrade Required
            if self.faults.take_refusal():
                return self._response(HttpReply(503, b"Service Unavailable", {}))
            streams = self._url_streams(path, query)
            problem = None
            if not all(valid_stream(s) for s in streams):
                problem = "Invalid request: invalid stream"
            elif len(streams) > MAX_STREAMS:
                problem = f"Invalid request: more than {MAX_STREAMS} streams"
            if problem is None:
                return None
            body = encode({"error": {"code": 2, "msg": problem}, "id": None})
            return self._response(HttpReply(400, body, {"Content-Type": JSON_TYPE}))
        return self._response(HttpReply(404, b"Not Found", {}))

    @staticmethod
    def _url_streams(path: str, query: str) -> list[str]:
        if path.startswith("/ws"):
            return [s for s in path[4:].split("/") if s]
        raw = parse_qs(query).get("streams")
        return [s for s in raw[-1].split("/") if s] if raw else []

    @staticmethod
    def _response(reply: HttpReply) -> Response:
        headers = Headers(
            [
                ("Date", email.utils.formatdate(usegmt=True)),
                ("Connection", "close"),
                ("Content-Length", str(len(reply.body))),
                *reply.headers.items(),
            ]
        )
        if "Content-Type" not in headers:
            headers["Content-Type"] = "text/plain; charset=utf-8"
        return Response(reply.status, HTTPStatus(reply.status).phrase, headers, reply.body)

    # ------------------------------------------------------------------ WebSocket

    async def _handle(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        path, _, query = ws.request.path.partition("?")
        conn = _Conn(ws, combined=path == "/stream", opened=asyncio.get_running_loop().time())
        self.connections_accepted += 1
        self._conns.add(conn)
        self._subscribe(conn, self._url_streams(path, query))
        writer = asyncio.create_task(self._writer(conn))
        try:
            async for message in ws:
                if conn.closing:
                    continue
                now = time.monotonic()
                if len(conn.inbound) == INBOUND_PER_SECOND and now - conn.inbound[0] < 1.0:
                    conn.closing = True  # replies already queued go out first
                    conn.push(_CLOSE, b"Too many requests", 1008)
                    continue
                conn.inbound.append(now)
                self._control(conn, message)
        except ConnectionClosed:
            pass
        finally:
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
            self._unsubscribe(conn, list(conn.streams))
            self._conns.discard(conn)

    async def _writer(self, conn: _Conn) -> None:
        ws, out, faults = conn.ws, conn.out, self.faults
        try:
            while True:
                await conn.wake.wait()
                conn.wake.clear()
                while out:
                    kind, payload, code = out.popleft()
                    if kind == _CLOSE:
                        await ws.close(code, payload.decode())
                        return
                    if kind == _DATA and faults.take_malformed():
                        payload = payload[: len(payload) // 2]
                    elif kind == _DATA:
                        payload = faults.forge(payload)
                    await ws.send(payload, text=True)
                    if kind == _DATA:
                        self.frames_sent += 1
                        if faults.count_data_frame():
                            await self._flushed(ws)
                            self._abort_all()
                            return
        except ConnectionClosed:
            pass

    def _subscribe(self, conn: _Conn, streams: list[str]) -> None:
        for s in streams:
            if s not in conn.streams:
                conn.streams[s] = None
                self._subs.setdefault(s, set()).add(conn)

    def _unsubscribe(self, conn: _Conn, streams: list[str]) -> None:
        for s in streams:
            if s in conn.streams:
                del conn.streams[s]
                subs = self._subs[s]
                subs.discard(conn)
                if not subs:
                    del self._subs[s]

    def _reply(self, conn: _Conn, rid: object, result: object) -> None:
        conn.push(_CONTROL, encode({"result": result, "id": rid}))

    def _error(self, conn: _Conn, rid: object, code: int, msg: str) -> None:
        conn.push(_CONTROL, encode({"error": {"code": code, "msg": msg}, "id": rid}))

    def _control(self, conn: _Conn, message: str | bytes) -> None:
        """Answer one control message as Binance does: the reply echoes the request's `id`
        (replies interleave with data), errors are `{"error": {"code", "msg"}, "id"}` with
        Binance's codes and texts."""
        try:
            msg = json.loads(message)
        except json.JSONDecodeError as exc:
            self._error(
                conn,
                None,
                3,
                f"Invalid JSON: expected value at line {exc.lineno} column {exc.colno}",
            )
            return
        if not isinstance(msg, dict):
            self._error(conn, None, 2, "Invalid request: expected an object")
            return
        rid = msg.get("id")
        if not _valid_id(rid):
            self._error(conn, None, 2, "Invalid request: request ID must be an unsigned integer")
            return
        method = msg.get("method")
        if method is None:
            self._error(
                conn,
                None,
                2,
                f"Invalid request: missing field `method` at line 1 column {len(message)}",
            )
            return
        if method not in _METHODS:
            expected = ", ".join(f"`{m}`" for m in _METHODS)
            self._error(
                conn,
                rid,
                2,
                f"Invalid request: unknown variant `{method}`, expected one of {expected}",
            )
            return
        params = msg.get("params", [])
        if not isinstance(params, list):
            self._error(conn, rid, 2, "Invalid request: params must be an array")
            return
        if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            if not all(valid_stream(s) for s in params):
                self._error(conn, rid, 2, "Invalid request: invalid stream")
            elif method == "UNSUBSCRIBE":
                self._unsubscribe(conn, params)
                self._reply(conn, rid, None)
            elif len(conn.streams.keys() | set(params)) > MAX_STREAMS:
                self._error(conn, rid, 2, f"Invalid request: more than {MAX_STREAMS} streams")
            else:
                self._subscribe(conn, params)
                self._reply(conn, rid, None)
        elif method == "LIST_SUBSCRIPTIONS":
            self._reply(conn, rid, list(conn.streams))
        elif not params or not isinstance(params[0], str):
            self._error(conn, rid, 2, "Invalid request: property name must be a string")
        elif params[0] != "combined":
            self._error(conn, rid, 0, "Unknown property")
        elif method == "GET_PROPERTY":
            self._reply(conn, rid, conn.combined)
        elif len(params) != 2:
            self._error(conn, rid, 2, "Invalid request: too many parameters")
        elif not isinstance(params[1], bool):
            self._error(conn, rid, 1, "Invalid value type: expected Boolean")
        else:
            conn.combined = params[1]
            self._reply(conn, rid, None)
