"""Start-up catch-up when REST fails: every hole it could not fill is reported with the command
that fills it (the happy paths run through the feed in tests/test_feed.py)."""

from __future__ import annotations

import asyncio
import itertools
import shlex
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cryptotui.binance.rest import Rest
from cryptotui.intervals import DAY, MINUTE
from cryptotui.sim import SimExchange
from cryptotui.store.backfill import backfill
from cryptotui.store.catchup import catch_up, resume_points
from cryptotui.store.queries import load_candles
from cryptotui.store.schema import open_db
from tests.commands.conftest import threaded_sim

T0 = 1_767_225_600_000
"""2026-01-01 00:00 UTC, the frozen sim clock."""


@pytest.fixture
async def rest() -> AsyncIterator[Rest]:
    async with (
        SimExchange(symbols=["BTCUSDT", "ETHUSDT"], seed=7, speed=0, start_time_ms=T0) as sim,
        Rest(sim.rest_url) as client,
    ):
        client.sim = sim  # type: ignore[attr-defined]
        yield client


async def stored_until(rest: Rest, path: Path, newest: int) -> None:
    await backfill(path, rest, ["BTCUSDT", "ETHUSDT"], "1m", newest - 9 * MINUTE, newest + MINUTE)


async def test_resume_points_skip_series_with_nothing_stored(rest: Rest, tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    await stored_until(rest, path, T0 - DAY)
    points = resume_points(path, ["BTCUSDT", "SOLUSDT"], ["1m", "1h", "1M"])
    assert [(p.symbol, p.interval, p.start) for p in points] == [
        ("BTCUSDT", "1m", T0 - DAY + MINUTE)
    ]


async def test_rest_down_reports_every_series_with_its_command(rest: Rest, tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    await stored_until(rest, path, T0 - DAY)
    rest.retry.attempts, rest.retry.initial = 1, 0.01
    rest.sim.faults.rest_errors(503, 1)  # type: ignore[attr-defined]
    said: list[tuple[str, str]] = []
    points = resume_points(path, ["BTCUSDT", "ETHUSDT"], ["1m"])
    stored = await catch_up(
        path, rest, points, skip_recent=500, max_days=7, say=lambda *a: said.append(a)
    )
    assert stored == 0
    assert [level for level, _ in said] == ["warning", "warning"]
    for (_, text), symbol in zip(said, ("BTCUSDT", "ETHUSDT"), strict=True):
        assert text.startswith(f"{symbol} 1m: candles since 2025-12-31T00:01Z not fetched")
        assert f"`cryptotui backfill {symbol} --interval 1m --since 2025-12-31T00:01Z --db " in text
        assert f"--rest-url {rest.base_url}`" in text


async def test_a_ban_midway_keeps_what_was_fetched_and_says_how_to_finish(
    rest: Rest, tmp_path: Path
) -> None:
    path = tmp_path / "store.db"
    await stored_until(rest, path, T0 - 2 * DAY)
    said: list[tuple[str, str]] = []

    def say(level: str, text: str) -> None:
        said.append((level, text))
        if text.startswith("catching up"):
            rest.sim.faults.rest_errors(418, 1, retry_after=60)  # type: ignore[attr-defined]

    points = resume_points(path, ["BTCUSDT", "ETHUSDT"], ["1m"])
    await catch_up(path, rest, points, skip_recent=500, max_days=7, say=say)
    levels, texts = zip(*said, strict=True)
    assert levels == ("info", "warning")
    assert texts[1].startswith("catch-up stopped (Binance banned this IP")
    assert (
        "fill the rest with `cryptotui backfill BTCUSDT,ETHUSDT --interval 1m "
        "--since 2025-12-30T00:01Z --db " in texts[1]
    )
    db = open_db(path)
    assert len(load_candles(db, "BTCUSDT", "1m")) >= 10  # what was there stays


def test_the_command_it_prints_fills_the_hole_it_reports(tmp_path: Path, run_cli) -> None:
    """Three days down with `catch_up_days = 1`: the catch-up fills the last day, and the
    `cryptotui backfill` line it prints, run as printed, fills the rest: no hole is left."""
    db = tmp_path / "my store.db"  # a space: the printed command must quote it
    with threaded_sim(symbols=["BTCUSDT"], seed=7, speed=0, start_time_ms=T0) as sim:
        url = sim.rest_url
        assert run_cli("backfill", "BTCUSDT", "--interval", "1m", "--db", str(db),
                       "--rest-url", url, "--since", "2025-12-28T23:50", "--until",
                       "2025-12-29T00:00") == 0  # fmt: skip
        said: list[tuple[str, str]] = []

        async def restart() -> None:
            async with Rest(url) as rest:
                points = resume_points(db, ["BTCUSDT"], ["1m"])
                await catch_up(
                    db, rest, points, skip_recent=0, max_days=1, say=lambda *a: said.append(a)
                )

        asyncio.run(restart())
        (hole,) = [text for level, text in said if level == "warning"]
        command = shlex.split(hole.split("`")[1])
        assert command[:2] == ["cryptotui", "backfill"]
        assert run_cli(*command[1:]) == 0
    conn = open_db(db)
    times = [c.open_time for c in load_candles(conn, "BTCUSDT", "1m")]
    assert times[0] == T0 - 3 * DAY - 10 * MINUTE and times[-1] == T0 - MINUTE
    assert all(b - a == MINUTE for a, b in itertools.pairwise(times))
