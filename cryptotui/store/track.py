"""Reads for outcome tracking: the stored track record, and signals whose outcomes are still open.

The live tracker (`cryptotui.stats.tracking`) loads these at start-up, on its own connection, so
a restart continues the record instead of recomputing it, and signals whose horizons closed
while the app was off get their outcomes from the stored candles.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from cryptotui.models import Candle
from cryptotui.stats.record import RecordKey, Tally
from cryptotui.store.records import CANDLE_COLUMNS, candle_from_row

_CANDLES = ", ".join(CANDLE_COLUMNS)


def track_record_rows(db: sqlite_utils.Database) -> list[tuple[RecordKey, int, Tally]]:
    """Every row of the stored track record (kept by the outcomes trigger)."""
    rows = db.execute(
        "SELECT name, direction, symbol, interval, horizon, n, hits, return_sum, "
        "abs_return_sum, baseline_sum, tested FROM track_record"
    ).fetchall()
    return [
        (RecordKey(name, direction, symbol, interval), horizon, Tally(*sums))
        for name, direction, symbol, interval, horizon, *sums in rows
    ]


@dataclass(slots=True, frozen=True)
class OpenSignal:
    """A stored signal with fewer stored outcomes than tracked horizons."""

    id: int
    kind: str
    name: str
    direction: str
    symbol: str
    interval: str | None
    time: int
    done: tuple[int, ...]
    """Horizons whose outcomes are stored already."""


def open_signals(db: sqlite_utils.Database, since: int, horizons: int) -> list[OpenSignal]:
    """Signals at or after `since` (ms) with fewer than `horizons` stored outcomes, oldest first
    (a range read on the `signals_time` index)."""
    rows = db.execute(
        "SELECT s.id, s.kind, s.name, s.direction, s.symbol, s.interval, s.time, "
        "group_concat(o.horizon) FROM signals s LEFT JOIN outcomes o ON o.signal_id = s.id "
        "WHERE s.time >= ? GROUP BY s.id HAVING COUNT(o.horizon) < ? ORDER BY s.time, s.id",
        (since, horizons),
    ).fetchall()
    return [
        OpenSignal(*row[:7], tuple(int(h) for h in row[7].split(",")) if row[7] else ())
        for row in rows
    ]


def closes_before(
    db: sqlite_utils.Database, symbol: str, interval: str, time: int, limit: int
) -> list[float]:
    """Closes of the last `limit` candles closed at or before `time`, oldest first."""
    rows = db.execute(
        "SELECT close FROM candles WHERE symbol = ? AND interval = ? AND close_time <= ? "
        "ORDER BY open_time DESC LIMIT ?",
        (symbol, interval, time, limit),
    ).fetchall()
    return [close for (close,) in reversed(rows)]


def candles_after(
    db: sqlite_utils.Database, symbol: str, interval: str, time: int, limit: int
) -> list[Candle]:
    """The first `limit` stored candles closing at or after `time`, oldest first."""
    rows = db.execute(
        f"SELECT {_CANDLES} FROM candles WHERE symbol = ? AND interval = ? AND close_time >= ? "
        "ORDER BY open_time LIMIT ?",
        (symbol, interval, time, limit),
    ).fetchall()
    return [candle_from_row(row) for row in rows]
