"""Start-up catch-up: the candles missed while the app was stopped, from the newest stored one on.

At start the feed fetches only the last `WARM_UP_CANDLES` of every series (enough for indicators
and charts); after a longer outage the stretch between the newest stored candle and those would
stay empty for good, unreported. `resume_points` notes where each stored series stopped — it must
run before the warm-up writes anything — and `catch_up` fills each stretch with `backfill`: the
same pager and the same shared REST weight budget as `cryptotui backfill`, on its own connection
beside the live writer, so it runs in the background while the stream is already live.

It goes at most `max_days` back per series: a longer hole would cost minutes of requests at every
start, so it is reported (with the `cryptotui backfill` command that fills it) instead of fetched.
"""

from __future__ import annotations

import asyncio
import logging
import shlex
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptotui import fmt
from cryptotui.binance.errors import ExchangeError
from cryptotui.binance.limits import IpBanned
from cryptotui.binance.rest import Rest, RestUnavailable
from cryptotui.intervals import DAY, INTERVAL_MS, candle_open
from cryptotui.store.backfill import Progress, backfill
from cryptotui.store.queries import latest_open_time
from cryptotui.store.schema import open_db

log = logging.getLogger(__name__)

Say = Callable[[str, str], None]
"""say(level, text): one line for the user (the feed turns it into a Notice)."""

PROGRESS_EVERY = 5.0
"""Seconds between progress lines while a catch-up runs."""
PARALLEL = 4
"""Series fetched at once (each request still waits for the shared weight budget)."""


@dataclass(slots=True, frozen=True)
class ResumePoint:
    """A stored series and the open time of the first candle after its newest stored one."""

    symbol: str
    interval: str
    start: int


def resume_points(
    path: Path, symbols: Sequence[str], intervals: Sequence[str]
) -> list[ResumePoint]:
    """Where each stored (symbol, interval) stopped. Series with nothing stored are left to the
    warm-up, and calendar months (`1M`, no fixed length) are never backfilled."""
    db = open_db(path)
    try:
        points = []
        for interval in intervals:
            if interval not in INTERVAL_MS:
                continue
            for symbol in symbols:
                newest = latest_open_time(db, symbol, interval)
                if newest is not None:
                    points.append(ResumePoint(symbol, interval, newest + INTERVAL_MS[interval]))
        return points
    finally:
        db.close()


def backfill_command(
    rest: Rest,
    path: Path,
    symbols: Sequence[str],
    interval: str,
    since: int,
    until: int | None = None,
) -> str:
    """The `cryptotui backfill` command line that fills [since, until) of these series from
    the same endpoint into the same database."""
    words = ["cryptotui", "backfill", ",".join(symbols), "--interval", interval]
    words += ["--since", fmt.utc(since, seconds=False)]
    if until is not None:
        words += ["--until", fmt.utc(until, seconds=False)]
    words += ["--db", str(path), "--rest-url", rest.base_url]
    return shlex.join(words)


async def catch_up(
    path: Path,
    rest: Rest,
    points: Sequence[ResumePoint],
    *,
    skip_recent: int,
    max_days: float,
    say: Say,
) -> int:
    """Fill each series from its resume point up to the last `skip_recent` closed candles (the
    warm-up fetches those), at most `max_days` back; say what it does, what it stored, and which
    holes are left. Returns the number of candles stored."""
    try:
        now = await rest.server_time()
    except ExchangeError as exc:
        for p in points:
            command = backfill_command(rest, path, [p.symbol], p.interval, p.start)
            say(
                "warning",
                f"{_series(p)}: candles since {fmt.utc(p.start, seconds=False)} not fetched "
                f"({exc}); fill them with `{command}`",
            )
        return 0
    jobs: list[tuple[ResumePoint, int, int]] = []
    for p in points:
        step = INTERVAL_MS[p.interval]
        end = candle_open(now, p.interval) - skip_recent * step
        floor = candle_open(now - int(max_days * DAY), p.interval)
        if p.start < min(floor, end):
            last = min(floor, end)
            say(
                "warning",
                f"{_series(p)}: no history from {fmt.utc(p.start, seconds=False)} to "
                f"{fmt.utc(last, seconds=False)} ({(last - p.start) // step:,} candles), more than "
                f"store.catch_up_days = {max_days:g} back; fill it with "
                f"`{backfill_command(rest, path, [p.symbol], p.interval, p.start, last)}`",
            )
        start = max(p.start, floor)
        if start < end:
            jobs.append((p, start, end))
    if not jobs:
        return 0
    total = sum((end - start) // INTERVAL_MS[p.interval] for p, start, end in jobs)
    say("info", f"catching up {total:,} candles missed since the last run ({len(jobs)} series)")
    started = last_said = time.monotonic()
    seen: dict[tuple[str, str], tuple[Progress, int]] = {}
    """Each series' progress and how many of its range were stored before the catch-up."""

    def new() -> int:
        return sum(pr.stored - before for pr, before in seen.values())

    def progress(pr: Progress) -> None:
        nonlocal last_said
        seen.setdefault((pr.symbol, pr.interval), (pr, pr.stored))
        if time.monotonic() - last_said >= PROGRESS_EVERY:
            last_said = time.monotonic()
            say("info", f"catch-up: {new():,}/{total:,} candles")

    gate = asyncio.Semaphore(PARALLEL)

    async def one(p: ResumePoint, start: int, end: int) -> None:
        async with gate:
            await backfill(path, rest, [p.symbol], p.interval, start, end, on_progress=progress)

    tasks = [asyncio.ensure_future(one(*job)) for job in jobs]
    try:
        await asyncio.gather(*tasks)
    except (RestUnavailable, IpBanned) as exc:
        for interval in dict.fromkeys(p.interval for p, _, _ in jobs):
            mine = [(p, start) for p, start, _ in jobs if p.interval == interval]
            since = min(start for _, start in mine)
            command = backfill_command(rest, path, [p.symbol for p, _ in mine], interval, since)
            say(
                "warning",
                f"catch-up stopped ({exc}); what it fetched is stored — fill the rest with "
                f"`{command}`",
            )
        return new()
    finally:
        for task in tasks:  # a ban, an outage or shutdown stops the other series too
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for pr, _ in seen.values():
        if pr.error:
            say("warning", f"{pr.symbol} {pr.interval}: catch-up failed: {pr.error}")
    count = new()
    short = sum(pr.expected - pr.stored for pr, _ in seen.values() if not pr.error)
    note = f"; the exchange has no candle for {short:,} of them" if short else ""
    say(
        "info",
        f"caught up: {count:,} missed candles stored in {time.monotonic() - started:.1f} s{note}",
    )
    log.info("catch-up stored %d candles of %d series", count, len(jobs))
    return count


def _series(p: ResumePoint) -> str:
    return f"{p.symbol} {p.interval}"
