"""The feed against the simulator: symbol validation, live watchlist edits, chart history,
warm-up and the start-up catch-up of the stored history."""

from __future__ import annotations

import asyncio
import re
import time
from itertools import pairwise
from pathlib import Path

import pytest

from cryptotui.binance.rest import Rest
from cryptotui.binance.stream import StreamOptions
from cryptotui.config import load_config
from cryptotui.engine import Engine
from cryptotui.feed import Endpoints, Feed
from cryptotui.intervals import DAY, HOUR, MINUTE
from cryptotui.models import AggTrade, Candle, Notice, Signal
from cryptotui.sim import SimExchange
from cryptotui.sources import simulated
from cryptotui.store.backfill import backfill
from cryptotui.store.queries import load_candles
from cryptotui.store.schema import open_db
from cryptotui.store.settings import StoreConfig
from tests.conftest import until

T0 = 1_767_225_600_000


def make(sim, symbols, **kw) -> Feed:
    ep = Endpoints(sim.rest_url, sim.ws_url, "sim")
    return Feed(ep, symbols, ["1m"], options=StreamOptions(backoff_initial=0.1), **kw)


async def test_unknown_symbols_are_dropped_with_one_clear_notice():
    async with SimExchange(symbols=["BTCUSDT"], seed=1, speed=60, start_time_ms=T0) as sim:
        feed = make(sim, ["BTCUSDT", "NOPEUSDT"])
        try:
            await feed.start()
            assert feed.state.symbols == ["BTCUSDT"]
            (n,) = [x for x in feed.state.notices if x.level == "error"]
            assert "NOPEUSDT" in n.text and "removed from the watchlist" in n.text
            await until(lambda: feed.state.rows()[0].version > 0, what="BTC ticker")
        finally:
            await feed.aclose()


async def test_watch_and_unwatch_while_running_and_live_rsi():
    async with SimExchange(
        symbols=["BTCUSDT", "ETHUSDT"], seed=2, speed=120, start_time_ms=T0
    ) as sim:
        engine = Engine(["BTCUSDT"], ["1m"], emit=lambda _e: None, detectors=[])
        feed = make(sim, ["BTCUSDT"], engine=engine, overview=True)
        try:
            await feed.start()
            assert "!miniTicker@arr" in feed.stream.streams
            assert not await feed.watch("NOPEUSDT")
            assert any("NOPEUSDT" in n.text for n in feed.state.notices)
            assert await feed.watch("ethusdt")
            assert feed.state.symbols == ["BTCUSDT", "ETHUSDT"]
            await until(lambda: feed.state.candles.get(("ETHUSDT", "1m")), what="ETH candles")
            await until(
                lambda: feed.state.indicators("ETHUSDT", "1m").get("rsi_14") is not None,
                timeout=15,
                what="ETH RSI after warm-up",
            )
            await feed.unwatch("ETHUSDT")
            assert feed.state.symbols == ["BTCUSDT"]
            assert not any(s.startswith("ethusdt@") for s in feed.stream.streams)
        finally:
            await feed.aclose()


async def test_chart_history_joins_the_live_stream_without_gaps():
    async with SimExchange(symbols=["BTCUSDT"], seed=3, speed=600, start_time_ms=T0) as sim:
        feed = make(sim, ["BTCUSDT"])
        try:
            await feed.start()
            n = await feed.load_candles("BTCUSDT", "5m", limit=200)
            assert n == 200
            await until(
                lambda: len(feed.state.candles[("BTCUSDT", "5m")]) >= 203, what="live 5m candles"
            )
            candles: list[Candle] = list(feed.state.candles[("BTCUSDT", "5m")])
            assert all(b.open_time - a.open_time == 300_000 for a, b in pairwise(candles))
            assert not [x for x in feed.state.notices if isinstance(x, Notice)]
        finally:
            await feed.aclose()


async def test_start_warms_up_indicators_and_continues_gap_free():
    # The clock stands still while the feed starts (however long that takes on a loaded
    # machine, no live minute closes before the history is counted), then runs at 300×.
    async with SimExchange(symbols=["BTCUSDT"], seed=6, speed=0, start_time_ms=T0) as sim:
        engine = Engine(["BTCUSDT"], ["1m"], emit=lambda _e: None)
        feed = make(sim, ["BTCUSDT"], engine=engine)
        try:
            await feed.start()
            history = list(feed.state.candles[("BTCUSDT", "1m")])
            assert len(history) == 500  # WARM_UP_CANDLES, all closed, before any live frame
            assert engine.values("BTCUSDT", "1m")["rsi_14"] is not None
            assert engine.signals == 0  # history warms the detectors but raises nothing
            sim.speed = 300
            await until(lambda: len(feed.state.candles[("BTCUSDT", "1m")]) >= 505, what="live")
            candles = list(feed.state.candles[("BTCUSDT", "1m")])
            assert all(b.open_time - a.open_time == 60_000 for a, b in pairwise(candles))
        finally:
            await feed.aclose()


async def test_whale_detection_is_warm_from_the_first_trade_after_start():
    """The whale detector scores a trade against the symbol's last 1000: they come from REST at
    start, so a whale two seconds after launch is caught, and live trades continue the warm-up
    ones without a gap."""
    seen: list[int] = []

    class Recording(Engine):
        def on_trade(self, t: AggTrade, received_ns: int = 0) -> None:
            seen.append(t.agg_id)
            super().on_trade(t, received_ns)

    async with SimExchange(symbols=["BTCUSDT"], seed=9, speed=10, start_time_ms=T0) as sim:
        engine = Recording(["BTCUSDT"], ["1m"], emit=lambda _e: None, detectors=["whale_trade"])
        events: list[object] = []
        feed = make(sim, ["BTCUSDT"], engine=engine, on_event=events.append)
        try:
            await feed.start()
            (whale,) = engine.market["BTCUSDT"]
            assert whale.robust.held == 1000  # the last 1000 REST trades
            truth = sim.inject("whale_trade", "BTCUSDT", sim.sim_time_ms() + 2_000, side="buy")
            await until(
                lambda: any(isinstance(e, Signal) for e in events), timeout=5, what="the whale"
            )
        finally:
            await feed.aclose()
    (signal,) = [e for e in events if isinstance(e, Signal)]
    assert (signal.name, signal.direction) == ("whale_trade", "bullish")
    assert signal.time == truth.start_ms
    assert seen == list(range(seen[0], seen[0] + len(seen)))  # REST, then live: no gap
    assert seen[1000] == next(e.agg_id for e in events if isinstance(e, AggTrade))


# --- start-up catch-up of the stored history ---------------------------------------------------


async def _stored_before(sim: SimExchange, path: Path, newest: int) -> None:
    """An hour of 1m history in the store ending at `newest` (a previous run's last candle)."""
    async with Rest(sim.rest_url) as rest:
        await backfill(path, rest, ["BTCUSDT"], "1m", newest - 59 * MINUTE, newest + MINUTE)


def _store(path: Path, catch_up_days: float) -> StoreConfig:
    return StoreConfig(True, path, {}, 5000, 0.05, 1_000_000, catch_up_days=catch_up_days)


async def _run_until_caught_up(feed: Feed) -> list[Candle]:
    try:
        await feed.start()
        await until(
            lambda: any("caught up" in n.text for n in feed.state.notices), what="caught up"
        )
        first_live = feed.stream.gate.last_closed("BTCUSDT", "1m")
        await until(
            lambda: (feed.stream.gate.last_closed("BTCUSDT", "1m") or 0) > (first_live or 0),
            what="a live candle",
        )
    finally:
        await feed.aclose()
    assert feed.store is not None
    db = open_db(feed.store.path)
    try:
        return load_candles(db, "BTCUSDT", "1m")
    finally:
        db.close()


async def test_a_restart_catches_up_from_the_newest_stored_candle(tmp_path: Path):
    """Down for two days (far more than the 500 warm-up candles): the gap is filled, with
    progress, and the history runs without a hole from the old candles into the live ones."""
    path = tmp_path / "store.db"
    async with SimExchange(symbols=["BTCUSDT"], seed=4, speed=60, start_time_ms=T0) as sim:
        await _stored_before(sim, path, T0 - 2 * DAY - MINUTE)
        feed = make(sim, ["BTCUSDT"], store=_store(path, catch_up_days=7))
        candles = await _run_until_caught_up(feed)
    assert candles[0].open_time == T0 - 2 * DAY - 60 * MINUTE
    assert candles[-1].open_time >= T0
    assert all(b.open_time - a.open_time == MINUTE for a, b in pairwise(candles))
    texts = [n.text for n in feed.state.notices]
    (start,) = [t for t in texts if t.startswith("catching up")]
    assert re.fullmatch(
        r"catching up 2,3\d\d candles missed since the last run \(1 series\)", start
    )
    (done,) = [t for t in texts if t.startswith("caught up")]
    assert re.match(r"caught up: 2,3\d\d missed candles stored", done), done
    assert not [n for n in feed.state.notices if n.level != "info"]


async def test_a_hole_older_than_catch_up_days_is_reported_with_the_command_that_fills_it(
    tmp_path: Path,
):
    path = tmp_path / "store.db"
    async with SimExchange(symbols=["BTCUSDT"], seed=5, speed=60, start_time_ms=T0) as sim:
        await _stored_before(sim, path, T0 - 3 * DAY - MINUTE)
        feed = make(sim, ["BTCUSDT"], store=_store(path, catch_up_days=1))
        candles = await _run_until_caught_up(feed)
    (hole,) = [n for n in feed.state.notices if n.level == "warning"]
    # The limit is a day before the exchange's clock when the feed starts: 00:00Z, or a minute
    # later on a machine slow enough for the simulator (at 60×) to cross a minute first.
    end = "2025-12-31T00:0[01]Z"
    assert re.match(
        rf"BTCUSDT 1m: no history from 2025-12-29T00:00Z to ({end}) \(2,88[01] candles\), "
        rf"more than store.catch_up_days = 1 back; fill it with `cryptotui backfill BTCUSDT "
        rf"--interval 1m --since 2025-12-29T00:00Z --until \1 --db ",
        hole.text,
    ), hole.text
    late = int("to 2025-12-31T00:01Z" in hole.text)  # the minute the limit moved, if it did
    assert f"({2_880 + late:,} candles)" in hole.text
    times = [c.open_time for c in candles]
    assert times[59] == T0 - 3 * DAY - MINUTE and times[60] == T0 - DAY + late * MINUTE
    assert all(b - a == MINUTE for a, b in pairwise(times[60:]))


async def test_retention_counts_days_back_from_the_exchange_clock(tmp_path: Path):
    """The sim's clock is months behind this machine's: counted from the local clock, a 1-day
    retention would delete every candle the feed stores."""
    path = tmp_path / "store.db"

    def stored_between(lo: int, hi: int) -> int:
        db = open_db(path)
        try:
            return sum(lo <= c.open_time < hi for c in load_candles(db, "BTCUSDT", "1m"))
        finally:
            db.close()

    async with SimExchange(symbols=["BTCUSDT"], seed=6, speed=60, start_time_ms=T0) as sim:
        await _stored_before(sim, path, T0 - 2 * DAY)  # a day too old by the exchange's clock
        await _stored_before(sim, path, T0 - 12 * HOUR)  # older than the warm-up's 500
        store = StoreConfig(True, path, {"1m": 1}, 5000, 0.05, 1_000_000, catch_up_days=0)
        feed = make(sim, ["BTCUSDT"], store=store)
        try:
            await feed.start()
            await until(lambda: not stored_between(0, T0 - DAY), what="a retention pass")
            assert stored_between(T0 - 13 * HOUR, T0 - 11 * HOUR) == 60
            await until(lambda: stored_between(T0 - HOUR, T0 + DAY) >= 60, what="warm-up rows")
        finally:
            await feed.aclose()


async def test_a_database_writable_again_is_good_news_not_an_error(tmp_path: Path):
    async with SimExchange(symbols=["BTCUSDT"], seed=2, speed=600, start_time_ms=T0) as sim:
        feed = make(sim, ["BTCUSDT"], store=_store(tmp_path / "store.db", catch_up_days=0))
        try:
            await feed.start()
            assert feed.writer is not None
            conn = feed.writer._db.conn  # the writer's own connection: make it refuse writes
            conn.execute("PRAGMA query_only = 1")

            def said(words: str) -> list[Notice]:
                return [n for n in feed.state.notices if words in n.text]

            await until(lambda: said("is read-only"), what="the problem")
            conn.execute("PRAGMA query_only = 0")
            await until(lambda: said("writable again"), what="the recovery")
        finally:
            await feed.aclose()
    assert [n.level for n in said("is read-only")] == ["error"]
    assert [n.level for n in said("writable again")] == ["info"]


@pytest.mark.parametrize("speed", [1.0, 10.0])
async def test_lag_and_clock_offset_are_read_on_the_simulators_clock(tmp_path: Path, speed):
    """--demo --speed 10 showed `lag -380019 ms` (an offset measured once, on a clock running
    10× fast) and --demo at 1× a clock offset of up to a minute (the simulator's clock began
    at the whole minute its history ends on): lag is measured on the clock that stamps the
    events, in real milliseconds, and at 1× that clock is the wall clock."""
    config_file = tmp_path / "config.toml"
    config_file.write_text(f"[demo]\nspeed = {speed}\nsymbols = ['BTCUSDT']\n")
    config = load_config(config_file, env={})
    async with simulated(config) as endpoints:
        feed = Feed(endpoints, ["BTCUSDT"], ["1m"])
        try:
            await feed.start()
            await until(lambda: feed.stream.stats.last_event_time > 0, what="a first event")
            await asyncio.sleep(1.5)  # at 10× the simulator's clock runs 13.5 s ahead of wall
            await until(
                lambda: feed.stream.stats.last_receive_ms > time.time() * 1000 - 300,
                what="a fresh event",
            )
            feed.refresh_health()
            assert -250 < feed.state.health.lag_ms < 2_000, feed.state.health.lag_ms
            if speed == 1.0:
                assert abs(feed.rest.clock_offset_ms) < 1_000, feed.rest.clock_offset_ms
        finally:
            await feed.aclose()
