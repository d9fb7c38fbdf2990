"""Every table sorts by a column (`s`, `S` reverses) and filters (`/`) the same way: the
watchlist, the alerts, the history page, the overview, the track record and the rules."""

from __future__ import annotations

from textual.widgets import DataTable, Input

from cryptotui.alerts.rules_file import RulesFile
from cryptotui.ui.screens.rules import RulesView
from cryptotui.ui.widgets.alerts import AlertsPane
from cryptotui.ui.widgets.history import HistoryBrowser
from cryptotui.ui.widgets.overview import MarketOverview
from cryptotui.ui.widgets.table_query import FilterPrompt, SortKey, TableQuery
from cryptotui.ui.widgets.watchlist import Watchlist
from tests.ui.helpers import widget_text


def test_query_filters_on_every_word_and_sorts_missing_values_last():
    rows = [("b", 2.0), ("a", None), ("c", 3.0), ("d", 1.0)]
    query = TableQuery([SortKey("v", lambda r: r[1], descending=True)], natural="given")
    text = "{0[0]} x{0[0]}".format
    assert query.apply(rows, text) == rows and query.describe() == ""
    query.next_sort()
    assert [r[0] for r in query.apply(rows, text)] == ["c", "b", "d", "a"]
    query.reverse()
    assert [r[0] for r in query.apply(rows, text)] == ["d", "b", "c", "a"]  # None still last
    assert query.describe() == "by v ▲" and query.arrow("v") == " ▲" and query.arrow("x") == ""
    query.next_sort()  # back to the rows' own order
    assert query.apply(rows, text) == rows
    query.text = "C XC"
    assert query.apply(rows, text) == [("c", 3.0)] and query.describe() == "/C XC"
    query.text = "c xd"
    assert query.apply(rows, text) == []


async def type_filter(pilot, text: str) -> None:
    await pilot.press("slash")
    assert isinstance(pilot.app.screen, FilterPrompt)
    await pilot.press(*text)


async def test_watchlist_sorts_by_column_and_filters_as_you_type(sim_app):
    app = sim_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        wl = app.query_one(Watchlist)
        order = [i.row.symbol for i in wl.items]
        await pilot.press("s")  # by symbol
        assert [i.row.symbol for i in wl.items] == sorted(order)
        assert "Symbol ▲" in widget_text(app, wl) and "by Symbol ▲" in str(wl.border_subtitle)
        await pilot.press("s")  # by 24h %, largest first
        changes = [i.row.change_pct for i in wl.items]
        assert changes == sorted(changes, reverse=True)
        await pilot.press("K")  # no moving rows in a sorted view: it says why
        assert any("sorted by a column" in n.message for n in app._notifications)
        assert app.lists.symbols == order
        for _ in range(4):
            await pilot.press("s")
        assert [i.row.symbol for i in wl.items] == order  # the list's own order again

        await type_filter(pilot, "eth")
        assert [i.row.symbol for i in wl.items] == [s for s in order if "ETH" in s]
        await pilot.press("enter")  # kept
        assert app.screen is app.dashboard and "/eth" in str(wl.border_subtitle)
        assert wl.selected_symbol is not None and "ETH" in wl.selected_symbol
        await type_filter(pilot, "zz")  # the old filter is selected: typing replaces it
        assert wl.items == [] and "no symbol matches /zz" in widget_text(app, wl)
        await pilot.press("escape")  # the filter as it was
        assert [i.row.symbol for i in wl.items] == [s for s in order if "ETH" in s]
        await pilot.press("slash", "ctrl+u", "enter")
        assert [i.row.symbol for i in wl.items] == order


async def test_alerts_sort_by_confidence_and_filter_by_name(sim_app):
    app = sim_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        pane = app.query_one(AlertsPane)
        pane.focus()
        newest_first = list(pane.alerts)
        assert len(newest_first) >= 3
        await pilot.press("s")
        confidences = [a.confidence for a in pane.alerts]
        assert confidences == sorted(confidences, reverse=True)
        await pilot.press("S")
        assert [a.confidence for a in pane.alerts] == sorted(confidences)
        name = newest_first[-1].name
        await type_filter(pilot, name[:6])
        await pilot.press("enter")
        assert pane.alerts and all(name[:6] in a.name for a in pane.alerts)
        assert len(pane.alerts) < len(newest_first)
        assert f"/{name[:6]}" in str(pane.border_subtitle)
        await pilot.press("enter")
        assert app.screen.view.name.startswith(name[:6])  # the detail of a shown row


async def test_history_sorts_the_page_and_slash_edits_the_filter(make_store, sim_app):
    app = sim_app(store=make_store(signals=120))
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("f3")
        await app.workers.wait_for_complete()
        await pilot.pause()
        history = app.query_one(HistoryBrowser)
        table = history.query_one(DataTable)
        table.focus()
        await pilot.press("s")  # the page by confidence, highest first
        confidences = [r.confidence for r in history.shown]
        assert confidences == sorted(confidences, reverse=True) and len(confidences) == 100
        assert {r.id for r in history.shown} == {r.id for r in history.page.rows}
        assert any(str(c.label) == "conf ▼" for c in table.columns.values())
        assert "page by conf ▼" in widget_text(app, history.query_one("#history-status"))
        await pilot.press("s")
        assert [r.symbol for r in history.shown] == sorted(r.symbol for r in history.page.rows)
        await pilot.press("enter")  # opens the row shown under the cursor
        assert app.screen.view.symbol == history.shown[0].symbol
        await pilot.press("escape")
        await pilot.press("slash")
        assert isinstance(app.focused, Input) and app.focused.id == "history-filter"


async def test_overview_filters_the_pairs_it_ranks(sim_app):
    app = sim_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        ov = app.query_one(MarketOverview)
        ov.focus()
        await type_filter(pilot, "eth")
        await pilot.press("enter")
        await pilot.pause()
        shown = ov.overview
        assert shown is not None and 0 < shown.total < 16
        assert all("ETH" in t.symbol for t in shown.volume + shown.gainers + shown.losers)
        assert "/eth" in widget_text(app, ov)
        await type_filter(pilot, "qqq")
        await pilot.pause()
        assert "no pair matches /qqq" in widget_text(app, ov)


async def test_rules_view_sorts_and_filters(sim_app, tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        "[alerts]\nrules = [\n"
        '  { name = "zeta", when = "price > 1", enabled = false },\n'
        '  { name = "alpha", when = "rsi_14 < 30" },\n'
        '  { name = "mid", when = "price < 5", symbols = ["ETHUSDT"] },\n]\n',
        encoding="utf-8",
    )
    app = sim_app(rules_file=RulesFile(path))
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("A")
        await pilot.pause()
        view = app.screen.query_one(RulesView)
        await pilot.press("s")
        assert [r.name for r in view.shown] == ["alpha", "mid", "zeta"]
        await type_filter(pilot, "eth")
        await pilot.press("enter")
        assert [r.name for r in view.shown] == ["mid"]
        await pilot.press("space")  # acts on the row shown, not the file's first
        await pilot.pause()
        assert RulesFile(path).tables()[2]["enabled"] is False
        assert RulesFile(path).tables()[0]["enabled"] is False
