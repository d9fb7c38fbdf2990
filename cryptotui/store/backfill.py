"""`cryptotui backfill`: fetch closed candles from REST into the store, resuming where it stopped.

Before fetching, the stored open times of the requested range are compared with the interval's
grid; only the missing stretches are requested (stretches closer than one page are merged into
one request), so a second run after an interrupted one continues at the first missing candle,
and candles lost while the app was down are filled too. Pages are upserted as they arrive, one
short transaction each, on the backfill's own connection: the app's writer keeps going beside
it (WAL), and an interrupted backfill keeps every page it finished.

Requests go through `Rest`, whose shared `WeightBudget` slows down before Binance's per-minute
limit and obeys 429/418. The range is cut at the last candle closed by *server* time, so a fast
local clock cannot store a candle that is still forming.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cryptotui.binance.rest import KLINES_MAX, BinanceError, Rest
from cryptotui.intervals import candle_open, interval_ms
from cryptotui.models import Candle
from cryptotui.store.schema import open_db
from cryptotui.store.writer import write_candles


@dataclass(slots=True)
class Progress:
    """One series' backfill: `expected` candles in the range, `stored` of them in the database
    (before plus newly written). Fewer than expected at the end means the exchange has none for
    the rest (before the symbol listed, or trading halted)."""

    symbol: str
    interval: str
    expected: int
    stored: int
    fetched: int = 0
    """Candles received from REST (including overlap re-fetched to save requests)."""
    error: str = ""


def closed_range(start_ms: int, end_ms: int, interval: str, now_ms: int) -> tuple[int, int]:
    """Open times (first, last) of the closed candles lying wholly in [start_ms, end_ms).

    `last < first` means there is none. ValueError for `1M`, whose length varies.
    """
    step = interval_ms(interval)
    first = candle_open(start_ms, interval)
    if first < start_ms:
        first += step
    last = candle_open(min(end_ms, now_ms), interval) - step
    return first, last


def missing_ranges(
    stored: np.ndarray, first: int, last: int, step: int, merge_within: int = KLINES_MAX
) -> list[tuple[int, int]]:
    """Inclusive (from, to) open-time ranges of the grid `first..last` (every `step`) that are
    absent from `stored`; ranges with fewer than `merge_within` stored candles between them are
    merged, since one page fetches the whole stretch anyway."""
    if last < first:
        return []
    grid = np.arange(first, last + step, step, dtype=np.int64)
    missing = grid[~np.isin(grid, stored, assume_unique=True)]
    if not missing.size:
        return []
    breaks = np.flatnonzero(np.diff(missing) > merge_within * step)
    starts = np.concatenate(([missing[0]], missing[breaks + 1]))
    ends = np.concatenate((missing[breaks], [missing[-1]]))
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]


async def backfill(
    path: Path,
    rest: Rest,
    symbols: Sequence[str],
    interval: str,
    start_ms: int,
    end_ms: int,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    parallel: int = 4,
) -> list[Progress]:
    """Fill the closed `interval` candles of `symbols` in [start_ms, end_ms) into the store at
    `path`; `parallel` symbols at a time. A symbol's REST error (unknown symbol, ...) is recorded
    in its `Progress.error` and the others go on; IpBanned and RestUnavailable stop everything
    (what is stored so far stays)."""
    step = interval_ms(interval)
    now_ms = await rest.server_time()
    first, last = closed_range(start_ms, end_ms, interval, now_ms)
    expected = max(0, (last - first) // step + 1)
    db = open_db(path)
    report = on_progress or (lambda _p: None)
    gate = asyncio.Semaphore(parallel)

    async def one(symbol: str) -> Progress:
        stored = np.fromiter(
            (
                t
                for (t,) in db.execute(
                    "SELECT open_time FROM candles WHERE symbol = ? AND interval = ? "
                    "AND open_time BETWEEN ? AND ?",
                    (symbol, interval, first, last),
                )
            ),
            dtype=np.int64,
        )
        progress = Progress(symbol, interval, expected, int(stored.size))
        report(progress)
        async with gate:
            try:
                for lo, hi in missing_ranges(stored, first, last, step):
                    async for page in rest.klines_range(symbol, interval, lo, hi):
                        _save(page, stored, progress)
                        report(progress)
            except BinanceError as exc:
                progress.error = str(exc)
                report(progress)
        return progress

    def _save(page: list[Candle], stored: np.ndarray, progress: Progress) -> None:
        times = np.fromiter((c.open_time for c in page), np.int64, len(page))
        new = int((~np.isin(times, stored, assume_unique=True)).sum())
        db.execute("BEGIN IMMEDIATE")
        try:
            write_candles(db.conn, page)
            db.execute("COMMIT")
        except BaseException:
            db.rollback()
            raise
        progress.fetched += len(page)
        progress.stored += new

    tasks = [asyncio.ensure_future(one(symbol)) for symbol in symbols]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:  # a ban or an outage stops the other symbols too
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    finally:
        db.close()
