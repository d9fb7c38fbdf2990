"""Reads: candles for analysis, signal history filters and order, index use, series listing."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils

from cryptotui.store.queries import (
    db_stats,
    latest_open_time,
    load_candles,
    series,
    signal_history,
)
from cryptotui.store.schema import SCHEMA_VERSION, open_db
from cryptotui.store.writer import Writer

from .helpers import T0, candle, signal


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    path = tmp_path / "store.db"
    w = Writer(path)
    w.put_many(candle("BTCUSDT", "1m", i) for i in range(50))
    w.put_many(candle("BTCUSDT", "1h", i) for i in range(5))
    w.put_many(candle("ETHUSDT", "1m", i) for i in range(3))
    for i in range(20):
        w.put(
            signal(
                i,
                symbol="ETHUSDT" if i % 2 else "BTCUSDT",
                name="hammer" if i % 3 else "rsi_above",
                kind="pattern" if i % 3 else "rule",
                direction=("bullish", "bearish", "neutral")[i % 3],
                confidence=i / 20,
                interval=None if i == 19 else "1m",
            )
        )
    assert w.close() == 0
    return open_db(path)


def test_load_candles_returns_the_stored_candles_oldest_first(db) -> None:
    got = load_candles(db, "BTCUSDT", "1m")
    assert got == [candle("BTCUSDT", "1m", i) for i in range(50)]
    assert load_candles(db, "BTCUSDT", "5m") == []


def test_load_candles_since_and_limit(db) -> None:
    since = candle(i=10).open_time
    assert [c.open_time for c in load_candles(db, "BTCUSDT", "1m", since=since)] == [
        candle(i=i).open_time for i in range(10, 50)
    ]
    # limit keeps the most recent ones, still oldest first.
    assert load_candles(db, "BTCUSDT", "1m", limit=3) == [candle(i=i) for i in (47, 48, 49)]
    assert load_candles(db, "BTCUSDT", "1m", since=since, limit=100)[0] == candle(i=10)


def test_latest_open_time_and_series(db) -> None:
    assert latest_open_time(db, "BTCUSDT", "1h") == candle("BTCUSDT", "1h", 4).open_time
    assert latest_open_time(db, "SOLUSDT", "1m") is None
    assert series(db) == [("BTCUSDT", "1h"), ("BTCUSDT", "1m"), ("ETHUSDT", "1m")]


def test_series_of_an_empty_database(tmp_path: Path) -> None:
    assert series(open_db(tmp_path / "empty.db")) == []


def test_history_is_newest_first_and_limited(db) -> None:
    got = signal_history(db, limit=5)
    assert [s.time for s in got] == [T0 + i * 60_000 for i in (19, 18, 17, 16, 15)]
    assert got[0] == signal(
        19,
        symbol="ETHUSDT",
        name="hammer",
        direction="bearish",
        confidence=0.95,
        interval=None,
        id=20,
    )
    assert got[0].factors == {"body": 0.3, "volume_z": 1.5}


def test_history_filters_combine(db) -> None:
    def times(**filters) -> list[int]:
        return [(s.time - T0) // 60_000 for s in signal_history(db, limit=None, **filters)]

    assert times(symbol="BTCUSDT") == list(range(18, -1, -2))
    assert times(name="rsi_above") == [18, 15, 12, 9, 6, 3, 0]
    assert times(direction="bearish", symbol="ETHUSDT") == [19, 13, 7, 1]
    assert times(min_confidence=0.8) == [19, 18, 17, 16]
    assert times(since=T0 + 17 * 60_000) == [19, 18, 17]
    assert times(interval="1m", since=T0 + 17 * 60_000) == [18, 17]
    assert times(symbol="SOLUSDT") == []
    assert times(until=T0 + 3 * 60_000) == [2, 1, 0]
    assert times(name_contains="rsi_") == [18, 15, 12, 9, 6, 3, 0]
    assert times(name_contains="%") == []  # LIKE wildcards are matched literally


def test_keyset_pages_cover_everything_once_in_order(db) -> None:
    seen, before = [], None
    while page := signal_history(db, limit=3, before=before):
        seen += [(s.time - T0) // 60_000 for s in page]
        before = (page[-1].time, page[-1].id)
    assert seen == list(range(19, -1, -1))


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        ({"symbol": "BTCUSDT"}, "signals_symbol_time"),
        ({"name": "hammer"}, "signals_name_time"),
        ({}, "signals_time"),
    ],
)
def test_history_queries_use_an_index(db, filters: dict, index: str) -> None:
    """Newest-first reads walk an index backwards instead of sorting the matches."""
    where = " AND ".join(f"{k} = ?" for k in filters) or "1"
    plan = db.execute(
        f"EXPLAIN QUERY PLAN SELECT * FROM signals WHERE {where} "
        "ORDER BY time DESC, id DESC LIMIT 100",
        list(filters.values()),
    ).fetchall()
    text = " ".join(row[-1] for row in plan)
    assert f"USING INDEX {index}" in text
    assert "TEMP B-TREE" not in text


def test_stats_counts_rows_and_series(db, tmp_path: Path) -> None:
    stats = db_stats(db, tmp_path / "store.db")
    assert stats.rows == {"candles": 58, "signals": 20, "alerts": 0, "outcomes": 0, "watchlists": 0,
                           "transactions": 0}  # fmt: skip
    assert [(s.symbol, s.interval, s.candles) for s in stats.series] == [
        ("BTCUSDT", "1h", 5),
        ("BTCUSDT", "1m", 50),
        ("ETHUSDT", "1m", 3),
    ]
    assert stats.series[1].first_open == candle(i=0).open_time
    assert stats.series[1].last_open == candle(i=49).open_time
    assert stats.file_bytes > 0
    assert stats.schema_version == SCHEMA_VERSION
