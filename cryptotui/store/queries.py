"""Reads: candles for analysis, signal history, watchlists, and what the database holds.

Reads run on their own connection (WAL lets them proceed while the writer commits). Each query is
shaped to use an index: candles by their primary key, signals by (symbol, time), (name, time) or
(time), newest first.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from cryptotui.intervals import INTERVAL_MS
from cryptotui.models import Candle
from cryptotui.store.records import (
    SERIES_CANDLE_COLUMNS,
    SIGNAL_COLUMNS,
    SignalRow,
    series_candles,
)
from cryptotui.store.schema import schema_version

_SIGNALS = ", ".join(SIGNAL_COLUMNS)


def load_candles(
    db: sqlite_utils.Database,
    symbol: str,
    interval: str,
    since: int | None = None,
    limit: int | None = None,
    until: int | None = None,
) -> list[Candle]:
    """Stored candles of one series, oldest first, as closed `Candle`s.

    `since` (ms) keeps candles opening at or after it and `until` those opening before it;
    `limit` keeps the most recent `limit` of those (what an analysis over "the last N candles"
    wants).
    """
    sql = f"SELECT {SERIES_CANDLE_COLUMNS} FROM candles WHERE symbol = ? AND interval = ?"
    params: list[object] = [symbol, interval]
    if since is not None:
        sql += " AND open_time >= ?"
        params.append(since)
    if until is not None:
        sql += " AND open_time < ?"
        params.append(until)
    if limit is None:
        rows = db.execute(sql + " ORDER BY open_time", params).fetchall()
    else:
        rows = db.execute(sql + " ORDER BY open_time DESC LIMIT ?", [*params, limit]).fetchall()
        rows.reverse()
    return series_candles(symbol, interval, rows)


def latest_open_time(db: sqlite_utils.Database, symbol: str, interval: str) -> int | None:
    """Open time of the newest stored candle of a series (an index seek), None if none."""
    row = db.execute(
        "SELECT MAX(open_time) FROM candles WHERE symbol = ? AND interval = ?", (symbol, interval)
    ).fetchone()
    return row[0]


def series(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    """Every (symbol, interval) with stored candles.

    Found by hopping along the primary key (one index seek per series) instead of a
    `SELECT DISTINCT`, which would read all of a 10 M-row table.
    """
    found: list[tuple[str, str]] = []
    symbol = db.execute("SELECT MIN(symbol) FROM candles").fetchone()[0]
    while symbol is not None:
        interval = db.execute(
            "SELECT MIN(interval) FROM candles WHERE symbol = ?", (symbol,)
        ).fetchone()[0]
        while interval is not None:
            found.append((symbol, interval))
            interval = db.execute(
                "SELECT MIN(interval) FROM candles WHERE symbol = ? AND interval > ?",
                (symbol, interval),
            ).fetchone()[0]
        symbol = db.execute(
            "SELECT MIN(symbol) FROM candles WHERE symbol > ?", (symbol,)
        ).fetchone()[0]
    return found


def signal_history(
    db: sqlite_utils.Database,
    *,
    symbol: str | None = None,
    interval: str | None = None,
    name: str | None = None,
    name_contains: str | None = None,
    direction: str | None = None,
    min_confidence: float | None = None,
    since: int | None = None,
    until: int | None = None,
    before: tuple[int, int] | None = None,
    limit: int | None = 100,
) -> list[SignalRow]:
    """Stored signals matching every given filter, newest first.

    `until` excludes signals at or after it; `before=(time, id)` continues a listing strictly
    after its last row (keyset paging: every page costs the same on the (time, id) order, however
    deep, unlike OFFSET). `name_contains` is a substring match, `name` an exact one.
    """
    where: list[str] = []
    params: list[object] = []
    for column, value in (
        ("symbol", symbol),
        ("interval", interval),
        ("name", name),
        ("direction", direction),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if name_contains:
        where.append("name LIKE ? ESCAPE '\\'")
        escaped = name_contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.append(f"%{escaped}%")
    for clause, bound in (
        ("confidence >= ?", min_confidence),
        ("time >= ?", since),
        ("time < ?", until),
    ):
        if bound is not None:
            where.append(clause)
            params.append(bound)
    if before is not None:
        where.append("(time, id) < (?, ?)")
        params.extend(before)
    sql = f"SELECT {_SIGNALS} FROM signals"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY time DESC, id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [SignalRow.from_row(row) for row in db.execute(sql, params).fetchall()]


def load_watchlist(db: sqlite_utils.Database, name: str) -> list[str]:
    """The symbols of a saved watchlist in order; [] if there is none by that name."""
    rows = db.execute(
        "SELECT symbol FROM watchlists WHERE name = ? ORDER BY position", (name,)
    ).fetchall()
    return [symbol for (symbol,) in rows]


@dataclass(slots=True, frozen=True)
class SeriesStats:
    symbol: str
    interval: str
    candles: int
    first_open: int
    last_open: int


@dataclass(slots=True, frozen=True)
class DbStats:
    """`cryptotui db stats`: file sizes (bytes), free pages and row counts."""

    path: Path
    file_bytes: int
    wal_bytes: int
    free_bytes: int
    schema_version: int
    rows: dict[str, int]
    series: list[SeriesStats]


def db_stats(db: sqlite_utils.Database, path: Path) -> DbStats:
    """Sizes and counts. Counting reads every row once: seconds on a 10 M-candle database."""
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    free_pages = db.execute("PRAGMA freelist_count").fetchone()[0]
    rows = {
        table: db.execute(f"SELECT COUNT(*) FROM [{table}]").fetchone()[0]
        for table in ("candles", "signals", "alerts", "outcomes", "watchlists", "transactions")
    }
    per_series = [
        SeriesStats(*row)
        for row in db.execute(
            "SELECT symbol, interval, COUNT(*), MIN(open_time), MAX(open_time) FROM candles "
            "GROUP BY symbol, interval ORDER BY symbol, interval"
        ).fetchall()
    ]
    wal = Path(f"{path}-wal")
    return DbStats(
        path=path,
        file_bytes=os.path.getsize(path),
        wal_bytes=wal.stat().st_size if wal.exists() else 0,
        free_bytes=free_pages * page_size,
        schema_version=schema_version(db),
        rows=rows,
        series=per_series,
    )


def close_at(db: sqlite_utils.Database, symbol: str, time: int) -> float | None:
    """The close of the shortest stored candle of `symbol` that holds `time` (any fixed
    interval), None if no stored candle does: a price at a past moment without the network."""
    for interval, length in INTERVAL_MS.items():
        row = db.execute(
            "SELECT open_time, close FROM candles WHERE symbol = ? AND interval = ? "
            "AND open_time <= ? AND open_time > ? ORDER BY open_time DESC LIMIT 1",
            (symbol, interval, time, time - length),
        ).fetchone()
        if row is not None:
            return row[1]
    return None
