"""The app end to end: the feed thread, the real stream client and the simulator on loopback."""

from __future__ import annotations

import asyncio

from cryptotui.binance.stream import StreamOptions
from cryptotui.config import load_config
from cryptotui.feed import Feed, serve
from cryptotui.sources import SIMULATED, simulated
from cryptotui.state import MarketState
from cryptotui.ui.app import CryptoTUI
from cryptotui.ui.widgets.status_bar import StatusBar
from cryptotui.ui.widgets.watchlist import Watchlist
from tests.conftest import until

SYMBOLS = ["BTCUSDT", "ETHUSDT", "DOGEUSDT"]


async def test_watchlist_shows_live_prices_from_the_simulator(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("[demo]\nspeed = 20.0\n")
    config = load_config(cfg, env={})
    state = MarketState(SYMBOLS)

    async def feed_main(stop: asyncio.Event) -> None:
        await serve(
            simulated(config, SYMBOLS),
            lambda ep: Feed(ep, SYMBOLS, ["1m"], options=StreamOptions(), state=state),
            stop,
        )

    app = CryptoTUI(state, feed_main, source_label=SIMULATED)
    async with app.run_test(size=(110, 20)) as pilot:
        await until(
            lambda: all(r.version > 0 for r in state.rows()), timeout=15, what="prices for all"
        )
        await until(lambda: state.connection_summary()[0] == "open", what="an open stream")
        first = {r.symbol: r.version for r in state.rows()}
        await until(
            lambda: any(r.version > first[r.symbol] for r in state.rows()), what="live updates"
        )
        await pilot.pause(0.3)  # at least one snapshot pull
        wl = app.query_one(Watchlist)
        lines = ["".join(seg.text for seg in wl.render_line(y)) for y in range(1, 4)]
        for symbol, line in zip(SYMBOLS, lines, strict=True):
            assert line.startswith(symbol) and "waiting" not in line
        assert state.info["BTCUSDT"].price_decimals == 2
        assert f"{state.tickers['BTCUSDT'].last:,.2f}" in lines[0] or state.versions["BTCUSDT"]
        assert app.has_class("simulated") and app.sub_title == SIMULATED
        assert "open" in str(app.query_one(StatusBar).render())
