"""Small things a new user reads: counts in the right number, whole dialog subtitles, labelled
MACD values, and one symbol's prices with the same decimals in every pane."""

from __future__ import annotations

import re
from dataclasses import replace

from rich.style import Style
from textual.widgets import DataTable

from cryptotui import fmt
from cryptotui.ui.services.chart_data import ChartSeries
from cryptotui.ui.widgets.candles import ChartOptions, ChartStyles, render_chart
from cryptotui.ui.widgets.health import Health
from tests.ui.conftest import stored_signal
from tests.ui.helpers import screen_text, widget_text
from tests.ui.market import sim_state


def test_counts_agree_with_their_number():
    assert [fmt.count(n, "symbol") for n in (0, 1, 2)] == ["0 symbols", "1 symbol", "2 symbols"]
    assert fmt.count(1_234, "row") == "1,234 rows"


async def test_one_symbol_one_row_and_the_whole_watchlists_subtitle_at_80_columns(sim_app):
    state = sim_state(["BTCUSDT"], with_alerts=False)
    state.health.db_path, state.health.db_rows = "x.db", 1
    app = sim_app(state)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert str(app.dashboard.watchlist.border_subtitle).startswith("1 symbol")
        await pilot.press("f4")
        app.dashboard.health.focus()
        await pilot.press("z")  # the database line is below the fold at 80×24
        await pilot.pause()
        assert "1 row written" in " ".join(widget_text(app, app.query_one(Health)).split())
        await pilot.press("z", "w")
        await pilot.pause()
        box = app.screen.query_one("#lists-box")
        text = widget_text(app, box)
        assert "default  1 symbol " in text
        assert "Enter switch · n new · r rename · d delete · Esc close" in text, text


def test_macd_values_are_named_with_the_prices_decimals():
    state = sim_state()
    series = ChartSeries("BTCUSDT", "1m")
    series.load(list(state.candles[("BTCUSDT", "1m")]))
    styles = ChartStyles(*[Style()] * 19)
    opts = ChartOptions(ma="off", sub="macd", volume=False)
    strips = render_chart(series.points, (), 120, 30, opts, styles, 2, "1m")
    (label,) = ["".join(s.text for s in strip) for strip in strips if "MACD" in strip.text]
    number = r"-?[\d,]+\.\d\d"
    assert re.search(
        rf"MACD 12 26 9  macd {number}  signal {number}  hist [+-][\d,]+\.\d\d ", label
    ), label


async def test_a_price_reads_the_same_in_the_watchlist_history_and_detail(sim_app, make_store):
    """DOGEUSDT trades in 0.00001 steps: the watchlist shows 5 decimals, and so must the
    history (it showed the magnitude's 6) and the signal's detail."""
    store = make_store()
    writer = store.writer()
    writer.put_many([replace(stored_signal(0), symbol="DOGEUSDT", price=0.32127)])
    writer.flush(5)
    app = sim_app(store=store)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("f3")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.state.price_decimals("DOGEUSDT") == 5
        table = app.query_one("#history-table", DataTable)
        row = [str(cell) for cell in table.get_row_at(0)]
        assert "0.32127" in row and "0.321270" not in row, row
        table.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert re.search(r"price\s+0\.32127\b", screen_text(app)), screen_text(app)
