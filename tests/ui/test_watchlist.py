"""The watchlist widget and app shell on a fixed MarketState (no feed): rendering, keys, safety."""

from __future__ import annotations

from dataclasses import replace

import pytest
from textual.geometry import Region

from cryptotui import fmt
from cryptotui.models import Candle, ConnectionStatus, ConnState, SymbolInfo, Ticker
from cryptotui.state import MarketState
from cryptotui.ui.app import CryptoTUI
from cryptotui.ui.services.watch import WatchItems
from cryptotui.ui.themes import DARK, LIGHT
from cryptotui.ui.widgets.status_bar import StatusBar
from cryptotui.ui.widgets.watchlist import FLASH_SECONDS, Watchlist
from tests.ui.contrast import cells, describe, illegible, text_at

SYMBOLS = ["BTCUSDT", "ETHUSDT", "DOGEUSDT"]


def ticker(symbol: str, last: float, open_: float, t: int = 1_000) -> Ticker:
    return Ticker(symbol, t, last, open_, last * 1.02, open_ * 0.97, 1234.5, last * 1234.5)


def fixed_state() -> MarketState:
    state = MarketState(SYMBOLS)
    state.info["BTCUSDT"] = SymbolInfo("BTCUSDT", "TRADING", "BTC", "USDT", 0.01, 1e-5, 2, 5)
    state.apply(ticker("BTCUSDT", 97123.45, 95000.0))
    state.apply(ticker("ETHUSDT", 3333.3, 3400.0))
    state.apply(ConnectionStatus(1, ConnState.OPEN, 6))
    return state


def line_text(widget: Watchlist, y: int) -> str:
    return "".join(seg.text for seg in widget.render_line(y))


async def test_rows_by_tick_size_waiting_symbols_and_the_status_bar():
    state = fixed_state()
    state.health.reconnects = 3
    state.health.gap_candles = 7
    app = CryptoTUI(state, None)
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        wl = app.query_one(Watchlist)
        header, btc, eth, doge = (line_text(wl, y) for y in range(4))
        assert "Symbol" in header and "24h %" in header
        assert "BTCUSDT" in btc and "97,123.45" in btc and "+2.24%" in btc
        assert "ETHUSDT" in eth and "-1.96%" in eth
        assert "DOGEUSDT" in doge and "waiting for data" in doge
        text = str(app.query_one(StatusBar).render())
        assert "open" in text and "reconnects 3" in text and "gap-fill 7" in text


async def test_cursor_moves_with_arrows_and_vim_keys():
    app = CryptoTUI(fixed_state(), None)
    async with app.run_test(size=(100, 20)) as pilot:
        wl = app.query_one(Watchlist)
        assert wl.selected_symbol == "BTCUSDT"
        await pilot.press("j")
        assert wl.selected_symbol == "ETHUSDT"
        await pilot.press("down", "down", "down")
        assert wl.selected_symbol == "DOGEUSDT"  # clamped at the end
        await pilot.press("k")
        assert wl.selected_symbol == "ETHUSDT"
        await pilot.press("g")
        assert wl.selected_symbol == "BTCUSDT"


async def test_only_changed_rows_are_refreshed():
    state = fixed_state()
    app = CryptoTUI(state, None)
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        wl = app.query_one(Watchlist)
        items = WatchItems()
        assert wl.update_items(items.build(state, "1m"), "RSI1m") == 0  # nothing changed
        state.apply(ticker("ETHUSDT", 3340.0, 3400.0, t=2_000))
        assert wl.update_items(items.build(state, "1m"), "RSI1m") == 1
        assert "3,340.00 " in line_text(wl, 2)


async def test_older_ticker_does_not_overwrite_newer():
    state = fixed_state()
    state.apply(ticker("BTCUSDT", 1.0, 1.0, t=500))
    assert state.tickers["BTCUSDT"].last == 97123.45


def test_closed_candle_replaces_forming_one_in_state():
    state = MarketState(["BTCUSDT"])
    forming = Candle("BTCUSDT", "1m", 0, 59_999, 1, 2, 0.5, 1.5, 3, closed=False)
    state.apply(forming)
    assert state.forming[("BTCUSDT", "1m")] is forming
    state.apply(Candle("BTCUSDT", "1m", 0, 59_999, 1, 2, 0.5, 1.6, 4))
    assert ("BTCUSDT", "1m") not in state.forming
    assert state.candles[("BTCUSDT", "1m")][-1].close == 1.6


def test_history_merges_by_open_time_with_what_the_stream_delivered():
    state = MarketState(["BTCUSDT"])
    live = [
        Candle("BTCUSDT", "1m", t * 60_000, t * 60_000 + 59_999, 1, 2, 0.5, 1.5, 3) for t in (8, 9)
    ]
    for c in live:
        state.apply(c)
    older = [
        Candle("BTCUSDT", "1m", t * 60_000, t * 60_000 + 59_999, 9, 9, 9, 9, 9)
        for t in range(2, 10)
    ]
    state.load_history("BTCUSDT", "1m", older[:3])  # 2..4: leaves a hole before 8, kept in order
    state.load_history("BTCUSDT", "1m", older)  # 2..9: fills it; the stream's 8 and 9 stay
    got = list(state.candles[("BTCUSDT", "1m")])
    assert [c.open_time // 60_000 for c in got] == list(range(2, 10))
    assert got[-1] is live[-1] and got[-2] is live[-2]


@pytest.mark.parametrize("theme", (DARK, LIGHT))
async def test_a_new_price_marks_only_its_cell_briefly_and_legibly(sim_app, theme):
    """At --speed 10 whole rows used to flash for 0.6 s and hid the 24 h change and the
    sparkline: now only the last price is tinted, its text still reads, and the tint goes."""
    app = sim_app()
    async with app.run_test(size=(160, 48)) as pilot:
        app.theme = theme
        await pilot.pause()
        state = app.state
        old = state.tickers["ETHUSDT"]
        state.apply(replace(old, event_time=old.event_time + 1_000, last=old.last * 1.002))
        app.pull_snapshot()
        await pilot.pause()
        wl = app.dashboard.watchlist
        row = Region(wl.content_region.x, wl.content_region.y + 2, wl.content_region.width, 1)
        last = text_at(app, fmt.price(state.tickers["ETHUSDT"].last, None).strip(), row)
        symbol = next(cells(app, text_at(app, "ETHUSDT", row)))
        change = text_at(app, fmt.pct(state.tickers["ETHUSDT"].change_pct), row)
        assert {c.bg for c in cells(app, last)} != {symbol.bg}, "the new price is not marked"
        assert {c.bg for c in cells(app, change)} == {symbol.bg}, "the mark spread past its cell"
        assert not illegible(app, row), describe(illegible(app, row))
        await pilot.pause(FLASH_SECONDS + 0.1)
        app.pull_snapshot()
        await pilot.pause()
        assert {c.bg for c in cells(app, last)} == {symbol.bg}, "the mark stayed"
