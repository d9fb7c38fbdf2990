"""`cryptotui record FILE`: watch the market as `--log` does and record what the client saw, for
`cryptotui --replay FILE` and `cryptotui backtest --replay FILE`.

    cryptotui record btc.jsonl.gz --symbols BTCUSDT,ETHUSDT --intervals 1m,5m --duration 2h
    cryptotui record demo.jsonl --demo --duration 10m --max-size 50MB

Every WebSocket frame with its receive time and every REST answer the app needed (exchangeInfo,
the warm-up, gap-fills after a reconnect, the server time) go to one JSON Lines file, gzip'd
when it is named `.jsonl.gz`, split into FILE.1.jsonl, FILE.2.jsonl… by `--max-size`. Alerts are
printed as `--log` prints them: the replay prints the same ones.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING

from cryptotui import validators
from cryptotui.commands.base import Command, config_of, say

if TYPE_CHECKING:
    from cryptotui.feed import Endpoints
    from cryptotui.replay.recording import Recorder

DEFAULT_STREAMS = ("kline", "aggTrade", "miniTicker")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file",
        metavar="FILE",
        type=validators.recording_file,
        help="the recording: FILE.jsonl, or FILE.jsonl.gz compressed (replaced if it exists)",
    )
    parser.add_argument(
        "--symbols", type=validators.symbols, help="comma list (default: the watchlist)"
    )
    parser.add_argument(
        "--intervals", type=validators.intervals, help="kline intervals (default: the watchlist)"
    )
    parser.add_argument(
        "--streams",
        type=validators.stream_kinds,
        default=DEFAULT_STREAMS,
        help=f"stream kinds among {', '.join(validators.STREAM_KINDS)} "
        f"(default {','.join(DEFAULT_STREAMS)}; 24 h tickers always)",
    )
    parser.add_argument(
        "--duration", type=validators.duration, help="stop after this long, e.g. 90s, 2h"
    )
    parser.add_argument(
        "--max-size",
        type=validators.byte_size,
        metavar="SIZE",
        help="start a new part FILE.1.jsonl… when a part reaches SIZE, e.g. 100MB",
    )
    parser.add_argument(
        "--format", choices=("text", "jsonl"), default="text", help="alerts as --log prints them"
    )
    parser.add_argument(
        "--output", type=validators.output_file, metavar="FILE", help="append alerts to FILE"
    )


def run(args: argparse.Namespace) -> int:
    from cryptotui import sources
    from cryptotui.commands.watch import run_headless
    from cryptotui.feed import feed_factory

    if args.output is not None and args.output.resolve() == args.file.resolve():
        raise validators.Invalid("--output names the recording itself; print alerts elsewhere")
    config = config_of(args, watchlist={"symbols": args.symbols, "intervals": args.intervals})
    demo_list = args.demo and not args.symbols
    symbols = list(config.demo.symbols if demo_list else config.watchlist.symbols)
    kinds = args.streams
    intervals = list(config.watchlist.intervals) if "kline" in kinds else []
    source = sources.simulated(config) if args.demo else sources.live(config)
    make = feed_factory(
        config,
        symbols,
        intervals,
        overview="miniTicker" in kinds,
        trades="aggTrade" in kinds,
        book="bookTicker" in kinds,
        strict_symbols=True,
    )
    recording = _Recording(args, symbols, intervals, kinds)
    code = run_headless(args, recording.tapping(source), make, stop=recording.stop)
    recorder = recording.recorder
    if recorder is None:
        return code
    mb = recorder.size / 1e6
    parts = f", {recorder.parts} parts" if recorder.parts > 1 else ""
    say(
        f"recorded {recorder.frames} frames and {recorder.answers} REST answers to "
        f"{args.file} ({mb:.1f} MB{parts})"
    )
    return 1 if recorder.problem else code


class _Recording:
    """A `Recorder` tapping a source's endpoints; `stop` is set when `--duration` is up or the
    file cannot be written."""

    def __init__(
        self,
        args: argparse.Namespace,
        symbols: list[str],
        intervals: list[str],
        kinds: tuple[str, ...],
    ) -> None:
        self.args = args
        self.symbols, self.intervals, self.kinds = symbols, intervals, kinds
        self.stop = asyncio.Event()
        self.recorder: Recorder | None = None

    @asynccontextmanager
    async def tapping(
        self, source: AbstractAsyncContextManager[Endpoints]
    ) -> AsyncIterator[Endpoints]:
        from cryptotui.replay.recording import Header, Recorder

        async with source as endpoints:
            header = Header(
                created=int(time.time() * 1000),
                source=endpoints.label,
                rest_url=endpoints.rest_url,
                ws_url=endpoints.ws_url,
                symbols=self.symbols,
                intervals=self.intervals,
                streams=list(self.kinds),
            )
            try:
                recorder = Recorder(
                    self.args.file, header, max_size=self.args.max_size, on_problem=self._problem
                )
            except OSError as exc:
                raise validators.Invalid(
                    f"cannot write {self.args.file}: {exc.strerror or exc}"
                ) from None
            self.recorder = recorder
            if self.args.duration is not None:
                asyncio.get_running_loop().call_later(self.args.duration, self.stop.set)
            try:
                yield dataclasses.replace(endpoints, tap=recorder)
            finally:
                recorder.close()

    def _problem(self, text: str) -> None:
        say(text)
        self.stop.set()


COMMAND = Command(
    "record the market (every frame and REST answer) for --replay and backtest --replay",
    add_arguments,
    run,
)
