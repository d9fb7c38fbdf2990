"""`cryptotui --log`: the same feed and engine without a screen. No Textual import on this path.

Alerts go to stdout (or `--output`), one line each — readable text or JSONL — flushed as they
come; with `--candles` closed candles too (in JSONL as objects with `"kind": "candle"`). What
the operator should know (reconnects, gap-fills, rejected symbols) goes to stderr. SIGINT and
SIGTERM stop the feed, deliver queued alerts (`alerts.delivery`: local channels completely, the
others within a grace period) and exit 0; SIGHUP re-reads the configuration (alert rules,
thresholds, delivery); a stream that is down does not exit: it reconnects and says so on
stderr.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import TextIO

from cryptotui import fmt
from cryptotui.binance import codec
from cryptotui.config import ConfigError
from cryptotui.feed import Endpoints, Feed, serve
from cryptotui.models import Alert, Candle, ConnectionStatus, ConnState, GapFill, Notice
from cryptotui.state import MarketState
from cryptotui.store.records import CANDLE_COLUMNS, candle_values


class LinePrinter:
    def __init__(
        self,
        state: MarketState,
        out: TextIO,
        err: TextIO,
        *,
        jsonl: bool = False,
        candles: bool = False,
        intro: Callable[[], str] | None = None,
        closed: Callable[[], None] = lambda: None,
    ) -> None:
        self.state = state
        self.closed = closed
        """Called once if the reader of `out` goes away (`--log | head`): the run then ends."""
        self.broken = False
        self.intro = intro
        """What is watched, said once the stream first connects: after the symbols passed the
        exchange's check (a refused one ends the run with that one line instead)."""
        self.out = out
        self.err = err
        self.jsonl = jsonl
        self.candles = candles
        self.lines = 0
        self.alerts = 0

    def __call__(self, ev: object) -> None:
        match ev:
            case Alert():
                self.alert(ev)
            case Candle(closed=True) if self.candles:
                self.candle(ev)
            case Notice(level=level, text=text):
                self.say(f"{level}: {text}")
            case GapFill(symbol=sym, interval=iv, count=n, holes=holes):
                extra = f", {holes} slot(s) the exchange has no candle for" if holes else ""
                self.say(f"gap-fill: {n} missed {sym} {iv} candle(s) from REST{extra}")
            case ConnectionStatus(state=ConnState.BACKOFF, reason=reason, retry_in=retry_in):
                self.say(f"stream down ({reason}); reconnecting in {retry_in:.1f} s")
            case ConnectionStatus(state=ConnState.OPEN, streams=n):
                if self.intro is not None:
                    self.say(self.intro())
                    self.intro = None
                self.say(f"stream connected ({n} streams)")

    def _write(self, line: str) -> None:
        if self.broken:
            return
        try:
            self.out.write(line + "\n")
            self.out.flush()
        except BrokenPipeError:
            # Raised here it would reach the stream's receive loop and look like a network
            # fault (reconnecting forever); instead the run stops and exits like any Unix tool.
            self.broken = True
            self.closed()
            return
        self.lines += 1

    def alert(self, a: Alert) -> None:
        self.alerts += 1
        if self.jsonl:
            self._write(codec.dumps(a.to_json()))
            return
        where = f" {a.interval}" if a.interval else ""
        self._write(
            f"{fmt.utc(a.time)} ALERT {fmt.safe(a.symbol)}{where} {a.name} {a.direction} "
            f"{a.confidence:.0%} {fmt.safe(a.message)}"
        )

    def candle(self, c: Candle) -> None:
        if self.jsonl:
            # `kind` tells a candle from an alert (`pattern`/`rule`); the other keys are the
            # stored candle's columns, as `export` writes them.
            record = dict(zip(CANDLE_COLUMNS, candle_values(c), strict=True))
            self._write(codec.dumps({"kind": "candle", **record}))
            return
        d = self.state.price_decimals(c.symbol)
        self._write(
            f"{fmt.utc(c.open_time)} {c.symbol} {c.interval} "
            f"O {fmt.price(c.open, d)} H {fmt.price(c.high, d)} L {fmt.price(c.low, d)} "
            f"C {fmt.price(c.close, d)} V {c.volume:.8g} trades {c.trades}"
        )

    def say(self, text: str) -> None:
        self.err.write(f"cryptotui: {fmt.safe(text)}\n")
        self.err.flush()


async def run(
    source: AbstractAsyncContextManager[Endpoints],
    make_feed: Callable[[Endpoints], Feed],
    *,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    jsonl: bool = False,
    candles: bool = False,
    reload: Callable[[Feed], Awaitable[str]] | None = None,
    stop: asyncio.Event | None = None,
) -> int:
    """Run until SIGINT/SIGTERM or `stop` is set. SIGHUP calls `reload(feed)` (re-read the
    config): its message, or why the new config was refused while the running one stays, goes
    to stderr. A replay ends with its recording: exit 2 if it stopped at damage in it."""
    stop = stop or asyncio.Event()
    code = 0
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    printer: LinePrinter | None = None
    feed: Feed | None = None
    reloads: set[asyncio.Task] = set()

    async def do_reload() -> None:
        if feed is None or printer is None or reload is None:
            return
        try:
            printer.say(await reload(feed))
        except (ConfigError, ValueError) as exc:
            printer.say(f"reload refused, the running configuration stays: {exc}")

    def on_hup() -> None:
        task = loop.create_task(do_reload())
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    loop.add_signal_handler(signal.SIGHUP, on_hup)

    def replayed(done: asyncio.Future) -> None:
        nonlocal code
        if not done.cancelled() and done.result().damaged:
            code = 2
        stop.set()

    def make(endpoints: Endpoints) -> Feed:
        nonlocal printer, feed
        if endpoints.player is not None and endpoints.player.finished is not None:
            endpoints.player.finished.add_done_callback(replayed)
        feed = make_feed(endpoints)
        watched = feed
        printer = LinePrinter(
            feed.state,
            out,
            err,
            jsonl=jsonl,
            candles=candles,
            closed=stop.set,
            intro=lambda: (
                f"watching {', '.join(watched.state.symbols)} {', '.join(watched.intervals)} "
                f"on {endpoints.label}"
            ),
        )
        feed.consumers.append(printer)
        return feed

    try:
        await serve(source, make, stop)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.remove_signal_handler(sig)
        if printer is None or not printer.broken:
            out.flush()
    if printer is not None and printer.broken:
        raise BrokenPipeError  # the command line ends quietly with 141
    if printer is not None:
        printer.say(f"stopped: {printer.alerts} alert(s), {printer.lines} line(s) written")
    return code
