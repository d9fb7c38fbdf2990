"""`cryptotui history`: stored signals, newest first, as a table, CSV or JSON Lines."""

from __future__ import annotations

import argparse
import sys

from cryptotui import fmt, validators
from cryptotui.commands.base import Command, existing_db
from cryptotui.store.records import DIRECTIONS, SIGNAL_COLUMNS, SignalRow

FILTERS = ("symbol", "interval", "name", "direction", "min_confidence", "since")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--symbol", type=validators.symbol, help="e.g. BTCUSDT")
    parser.add_argument("--interval", type=validators.interval, help="timeframe, e.g. 1h")
    parser.add_argument("--name", help="pattern or rule name, e.g. bullish_engulfing")
    parser.add_argument("--direction", choices=DIRECTIONS)
    parser.add_argument("--min-confidence", type=validators.fraction, metavar="0..1")
    parser.add_argument("--since", type=validators.moment, help="date, UTC time, or age like 7d")
    parser.add_argument(
        "--limit", type=validators.positive_int, default=50, help="rows (default 50)"
    )
    parser.add_argument("--format", choices=("table", "csv", "jsonl"), default="table")


def run(args: argparse.Namespace) -> int:
    from cryptotui.store.export import write_csv, write_jsonl
    from cryptotui.store.queries import signal_history

    with existing_db(args) as db:
        signals = signal_history(
            db,
            symbol=args.symbol,
            interval=args.interval,
            name=args.name,
            direction=args.direction,
            min_confidence=args.min_confidence,
            since=None if args.since is None else args.since.resolve(),
            limit=args.limit,
        )
    rows = [s.values(s.id) for s in signals]
    if args.format == "csv":
        write_csv(sys.stdout, SIGNAL_COLUMNS, rows)
    elif args.format == "jsonl":
        write_jsonl(sys.stdout, SIGNAL_COLUMNS, rows)
    elif not signals:
        filtered = any(getattr(args, name) is not None for name in FILTERS)
        print("no stored signals match" if filtered else "no signals stored yet")
    else:
        _print_signals(signals)
    return 0


def _print_signals(signals: list[SignalRow]) -> None:
    from rich.console import JustifyMethod
    from rich.table import Table
    from rich.text import Text

    from cryptotui.commands.output import PipeConsole

    colours = {"bullish": "green", "bearish": "red", "neutral": ""}
    # Text cells: stored strings are shown as they are, never parsed as Rich markup.
    rows = [
        (
            Text(fmt.utc(s.time, seconds=False)),
            Text(fmt.safe(s.symbol)),
            Text(s.interval or "-"),
            Text(fmt.safe(s.name)),
            Text(s.direction, style=colours[s.direction]),
            Text(f"{s.confidence:.2f}"),
            Text("-" if s.price is None else fmt.price(s.price)),
        )
        for s in signals
    ]
    # One line per signal: the fixed columns keep their full width, the message gets what is
    # left and is cut with an ellipsis (the csv and jsonl formats carry it whole).
    table = Table(box=None, header_style="bold", padding=(0, 1, 0, 0))
    headers = ("time (UTC)", "symbol", "tf", "signal", "direction", "conf", "price")
    for index, header in enumerate(headers):
        width = max(len(header), *(row[index].cell_len for row in rows))
        justify: JustifyMethod = "right" if header in ("conf", "price") else "left"
        table.add_column(header, justify=justify, no_wrap=True, min_width=width)
    table.add_column("message", no_wrap=True, ratio=1)
    for row, s in zip(rows, signals, strict=True):
        table.add_row(*row, Text(fmt.safe(s.message)))
    PipeConsole().print(table)


COMMAND = Command("stored signals, newest first (table, csv or jsonl)", add_arguments, run)
