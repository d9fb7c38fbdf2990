"""Every pane's text reads in both themes: at least 4.5:1 (WCAG AA) between each character's
colour and its background, as painted (tests/ui/contrast.py), the cursor rows included."""

from __future__ import annotations

import pytest
from textual.geometry import Region

from cryptotui.models import ConnectionStatus, ConnState
from cryptotui.ui.themes import DARK, LIGHT
from tests.ui.contrast import cells, describe, illegible
from tests.ui.market import sim_state

THEMES = (DARK, LIGHT)


async def _themed(pilot, theme: str) -> None:
    pilot.app.theme = theme
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("theme", THEMES)
async def test_dashboard_text_reads_in_both_themes(sim_app, make_store, theme):
    """Headers, legend letters, axis labels, Vol/RSI labels, alert times and messages,
    overview values, history directions, health states, status bar and footer keys."""
    state = sim_state()
    state.apply(
        ConnectionStatus(2, ConnState.BACKOFF, 2, attempt=3, reason="refused", retry_in=4.0)
    )
    app = sim_app(state, store=make_store(signals=30))
    async with app.run_test(size=(160, 48)) as pilot:
        await _themed(pilot, theme)
        screen = app.screen
        for view in ("f2", "f3", "f4"):
            await pilot.press(view)
            await _themed(pilot, theme)
            if view == "f3":  # the history table focused: its cursor row in the theme's colours
                screen.query_one("#history-table").focus()
                await pilot.pause()
            for pane in ("#watchlist", "#chart", "#alerts", "#bottom", "StatusBar", "Footer"):
                region = screen.query_one(pane).region
                bad = illegible(app, region)
                assert not bad, f"{theme} {view} {pane}:\n{describe(bad)}"
        # The cells the light theme lost before: they are there, and legible.
        drawn = "".join(c.char for c in cells(app, screen.query_one("#chart").region))
        assert all(word in drawn for word in ("Vol", "RSI", "O97", "H97", "L97", "C97"))
        # Dialogs: the watchlists (a highlighted option), the alert's detail (its border
        # titles and key hint included).
        await pilot.press("w")
        await pilot.pause()
        bad = illegible(app, app.screen.query_one("#lists-box").region)
        assert not bad, f"{theme} watchlists:\n{describe(bad)}"
        await pilot.press("escape")
        await pilot.pause()
        app.dashboard.alerts.focus()
        await pilot.press("enter")
        await pilot.pause()
        box = app.screen.query_one("#detail-box").region
        bad = illegible(app, box)
        assert not bad, f"{theme} alert detail:\n{describe(bad)}"


@pytest.mark.parametrize("theme", THEMES)
async def test_cursor_rows_read_focused_or_not(sim_app, theme):
    """The selected row of the watchlist and the alerts pane, in the focused pane and in an
    unfocused one, keeps every character legible and stays visible as a row."""
    app = sim_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await _themed(pilot, theme)
        d = app.dashboard
        for focus in (d.watchlist, d.alerts, d.chart):  # the chart: both lists unfocused
            focus.focus()
            await pilot.pause()
            for pane in (d.watchlist, d.alerts):
                content = pane.content_region
                y = content.y + pane.HEADER_ROWS + pane.cursor
                row = content.intersection(Region(content.x, y, content.width, 1))
                bad = illegible(app, row)
                assert not bad, f"{theme} focus={focus.id} {pane.id}:\n{describe(bad)}"
                below = Region(content.x, y + 1, content.width, 1)
                first, after = next(cells(app, row)), next(cells(app, below))
                assert first.bg != after.bg, f"{theme} {pane.id}: the cursor row looks unselected"
