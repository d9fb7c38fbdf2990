"""The batched writer: idempotent upserts, batching, never blocking, and unwritable databases.

Full and read-only databases are real SQLite conditions: `PRAGMA max_page_count` caps the file
("database or disk is full") and `PRAGMA query_only` refuses writes ("attempt to write a readonly
database") on the writer's own connection. Each is set while the writer's queue is empty, when
its thread does not touch the connection.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cryptotui.models import Alert, Candle, Direction, Signal, Ticker
from cryptotui.store.queries import load_candles, load_watchlist
from cryptotui.store.records import AlertRow, OutcomeRow, WatchlistRow
from cryptotui.store.schema import open_db
from cryptotui.store.writer import Writer

from .helpers import T0, candle, signal


@pytest.fixture
def problems() -> list[str]:
    return []


@pytest.fixture
def writer(tmp_path: Path, problems: list[str]) -> Iterator[Writer]:
    w = Writer(tmp_path / "store.db", batch_seconds=0.02, on_problem=problems.append)
    yield w
    w.close()


def count(path: Path, table: str = "candles") -> int:
    db = open_db(path)
    try:
        return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    finally:
        db.close()


def wait_for(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return predicate()


def test_upserts_never_duplicate_and_keep_the_latest_values(writer: Writer) -> None:
    first = [candle(i=i) for i in range(100)]
    writer.put_many(first)
    assert writer.flush(5)
    # A replay of the same candles plus a REST correction of one of them, as a gap-fill does.
    writer.put_many(first)
    writer.put(candle(i=7, close=999.0, volume=1.5))
    assert writer.flush(5)
    db = open_db(writer.path)
    stored = load_candles(db, "BTCUSDT", "1m")
    assert len(stored) == 100
    assert stored[7] == candle(i=7, close=999.0, volume=1.5)
    assert stored[8] == first[8]
    assert writer.stats.committed_rows == 201
    assert writer.stats.candles == 201


def test_as_a_feed_consumer_it_keeps_closed_candles_only(writer: Writer) -> None:
    writer(candle(i=0))
    writer(candle(i=1, closed=False))
    writer(Ticker("BTCUSDT", T0, 1, 1, 1, 1, 1, 1))
    writer(signal(0))
    assert writer.flush(5)
    assert count(writer.path) == 1
    assert count(writer.path, "signals") == 1


def test_put_rejects_what_it_cannot_store(writer: Writer) -> None:
    with pytest.raises(TypeError, match="Candle"):
        writer.put({"symbol": "BTCUSDT"})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        writer.put_many([candle(i=0), "row"])  # type: ignore[list-item]
    assert writer.pending == 0


def test_commits_on_the_timer_without_flush(tmp_path: Path) -> None:
    w = Writer(tmp_path / "store.db", batch_rows=10_000, batch_seconds=0.05)
    try:
        w.put(candle(i=0))
        assert wait_for(lambda: w.stats.committed_rows == 1, timeout=2)
    finally:
        w.close()


def test_a_full_batch_commits_before_the_timer(tmp_path: Path) -> None:
    w = Writer(tmp_path / "store.db", batch_rows=500, batch_seconds=30)
    try:
        w.put_many(candle(i=i) for i in range(499))
        time.sleep(0.2)
        assert w.stats.committed_rows == 0  # below the count, the 30 s timer governs
        w.put(candle(i=499))
        assert wait_for(lambda: w.stats.committed_rows == 500, timeout=2)
        assert w.stats.committed_batches == 1
    finally:
        w.close()


def test_batches_are_at_most_batch_rows(tmp_path: Path) -> None:
    w = Writer(tmp_path / "store.db", batch_rows=1000, batch_seconds=0.02)
    try:
        w.put_many(candle(i=i) for i in range(5500))
        assert w.flush(5)
        assert w.stats.committed_rows == 5500
        assert w.stats.committed_batches >= 6
    finally:
        w.close()


def test_put_never_waits_for_the_disk(tmp_path: Path) -> None:
    """Another process holds the write lock: puts still return at once; rows land after."""
    path = tmp_path / "store.db"
    w = Writer(path, batch_rows=1000, batch_seconds=0.01)
    blocker = sqlite3.connect(path)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        rows = [candle(i=i) for i in range(20_000)]
        started = time.perf_counter()
        for row in rows:
            w.put(row)
        elapsed = time.perf_counter() - started
        assert elapsed < 0.5  # ~0.3 µs a put; a single disk wait would be far longer
        time.sleep(0.1)
        assert w.stats.committed_rows == 0  # the writer is waiting for the lock
    finally:
        blocker.rollback()
        blocker.close()
    assert w.flush(10)
    assert w.stats.committed_rows == 20_000
    w.close()
    assert count(path) == 20_000


def test_signals_alerts_outcomes_and_watchlists(writer: Writer) -> None:
    s1, s2 = signal(1), signal(2, direction="bearish", kind="rule", name="rsi_above")
    alert = AlertRow(T0, "rsi_above", ("bell", "desktop"), "RSI 72", signal=s2)
    writer.put(s1)
    writer.put(s2)
    writer.put(alert)  # refers to s2 before it has an id: resolved on the writer thread
    writer.put(OutcomeRow(s1, 5, 0.012, True))
    writer.put(WatchlistRow("main", ("ETHUSDT", "BTCUSDT", "SOLUSDT")))
    assert writer.flush(5)
    assert s1.id == 1 and s2.id == 2
    writer.put(OutcomeRow(s1, 5, -0.004, False))  # recomputed: replaces
    writer.put(OutcomeRow(s1.id, 10, 0.02, True))  # by id, a later run
    writer.put(WatchlistRow("main", ("BTCUSDT",)))
    assert writer.flush(5)
    db = open_db(writer.path)
    assert db.execute("SELECT signal_id, rule, channels, message FROM alerts").fetchall() == [
        (2, "rsi_above", '["bell","desktop"]', "RSI 72")
    ]
    assert db.execute(
        "SELECT signal_id, horizon, forward_return, hit FROM outcomes ORDER BY horizon"
    ).fetchall() == [(1, 5, -0.004, 0), (1, 10, 0.02, 1)]
    assert load_watchlist(db, "main") == ["BTCUSDT"]
    assert writer.stats.signals == 2


def test_signal_ids_continue_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    for expected in (1, 2):
        w = Writer(path)
        s = signal(expected)
        w.put(s)
        w.close()
        assert s.id == expected


def test_an_invalid_row_is_left_out_and_the_rest_saved(writer: Writer, problems: list[str]) -> None:
    writer.put(candle(i=0))
    writer.put(AlertRow(T0, "orphan", signal=12345))  # no such signal: foreign key fails
    writer.put(candle(i=1))
    assert writer.flush(5)
    assert count(writer.path) == 2
    assert count(writer.path, "alerts") == 0
    assert writer.stats.rejected == 1
    assert len(problems) == 1
    assert "refused 1 invalid row" in problems[0] and "FOREIGN KEY" in problems[0]


@pytest.mark.parametrize(
    ("pragma", "undo", "words"),
    [
        ("max_page_count = {pages}", "max_page_count = 1000000", "is full"),
        ("query_only = 1", "query_only = 0", "is read-only"),
    ],
)
def test_unwritable_database_holds_rows_reports_once_and_recovers(
    tmp_path: Path, pragma: str, undo: str, words: str
) -> None:
    problems: list[str] = []
    recovered: list[str] = []
    w = Writer(
        tmp_path / "store.db",
        batch_seconds=0.01,
        on_problem=problems.append,
        on_recovered=recovered.append,
    )
    conn = w._db.conn  # the writer's own connection; its queue is empty, its thread idle
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA {pragma.format(pages=pages)}")
    try:
        # One put: the writer thread must not take a batch between the candles and the signal.
        w.put_many([*(candle(i=i) for i in range(3000)), signal(0)])
        assert not w.flush(0.7)  # held, not committed
        assert w.stats.failures >= 1
        assert w.stats.committed_rows == 0
        assert w.pending >= 3001
        w.put(candle(i=3000))  # the caller keeps streaming
        assert len(problems) == 1, problems  # said once, not at every retry
        assert words in problems[0]
        assert "3,001 rows held" in problems[0]
        assert "retrying" in problems[0]
        conn.execute(f"PRAGMA {undo}")
        assert w.flush(15)
        assert count(w.path) == 3001
        assert count(w.path, "signals") == 1
        assert len(problems) == 1 and len(recovered) == 1  # the good news is not a problem
        assert "writable again" in recovered[0]
        assert w.stats.problem == ""
    finally:
        w.close()


def test_past_the_bound_the_oldest_candles_are_dropped_never_signals(tmp_path: Path) -> None:
    problems: list[str] = []
    w = Writer(
        tmp_path / "store.db",
        batch_rows=100,
        batch_seconds=0.01,
        max_pending=1000,
        on_problem=problems.append,
    )
    conn = w._db.conn
    conn.execute("PRAGMA query_only = 1")
    try:
        for i in range(1500):
            w.put(candle(i=i))
            if i % 100 == 0:
                w.put(signal(i))
        assert not w.flush(1.0)
        assert w.stats.dropped > 0
        assert any("dropped the" in p and "backfill" in p for p in problems)
        conn.execute("PRAGMA query_only = 0")
        assert w.flush(15)
    finally:
        w.close()
    db = open_db(tmp_path / "store.db")
    stored = [c.open_time for c in load_candles(db, "BTCUSDT", "1m")]
    assert len(stored) == 1500 - w.stats.dropped
    assert len(stored) <= 1000
    assert stored == [candle(i=i).open_time for i in range(1500 - len(stored), 1500)]  # newest
    assert db.execute("SELECT COUNT(*) FROM signals").fetchone()[0] == 15


def test_close_reports_rows_it_could_not_write(tmp_path: Path) -> None:
    problems: list[str] = []
    w = Writer(tmp_path / "store.db", batch_seconds=0.01, on_problem=problems.append)
    w._db.conn.execute("PRAGMA query_only = 1")
    w.put_many(candle(i=i) for i in range(10))
    started = time.monotonic()
    assert w.close(timeout=0.5) == 10
    assert time.monotonic() - started < 5
    assert "10 rows lost" in problems[-1]
    assert w.close() == 10  # idempotent, and said once
    assert sum("rows lost" in p for p in problems) == 1


def test_close_drains_everything(tmp_path: Path) -> None:
    w = Writer(tmp_path / "store.db", batch_rows=1000, batch_seconds=60)
    w.put_many(candle(i=i) for i in range(2500))
    assert w.close() == 0
    assert count(tmp_path / "store.db") == 2500
    assert isinstance(load_candles(open_db(tmp_path / "store.db"), "BTCUSDT", "1m")[0], Candle)


def engine_signal(**changes) -> Signal:
    fields = {
        "name": "bullish_engulfing",
        "direction": Direction.BULLISH,
        "symbol": "BTCUSDT",
        "interval": "1h",
        "time": T0,
        "price": 101.5,
        "span_start": T0 - 7_200_000,
        "span_end": T0 - 3_600_000,
        "factors": {"body_ratio": 1.8},
        "scores": {"volume": 0.7},
        "confidence": 0.72,
        "description": "engulfs 2 bodies",
    }
    return Signal(**(fields | changes))


def test_engine_signals_and_alerts_are_stored_and_linked(tmp_path: Path) -> None:
    w = Writer(tmp_path / "store.db", alert_channels=("app", "bell"))
    s = engine_signal()
    w(s)
    w(
        Alert(
            time=T0, symbol="BTCUSDT", interval="1h", kind="pattern", name=s.name,
            direction=s.direction, confidence=0.72, price=101.5, factors={},
            message="BTC engulfing",
        )
    )  # fmt: skip
    w(engine_signal(name="hammer", time=T0 + 1))  # no alert for this one
    rule = Alert(
        time=T0 + 2, symbol="ETHUSDT", interval="1m", kind="rule", name="eth-4k",
        direction=Direction.NEUTRAL, confidence=1.0, price=4000.0,
        factors={"value": 4001.0, "threshold": 4000.0}, message="ETH crossed 4k",
        rule="price crosses 4000",
    )  # fmt: skip
    w(rule)
    assert w.close() == 0
    db = open_db(tmp_path / "store.db")
    rows = db.execute(
        "SELECT id, kind, name, direction, confidence, factors, span_start, message FROM signals"
    ).fetchall()
    assert rows == [
        (1, "pattern", "bullish_engulfing", "bullish", 0.72,
         '{"body_ratio":1.8,"score_volume":0.7}', T0 - 7_200_000, "engulfs 2 bodies"),
        (2, "pattern", "hammer", "bullish", 0.72,
         '{"body_ratio":1.8,"score_volume":0.7}', T0 - 7_200_000, "engulfs 2 bodies"),
        (3, "rule", "eth-4k", "neutral", 1.0,
         '{"value":4001.0,"threshold":4000.0}', None, "ETH crossed 4k"),
    ]  # fmt: skip
    assert db.execute("SELECT signal_id, rule, channels, message FROM alerts").fetchall() == [
        (1, "bullish_engulfing", '["app","bell"]', "BTC engulfing"),
        (3, "eth-4k", '["app","bell"]', "ETH crossed 4k"),
    ]


def test_a_bad_engine_value_is_reported_never_raised(writer: Writer, problems: list[str]) -> None:
    writer(engine_signal(confidence=float("nan")))
    writer(engine_signal(factors={"when": object()}))
    assert writer.invalid_events == 2
    assert len(problems) == 2 and "confidence nan" in problems[0]
    assert writer.flush(5)
    assert count(writer.path, "signals") == 0
