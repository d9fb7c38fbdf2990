"""Write the README's SVG screenshots (Textual's own export) of each main screen, from a real run.

    .venv/bin/python screenshots/make_screenshots.py

The seeded simulator (seed 7, from 2026-01-01T00:00Z, with a few scenarios injected on the
watched symbols) streams RUN_HOURS of aggTrades, 24 h tickers and 1m klines through the real
codec into the real engine, market state and store writer, after the same warm-up the live
feed does — `cryptotui --demo` without the sockets, so the files only change when the UI, the
engine or the simulator does. The TUI then opens on that state and database, titled SIMULATED,
with a frozen clock. Every number on screen (prices, alerts, history, health counters, database
size) comes from the run.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from textual.pilot import Pilot  # noqa: E402

from cryptotui import sources  # noqa: E402
from cryptotui.binance import codec  # noqa: E402
from cryptotui.config import load_config  # noqa: E402
from cryptotui.engine import engine_from_config  # noqa: E402
from cryptotui.feed import WARM_UP_CANDLES, WARM_UP_TRADES  # noqa: E402
from cryptotui.intervals import HOUR, MINUTE  # noqa: E402
from cryptotui.models import ConnectionStatus, ConnState  # noqa: E402
from cryptotui.sim import Market, wire  # noqa: E402
from cryptotui.state import MarketState  # noqa: E402
from cryptotui.stats.groundtruth import stream_market  # noqa: E402
from cryptotui.store.writer import Writer  # noqa: E402
from cryptotui.ui.app import CryptoTUI  # noqa: E402
from cryptotui.ui.services.store import UiStore  # noqa: E402
from cryptotui.ui.widgets.chart import Chart  # noqa: E402
from tests.ui.conftest import frozen  # noqa: E402
from tests.ui.market import SEED, START_MS, UNIVERSE, WATCHED  # noqa: E402

RUN_HOURS = 3
INJECTED: list[tuple[str, str, int, dict]] = [
    # (scenario, symbol, minutes after the start, parameters)
    ("chart_formation", "ETHUSDT", 20, {"pattern": "double_bottom"}),
    ("whale_trade", "BTCUSDT", 45, {"side": "buy"}),
    ("pump_and_dump", "SOLUSDT", 60, {}),
    ("candle_formation", "BNBUSDT", 100, {"pattern": "hammer"}),
    ("volume_spike", "XRPUSDT", 120, {}),
    ("round_number_cross", "BTCUSDT", 140, {}),
    ("candle_formation", "BTCUSDT", 168, {"pattern": "bullish_engulfing"}),
]
"""Something for the alerts, the history and the chart to show; the rest is the random walk."""

Setup = Callable[[Pilot], Awaitable[None]]


def simulated_run(db: Path) -> tuple[MarketState, Writer]:
    """The state and database a `--demo` session holds after RUN_HOURS on the seeded market."""
    market = Market(UNIVERSE, seed=SEED, start_time_ms=START_MS)
    for kind, symbol, minutes, params in INJECTED:
        market.inject(kind, symbol, START_MS + minutes * MINUTE, **params)
    state = MarketState(list(WATCHED))
    writer = Writer(db, batch_seconds=0.05)
    engine = engine_from_config(load_config(env={}), WATCHED, ["1m"])
    engine.dispatcher = None  # the screens show alerts; no bell or file while drawing them

    def deliver(ev: object) -> None:
        state.apply(ev)
        writer(ev)

    engine.emit = deliver
    state.indicators = engine.live_values
    for sym in WATCHED:
        rows = market.klines(sym, "1m", end=START_MS - 1, limit=WARM_UP_CANDLES)
        candles = [codec.kline_row(r, sym, "1m") for r in rows]
        for c in candles:
            deliver(c)
        engine.warm_up(candles)
        trades = market.sims[sym].trade_log()[-WARM_UP_TRADES:]
        engine.warm_up(codec.agg_trade_rest(wire.agg_trade_rest(t), sym) for t in trades)

    def on_event(ev: object) -> None:
        state.health.messages += 1
        deliver(ev)
        engine.on_event(ev)

    stream_market(market, WATCHED, "1m", START_MS + RUN_HOURS * HOUR, on_event)
    now = market.now
    state.info = codec.exchange_info(wire.exchange_info(list(market.specs.values()), now, 6000))
    for sym in UNIVERSE:  # the overview's 24 h tickers, as `!miniTicker@arr` would have them
        state.apply(codec.ticker_rest(wire.ticker_rest(market.sims[sym].stats(now))))
    state.apply(ConnectionStatus(1, ConnState.OPEN, len(WATCHED) * 3 + 1))
    writer.flush(30)
    h = state.health
    h.db_path, h.db_rows = str(db), writer.stats.committed_rows
    h.db_bytes = sum(f.stat().st_size for f in db.parent.glob(db.name + "*"))
    return state, writer


async def keys(pilot: Pilot, *pressed: str) -> None:
    await pilot.pause()
    await pilot.press(*pressed)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.2)


async def chart_full(pilot: Pilot) -> None:
    await pilot.pause()
    pilot.app.query_one(Chart).focus()
    await keys(pilot, "z", "b", "i", "plus")


SCREENS: list[tuple[str, tuple[int, int], Setup]] = [
    ("dashboard-160x48", (160, 48), lambda p: keys(p)),
    ("dashboard-80x24", (80, 24), lambda p: keys(p)),
    ("chart", (160, 48), chart_full),
    ("alert-detail", (160, 48), lambda p: keys(p, "tab", "tab", "j", "j", "enter")),
    ("history", (160, 48), lambda p: keys(p, "f3")),
    ("health", (160, 48), lambda p: keys(p, "f4")),
    ("search", (100, 30), lambda p: keys(p, "a", "e", "t", "h")),
    ("help", (100, 40), lambda p: keys(p, "question_mark")),
    ("light", (160, 48), lambda p: keys(p, "t")),
]


async def shoot(
    name: str, size: tuple[int, int], setup: Setup, state: MarketState, store: UiStore
) -> Path:
    app = frozen(CryptoTUI(state, None, store=store, source_label=sources.SIMULATED))
    async with app.run_test(size=size) as pilot:
        await setup(pilot)
        path = HERE / f"{name}.svg"
        app.save_screenshot(path.name, str(HERE))
    return path


async def main() -> None:
    tmp = Path(tempfile.gettempdir()) / "cryptotui-screens"  # a fixed path: it is on screen
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        state, writer = simulated_run(tmp / "cryptotui.db")
        print(f"{state.health.messages:,} frames, {len(state.alerts)} alerts, "
              f"{state.health.db_rows:,} rows stored")  # fmt: skip
        store = UiStore(writer.path, lambda: writer)
        try:
            for name, size, setup in SCREENS:
                print(await shoot(name, size, setup, state, store))
        finally:
            writer.close()
            store.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
