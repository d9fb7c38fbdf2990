"""Keyboard-first: the help screen lists every binding, the command palette carries our
commands, the footer shows context keys, `t` toggles the theme."""

from __future__ import annotations

from textual.binding import Binding
from textual.command import CommandPalette

from cryptotui.ui.app import CryptoTUI
from cryptotui.ui.screens.dashboard import Dashboard
from cryptotui.ui.screens.help import HelpScreen, bindings_of
from cryptotui.ui.widgets.alerts import AlertsPane
from cryptotui.ui.widgets.chart import Chart
from cryptotui.ui.widgets.history import HistoryBrowser
from cryptotui.ui.widgets.track import TrackRecordView
from cryptotui.ui.widgets.watchlist import Watchlist
from tests.ui.helpers import plain, screen_text


async def test_help_lists_every_binding_of_every_pane(sim_app):
    app = sim_app()
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = plain(app.screen.table)
        for cls in (CryptoTUI, Dashboard, Watchlist, Chart, AlertsPane, HistoryBrowser,
                    TrackRecordView):  # fmt: skip
            for b in bindings_of(cls):
                assert isinstance(b, Binding)
                assert b.description in text, (cls.__name__, b.description)
        for words in ("Command palette", "Next pane", "1h candles", "Bollinger", "Move up",
                      "Track record", "Equity curve"):  # fmt: skip
            assert words in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_command_palette_offers_our_commands(sim_app):
    app = sim_app()
    async with app.run_test(size=(120, 40)) as pilot:
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Add symbol", "Watchlists", "Interval 4h", "Chart: Bollinger bands",
                      "Show history", "Track record", "Toggle light/dark", "Help"):  # fmt: skip
            assert title in titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"int4h")
        await pilot.pause(0.2)
        await pilot.press("enter")
        await pilot.pause()
        assert app.interval == "4h"


async def test_footer_shows_the_focused_panes_keys_and_t_toggles_the_theme(sim_app):
    app = sim_app()
    async with app.run_test(size=(160, 48)) as pilot:

        async def footer_with(word: str) -> str:
            """The footer once it shows `word` (it is laid out a refresh or two later; a
            loaded machine may take several), or as it is after 5 s."""
            for _ in range(50):
                footer = screen_text(app).splitlines()[-1]
                if word in footer:
                    break
                await pilot.pause(0.1)
            return footer

        footer = await footer_with("Remove")
        assert "Remove" in footer and "Help" in footer
        await pilot.press("tab")
        footer = await footer_with("Bollinger")
        assert "Bollinger" in footer and "Remove" not in footer
        before = app.theme
        await pilot.press("t")
        assert app.theme != before
        await pilot.press("t")
        assert app.theme == before


async def test_every_action_has_a_key(sim_app):
    """Nothing is mouse-only: each widget action is bound (the palette offers the rest)."""
    widgets = (Watchlist, Chart, AlertsPane, HistoryBrowser, TrackRecordView)
    for cls in (*widgets, Dashboard, CryptoTUI):
        actions = {name[len("action_") :] for name in vars(cls) if name.startswith("action_")}
        bound = {b.action.split("(")[0].removeprefix("app.") for b in bindings_of(cls)}
        assert actions <= bound | {"interval"}, (cls.__name__, actions - bound)


async def test_palette_screenshot_without_a_downloads_directory(sim_app, tmp_path, monkeypatch):
    """No ~/Downloads (a server, a fresh account): the screenshot lands in the current
    directory and the toast says where."""
    from tests.conftest import until

    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.delenv("XDG_DOWNLOAD_DIR", raising=False)
    monkeypatch.chdir(work)
    app = sim_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p", *"screenshot")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(lambda: list(work.glob("*.svg")), what="the screenshot file")
        (saved,) = work.glob("*.svg")
        await until(
            lambda: any(str(saved) in n.message for n in app._notifications), what="its toast"
        )
    assert "<svg" in saved.read_text()


async def test_help_opens_on_the_focused_panes_keys_then_the_global_ones(sim_app):
    app = sim_app()
    async with app.run_test(size=(120, 60)) as pilot:
        for pane, title, key in (
            (app.query_one(Chart), "Chart", "Bollinger"),
            (app.query_one(AlertsPane), "Alerts", "Details"),
            (app.query_one(Watchlist), "Watchlist", "Move up"),
        ):
            pane.focus()
            await pilot.press("question_mark")
            await pilot.pause()
            lines = [line.strip() for line in plain(app.screen.table).splitlines() if line.strip()]
            assert lines[0].startswith(f"{title} — the focused pane")
            everywhere = lines.index("Everywhere")
            assert any(key in line for line in lines[1:everywhere])  # its keys, before the rest
            assert lines[everywhere + 1].startswith("q")  # then the global keys
            assert lines.count(title) == 0  # not again among the rest
            await pilot.press("escape")
        titles = [title for title, _ in app.help_sections()]
        assert all(title in titles for _, title in app.help_owners())  # none gone stale
