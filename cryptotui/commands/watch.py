"""`cryptotui [--demo] [--log]`: watch the market, in the TUI or headless (no command given).

`--log` prints alerts (with `--candles` closed candles too) instead of drawing; the feed, the
engine and the store are the same either way.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from cryptotui import validators
from cryptotui.commands.base import config_of
from cryptotui.config import Config


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
    if not settings.enabled or (args.demo and args.db is None):
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
    from cryptotui import headless
    from cryptotui.feed import feed_factory

    try:
        out = args.output.open("a", encoding="utf-8") if args.output else sys.stdout
    except OSError as exc:
        raise validators.Invalid(f"cannot write {args.output}: {exc.strerror or exc}") from None
    try:
        return asyncio.run(
            headless.run(
                _source(args, config),
                feed_factory(config, symbols, intervals, store=store, strict_symbols=True),
                out=out,
                jsonl=args.format == "jsonl",
                candles=args.candles,
                reload=lambda feed: _reload(args, feed),
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
    return run_tui(config, symbols, intervals, source, label, db=args.db, restore=not args.symbols)
