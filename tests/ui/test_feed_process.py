"""The TUI's feed in a process of its own, against the simulator: the app's state mirrors the
feed's (prices, history, indicators, health), requests cross the pipe and bring back their
results and exceptions, chart history loaded on request arrives, and stopping the feed
flushes its store."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

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


async def test_the_feed_process_mirrors_its_state_and_answers_requests(tmp_path):
    db = tmp_path / "store.db"
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[demo]\nspeed = 60.0\n[store]\npath = "{db}"\n')
    config = load_config(cfg, env={})
    state = MarketState(list(SYMBOLS))
    make = feed_factory(
        config, SYMBOLS, ["1m"], state=state, overview=True, store=store_config(config)
    )
    proc = FeedProcess(simulated(config), make, state)
    assert proc.submit(watched) is None  # nothing runs yet
    proc.start()
    try:
        await until(lambda: proc.running, timeout=90, what="the feed")
        await until(lambda: state.health.messages > 0, timeout=120, what="streamed frames")
        assert all(row.version for row in state.rows()) and state.info
        assert len(state.candles[("BTCUSDT", "1m")]) >= 400  # the warm-up, mirrored
        assert state.indicators("BTCUSDT", "1m")["rsi_14"] is not None
        assert state.conns and state.health.db_path == str(db)
        assert await asyncio.wrap_future(proc.submit(watched)) == SYMBOLS  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="refused by the feed of 2 symbols"):
            await asyncio.wrap_future(proc.submit(refuse))  # type: ignore[arg-type]
        done = proc.submit(_history, "ETHUSDT", "5m", 120)
        assert done is not None
        await asyncio.wrap_future(done)
        await until(lambda: len(state.candles.get(("ETHUSDT", "5m"), ())) >= 100, 30, "5m")
    finally:
        await asyncio.to_thread(proc.stop)
    assert proc._process.exitcode == 0 and not proc.running and proc.error is None
    assert proc.submit(watched) is None
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM candles").fetchone()[0] >= 800
