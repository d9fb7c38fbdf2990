"""Alerts pane (newest first, colour by direction, confidence bar), toasts for new alerts, and
the detail view (every factor, the rule or detector, a chart of the span)."""

from __future__ import annotations

from dataclasses import replace

from cryptotui.models import Alert, Direction
from cryptotui.ui.screens.alert_detail import AlertDetail, MiniChart
from cryptotui.ui.widgets.alerts import AlertsPane, confidence_bar
from tests.ui.helpers import widget_text
from tests.ui.market import sim_state


def test_confidence_bar_has_eighth_steps():
    assert confidence_bar(1.0, 4) == "████"
    assert confidence_bar(0.5, 4) == "██  "
    assert confidence_bar(0.53, 4) == "██▏ "
    assert confidence_bar(0.0, 4) == "    "


async def test_pane_lists_newest_first_with_direction_colours(sim_app):
    app = sim_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        pane = app.query_one(AlertsPane)
        assert [a.name for a in pane.alerts] == ["btc-watch", "volume_spike", "bullish_engulfing"]
        lines = widget_text(app, pane).splitlines()[1:4]
        assert "◆" in lines[0] and "▼" in lines[1] and "▲" in lines[2]
        colours = {
            d: pane.get_component_rich_style(f"alerts--{d}", partial=True).color
            for d in ("bullish", "bearish")
        }
        strip = pane.render_line(2)  # the bullish one
        assert any(seg.style and seg.style.color == colours["bullish"] for seg in strip)
        assert "0.74" in lines[2] and "█" in lines[2]


async def test_new_alerts_toast_and_a_burst_is_summarised(sim_app):
    state = sim_state()
    app = sim_app(state)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert not app._notifications  # alerts held at start are not news
        base = state.alerts[0]
        state.apply(replace(base, time=base.time + 1, name="hammer", message="a hammer"))
        await pilot.pause(0.3)
        titles = [n.title for n in app._notifications]
        assert any("hammer" in t and "BTCUSDT" in t for t in titles)
        assert app.query_one(AlertsPane).alerts[0].name == "hammer"
        for i in range(6):
            state.apply(replace(base, time=base.time + 10 + i, name=f"burst{i}"))
        await pilot.pause(0.3)
        messages = [n.message for n in app._notifications]
        assert any("3 more alerts" in m for m in messages)
        assert sum("burst" in n.title for n in app._notifications) == 3


async def test_enter_opens_the_detail_with_every_factor_and_a_chart(sim_app):
    app = sim_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("tab", "tab")
        pane = app.query_one(AlertsPane)
        assert app.focused is pane
        await pilot.press("j", "j")  # the bullish engulfing (oldest)
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AlertDetail)
        text = widget_text(app, screen.query_one("#detail-box"))
        for factor in ("significance", "history", "volume", "timeframes", "market"):
            assert factor in text
        assert "pattern detector: bullish_engulfing" in text
        assert "z=3.1" in text and "volume_z=2.4" in text
        assert "span" in text and "→" in text  # the two candles the engulfing covers
        chart = screen.query_one(MiniChart)
        assert len(chart.points) > 20 and chart.markers
        assert "▲" in widget_text(app, chart)
        await pilot.press("escape")
        assert not isinstance(app.screen, AlertDetail)


async def test_rule_alert_names_its_rule_and_an_alert_without_candles_has_no_chart(sim_app):
    state = sim_state()
    state.apply(
        Alert(
            time=1,
            symbol="NOPEUSDT",
            interval="1h",
            kind="pattern",
            name="hammer",
            direction=Direction.BULLISH,
            confidence=0.7,
            price=1.0,
            factors={},
            message="",
        )
    )
    app = sim_app(state)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("tab", "tab", "enter")  # NOPEUSDT: the newest
        assert isinstance(app.screen, AlertDetail)
        assert "no candles" in str(app.screen.query_one(MiniChart).border_subtitle)
        await pilot.press("escape", "j", "enter")  # the rule alert
        text = widget_text(app, app.screen.query_one("#detail-box"))
        assert "user rule: price crosses 97000" in text
