"""Backfill against the simulated exchange over real sockets on 127.0.0.1.

The simulator runs frozen (`speed=0`) at a fixed start time, so its history, and therefore every
count below, is the same on every run.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest

from cryptotui.binance.rest import Rest, RestUnavailable
from cryptotui.intervals import DAY, HOUR, MINUTE
from cryptotui.sim import SimExchange
from cryptotui.store.backfill import Progress, backfill, closed_range, missing_ranges
from cryptotui.store.queries import load_candles
from cryptotui.store.schema import open_db
from cryptotui.store.writer import Writer

from .helpers import candle

START = 1_717_200_000_000 + 17 * MINUTE + 12_345
"""Sim clock (frozen): 2024-06-01 00:17:12.345 UTC; the last closed 1h candle opened 23:00."""
HOUR0 = START - 17 * MINUTE - 12_345
"""2024-06-01 00:00 UTC: the open candle's open time."""


class Interrupted(Exception):
    pass


@pytest.fixture
async def rest() -> AsyncIterator[Rest]:
    async with (
        SimExchange(symbols=["BTCUSDT", "ETHUSDT"], seed=7, speed=0, start_time_ms=START) as sim,
        Rest(sim.rest_url) as client,
    ):
        client.sim = sim  # type: ignore[attr-defined]
        yield client


# --- pure range arithmetic ----------------------------------------------------------------


def test_closed_range_keeps_whole_closed_candles_only() -> None:
    first, last = closed_range(START - 3 * HOUR, START + DAY, "1h", now_ms=START)
    assert first == HOUR0 - 2 * HOUR  # rounded up to an open time
    assert last == HOUR0 - HOUR  # the 00:00 candle is still open
    assert closed_range(START, START + 1, "1h", now_ms=START)[1] < START  # nothing closed yet
    with pytest.raises(ValueError, match="1M"):
        closed_range(0, DAY, "1M", now_ms=DAY)


def test_missing_ranges_finds_gaps_and_merges_close_ones() -> None:
    stored = np.array([0, 10, 20, 50, 60, 100], dtype=np.int64)
    assert missing_ranges(stored, 0, 100, 10, merge_within=1) == [(30, 40), (70, 90)]
    assert missing_ranges(stored, 0, 100, 10) == [(30, 90)]  # one page covers both
    assert missing_ranges(stored, 0, 20, 10) == []
    assert missing_ranges(np.array([], dtype=np.int64), 0, 30, 10) == [(0, 30)]
    assert missing_ranges(stored, 10, 0, 10) == []


# --- against the simulator --------------------------------------------------------------------


async def test_backfills_90_days_of_1h_candles_identical_to_rest(
    rest: Rest, tmp_path: Path
) -> None:
    path = tmp_path / "store.db"
    seen: list[tuple[str, int]] = []
    results = await backfill(
        path,
        rest,
        ["BTCUSDT", "ETHUSDT"],
        "1h",
        HOUR0 - 90 * DAY,
        START,
        on_progress=lambda p: seen.append((p.symbol, p.stored)),
    )
    assert [(p.symbol, p.expected, p.stored, p.error) for p in results] == [
        ("BTCUSDT", 2160, 2160, ""),
        ("ETHUSDT", 2160, 2160, ""),
    ]
    assert ("BTCUSDT", 2160) in seen and ("BTCUSDT", 0) in seen  # progress from 0 to done
    assert rest.requests == 1 + 2 * 3  # server time + 3 pages per symbol
    db = open_db(path)
    stored = load_candles(db, "BTCUSDT", "1h")
    assert len(stored) == 2160
    assert stored[0].open_time == HOUR0 - 90 * DAY
    assert stored[-1].close_time < START  # closed by the sim's clock
    direct = await rest.klines("BTCUSDT", "1h", start=stored[1000].open_time, limit=5)
    assert stored[1000:1005] == direct


async def test_a_rerun_resumes_where_an_interrupted_run_stopped(rest: Rest, tmp_path: Path) -> None:
    path = tmp_path / "store.db"

    def stop_after_two_pages(p: Progress) -> None:
        if p.fetched >= 2000:
            raise Interrupted

    with pytest.raises(Interrupted):
        await backfill(
            path, rest, ["BTCUSDT"], "1h", HOUR0 - 90 * DAY, START, on_progress=stop_after_two_pages
        )
    assert len(load_candles(open_db(path), "BTCUSDT", "1h")) == 2000  # the pages it finished
    before = rest.requests
    (again,) = await backfill(path, rest, ["BTCUSDT"], "1h", HOUR0 - 90 * DAY, START)
    assert (again.stored, again.fetched) == (2160, 160)
    assert rest.requests - before == 2  # server time + one page
    assert len(load_candles(open_db(path), "BTCUSDT", "1h")) == 2160


async def test_holes_in_the_middle_are_filled_too(rest: Rest, tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    await backfill(path, rest, ["BTCUSDT"], "1h", HOUR0 - 90 * DAY, START)
    db = open_db(path)
    full = load_candles(db, "BTCUSDT", "1h")
    db.execute(  # lost while the app was down, say
        "DELETE FROM candles WHERE open_time BETWEEN ? AND ?",
        (full[500].open_time, full[540].open_time),
    )
    (result,) = await backfill(path, rest, ["BTCUSDT"], "1h", HOUR0 - 90 * DAY, START)
    assert (result.stored, result.fetched) == (2160, 41)
    assert load_candles(db, "BTCUSDT", "1h") == full


async def test_an_unknown_symbol_fails_alone(rest: Rest, tmp_path: Path) -> None:
    bad, good = await backfill(
        tmp_path / "store.db", rest, ["NOPEUSDT", "ETHUSDT"], "1h", HOUR0 - 2 * DAY, START
    )
    assert "NOPEUSDT" in bad.error and bad.stored == 0
    assert (good.error, good.stored) == ("", 48)


async def test_where_the_exchange_has_no_history_it_says_so(rest: Rest, tmp_path: Path) -> None:
    """The sim keeps 5 days of 1m candles: a 7-day request ends short, and a rerun finds
    nothing new (one request per symbol for the empty stretch)."""
    path = tmp_path / "store.db"
    (first,) = await backfill(path, rest, ["ETHUSDT"], "1m", HOUR0 - 7 * DAY, START)
    assert first.expected == 7 * 24 * 60 + 17  # up to the open 00:17 minute
    assert 4 * 24 * 60 < first.stored < first.expected
    before = rest.requests
    (again,) = await backfill(path, rest, ["ETHUSDT"], "1m", HOUR0 - 7 * DAY, START)
    assert (again.stored, again.fetched) == (first.stored, 0)
    assert rest.requests - before == 2


async def test_transient_rest_errors_are_retried(rest: Rest, tmp_path: Path) -> None:
    rest.sim.faults.rest_errors(503, 2)  # type: ignore[attr-defined]
    (result,) = await backfill(tmp_path / "store.db", rest, ["BTCUSDT"], "1h", HOUR0 - DAY, START)
    assert result.stored == 24


async def test_rest_giving_up_keeps_what_was_stored(rest: Rest, tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    rest.retry.attempts = 2
    rest.retry.initial = 0.01

    def fail_after_first_page(p: Progress) -> None:
        if p.fetched:
            rest.sim.faults.rest_errors(500, 10)  # type: ignore[attr-defined]

    with pytest.raises(RestUnavailable):
        await backfill(
            path, rest, ["BTCUSDT"], "1h", HOUR0 - 90 * DAY, START,
            on_progress=fail_after_first_page,
        )  # fmt: skip
    assert len(load_candles(open_db(path), "BTCUSDT", "1h")) == 1000


async def test_a_failure_stops_the_other_symbols_too(rest: Rest, tmp_path: Path) -> None:
    path = tmp_path / "store.db"

    def interrupt_btc(p: Progress) -> None:
        if p.symbol == "BTCUSDT" and p.fetched:
            raise Interrupted

    with pytest.raises(Interrupted):
        await backfill(
            path, rest, ["BTCUSDT", "ETHUSDT"], "1h", HOUR0 - 90 * DAY, START,
            on_progress=interrupt_btc, parallel=1,
        )  # fmt: skip
    running = [t for t in asyncio.all_tasks() if "backfill" in t.get_coro().__qualname__]
    assert running == []  # ETHUSDT's task was cancelled and awaited, not left behind
    db = open_db(path)
    assert len(load_candles(db, "BTCUSDT", "1h")) == 1000
    assert load_candles(db, "ETHUSDT", "1h") == []


async def test_runs_beside_the_live_writer(rest: Rest, tmp_path: Path) -> None:
    """The app's writer upserts the same series (and another) while the backfill runs."""
    path = tmp_path / "store.db"
    writer = Writer(path, batch_rows=200, batch_seconds=0.001)
    stop = threading.Event()
    overlap = await rest.klines("BTCUSDT", "1h", start=HOUR0 - 10 * DAY, limit=200)

    def live() -> None:
        i = 0
        while not stop.is_set():
            writer.put(candle("SOLUSDT", "1m", i))
            writer.put(overlap[i % len(overlap)])
            i += 1
            if i % 100 == 0:
                stop.wait(0.001)

    thread = threading.Thread(target=live)
    thread.start()
    try:
        results = await backfill(
            path, rest, ["BTCUSDT", "ETHUSDT"], "1h", HOUR0 - 90 * DAY, START, parallel=2
        )
        await asyncio.sleep(0.05)
    finally:
        stop.set()
        thread.join()
    assert writer.close() == 0
    assert [p.stored for p in results] == [2160, 2160]
    db = open_db(path)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert len(load_candles(db, "BTCUSDT", "1h")) == 2160
    assert writer.stats.committed_rows > 1000
