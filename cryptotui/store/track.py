"""Reads for outcome tracking: the stored track record, and signals whose outcomes are still open.

The live tracker (`cryptotui.stats.tracking`) loads these at start-up, on its own connection, so
a restart continues the record instead of recomputing it, and signals whose horizons closed
while the app was off get their outcomes from the stored candles.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlite_utils

from cryptotui.models import Candle
from cryptotui.stats.record import RecordKey, Tally
from cryptotui.store.records import SERIES_CANDLE_COLUMNS, OutcomeRow, SignalRow, series_candles

if TYPE_CHECKING:
    from cryptotui.stats.backtest import SeriesResult


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
        f"SELECT {SERIES_CANDLE_COLUMNS} FROM candles "
        "WHERE symbol = ? AND interval = ? AND close_time >= ? ORDER BY open_time LIMIT ?",
        (symbol, interval, time, limit),
    ).fetchall()
    return series_candles(symbol, interval, rows)


def save_backtest(db: sqlite_utils.Database, results: Sequence[SeriesResult]) -> tuple[int, int]:
    """Store a backtest's signals and outcomes (`backtest --save`): the track record the live
    confidence reads then starts from them. Signals already stored (same kind, symbol, name and
    time: an earlier save, or the live app) are skipped with their outcomes, so saving twice
    counts nothing twice. One transaction; returns (signals, outcomes) written."""
    import pandas as pd

    from cryptotui.store.writer import write_rows

    rows: list[SignalRow | OutcomeRow] = []
    for r in results:
        signals, outcomes = r.signals, r.outcomes
        if signals is None or outcomes is None:
            raise ValueError(f"{r.symbol} {r.interval}: run without keep_factors, nothing kept")
        if signals.empty:
            continue
        lo, hi = int(signals["time"].min()), int(signals["time"].max())
        have = set(
            db.execute(
                "SELECT kind, name, time FROM signals WHERE symbol = ? AND time BETWEEN ? AND ?",
                (r.symbol, lo, hi),
            ).fetchall()
        )
        made: dict[int, SignalRow] = {}
        for s in signals.itertuples(index=False):
            if (s.kind, s.name, s.time) in have:
                continue
            made[s.sid] = SignalRow(
                int(s.time), r.symbol, r.interval, s.kind, s.name, s.direction,
                float(s.confidence), float(s.price), r.factors[s.sid] if r.factors else {},
                int(s.span_start) or None, int(s.span_end) or None,
            )  # fmt: skip
        rows.extend(made.values())
        for o in outcomes.itertuples(index=False):
            signal = made.get(o.sid)
            if signal is not None:
                hit = None if o.direction == "neutral" else bool(o.hit)
                base = None if pd.isna(o.asof_baseline) else float(o.asof_baseline)
                rows.append(OutcomeRow(signal, int(o.horizon), float(o.forward_return), hit,
                                       float(o.mfe), float(o.mae), base, r.interval))  # fmt: skip
    db.execute("BEGIN IMMEDIATE")  # the write lock first: write_rows numbers the signals
    try:
        write_rows(db.conn, rows)
        db.execute("COMMIT")
    except BaseException:
        db.conn.rollback()
        raise
    signals = sum(isinstance(row, SignalRow) for row in rows)
    return signals, len(rows) - signals


def _pattern_filter(
    symbol: str | None,
    interval: str | None,
    horizon: int | None,
    name_contains: str | None,
    direction: str | None,
) -> tuple[str, list[object]]:
    """SQL conditions (each starting with AND) on `s` signals joined to `o` outcomes."""
    sql = ""
    args: list[object] = []
    for column, value in (
        ("s.symbol", symbol),
        ("COALESCE(o.interval, s.interval, '')", interval),
        ("o.horizon", horizon),
        ("s.direction", direction),
    ):
        if value is not None:
            sql += f" AND {column} = ?"
            args.append(value)
    if name_contains:
        sql += " AND instr(lower(s.name), lower(?)) > 0"
        args.append(name_contains)
    return sql, args


def outcome_hits(
    db: sqlite_utils.Database,
    *,
    by_symbol: bool,
    symbol: str | None = None,
    interval: str | None = None,
    horizon: int | None = None,
    name_contains: str | None = None,
    direction: str | None = None,
) -> Iterator[tuple[str, str, str, str, int, int]]:
    """(name, direction, symbol, interval, horizon, hit) of every tested outcome (a hit and a
    baseline), in signal-time order: the track record's rows as sequences, for a trend test of
    recent against earlier outcomes. The symbol is '' unless `by_symbol`. A scan of the
    `signals_time` index with a key lookup per outcome and no sort (window functions over the
    same rows measured 8× slower); consume it before the connection is used again."""
    where, args = _pattern_filter(symbol, interval, horizon, name_contains, direction)
    sym = "s.symbol" if by_symbol else "''"
    return iter(
        db.execute(
            f"SELECT s.name, s.direction, {sym}, COALESCE(o.interval, s.interval, ''), o.horizon, "
            "o.hit FROM signals s JOIN outcomes o ON o.signal_id = s.id "
            f"WHERE o.hit IS NOT NULL AND o.baseline IS NOT NULL{where} ORDER BY s.time, s.id",
            args,
        )
    )


def pattern_outcomes(
    db: sqlite_utils.Database,
    name: str,
    direction: str,
    interval: str,
    horizon: int,
    symbol: str | None = None,
) -> list[tuple[int, str, float, int | None]]:
    """(time, symbol, forward return, hit) of every outcome of one pattern at one horizon, of
    one symbol or all, oldest first (a range read on the `signals_name_time` index)."""
    where, args = _pattern_filter(symbol, interval, None, None, None)
    return db.execute(
        "SELECT s.time, s.symbol, o.forward_return, o.hit FROM signals s "
        "JOIN outcomes o ON o.signal_id = s.id AND o.horizon = ? "
        f"WHERE s.name = ? AND s.direction = ?{where} ORDER BY s.time, s.id",
        (horizon, name, direction, *args),
    ).fetchall()
