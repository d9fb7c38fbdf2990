"""The store's subcommands: `history`, `export`, `db`, `backfill`.

`SUBCOMMANDS` maps each name to its help line, `add_arguments(parser)` and `run(args) -> int`,
so `cli.py` wires them in a loop. Each `run` loads the configuration itself (honouring the main
parser's `--config` and `--rest-url`), and maps every expected failure to one line on stderr:
exit 1 for a runtime problem (database, network), 2 for bad usage or configuration.

`cli.py` imports this module on every start, so SQLite, Rich and httpx are imported only inside
the commands (sqlite-utils alone costs ~0.4 s, since it imports pandas).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cryptotui import fmt
from cryptotui.config import Config, ConfigError, load_config
from cryptotui.intervals import DAY, HOUR, INTERVAL_MS, INTERVALS, MINUTE
from cryptotui.store.records import DIRECTIONS, SIGNAL_COLUMNS, SignalRow
from cryptotui.store.settings import StoreConfig, store_config
from cryptotui.subcommand import Subcommand

if TYPE_CHECKING:
    import sqlite_utils

_AGO = re.compile(r"(\d+(?:\.\d+)?)\s*([mhdw])")
_UNITS = {"m": MINUTE, "h": HOUR, "d": DAY, "w": 7 * DAY}


def parse_when(text: str) -> int:
    """A moment as ms UTC: an ISO date or date-time (UTC unless it carries an offset), or an
    age like `90m`, `12h`, `7d`, `2w` counted back from now. For argparse `type=`."""
    text = text.strip()
    if found := _AGO.fullmatch(text):
        return int(time.time() * 1000 - float(found[1]) * _UNITS[found[2]])
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a time; write a date like 2024-01-31, a UTC time like "
            "2024-01-31T12:00, or an age like 12h, 7d, 2w"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _symbols(text: str) -> tuple[str, ...]:
    symbols = tuple(dict.fromkeys(s.strip().upper() for s in text.split(",") if s.strip()))
    for symbol in symbols:
        if not re.fullmatch(r"[A-Z0-9]+", symbol):
            raise argparse.ArgumentTypeError(
                f"{symbol!r} is not a Binance symbol; use letters and digits, like BTCUSDT"
            )
    if not symbols:
        raise argparse.ArgumentTypeError("name at least one symbol, like BTCUSDT")
    return symbols


def _interval(text: str) -> str:
    if text.strip() not in INTERVALS:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a Binance interval; use one of {', '.join(INTERVALS)}"
        )
    return text.strip()


def _fixed_intervals(text: str) -> tuple[str, ...]:
    intervals = tuple(dict.fromkeys(i.strip() for i in text.split(",") if i.strip()))
    for interval in intervals:
        if interval not in INTERVAL_MS:
            raise argparse.ArgumentTypeError(
                f"{interval!r} cannot be backfilled; use fixed intervals among "
                f"{', '.join(INTERVAL_MS)}"
            )
    if not intervals:
        raise argparse.ArgumentTypeError("name at least one interval, like 1h")
    return intervals


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: use a whole number of 1 or more")
    return value


def _confidence(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r}: use a number from 0 to 1, like 0.7")
    return value


def _add_db(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: a `--db` given before the subcommand (on the main parser) must not be reset.
    parser.add_argument(
        "--db",
        type=Path,
        default=argparse.SUPPRESS,
        help="database file (default: [store] path, or cryptotui.db in the user data directory)",
    )


def _settings(args: argparse.Namespace) -> tuple[Config, StoreConfig]:
    config = load_config(
        getattr(args, "config", None),
        overrides={"exchange": {"rest_url": getattr(args, "rest_url", None)}},
    )
    return config, store_config(config, getattr(args, "db", None))


@contextmanager
def _existing_db(args: argparse.Namespace) -> Iterator[sqlite_utils.Database]:
    """The configured database for a reading command: it must exist (StoreError says so)."""
    from cryptotui.store.schema import open_db

    _, settings = _settings(args)
    db = open_db(settings.path, create=False)
    try:
        yield db
    finally:
        db.close()


def _fail(text: str, code: int = 1) -> int:
    print(f"cryptotui: {text}", file=sys.stderr)
    return code


def _guarded(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Expected failures as one line: configuration → 2, storage → 1."""

    def guarded(args: argparse.Namespace) -> int:
        from cryptotui.store.schema import StoreError

        try:
            return run(args)
        except ConfigError as exc:
            return _fail(str(exc), 2)
        except StoreError as exc:
            return _fail(str(exc))

    guarded.__doc__ = run.__doc__
    return guarded


# --- history ---------------------------------------------------------------------------------


def add_history_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--symbol", type=lambda s: s.strip().upper(), help="e.g. BTCUSDT")
    parser.add_argument("--interval", type=_interval, help="timeframe, e.g. 1h")
    parser.add_argument("--name", help="pattern or rule name, e.g. bullish_engulfing")
    parser.add_argument("--direction", choices=DIRECTIONS)
    parser.add_argument("--min-confidence", type=_confidence, metavar="0..1")
    parser.add_argument("--since", type=parse_when, help="date, UTC time, or age like 7d")
    parser.add_argument("--limit", type=_positive_int, default=50, help="rows (default 50)")
    parser.add_argument("--format", choices=("table", "csv", "jsonl"), default="table")
    _add_db(parser)


@_guarded
def run_history(args: argparse.Namespace) -> int:
    """Stored signals, newest first."""
    from cryptotui.store.export import write_csv, write_jsonl
    from cryptotui.store.queries import signal_history

    with _existing_db(args) as db:
        signals = signal_history(
            db,
            symbol=args.symbol,
            interval=args.interval,
            name=args.name,
            direction=args.direction,
            min_confidence=args.min_confidence,
            since=args.since,
            limit=args.limit,
        )
    rows = [s.values(s.id) for s in signals]
    if args.format == "csv":
        write_csv(sys.stdout, SIGNAL_COLUMNS, rows)
    elif args.format == "jsonl":
        write_jsonl(sys.stdout, SIGNAL_COLUMNS, rows)
    elif not signals:
        print("no stored signals match" if _filtered(args) else "no signals stored yet")
    else:
        _print_signals(signals)
    return 0


def _filtered(args: argparse.Namespace) -> bool:
    return any(
        getattr(args, name) is not None
        for name in ("symbol", "interval", "name", "direction", "min_confidence", "since")
    )


def _print_signals(signals: list[SignalRow]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

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
        justify = "right" if header in ("conf", "price") else "left"
        table.add_column(header, justify=justify, no_wrap=True, min_width=width)
    table.add_column("message", no_wrap=True, ratio=1)
    for row, s in zip(rows, signals, strict=True):
        table.add_row(*row, Text(fmt.safe(s.message)))
    Console().print(table)


# --- export ----------------------------------------------------------------------------------


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("table", choices=("candles", "signals"))
    parser.add_argument(
        "--output", "-o", type=Path, required=True, help="FILE.csv, FILE.jsonl or FILE.parquet"
    )
    parser.add_argument("--symbol", type=_symbols, default=(), help="comma list, e.g. BTCUSDT")
    parser.add_argument("--interval", type=_interval)
    parser.add_argument("--since", type=parse_when, help="date, UTC time, or age like 30d")
    parser.add_argument("--until", type=parse_when, help="date or UTC time (inclusive)")
    _add_db(parser)


@_guarded
def run_export(args: argparse.Namespace) -> int:
    """Write stored candles or signals to a file, the format following its suffix."""
    from cryptotui.store.export import ExportError, export

    try:
        with _existing_db(args) as db:
            count = export(
                db,
                args.table,
                args.output,
                symbols=args.symbol,
                interval=args.interval,
                since=args.since,
                until=args.until,
            )
    except ExportError as exc:  # the file asked for cannot be made: fix the request
        return _fail(str(exc), 2)
    print(f"wrote {count:,} {args.table} to {args.output}")
    return 0


# --- db --------------------------------------------------------------------------------------


def add_db_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        choices=("stats", "vacuum", "prune"),
        help="stats: sizes and row counts; vacuum: give free pages back to the disk; "
        "prune: apply [store] retention_days now",
    )
    _add_db(parser)


@_guarded
def run_db(args: argparse.Namespace) -> int:
    """Inspect or maintain the database."""
    import sqlite3

    from cryptotui.store.queries import db_stats
    from cryptotui.store.retention import apply_retention
    from cryptotui.store.schema import open_db

    _, settings = _settings(args)
    path = settings.path
    if args.action == "prune":
        open_db(path, create=False).close()
        deleted = apply_retention(path, settings.retention_days)
        for (symbol, interval), count in sorted(deleted.items()):
            print(f"{symbol} {interval}: deleted {count:,} candles older than retention")
        print(f"pruned {sum(deleted.values()):,} candles" if deleted else "nothing to prune")
        return 0
    db = open_db(path, create=False)
    try:
        if args.action == "vacuum":
            before = path.stat().st_size
            try:
                db.execute("VACUUM")
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.OperationalError as exc:
                return _fail(
                    f"cannot vacuum {path}: {exc}; stop cryptotui (and backfills) using it and "
                    "free as much disk space as the file's size, then retry"
                )
            after = path.stat().st_size
            print(f"vacuumed {path}: {_mb(before)} → {_mb(after)}")
            return 0
        stats = db_stats(db, path)
    finally:
        db.close()
    _print_stats(stats)
    return 0


def _mb(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


def _print_stats(stats) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
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


# --- backfill --------------------------------------------------------------------------------


def add_backfill_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("symbols", type=_symbols, help="comma list, e.g. BTCUSDT,ETHUSDT")
    parser.add_argument(
        "--interval",
        type=_fixed_intervals,
        help="comma list (default: the watchlist intervals), e.g. 1m,1h",
    )
    when = parser.add_mutually_exclusive_group()
    when.add_argument("--days", type=float, help="this many days back from now (default 30)")
    when.add_argument("--since", type=parse_when, help="start date or UTC time, or age like 2w")
    parser.add_argument("--until", type=parse_when, help="end date or UTC time (default: now)")
    _add_db(parser)


@_guarded
def run_backfill(args: argparse.Namespace) -> int:
    """Fetch closed candles from REST into the database; a rerun resumes."""
    if getattr(args, "demo", False):
        return _fail(
            "backfill fetches real history and does not use --demo; to fill from a simulator "
            "pass its --rest-url (and a separate --db)",
            2,
        )
    config, settings = _settings(args)
    intervals = args.interval or tuple(i for i in config.watchlist.intervals if i in INTERVAL_MS)
    if args.days is not None and args.days <= 0:
        return _fail(f"--days {args.days:g}: use a number of days above 0", 2)
    now = int(time.time() * 1000)
    until = now if args.until is None else args.until
    since = args.since if args.since is not None else now - int((args.days or 30) * DAY)
    if since >= until:
        return _fail(
            f"nothing to fetch: the start ({fmt.utc(since)}) is not before the end "
            f"({fmt.utc(until)})",
            2,
        )
    try:
        return asyncio.run(
            _backfill(
                settings.path, config.exchange.rest_url, args.symbols, intervals, since, until
            )
        )
    except KeyboardInterrupt:
        return _fail("backfill interrupted; what was fetched is stored, rerun to resume", 130)


async def _backfill(
    path: Path,
    rest_url: str,
    symbols: tuple[str, ...],
    intervals: tuple[str, ...],
    since: int,
    until: int,
) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from cryptotui.binance.limits import IpBanned
    from cryptotui.binance.rest import Rest, RestUnavailable
    from cryptotui.store import backfill as bf

    console = Console(stderr=True)
    failed = False
    started = time.perf_counter()
    async with Rest(rest_url) as rest:
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            "candles",
            TimeRemainingColumn(),
            console=console,
        ) as bar:
            tasks: dict[tuple[str, str], int] = {}

            def show(p: bf.Progress) -> None:
                key = (p.symbol, p.interval)
                if key not in tasks:
                    tasks[key] = bar.add_task(f"{p.symbol} {p.interval}", total=p.expected)
                bar.update(tasks[key], completed=p.stored)

            results: list[bf.Progress] = []
            for interval in intervals:
                try:
                    results += await bf.backfill(
                        path, rest, symbols, interval, since, until, on_progress=show
                    )
                except (RestUnavailable, IpBanned) as exc:
                    console.print(f"cryptotui: {exc}", markup=False, highlight=False)
                    console.print(
                        "cryptotui: what was fetched is stored; rerun the same command to resume",
                        markup=False,
                        highlight=False,
                    )
                    return 1
        for p in results:
            if p.error:
                failed = True
                print(f"{p.symbol} {p.interval}: {p.error}", file=sys.stderr)
                continue
            short = p.expected - p.stored
            note = f" ({short:,} not available from the exchange)" if short else ""
            print(
                f"{p.symbol} {p.interval}: {p.stored:,}/{p.expected:,} candles stored, "
                f"{p.fetched:,} fetched{note}"
            )
        print(
            f"{rest.requests:,} requests (weight ≈ {2 * rest.requests:,}) in "
            f"{time.perf_counter() - started:.1f} s into {path}"
        )
    return 1 if failed else 0


# --- registry ---------------------------------------------------------------------------------


SUBCOMMANDS: dict[str, Subcommand] = {
    "history": Subcommand(
        "stored signals, newest first (table, csv or jsonl)", add_history_arguments, run_history
    ),
    "export": Subcommand(
        "write stored candles or signals to CSV, JSON Lines or Parquet",
        add_export_arguments,
        run_export,
    ),
    "db": Subcommand(
        "database sizes and row counts, vacuum, or prune by retention", add_db_arguments, run_db
    ),
    "backfill": Subcommand(
        "fetch closed candles from REST into the database (resumes where it stopped)",
        add_backfill_arguments,
        run_backfill,
    ),
}
