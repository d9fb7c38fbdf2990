"""`cryptotui db stats|vacuum|prune`: inspect or maintain the history database.

`prune` asks the exchange for its time first: candles are dated by the exchange's clock, and
counted from this machine's, an endpoint on another clock (a testnet, a replay, the simulator)
would lose every candle it stored.
"""

from __future__ import annotations

import argparse
import asyncio

from cryptotui import fmt
from cryptotui.commands.base import Command, exchange_now, fail, store_of


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        choices=("stats", "vacuum", "prune"),
        help="stats: sizes and row counts; vacuum: give free pages back to the disk; "
        "prune: apply [store] retention_days now (days counted back from the exchange's "
        "clock, read from --rest-url)",
    )


def run(args: argparse.Namespace) -> int:
    import sqlite3

    from cryptotui.store.queries import db_stats
    from cryptotui.store.retention import apply_retention
    from cryptotui.store.schema import open_db

    config, settings = store_of(args)
    path = settings.path
    if args.action == "prune":
        open_db(path, create=False).close()
        now = asyncio.run(_exchange_now(config.exchange.rest_url))
        deleted = apply_retention(path, settings.retention_days, now_ms=now)
        for (symbol, interval), count in sorted(deleted.items()):
            print(f"{symbol} {interval}: deleted {count:,} candles older than retention")
        print(f"pruned {sum(deleted.values()):,} candles" if deleted else "nothing to prune")
        return 0
    db = open_db(path, create=False, readonly=args.action == "stats")
    try:
        if args.action == "vacuum":
            before = path.stat().st_size
            try:
                db.execute("VACUUM")
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.OperationalError as exc:
                return fail(
                    f"cannot vacuum {path}: {exc}; stop cryptotui (and backfills) using it and "
                    "free as much disk space as the file's size, then retry",
                    1,
                )
            after = path.stat().st_size
            print(f"vacuumed {path}: {_mb(before)} → {_mb(after)}")
            return 0
        stats = db_stats(db, path)
    finally:
        db.close()
    _print_stats(stats)
    return 0


async def _exchange_now(rest_url: str) -> int:
    from cryptotui.binance.rest import Rest

    async with Rest(rest_url) as rest:
        return await exchange_now(rest)


def _mb(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


def _print_stats(stats) -> None:
    from rich.table import Table
    from rich.text import Text

    from cryptotui.commands.output import PipeConsole

    console = PipeConsole()
    console.print(Text(f"database  {stats.path}"))
    console.print(
        f"size      {_mb(stats.file_bytes)} (+ {_mb(stats.wal_bytes)} WAL, "
        f"{_mb(stats.free_bytes)} free inside)   schema v{stats.schema_version}"
    )
    console.print("rows      " + ", ".join(f"{t} {n:,}" for t, n in stats.rows.items()))
    if stats.series:
        table = Table(box=None, header_style="bold")
        for column, justify in (
            ("symbol", "left"),
            ("interval", "left"),
            ("candles", "right"),
            ("first (UTC)", "left"),
            ("last (UTC)", "left"),
        ):
            table.add_column(column, justify=justify)  # type: ignore[arg-type]
        for s in stats.series:
            table.add_row(
                Text(fmt.safe(s.symbol)),
                Text(s.interval),
                f"{s.candles:,}",
                fmt.utc(s.first_open, seconds=False),
                fmt.utc(s.last_open, seconds=False),
            )
        console.print(table)


COMMAND = Command(
    "database sizes and row counts, vacuum, or prune by retention", add_arguments, run
)
