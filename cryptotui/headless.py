"""`cryptotui --log`: the same feed without a screen. No Textual import on this path.

Closed candles go to stdout (or `--output`), one line each, flushed as they come; what the
operator should know (reconnects, gap-fills, rejected symbols) goes to stderr. SIGINT/SIGTERM
stop the feed, flush and exit 0.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from contextlib import AbstractAsyncContextManager
from typing import TextIO

from cryptotui import fmt
from cryptotui.binance.stream import StreamOptions
from cryptotui.feed import Endpoints, Feed, serve
from cryptotui.models import Candle, ConnectionStatus, ConnState, GapFill, Notice


class LinePrinter:
    def __init__(self, feed_state, out: TextIO, err: TextIO) -> None:
        self.state = feed_state
        self.out = out
        self.err = err
        self.lines = 0

    def __call__(self, ev: object) -> None:
        match ev:
            case Candle(closed=True):
                self.candle(ev)
            case Notice(level=level, text=text):
                self.say(f"{level}: {text}")
            case GapFill(symbol=sym, interval=iv, count=n, holes=holes):
                extra = f", {holes} slot(s) the exchange has no candle for" if holes else ""
                self.say(f"gap-fill: {n} missed {sym} {iv} candle(s) from REST{extra}")
            case ConnectionStatus(state=ConnState.BACKOFF, reason=reason, retry_in=retry_in):
                self.say(f"stream down ({reason}); reconnecting in {retry_in:.1f} s")
            case ConnectionStatus(state=ConnState.OPEN, streams=n):
                self.say(f"stream connected ({n} streams)")

    def candle(self, c: Candle) -> None:
        d = self.state.price_decimals(c.symbol)
        self.out.write(
            f"{fmt.utc(c.open_time)} {c.symbol} {c.interval} "
            f"O {fmt.price(c.open, d)} H {fmt.price(c.high, d)} L {fmt.price(c.low, d)} "
            f"C {fmt.price(c.close, d)} V {c.volume:.8g} trades {c.trades}\n"
        )
        self.out.flush()
        self.lines += 1

    def say(self, text: str) -> None:
        self.err.write(f"cryptotui: {text}\n")
        self.err.flush()


async def run(
    source: AbstractAsyncContextManager[Endpoints],
    symbols: list[str],
    intervals: list[str],
    *,
    options: StreamOptions | None = None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    printer: LinePrinter | None = None

    def make(endpoints: Endpoints) -> Feed:
        nonlocal printer
        feed = Feed(endpoints, symbols, intervals, options=options)
        printer = LinePrinter(feed.state, out, err)
        feed.consumers.append(printer)
        printer.say(f"streaming {', '.join(symbols)} {', '.join(intervals)} from {endpoints.label}")
        return feed

    try:
        await serve(source, make, stop)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        out.flush()
    if printer is not None:
        printer.say(f"stopped after {printer.lines} closed candle(s)")
    return 0
