"""Live outcome tracking through the real store: a restart fills what closed while it was off."""

from __future__ import annotations

from pathlib import Path

import pytest

from cryptotui.engine import Engine
from cryptotui.stats.outcomes import Outcome, OutcomeTracker
from cryptotui.stats.record import RecordKey
from cryptotui.stats.tracking import resume_tracking
from cryptotui.store.schema import open_db
from cryptotui.store.track import track_record_rows
from cryptotui.store.writer import Writer
from tests.stats.candles import walk

HORIZONS = (1, 5, 10)


def engine(emit) -> Engine:
    return Engine(["TESTUSDT"], ["1h"], emit=emit, detectors=["candlestick"],
                  tracker=OutcomeTracker(HORIZONS))  # fmt: skip


def outcomes_table(path: Path) -> list[tuple]:
    db = open_db(path)
    try:
        return db.execute(
            "SELECT s.name, s.time, o.horizon, o.forward_return, o.hit, o.mfe, o.mae, o.baseline "
            "FROM outcomes o JOIN signals s ON s.id = o.signal_id "
            "ORDER BY s.time, s.name, o.horizon"
        ).fetchall()
    finally:
        db.close()


def record(path: Path) -> dict[tuple[RecordKey, int], tuple[int, int, int]]:
    db = open_db(path)
    try:
        return {(k, h): (t.n, t.tested, t.hits) for k, h, t in track_record_rows(db)}
    finally:
        db.close()


def test_a_restart_resolves_outcomes_from_stored_candles(tmp_path: Path) -> None:
    candles = walk(420, seed=21)
    # Uninterrupted: the app saw every candle.
    whole = tmp_path / "whole.db"
    w = Writer(whole)
    e = engine(w)
    for c in candles:
        w(c)
        e.on_candle(c)
    w.close()

    # Interrupted: the app stopped after candle 300; the rest arrived by backfill later.
    broken = tmp_path / "broken.db"
    w = Writer(broken)
    e = engine(w)
    for c in candles[:300]:
        w(c)
        e.on_candle(c)
    w.put_many(candles[300:])
    w.close()
    before = len(outcomes_table(broken))

    tracker = OutcomeTracker(HORIZONS, market_interval="1h")
    found = resume_tracking(broken, tracker, now_ms=candles[-1].close_time)
    assert found and all(isinstance(o, Outcome) and isinstance(o.signal, int) for o in found)
    w = Writer(broken)
    for o in found:
        w(o)
    w.close()

    stop = candles[299].close_time
    assert len(outcomes_table(broken)) == len(found) + before > before
    # Every signal seen before the stop has the outcomes the uninterrupted run stored.
    seen = [row for row in outcomes_table(whole) if row[1] <= stop]
    assert outcomes_table(broken) == pytest.approx(seen)
    # ... and the trigger-kept record matches them; the tracker loaded that record.
    loaded = {k: (t.n, t.tested, t.hits) for k, t in tracker.record.rows.items()}
    assert loaded == record(broken)
    assert sum(n for n, _, _ in loaded.values()) == len(seen)


def test_track_record_trigger_counts_each_outcome_once(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    w = Writer(path)
    emitted: list[object] = []

    def both(ev: object) -> None:
        emitted.append(ev)
        w(ev)

    e = engine(both)
    for c in walk(300, seed=3):
        both(c)
        e.on_candle(c)
    assert w.flush(5)
    for ev in emitted:  # the same outcomes written again (a replay): replaced, not recounted
        if isinstance(ev, Outcome):
            w(ev)
    w.close()
    db = open_db(path)
    aggregate = db.execute(
        "SELECT s.name, s.direction, s.symbol, o.interval, o.horizon, COUNT(*), "
        "SUM(o.hit IS NOT NULL AND o.baseline IS NOT NULL), "
        "SUM(CASE WHEN o.baseline IS NOT NULL THEN COALESCE(o.hit, 0) ELSE 0 END) "
        "FROM outcomes o JOIN signals s ON s.id = o.signal_id GROUP BY 1, 2, 3, 4, 5"
    ).fetchall()
    db.close()
    expected = {(RecordKey(*row[:4]), row[4]): tuple(row[5:]) for row in aggregate}
    assert record(path) == expected
    assert sum(n for n, _, _ in expected.values()) == sum(isinstance(ev, Outcome) for ev in emitted)
    assert {k: (t.n, t.tested, t.hits) for k, t in e.tracker.record.rows.items()} == expected


def test_migration_keeps_version_1_outcomes_and_counts_them(tmp_path: Path) -> None:
    from cryptotui.store.schema import connect, migrate

    db = connect(tmp_path / "v1.db")
    migrate(db, target=1)
    db.execute(
        "INSERT INTO signals (id, time, symbol, interval, kind, name, direction, confidence) "
        "VALUES (1, 5, 'BTCUSDT', '1h', 'pattern', 'hammer', 'bullish', 0.7), "
        "(2, 9, 'BTCUSDT', '1h', 'pattern', 'doji', 'neutral', 0.6)"
    )
    db.execute("INSERT INTO outcomes VALUES (1, 5, 0.02, 1), (2, 5, -0.01, 0)")
    db.conn.commit()
    assert migrate(db, target=2) == 2
    assert db.execute(
        "SELECT signal_id, interval, forward_return, hit FROM outcomes"
    ).fetchall() == [
        (1, "1h", 0.02, 1),
        (2, "1h", -0.01, None),  # a neutral signal has no hit
    ]
    rows = {(k.name, h): (t.n, t.tested) for k, h, t in track_record_rows(db)}
    assert rows == {("hammer", 5): (1, 0), ("doji", 5): (1, 0)}
    db.close()
