"""History browser: filter parsing, keyset paging over a large stored history, filtering in the
UI, opening a stored signal."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input

from cryptotui.ui.screens.alert_detail import AlertDetail
from cryptotui.ui.services.store import FilterError, HistoryFilter, parse_filter
from cryptotui.ui.widgets.history import HistoryBrowser
from tests.ui.helpers import settle, widget_text


def test_filter_line_parses_every_field():
    f = parse_filter(
        "ethusdt dir=bear conf>=0.7 name=engulf iv=1h since=2026-01-01 until=2026-02-01"
    )
    assert f == HistoryFilter(
        symbol="ETHUSDT",
        interval="1h",
        name="engulf",
        direction="bearish",
        min_confidence=0.7,
        since=1_767_225_600_000,
        until=1_769_904_000_000,
    )
    assert parse_filter("") == HistoryFilter()
    assert parse_filter("conf>0.5").min_confidence == 0.5
    for bad in ("dir=up", "conf>=x", "since=yesterdayish", "colour=red"):
        with pytest.raises(FilterError):
            parse_filter(bad)


def test_filter_values_are_checked_like_the_command_line():
    """The same checks and words as `cryptotui history --symbol/--interval/--min-confidence`
    (a confidence of 7 or an interval of 2m used to filter silently to nothing)."""
    for bad, message in (
        ("conf>=7", "'7': use a number from 0 to 1"),
        ("iv=2m", "'2m' is not a Binance interval"),
        ("BTC-USD", "'BTC-USD' is not a Binance symbol"),
    ):
        with pytest.raises(FilterError, match=message):
            parse_filter(bad)


def test_pages_are_keyset_queries_on_an_index(make_store):
    store = make_store(signals=250)
    first = store.signals_page(HistoryFilter())
    assert len(first.rows) == 100 and first.more
    last = first.rows[-1]
    second = store.signals_page(HistoryFilter(), (last.time, last.id or 0))
    assert second.rows[0].time < last.time and second.more
    times = [r.time for r in first.rows + second.rows]
    assert times == sorted(times, reverse=True) and len(set(times)) == 200
    plan = store._db.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM signals WHERE (time, id) < (?, ?) "
        "ORDER BY time DESC, id DESC LIMIT 101",
        (last.time, last.id),
    ).fetchall()
    assert "signals_time" in str(plan)  # a seek on the time index, not a scan and sort
    only = store.signals_page(HistoryFilter(symbol="ETHUSDT", name="spike"))
    assert only.rows and all(r.symbol == "ETHUSDT" and "spike" in r.name for r in only.rows)


async def test_paging_filtering_and_opening_in_the_ui(make_store, sim_app):
    store = make_store(signals=250)
    app = sim_app(store=store)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("f3")
        await settle(app, pilot)
        history = app.query_one(HistoryBrowser)
        table = history.query_one(DataTable)
        assert table.row_count == 100
        status = widget_text(app, history.query_one("#history-status"))
        assert "page 1" in status and "rows 1–100" in status
        await pilot.press("tab", "tab", "tab")
        assert app.focused is table
        await pilot.press("right_square_bracket", "right_square_bracket")
        await settle(app, pilot)
        assert table.row_count == 50
        assert "rows 201–250" in widget_text(app, history.query_one("#history-status"))
        await pilot.press("left_square_bracket")
        await settle(app, pilot)
        assert table.row_count == 100 and history.page_no == 1
        # Filter: only ETHUSDT bearish signals.
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        app.focused.value = "ethusdt dir=bear"
        await pilot.press("enter")
        await settle(app, pilot)
        rows = history.page.rows
        assert rows and all(r.symbol == "ETHUSDT" and r.direction == "bearish" for r in rows)
        assert app.focused is table
        # A bad filter says what to write and keeps the rows.
        await pilot.press("slash")
        app.focused.value += " dir=sideways"
        await pilot.press("enter")
        await pilot.pause()
        assert "bull, bear or neutral" in widget_text(app, history.query_one("#history-status"))
        # Enter opens the stored signal with its factors.
        table.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AlertDetail)
        text = widget_text(app, app.screen.query_one("#detail-box"))
        assert "ETHUSDT" in text and "significance" in text and "span" in text


async def test_history_without_a_store_says_how_to_get_one(sim_app):
    app = sim_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        assert "enabled = true" in widget_text(app, app.query_one("#history-status"))


def newer_signal(i: int, name: str = "hammer"):
    """A signal stored while the app runs: after every `stored_signal` (those precede the
    sim start)."""
    from dataclasses import replace

    from tests.ui.conftest import stored_signal
    from tests.ui.market import START_MS

    return replace(stored_signal(i), time=START_MS + i * 1_000, name=name, id=None)


async def test_history_shows_new_signals_by_itself_keeping_the_cursor(make_store, sim_app):
    """Signals stored while the newest page is shown appear without `R`; a burst costs one
    reload a second, not one per signal; the cursor stays on the signal it was on."""
    from tests.conftest import until

    store = make_store(signals=5)
    writer = store.writer()
    loads: list[int] = []
    page = store.signals_page
    store.signals_page = lambda *a, **kw: (loads.append(1), page(*a, **kw))[1]
    app = sim_app(store=store)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("f3")
        await settle(app, pilot)
        history = app.query_one(HistoryBrowser)
        table = history.query_one(DataTable)
        assert table.row_count == 5
        table.focus()
        await pilot.press("down", "down")
        on = history.page.rows[table.cursor_row].id
        clock = app._loop.time()
        for i in range(20):  # a burst over ~1 s
            writer.put(newer_signal(i))
            await pilot.pause(0.05)
        writer.flush(5)
        await until(lambda: table.row_count == 25, timeout=10, what="the new signals")
        elapsed = app._loop.time() - clock
        assert len(loads) - 1 <= elapsed + 2  # about one reload a second, however many arrive
        assert history.page.rows[table.cursor_row].id == on
        assert "rows 1–25" in widget_text(app, history.query_one("#history-status"))


async def test_every_history_column_fits_at_160_columns(make_store, sim_app):
    store = make_store(signals=5)
    store.writer().put(newer_signal(0, name="chart_inverse_head_and_shoulders_breakout"))
    store.writer().flush(5)
    app = sim_app(store=store)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("f3")
        await settle(app, pilot)
        table = app.query_one(HistoryBrowser).query_one(DataTable)
        text = widget_text(app, table)
        header, first, *rest = text.splitlines()
        assert header.split() == ["time", "(UTC)", "symbol", "iv", "name", "dir", "conf",
                                  "price", "kind"]  # fmt: skip
        assert first.split()[-1] == "pattern" and "chart_inverse_head_" in first
        assert "…" in first  # the long name gave way, not the columns after it
        assert all(line.split()[-1] == "pattern" for line in rest if line.strip())
        assert table.max_scroll_x == 0
