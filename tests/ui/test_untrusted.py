"""Exchange text is untrusted: symbol names, alert names and messages, notices and connection
reasons reach the screen literally — no Rich markup is interpreted, no terminal escape survives."""

from __future__ import annotations

from dataclasses import replace

from cryptotui.models import Alert, ConnectionStatus, ConnState, Direction, Notice, SymbolInfo
from cryptotui.ui.screens.alert_detail import AlertDetail
from cryptotui.ui.screens.search import SearchScreen
from cryptotui.ui.widgets.alerts import AlertsPane
from tests.ui.conftest import stored_signal
from tests.ui.helpers import enter_text, screen_text
from tests.ui.market import sim_state

EVIL = "[b]EVIL[/b]\x1b]0;pwn\x07\x1b[2J[link=http://x]y[/link]"
SHOWN = "[b]EVIL[/b]]0;pwn[2J[link=http://x]y[/link]"
"""What must appear: the markup as literal text, the escapes' control characters dropped."""


def hostile_state():
    state = sim_state()
    t = state.tickers["BTCUSDT"]
    state.symbols.append(EVIL)
    state.info[EVIL] = SymbolInfo(EVIL, "TRADING", EVIL, "USDT", 0.01, 1e-5, 2, 5)
    state.apply(replace(t, symbol=EVIL))
    state.apply(
        Alert(
            time=t.event_time,
            symbol=EVIL,
            interval="1m",
            kind="pattern",
            name=EVIL,
            direction=Direction.BULLISH,
            confidence=0.9,
            price=1.0,
            factors={EVIL: 1.0},
            message=EVIL,
        )
    )
    state.apply(Notice("error", EVIL))
    state.apply(ConnectionStatus(2, ConnState.BACKOFF, 3, 1, EVIL, 1.5))
    return state


def assert_clean(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text
    assert "EVIL" in text and "[b]" in text


async def test_hostile_strings_are_shown_literally_everywhere(sim_app, make_store):
    store = make_store()
    store.writer().put(replace(stored_signal(0), symbol=EVIL, name=EVIL, message=EVIL))
    store.writer().flush(5)
    state = hostile_state()
    app = sim_app(state, store=store)
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.pause(0.3)
        text = screen_text(app)
        assert_clean(text)
        assert "[b]EVIL[/b]" in text  # watchlist row, alerts pane, status bar
        assert not list(app._notifications)  # alerts held at start; now a new one:
        state.apply(replace(state.alerts[-1], time=state.alerts[-1].time + 1))
        for _ in range(50):  # the next snapshot pull shows it (5 Hz; longer on a busy machine)
            await pilot.pause(0.1)
            if any(SHOWN in n.title for n in app._notifications):
                break
        assert any(SHOWN in n.title for n in app._notifications)
        for n in app._notifications:
            assert n.markup is False and "\x1b" not in n.title + n.message
        # Detail view of the hostile alert.
        app.query_one(AlertsPane).focus()
        await pilot.press("home", "enter")
        await pilot.pause()
        assert isinstance(app.screen, AlertDetail)
        assert_clean(screen_text(app))
        await pilot.press("escape")
        # Search results show the hostile symbol literally.
        await pilot.press("a")
        app.focused.value = "evil"
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)
        assert_clean(screen_text(app))
        await pilot.press("escape")
        # Health: the connection's reason; history: the stored signal.
        for key in ("f4", "f3"):
            await pilot.press(key)
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert_clean(screen_text(app))


async def test_a_watchlist_name_with_markup_is_shown_literally(sim_app):
    app = sim_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("w", "n")
        await enter_text(pilot, "[b]x[/b]")
        await pilot.press("escape")
        assert "Watchlist [b]x[/b]" in screen_text(app)
