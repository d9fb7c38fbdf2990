"""`cryptotui backfill SYMBOLS`: closed candles from REST into the database; a rerun resumes.

Relative times (`--days`, `--since 2w`) count back from the exchange's clock, read from
`/api/v3/time` first, so a testnet, a replay or the simulator at another speed gets the range
its own candles are in.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from cryptotui import fmt, validators
from cryptotui.commands.base import Command, exchange_now, fail, say, store_of
from cryptotui.intervals import DAY, INTERVAL_MS

DEFAULT_DAYS = 30.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("symbols", type=validators.symbols, help="comma list, e.g. BTCUSDT,ETHUSDT")
    parser.add_argument(
        "--interval",
        type=validators.fixed_intervals,
        help="comma list (default: the watchlist intervals), e.g. 1m,1h",
    )
    when = parser.add_mutually_exclusive_group()
    when.add_argument(
        "--days",
        type=validators.positive_float,
        default=DEFAULT_DAYS,
        help=f"this many days back from now (default {DEFAULT_DAYS:g})",
    )
    when.add_argument(
        "--since", type=validators.moment, help="start date or UTC time, or age like 2w"
    )
    parser.add_argument(
        "--until", type=validators.moment, help="end date or UTC time (default: now)"
    )


def run(args: argparse.Namespace) -> int:
    if args.demo:
        return fail(
            "backfill fetches real history and does not use --demo; to fill from a simulator "
            "pass its --rest-url (and a separate --db)"
        )
    config, settings = store_of(args)
    intervals = args.interval or tuple(i for i in config.watchlist.intervals if i in INTERVAL_MS)
    _range(args, int(time.time() * 1000))  # an impossible range is refused before any request
    from cryptotui.binance.limits import IpBanned
    from cryptotui.binance.rest import RestUnavailable

    try:
        return asyncio.run(_backfill(settings.path, config.exchange.rest_url, args, intervals))
    except KeyboardInterrupt:
        return fail("backfill interrupted; what was fetched is stored, rerun to resume", 130)
    except (RestUnavailable, IpBanned) as exc:
        say(str(exc))
        return fail("what was fetched is stored; rerun the same command to resume", 1)


def _range(args: argparse.Namespace, now_ms: int) -> tuple[int, int]:
    """[since, until) in ms, ages counted back from `now_ms`."""
    until = now_ms if args.until is None else args.until.resolve(now_ms)
    since = now_ms - int(args.days * DAY) if args.since is None else args.since.resolve(now_ms)
    if since >= until:
        raise validators.Invalid(
            f"nothing to fetch: the start ({fmt.utc(since)}) is not before the end "
            f"({fmt.utc(until)})"
        )
    return since, until


async def _backfill(
    path: Path, rest_url: str, args: argparse.Namespace, intervals: tuple[str, ...]
) -> int:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskID,
        TimeRemainingColumn,
    )

    from cryptotui.binance.rest import Rest
    from cryptotui.commands.market import listed
    from cryptotui.store import backfill as bf

    console = Console(stderr=True)
    failed = False
    started = time.perf_counter()
    async with Rest(rest_url) as rest:
        since, until = _range(args, await exchange_now(rest))
        await listed(rest, args.symbols, rest_url)
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            "candles",
            TimeRemainingColumn(),
            console=console,
        ) as bar:
            tasks: dict[tuple[str, str], TaskID] = {}

            def show(p: bf.Progress) -> None:
                key = (p.symbol, p.interval)
                if key not in tasks:
                    tasks[key] = bar.add_task(f"{p.symbol} {p.interval}", total=p.expected)
                bar.update(tasks[key], completed=p.stored)

            results: list[bf.Progress] = []
            for interval in intervals:
                results += await bf.backfill(
                    path, rest, args.symbols, interval, since, until, on_progress=show
                )
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


COMMAND = Command(
    "fetch closed candles from REST into the database (resumes where it stopped)",
    add_arguments,
    run,
)
