"""Retention: per-interval ages, chunked deletes, beside a live writer."""

from __future__ import annotations

import threading
from pathlib import Path

from cryptotui.intervals import DAY, MINUTE
from cryptotui.store.queries import load_candles
from cryptotui.store.retention import apply_retention
from cryptotui.store.schema import open_db
from cryptotui.store.writer import Writer

from .helpers import candle

NOW = candle("BTCUSDT", "1m", 0).open_time + 3 * DAY


def fill(path: Path) -> None:
    w = Writer(path)
    for symbol in ("BTCUSDT", "ETHUSDT"):
        w.put_many(candle(symbol, "1m", i) for i in range(0, 3 * 24 * 60, 7))  # 3 days, sparse
        w.put_many(candle(symbol, "1h", i) for i in range(72))
        w.put_many(candle(symbol, "1s", i) for i in range(0, 3 * 86400, 600))
    assert w.close() == 0


def test_each_interval_keeps_its_own_age(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    fill(path)
    deleted = apply_retention(path, {"1m": 1, "1s": 0.5, "1h": 0}, now_ms=NOW, chunk=37)
    db = open_db(path)
    for symbol in ("BTCUSDT", "ETHUSDT"):
        minutes = load_candles(db, symbol, "1m")
        seconds = load_candles(db, symbol, "1s")
        assert minutes and all(c.open_time >= NOW - DAY for c in minutes)
        assert seconds and all(c.open_time >= NOW - DAY // 2 for c in seconds)
        assert len(load_candles(db, symbol, "1h")) == 72  # 0 = forever
        # Nothing younger than the cutoff went: exactly the candles older than it.
        old_minutes = sum(1 for i in range(0, 3 * 24 * 60, 7) if i * MINUTE < 2 * DAY)
        assert deleted[symbol, "1m"] == old_minutes
        assert len(minutes) == len(range(0, 3 * 24 * 60, 7)) - old_minutes
    assert set(deleted) == {(s, i) for s in ("BTCUSDT", "ETHUSDT") for i in ("1m", "1s")}
    assert apply_retention(path, {"1m": 1, "1s": 0.5}, now_ms=NOW) == {}  # idempotent


def test_intervals_without_a_setting_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    fill(path)
    assert apply_retention(path, {"5m": 1}, now_ms=NOW) == {}


def test_runs_beside_the_live_writer_without_errors(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    fill(path)
    problems: list[str] = []
    writer = Writer(path, batch_rows=100, batch_seconds=0.001, on_problem=problems.append)
    stop = threading.Event()

    def live() -> None:
        i = 0
        while not stop.is_set():
            writer.put(candle("SOLUSDT", "1m", i))
            i += 1
            if i % 50 == 0:
                stop.wait(0.001)

    thread = threading.Thread(target=live)
    thread.start()
    try:
        deleted = apply_retention(path, {"1m": 1, "1s": 0.5}, now_ms=NOW, chunk=10, pause=0)
    finally:
        stop.set()
        thread.join()
    assert writer.close() == 0
    assert problems == []
    assert writer.stats.failures == 0
    assert sum(deleted.values()) > 500
    db = open_db(path)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
