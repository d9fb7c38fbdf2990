"""Retention: per-interval ages, chunked deletes, beside a live writer."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

from cryptotui.intervals import DAY, MINUTE
from cryptotui.store.live import keep_pruned, open_writer
from cryptotui.store.queries import load_candles
from cryptotui.store.retention import apply_retention
from cryptotui.store.schema import open_db
from cryptotui.store.settings import StoreConfig
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


def settings_for(path: Path, retention: dict[str, float]) -> StoreConfig:
    return StoreConfig(True, path, retention, 5000, 0.25, 1_000_000)


def stored(path: Path) -> int:
    db = open_db(path)
    try:
        return len(load_candles(db, "BTCUSDT", "1m"))
    finally:
        db.close()


def local_now() -> int:
    return int(time.time() * 1000)


async def test_keep_pruned_runs_now_and_again(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    writer = open_writer(settings_for(path, {}))
    writer.put(candle(i=0))  # from 2023: older than any retention
    assert writer.flush(5)
    task = asyncio.create_task(keep_pruned(settings_for(path, {"1m": 30}), local_now, every=0.05))
    try:
        for _ in range(100):
            await asyncio.sleep(0.02)
            if not stored(path):
                break
        assert stored(path) == 0
        writer.put(candle(i=1))  # arrives later: the next pass removes it too
        assert writer.flush(5)
        for _ in range(100):
            await asyncio.sleep(0.02)
            if not stored(path):
                break
        assert stored(path) == 0
        assert not task.done()
    finally:
        task.cancel()
        writer.close()


async def test_keep_pruned_reports_a_failed_pass_and_goes_on(tmp_path: Path) -> None:
    problems: list[str] = []
    not_a_db = tmp_path / "notes.db"
    not_a_db.write_text("not sqlite\n" * 100)
    task = asyncio.create_task(
        keep_pruned(
            settings_for(not_a_db, {"1m": 1}), local_now, every=0.01, on_problem=problems.append
        )
    )
    for _ in range(200):
        await asyncio.sleep(0.01)
        if len(problems) >= 2:
            break
    task.cancel()
    assert len(problems) >= 2 and "retention pass on" in problems[0]


async def test_keep_pruned_without_retention_returns_at_once(tmp_path: Path) -> None:
    await asyncio.wait_for(keep_pruned(settings_for(tmp_path / "x.db", {"1m": 0}), local_now), 1)
    assert not (tmp_path / "x.db").exists()


async def test_keep_pruned_counts_ages_from_the_clock_it_is_given(tmp_path: Path) -> None:
    """The exchange's clock, not the local one: candles from an endpoint a year behind are not
    all old. Until that clock is known no pass runs."""
    path = tmp_path / "store.db"
    writer = open_writer(settings_for(path, {}))
    writer.put_many(candle(i=i) for i in range(3 * 24 * 60))  # 3 days, in 2023
    assert writer.flush(5)
    writer.close()
    clock: list[int] = []
    task = asyncio.create_task(
        keep_pruned(settings_for(path, {"1m": 1}), lambda: clock[0] if clock else None, every=0.01)
    )
    try:
        await asyncio.sleep(0.1)
        assert stored(path) == 3 * 24 * 60  # the exchange's clock is not measured yet
        clock.append(candle(i=3 * 24 * 60).open_time)
        for _ in range(200):
            await asyncio.sleep(0.01)
            if stored(path) < 3 * 24 * 60:
                break
        assert stored(path) == 24 * 60  # the last day by that clock stays
    finally:
        task.cancel()
