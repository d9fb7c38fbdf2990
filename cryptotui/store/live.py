"""The store beside a running feed: the writer built from `[store]`, and periodic retention.

settings = store_config(config, args.db)
writer = open_writer(settings, on_problem=...)      # StoreError: run without history
feed.consumers.append(writer)
prune = asyncio.create_task(keep_pruned(settings, rest.server_now, on_problem=...))
...
prune.cancel(); writer.close()
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable

from cryptotui.store.retention import apply_retention
from cryptotui.store.schema import StoreError
from cryptotui.store.settings import StoreConfig
from cryptotui.store.writer import Writer

PRUNE_EVERY = 3600.0
"""Seconds between retention passes: candles expire by days, so hourly is plenty."""
CLOCK_WAIT = 1.0
"""Seconds between looks at the exchange clock while it is not measured yet."""


def open_writer(
    settings: StoreConfig,
    on_problem: Callable[[str], None] | None = None,
    on_recovered: Callable[[str], None] | None = None,
) -> Writer:
    """The one writer of this process, batching as configured. Raises StoreError (one line:
    the file and what to do) if the database cannot be opened."""
    return Writer(
        settings.path,
        batch_rows=settings.batch_rows,
        batch_seconds=settings.batch_seconds,
        max_pending=settings.max_pending_rows,
        on_problem=on_problem,
        on_recovered=on_recovered,
    )


async def keep_pruned(
    settings: StoreConfig,
    now: Callable[[], int | None],
    *,
    every: float = PRUNE_EVERY,
    on_problem: Callable[[str], None] | None = None,
) -> None:
    """Apply `retention_days` now and then every `every` seconds until cancelled, on a worker
    thread (its own connection, chunked deletes), so the loop and the writer never wait on it.
    A failed pass is reported and retried at the next one.

    Ages count back from `now()`, the exchange's clock: the candles are dated by it, and an
    endpoint on another clock (a testnet, a replay, a simulator) would otherwise lose all of
    them. While `now()` is None (the clock is not measured yet) passes wait for it.
    """
    if not any(days > 0 for days in settings.retention_days.values()):
        return
    while True:
        now_ms = now()
        if now_ms is None:
            await asyncio.sleep(min(every, CLOCK_WAIT))
            continue
        try:
            await asyncio.to_thread(
                apply_retention, settings.path, settings.retention_days, now_ms=now_ms
            )
        except (StoreError, sqlite3.Error) as exc:
            if on_problem is not None:
                on_problem(f"retention pass on {settings.path} failed ({exc}); retrying later")
        await asyncio.sleep(every)
