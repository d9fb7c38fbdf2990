"""`cryptotui [--demo | --replay FILE] [--log]`: watch the market, in the TUI or headless (no
command given).

`--log` prints alerts (with `--candles` closed candles too) instead of drawing; the feed, the
engine and the store are the same either way, and so they are when `--replay` plays a
recording (`cryptotui record`) instead of the live market.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from cryptotui import validators
from cryptotui.commands.base import config_of
from cryptotui.config import Config, user_file


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("watching (without a command)")
    group.add_argument("--log", action="store_true", help="headless: print, don't draw")
    group.add_argument(
        "--symbols", type=validators.symbols, help="comma list, e.g. BTCUSDT,ETHUSDT"
    )
    group.add_argument(
        "--intervals", type=validators.intervals, help="comma list of kline intervals, e.g. 1m,1h"
    )
    group.add_argument(
        "--output",
        type=validators.output_file,
        metavar="FILE",
        help="with --log: append lines to FILE",
    )
    group.add_argument(
        "--format",
        choices=("text", "jsonl"),
        default="text",
        help="with --log: readable lines, or one JSON object per line",
    )
    group.add_argument(
        "--candles",
        action="store_true",
        help='with --log: also print each closed candle (jsonl: objects with "kind": "candle")',
    )
    group.add_argument(
        "--replay",
        type=Path,
        metavar="FILE",
        help="play a recording (`cryptotui record`) instead of the market, at --speed X "
        "(default 1: as recorded; 0: as fast as possible)",
    )
    group.add_argument(
        "--min-confidence",
        type=validators.fraction,
        metavar="X",
        help="only pattern alerts with confidence ≥ X (0-1; default from the config)",
    )


def _config(args: argparse.Namespace) -> Config:
    return config_of(
        args,
        watchlist={"symbols": args.symbols, "intervals": args.intervals},
        alerts={"min_confidence": args.min_confidence},
    )


def run(args: argparse.Namespace) -> int:
    if args.replay is not None:
        return _replay(args)
    config = _config(args)
    # The demo market has its own symbol list unless --symbols names one.
    demo_list = args.demo and not args.symbols
    symbols = list(config.demo.symbols if demo_list else config.watchlist.symbols)
    intervals = list(config.watchlist.intervals)
    if args.log:
        return _headless(args, config, symbols, intervals, _store(args, config))
    return _tui(args, config, symbols, intervals)


def _store(args: argparse.Namespace, config: Config):
    """Where to record history, or None: simulated data stays out of the real history unless
    --db names a database for it."""
    from cryptotui.store.settings import store_config

    settings = store_config(config, args.db)
    if not settings.enabled or ((args.demo or args.replay) and args.db is None):
        return None
    return settings


def _source(args: argparse.Namespace, config: Config):
    from cryptotui import sources

    return sources.simulated(config) if args.demo else sources.live(config)


async def _reload(args: argparse.Namespace, feed) -> str:
    """Re-read the configuration and apply what can change while running."""
    from cryptotui.engine import reconfigure

    return await reconfigure(feed.engine, _config(args))


def _headless(args, config: Config, symbols: list[str], intervals: list[str], store) -> int:
    from cryptotui.feed import feed_factory

    make = feed_factory(config, symbols, intervals, store=store, strict_symbols=True)
    return run_headless(args, _source(args, config), make)


def run_headless(args: argparse.Namespace, source, make_feed, stop=None) -> int:
    """`headless.run` with the output options of `args` (`--output`, `--format`, `--candles`)."""
    from cryptotui import headless

    try:
        out = args.output.open("a", encoding="utf-8") if args.output else sys.stdout
    except OSError as exc:
        raise validators.Invalid(f"cannot write {args.output}: {exc.strerror or exc}") from None
    try:
        return asyncio.run(
            headless.run(
                source,
                make_feed,
                out=out,
                err=sys.stderr,
                jsonl=args.format == "jsonl",
                candles=args.candles,
                reload=lambda feed: _reload(args, feed),
                stop=stop,
            )
        )
    finally:
        if args.output:
            out.close()


def _tui(args, config: Config, symbols: list[str], intervals: list[str]) -> int:
    from cryptotui.sources import SIMULATED
    from cryptotui.ui.launch import run_tui

    label = SIMULATED if args.demo else "Binance"
    source = _source(args, config)
    # --symbols watches exactly those for this run; otherwise the saved watchlists come back.
    return run_tui(
        config, symbols, intervals, source, label, db=args.db, restore=not args.symbols,
        reload_config=lambda: _config(args), config_file=user_file(args.config, os.environ),
    )  # fmt: skip


def _replay(args: argparse.Namespace) -> int:
    """Watch a recording: what it holds decides the symbols, intervals and streams."""
    from cryptotui import sources
    from cryptotui.feed import feed_factory
    from cryptotui.replay.recording import Recording

    if args.demo:
        raise validators.Invalid("--replay plays a recording; leave out --demo")
    if args.symbols or args.intervals:
        raise validators.Invalid(
            "--replay watches what the recording holds; leave out --symbols and --intervals"
        )
    recording = Recording(args.replay)
    header = recording.header
    config = _config(args)
    source = sources.replay(recording, 1.0 if args.speed is None else args.speed)
    trades = "aggTrade" in header.streams
    if args.log:
        store = _store(args, config)
        make = feed_factory(
            config, header.symbols, header.intervals, store=store, trades=trades,
            strict_symbols=True,
        )  # fmt: skip
        return run_headless(args, source, make)
    from cryptotui.ui.launch import run_tui

    return run_tui(
        config, header.symbols, header.intervals, source, sources.REPLAY,
        db=args.db, restore=False, trades=trades, reload_config=lambda: _config(args),
        config_file=user_file(args.config, os.environ),
    )  # fmt: skip
