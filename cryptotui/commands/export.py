"""`cryptotui export candles|signals -o FILE`: stored rows to CSV, JSON Lines or Parquet."""

from __future__ import annotations

import argparse

from cryptotui import validators
from cryptotui.commands.base import Command, existing_db


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("table", choices=("candles", "signals"))
    parser.add_argument(
        "--output",
        "-o",
        type=validators.output_file,
        required=True,
        metavar="FILE",
        help="FILE.csv, FILE.jsonl or FILE.parquet",
    )
    parser.add_argument(
        "--symbol", type=validators.symbols, default=(), help="comma list, e.g. BTCUSDT"
    )
    parser.add_argument("--interval", type=validators.interval)
    parser.add_argument("--since", type=validators.moment, help="date, UTC time, or age like 30d")
    parser.add_argument("--until", type=validators.moment, help="date or UTC time (inclusive)")


def run(args: argparse.Namespace) -> int:
    from cryptotui.commands.base import fail
    from cryptotui.store.export import ExportError, export

    try:
        with existing_db(args) as db:
            count = export(
                db,
                args.table,
                args.output,
                symbols=args.symbol,
                interval=args.interval,
                since=None if args.since is None else args.since.resolve(),
                until=None if args.until is None else args.until.resolve(),
            )
    except ExportError as exc:  # the file asked for cannot be made: fix the request
        return fail(str(exc))
    print(f"wrote {count:,} {args.table} to {args.output}")
    return 0


COMMAND = Command(
    "write stored candles or signals to CSV, JSON Lines or Parquet", add_arguments, run
)
