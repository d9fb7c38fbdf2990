"""The Portfolio view (`P`): the ledger valued at the live tickers and moving with them, the
allocation bar, value and P&L over time, and the entry dialog (a refusal stays on screen;
adds, sells, removals and imports land in the store and the view)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import pytest
from textual.widgets import DataTable, Static

from cryptotui import fmt
from cryptotui.binance.rest import Rest
from cryptotui.config import load_config
from cryptotui.feed import feed_factory, serve
from cryptotui.portfolio.ledger import Transaction
from cryptotui.sources import SIMULATED, simulated
from cryptotui.state import MarketState
from cryptotui.store.holdings import load_transactions, record
from cryptotui.ui.app import CryptoTUI
from cryptotui.ui.feed_thread import FeedThread
from cryptotui.ui.screens.portfolio import EntryDialog, PortfolioScreen
from cryptotui.ui.widgets.portfolio import AllocationBar, HoldingsTable, TradesTable
from cryptotui.ui.widgets.portfolio_chart import ValueChart
from cryptotui.ui.widgets.watchlist import Watchlist, columns_for
from tests.conftest import until
from tests.ui.helpers import enter_text, settle, widget_text
from tests.ui.market import START_MS

H = 3_600_000


@pytest.fixture
def store(make_store):
    s = make_store()
    for tx in (
        Transaction(START_MS - 48 * H, "BTC", "buy", 0.5, 61_000.0, "USDT", 1.0, "USDT"),
        Transaction(START_MS - 30 * H, "ETH", "buy", 4.0, 3_000.0, "USDT"),
        Transaction(START_MS - 10 * H, "ETH", "sell", 1.0, 3_500.0, "USDT"),
    ):
        s.read(lambda db, tx=tx: record(db, tx))
    return s


def cells(table: DataTable) -> dict[str, list[str]]:
    rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
    return {row[0]: row for row in rows}


async def test_view_values_the_ledger_at_the_live_tickers(store, sim_app):
    app = sim_app(store=store)
    state = app.state
    async with app.run_test(size=(150, 48)) as pilot:
        await pilot.press("P")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, PortfolioScreen)
        table = screen.query_one(HoldingsTable)
        shown = cells(table)
        assert list(shown) == ["BTC", "ETH"]
        btc_last, eth_last = state.tickers["BTCUSDT"].last, state.tickers["ETHUSDT"].last
        btc, eth = shown["BTC"], shown["ETH"]
        # asset, quantity, avg cost, cost basis, price, value, unrealised, %, realised, share
        assert btc[1:6] == ["0.5", "61,002.00", "30,501.00", fmt.price(btc_last),
                            fmt.price(0.5 * btc_last)]  # fmt: skip
        assert btc[6] == f"{0.5 * btc_last - 30_501:+,.2f}"
        assert eth[1:4] == ["3", "3,000.00", "9,000.00"]
        assert eth[8] == "+500.00"  # 3500 - 3000 on the ETH sold
        total = 0.5 * btc_last + 3 * eth_last
        assert btc[9] == f"{0.5 * btc_last / total:.1%}"
        summary = str(screen.query_one("#portfolio-summary", Static).content)
        assert f"Value {fmt.price(total)} USDT" in summary and "realised +500.00" in summary
        bar = widget_text(app, screen.query_one(AllocationBar))
        assert "█" in bar and f"BTC {0.5 * btc_last / total:.1%}" in bar
        chart = screen.query_one(ValueChart)
        assert len(chart.points) > 100
        assert chart.points[0].value == pytest.approx(0.5 * 61_000)  # at the first trade's price
        assert chart.points[-1].value == pytest.approx(total)  # now, at the tickers
        assert chart.points[-1].pnl == pytest.approx(total - 30_501 - 9_000 + 500)
        assert "Value and P&L over time" in widget_text(app, chart)

        # The market moves: the next mark follows it, cell by cell.
        moved = replace(state.tickers["BTCUSDT"], last=btc_last * 1.1,
                        event_time=state.tickers["BTCUSDT"].event_time + 1000)  # fmt: skip
        state.apply(moved)
        new_price = fmt.price(btc_last * 1.1)
        await until(lambda: cells(table)["BTC"][4] == new_price, 10, "the next mark")
        assert chart.points[-1].value == pytest.approx(0.55 * btc_last + 3 * eth_last)

        await pilot.press("l")
        trades = screen.query_one(TradesTable)
        assert app.focused is trades
        assert [str(trades.get_row_at(i)[0]) for i in range(trades.row_count)] == ["#3", "#2", "#1"]
        await pilot.press("escape")
        assert not isinstance(app.screen, PortfolioScreen)


async def test_entry_dialog(store, sim_app, tmp_path):
    app = sim_app(store=store)
    async with app.run_test(size=(150, 48)) as pilot:
        await pilot.press("P")
        await settle(app, pilot)
        screen = app.screen
        await pilot.press("a")
        dialog = app.screen
        assert isinstance(dialog, EntryDialog)
        message = dialog.query_one("#entry-message", Static)
        for line, words in (
            ("sell BTC 2 --price 70000", "sells 2 BTC but only 0.5 is held then"),
            ("buy BTC 1 --price 1", "invalid choice: 'buy'"),
            ("add BTC 1", "the following arguments are required: --price"),
            ("remove 9", "no trade #9"),
            (f"import {tmp_path / 'none.csv'}", "cannot read"),
        ):
            await enter_text(pilot, line)
            await settle(app, pilot)
            assert app.screen is dialog, line
            assert words in str(message.content) and message.has_class("-error"), line
        assert len(store.read(load_transactions)) == 3

        await enter_text(pilot, "add SOL 10 --price 100 --date 2025-12-31T12:00 --note 'first SOL'")
        table = screen.query_one(HoldingsTable)
        await until(lambda: "SOL" in cells(table), 10, "the view reloaded")
        assert app.screen is screen
        assert store.read(load_transactions)[-2].note == "first SOL"

        trades = tmp_path / "trades.csv"
        trades.write_text(
            "Date(UTC),Pair,Side,Price,Executed,Amount,Fee\n"
            "2025-12-31 13:00:00,SOLUSDT,SELL,120,4SOL,480USDT,0.48USDT\n"
        )
        await pilot.press("a")
        await enter_text(pilot, f"import {trades}")
        await until(lambda: cells(table)["SOL"][1] == "6", 10, "the import shown")
        await pilot.press("a")
        await enter_text(pilot, "remove 5")
        await until(lambda: cells(table)["SOL"][1] == "10", 10, "the removal shown")
        await pilot.press("a")
        await pilot.press("escape")
        assert app.screen is screen


async def test_palette_entry_footer_key_and_no_store(store, sim_app):
    app = sim_app(store=store)
    async with app.run_test(size=(160, 48)) as pilot:
        footer = app.screen.query_one("Footer")
        await until(lambda: "Portfolio" in widget_text(app, footer), 10, "the footer's keys")
        titles = {c.title: c for c in app.get_system_commands(app.screen)}
        titles["Portfolio"].callback()
        await settle(app, pilot)
        assert isinstance(app.screen, PortfolioScreen)
        app.action_portfolio()  # already open: not stacked twice
        await pilot.pause()
        assert sum(isinstance(s, PortfolioScreen) for s in app.screen_stack) == 1
    app = sim_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("P")
        await pilot.pause()
        summary = str(app.screen.query_one("#portfolio-summary", Static).content)
        assert "no database" in summary


async def test_past_prices_come_through_the_running_feed(make_store):
    """A BNB fee valued by klines the feed's own REST client fetched from the simulator."""
    config = load_config(None, env={})
    state = MarketState(["BTCUSDT"])
    make = feed_factory(config, ["BTCUSDT"], ["1m"], state=state, overview=True)

    async def feed_main(stop: asyncio.Event) -> None:
        await serve(simulated(config), lambda ep: thread.attach(make(ep)), stop)

    thread = FeedThread(feed_main)
    store = make_store()
    when = int(time.time() * 1000) - 2 * H + 17_000
    fee = Transaction(when, "BTC", "buy", 0.5, 61_000.0, "USDT", 0.0005, "BNB")
    store.read(lambda db: record(db, fee))
    app = CryptoTUI(state, thread, source_label=SIMULATED, intervals=["1m"], store=store)
    async with app.run_test(size=(150, 48)) as pilot:
        await until(lambda: "BTCUSDT" in state.tickers, timeout=15, what="tickers")
        await pilot.press("P")
        screen = app.screen
        assert isinstance(screen, PortfolioScreen)
        await until(lambda: screen.loaded is not None, timeout=15, what="the valuation")
        assert screen.loaded is not None and screen.loaded.problems == []
        assert thread.feed is not None
        async with Rest(thread.feed.rest.base_url) as rest:
            (bnb,) = await rest.klines("BNBUSDT", "1m", start=when - when % 60_000, limit=1)
        cost = screen.loaded.book.positions["BTC"].cost_basis if screen.loaded.book else None
        assert cost == pytest.approx(30_500 + 0.0005 * bnb.close)
        await until(lambda: "BTC" in cells(screen.query_one(HoldingsTable)), what="the row")


async def test_watchlist_rows_show_the_position(store, sim_app):
    app = sim_app(store=store)
    state = app.state
    async with app.run_test(size=(160, 48)) as pilot:
        wl = app.query_one(Watchlist)

        def row(symbol: str) -> str:
            index = [i.row.symbol for i in wl.items].index(symbol)
            return "".join(seg.text for seg in wl.render_line(index + 1))

        def held(symbol: str) -> str:
            """The text of the row's Held column."""
            x = 0
            for column in columns_for(wl.size.width, True):
                if column.key == "held":
                    return row(symbol)[x : x + column.width].strip()
                x += column.width + 1
            raise AssertionError("no Held column")

        await until(lambda: "Held" in "".join(s.text for s in wl.render_line(0)), 10,
                    "the position column")  # fmt: skip
        btc = state.tickers["BTCUSDT"].last
        assert held("BTCUSDT") == f"0.5 {(0.5 * btc - 30_501) / 30_501 * 100:+.1f}%"
        eth = state.tickers["ETHUSDT"].last
        assert held("ETHUSDT") == f"3 {(3 * eth - 9_000) / 9_000 * 100:+.1f}%"
        assert held("SOLUSDT") == ""
        # A sale in the Portfolio view reaches the watchlist when it is revalued.
        await pilot.press("P")
        await settle(app, pilot)
        await pilot.press("a")
        await enter_text(pilot, "sell BTC 0.5 --price 90000 --date 2025-12-31T20:00")
        await until(lambda: "BTCUSDT" not in app.items.held, 10, "the sale in the watchlist")
        await pilot.press("escape")
        await until(lambda: held("BTCUSDT") == "", 10, "the row repainted")
