"""Retention: forget candles older than each interval's configured age.

Meant to run every so often beside the live writer, off the event loop (for example
`await asyncio.to_thread(apply_retention, path, config.retention_days, now_ms=...)` hourly, or
`cryptotui db prune`). It uses its own connection and deletes in chunks of `chunk` rows, one short
transaction each with a pause between them, so the live writer never waits on it for more than a
few milliseconds. Each chunk is a primary-key range, so a delete reads only the rows it removes.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

from cryptotui.intervals import DAY
from cryptotui.store.queries import series
from cryptotui.store.schema import open_db


def apply_retention(
    path: Path | str,
    retention_days: Mapping[str, float],
    *,
    now_ms: int,
    chunk: int = 5000,
    pause: float = 0.005,
) -> dict[tuple[str, str], int]:
    """Delete candles opening more than `retention_days[interval]` days before `now_ms`, the
    exchange's clock (the candles are dated by it, and it may differ from this machine's).

    Intervals missing from the mapping (or mapped to 0) are kept forever. Returns the number of
    candles deleted per (symbol, interval), only for series that lost any.
    """
    deleted: dict[tuple[str, str], int] = {}
    db = open_db(path)
    try:
        for symbol, interval in series(db):
            days = retention_days.get(interval, 0)
            if days <= 0:
                continue
            cutoff = now_ms - int(days * DAY)
            total = 0
            while True:
                db.execute("BEGIN IMMEDIATE")
                try:
                    row = db.execute(
                        "SELECT open_time FROM candles WHERE symbol = ? AND interval = ? "
                        "AND open_time < ? ORDER BY open_time LIMIT 1 OFFSET ?",
                        (symbol, interval, cutoff, chunk - 1),
                    ).fetchone()
                    upper = cutoff if row is None else row[0] + 1
                    total += db.execute(
                        "DELETE FROM candles WHERE symbol = ? AND interval = ? AND open_time < ?",
                        (symbol, interval, upper),
                    ).rowcount
                    db.execute("COMMIT")
                except BaseException:
                    db.rollback()
                    raise
                if row is None:
                    break
                time.sleep(pause)
            if total:
                deleted[symbol, interval] = total
    finally:
        db.close()
    return deleted
