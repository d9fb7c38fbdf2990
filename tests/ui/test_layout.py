"""Layout and keyboard navigation: panes at both promised sizes, Tab cycling, maximise and
restore, the bottom area's views, mouse selection."""

from __future__ import annotations

from textual.geometry import Region
from textual.widgets import DataTable
from textual.widgets._footer import FooterKey

from cryptotui.ui.screens.dashboard import BottomArea
from cryptotui.ui.widgets.alerts import AlertsPane
from cryptotui.ui.widgets.chart import Chart
from cryptotui.ui.widgets.health import Health
from cryptotui.ui.widgets.keys_footer import KeysFooter, key_cells
from cryptotui.ui.widgets.overview import MarketOverview
from cryptotui.ui.widgets.watchlist import Watchlist
from tests.conftest import until
from tests.ui.helpers import screen_lines, widget_text


async def test_every_pane_is_on_screen_at_80x24_and_160x48(sim_app):
    for size, classes in (((80, 24), {"-narrow", "-short"}), ((160, 48), {"-xwide", "-tall"})):
        app = sim_app()
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            assert classes <= set(app.screen.classes)
            for pane in (Watchlist, Chart, AlertsPane, BottomArea):
                region = app.query_one(pane).region
                assert region.width >= 20 and region.height >= 6, (size, pane, region)
                assert region.right <= size[0] and region.bottom <= size[1]


async def test_tab_cycles_panes_mouse_selects(sim_app):
    app = sim_app()
    async with app.run_test(size=(120, 40)) as pilot:
        wl = app.query_one(Watchlist)
        await pilot.click(Watchlist, offset=(3, 1 + 1 + 2))  # border, header, third row
        await pilot.pause()
        assert wl.selected_symbol == "BNBUSDT"
        assert app.query_one(Chart).symbol == "BNBUSDT"
        assert isinstance(app.focused, Watchlist)
        await pilot.press("tab")
        assert isinstance(app.focused, Chart)
        await pilot.press("tab")
        assert isinstance(app.focused, AlertsPane)
        await pilot.press("tab")
        assert isinstance(app.focused, MarketOverview)
        await pilot.press("tab")
        assert isinstance(app.focused, Watchlist)
        await pilot.press("shift+tab")
        assert isinstance(app.focused, MarketOverview)


async def test_z_maximises_the_focused_pane_tab_cycles_maximised_escape_restores(sim_app):
    app = sim_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("tab", "z")
        chart = app.query_one(Chart)
        assert app.screen.maximized is chart
        await pilot.pause()
        assert chart.region.width == 80 - 2 * 0 and chart.region.height >= 20
        await pilot.press("tab")
        assert app.screen.maximized is app.query_one(AlertsPane)
        await pilot.press("escape")
        assert app.screen.maximized is None
        await pilot.press("z", "z")
        assert app.screen.maximized is None


async def test_z_fills_the_screen_with_every_pane_and_bottom_view_alike(sim_app, make_store):
    """Each pane, bordered, takes the whole screen above the footer: the alerts pane and the
    bottom area lose their breakpoint heights, and History shows a screenful of its page. The
    bottom area is maximised under each of its views, the panes above it once."""
    app = sim_app(store=make_store(signals=150))
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen
        frames = [app.query_one(f"#{name}") for name in ("watchlist", "chart", "alerts", "bottom")]
        for view in ("overview", "history", "health"):
            await pilot.press({"overview": "f2", "history": "f3", "health": "f4"}[view])
            for index, frame in enumerate(frames):
                if view != "history" and frame.id != "bottom":
                    continue
                screen.panes()[index].focus()
                await pilot.press("z")
                await pilot.pause()
                assert screen.maximized is frame, (view, index)
                assert frame.region == Region(0, 0, 160, 47), (view, frame.id, frame.region)
                if frame.id == "bottom" and view == "history":
                    await app.workers.wait_for_complete()
                    table = app.query_one("#history-table", DataTable)
                    assert table.region.height >= 40 and table.row_count >= 40
                    assert "rows 1–" in widget_text(app, frame)
                await pilot.press("z")
                assert screen.maximized is None


async def test_bottom_area_switches_with_o_and_function_keys(sim_app):
    app = sim_app()
    async with app.run_test(size=(120, 40)) as pilot:
        bottom = app.query_one(BottomArea)
        assert bottom.current == "overview"
        await pilot.press("o")
        assert bottom.current == "history"
        await pilot.press("o")
        assert bottom.current == "health"
        await pilot.pause()
        assert "stream lag" in widget_text(app, app.query_one(Health))
        await pilot.press("f2")
        assert bottom.current == "overview"
        await pilot.press("f3")
        assert bottom.current == "history"
        # Tab reaches the visible view's table.
        await pilot.press("tab", "tab", "tab")
        assert isinstance(app.focused, DataTable)


async def test_the_footer_fits_80_columns_with_help_whatever_is_focused(sim_app):
    """At 80 columns the footer ran off the edge (`t Th`): keys that do not fit are left to
    `?` (always shown) and the palette, and every key shown is whole."""
    app = sim_app()
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(4):
            await pilot.press("tab")
            await pilot.pause()
            footer = app.screen.query_one(KeysFooter)
            keys = list(footer.query(FooterKey))
            assert any(k.action.endswith("help") for k in keys)
            assert len(keys) >= 4, [k.description for k in keys]
            assert all(k.region.right <= 80 and k.region.width >= key_cells(k) for k in keys)
            line = screen_lines(app)[-1]
            assert "? Help" in line and line.rstrip().endswith("^p palette"), line
    app = sim_app()
    async with app.run_test(size=(160, 48)):
        # The footer is composed after the first refresh: on a loaded machine, later.
        await until(lambda: "? Help" in screen_lines(app)[-1], what="the footer at 160 columns")
        line = screen_lines(app)[-1]
        assert all(k in line for k in ("q Quit", "w Lists", "t Theme")), line
