"""The TUI's feed in a process of its own, against the simulator: the app's state mirrors the
feed's (prices, history, indicators, health), requests cross the pipe and bring back their
results and exceptions, chart history loaded on request arrives, and stopping the feed
flushes its store.

The scenario runs in a fresh interpreter, which forks the feed as `run_tui` does: from a
process with no other threads (a test process has the threads of earlier tests, and a fork
copies the locks they hold)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
import sqlite3
from pathlib import Path

from cryptotui.config import load_config
from cryptotui.feed import Feed, feed_factory
from cryptotui.sources import simulated
from cryptotui.state import MarketState
from cryptotui.store import store_config
from cryptotui.ui.feed_process import FeedProcess
from cryptotui.ui.services.market import _history
from tests.conftest import until

SYMBOLS = ["BTCUSDT", "ETHUSDT"]


async def watched(feed: Feed) -> list[str]:
    return list(feed.state.symbols)


async def refuse(feed: Feed) -> None:
    raise ValueError(f"refused by the feed of {len(feed.state.symbols)} symbols")


async def scenario(db: Path) -> dict:
    cfg = db.with_name("config.toml")
    cfg.write_text(f'[demo]\nspeed = 60.0\n[store]\npath = "{db}"\n')
    config = load_config(cfg, env={})
    state = MarketState(list(SYMBOLS))
    make = feed_factory(
        config, SYMBOLS, ["1m"], state=state, overview=True, store=store_config(config)
    )
    proc = FeedProcess(simulated(config), make, state)
    seen: dict = {"before": proc.submit(watched)}
    proc.start()
    try:
        await until(lambda: proc.running, timeout=60, what="the feed")
        await until(lambda: state.health.messages > 0, timeout=60, what="streamed frames")
        seen["prices"] = all(row.version for row in state.rows()) and bool(state.info)
        seen["warm"] = len(state.candles[("BTCUSDT", "1m")])
        seen["rsi"] = state.indicators("BTCUSDT", "1m")["rsi_14"]
        seen["db_path"] = state.health.db_path
        seen["watched"] = await asyncio.wrap_future(proc.submit(watched))  # type: ignore[arg-type]
        try:
            await asyncio.wrap_future(proc.submit(refuse))  # type: ignore[arg-type]
        except ValueError as exc:
            seen["refused"] = str(exc)
        await asyncio.wrap_future(proc.submit(_history, "ETHUSDT", "5m", 120))  # type: ignore[arg-type]
        await until(lambda: len(state.candles.get(("ETHUSDT", "5m"), ())) >= 100, 30, "5m")
    finally:
        await asyncio.to_thread(proc.stop)
    seen["exit"] = (proc._process.exitcode, proc.running, proc.error, proc.submit(watched))
    return seen


def run(db: Path) -> dict:
    return asyncio.run(scenario(db))


def test_the_feed_process_mirrors_its_state_and_answers_requests(tmp_path):
    db = tmp_path / "store.db"
    spawn = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=spawn) as pool:
        seen = pool.submit(run, db).result(timeout=110)
    assert seen["before"] is None  # nothing ran yet
    assert seen["prices"] and seen["warm"] >= 400 and seen["rsi"] is not None
    assert seen["db_path"] == str(db) and seen["watched"] == SYMBOLS
    assert seen["refused"] == "refused by the feed of 2 symbols"
    assert seen["exit"] == (0, False, None, None)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM candles").fetchone()[0] >= 800
