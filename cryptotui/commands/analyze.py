"""`cryptotui analyze INPUT [--indicators SPEC] [--patterns [NAMES]] [--chart [NAMES]]
[--output FILE]`, or `--symbol S --interval I` for stored candles: indicators as CSV
(`cryptotui.analyze`).

Any problem with the spec, the input or the output is one line on stderr, exit 2, and leaves
no output behind.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cryptotui import validators
from cryptotui.commands.base import Command, store_of

if TYPE_CHECKING:
    from cryptotui.models import Candle

PROG = "cryptotui analyze"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from cryptotui.indicators import DEFAULT_SPEC

    parser.add_argument(
        "input",
        metavar="INPUT",
        nargs="?",
        help="candle CSV: a header with open_time,open,high,low,close,volume (ms UTC), "
        "or a Binance public-data kline file (12 columns, no header; ms or µs)",
    )
    parser.add_argument(
        "--symbol",
        type=validators.symbol,
        help="instead of INPUT: the stored candles of SYMBOL (needs --interval)",
    )
    parser.add_argument(
        "--interval",
        type=validators.interval,
        help="with --symbol: which stored interval, e.g. 1h",
    )
    parser.add_argument(
        "--indicators",
        metavar="SPEC",
        default=DEFAULT_SPEC,
        help="comma list like sma:20,rsi:14,macd:12:26:9,bbands:20:2,obv,vwap "
        "(default: the full set)",
    )
    parser.add_argument(
        "--patterns",
        nargs="?",
        const="all",
        metavar="NAMES",
        help="add TA-Lib candlestick pattern columns cdl_<name> (100/-100/0, like TA-Lib): all "
        "61, or a comma list such as engulfing,hammer,3whitesoldiers",
    )
    parser.add_argument(
        "--chart",
        nargs="?",
        const="all",
        metavar="NAMES",
        help="add chart formation columns chart_<name> (100 bullish / -100 bearish on the "
        "breakout candle that confirms one, else 0): all 11, or a comma list such as "
        "double_top,head_shoulders,flag (rules: docs/patterns.md)",
    )
    parser.add_argument(
        "--output", "-o", metavar="FILE", help="write the CSV here instead of stdout"
    )


def run(args: argparse.Namespace) -> int:
    from cryptotui.analyze import InputError, analyze
    from cryptotui.indicators import SpecError
    from cryptotui.outfile import OutputError

    try:
        candles, count = _candles_of(args)
        analyze(
            candles,
            count,
            args.output,
            indicators=args.indicators,
            patterns=args.patterns,
            chart=args.chart,
        )
    except (SpecError, InputError, OutputError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    return 0


def _candles_of(
    args: argparse.Namespace,
) -> tuple[Iterable[Sequence[Candle]], Callable[[], int]]:
    """The candles to analyse, in chunks, and a way to count them (for the progress bar)."""
    from cryptotui.analyze import CHUNK, InputError, candle_chunks, count_lines

    if args.symbol is None and args.interval is None:
        if args.input is None:
            raise InputError("name an INPUT file, or --symbol and --interval for stored candles")
        path = Path(args.input)
        return candle_chunks(path), lambda: count_lines(path)
    if args.input is not None or args.symbol is None or args.interval is None:
        raise InputError("use either INPUT or --symbol with --interval, not both")
    stored = _stored(args, args.symbol, args.interval)
    chunks = (stored[i : i + CHUNK] for i in range(0, len(stored), CHUNK))
    return chunks, lambda: len(stored)


def _stored(args: argparse.Namespace, symbol: str, interval: str) -> list[Candle]:
    """Candles from the history database (`--db`, else `[store] path`)."""
    from cryptotui.analyze import InputError
    from cryptotui.config import ConfigError
    from cryptotui.store import StoreError, load_candles, open_db

    try:
        _, settings = store_of(args)
        db = open_db(settings.path, readonly=True)
    except (ConfigError, StoreError) as exc:
        raise InputError(str(exc)) from None
    try:
        candles = load_candles(db, symbol, interval)
    finally:
        db.close()
    if not candles:
        raise InputError(
            f"{settings.path}: no stored {symbol} {interval} candles; fetch them with "
            f"`cryptotui backfill {symbol} --interval {interval} --days 90`"
        )
    return candles


COMMAND = Command("indicators over a CSV of candles, written as CSV", add_arguments, run)
