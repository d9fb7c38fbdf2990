"""The Rules view (A): rules added, edited, switched off and deleted in the app are written to the
user's TOML file (comments kept), a bad condition is pointed at, and a saved rule fires on the
simulator without a restart; the watchlist and the chart offer a prefilled crossing alert."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Static

from cryptotui.alerts.rules_file import RulesFile
from cryptotui.config import load_config
from cryptotui.ui.screens.rule_form import LABEL_WIDTH, RuleForm
from cryptotui.ui.screens.rules import RulesScreen, RulesView
from cryptotui.ui.widgets.alerts import AlertsPane
from cryptotui.ui.widgets.chart import Chart
from cryptotui.ui.widgets.watchlist import Watchlist
from tests.conftest import until
from tests.ui.helpers import sim_feed_app

USER = """\
# my settings
[alerts]
bell = false  # quiet
rules = [
  # watch the big one
  { name = "btc-100k", when = "price crosses 100000", symbols = ["BTCUSDT"] },
  { name = "eth-low", when = "price < 1000" },  # just in case
]
"""


def user_file(tmp_path, text: str = USER) -> RulesFile:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return RulesFile(path)


def names(view: RulesView) -> list[str]:
    return [r.name for r in view.shown]


async def open_rules(pilot) -> RulesView:
    await pilot.press("A")
    await pilot.pause()
    assert isinstance(pilot.app.screen, RulesScreen)
    return pilot.app.screen.query_one(RulesView)


async def fill(pilot, **values: str) -> RuleForm:
    form = pilot.app.screen
    assert isinstance(form, RuleForm)
    for key, value in values.items():
        form.query_one(f"#rule-{key}", Input).value = value
    await pilot.pause()
    return form


async def test_add_edit_switch_off_and_delete_with_undo(sim_app, tmp_path):
    rules = user_file(tmp_path)
    app = sim_app(rules_file=rules)
    async with app.run_test(size=(140, 40)) as pilot:
        view = await open_rules(pilot)
        assert names(view) == ["btc-100k", "eth-low"]
        assert "never" in str(view.query_one(DataTable).get_row_at(0))

        await pilot.press("n")
        await fill(pilot, name="sol-move", when="move 15m > 3%", symbols="solusdt, ethusdt")
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, RuleForm)
        assert rules.tables()[2] == {
            "name": "sol-move", "when": "move 15m > 3%", "symbols": ["SOLUSDT", "ETHUSDT"],
        }  # fmt: skip
        assert names(view) == ["btc-100k", "eth-low", "sol-move"]
        assert view.selected is not None and view.selected.name == "sol-move"

        await pilot.press("up", "enter")  # edit eth-low
        form = app.screen
        assert isinstance(form, RuleForm) and form.query_one("#rule-when", Input).value == (
            "price < 1000"
        )
        await fill(pilot, when="price < 900", cooldown="60")
        await pilot.press("enter")
        await pilot.pause()
        assert rules.tables()[1] == {"name": "eth-low", "when": "price < 900", "cooldown": 60}
        text = rules.path.read_text(encoding="utf-8")
        assert "# my settings" in text and "# watch the big one" in text
        assert "bell = false  # quiet" in text

        await pilot.press("space")  # switch eth-low off, then on again
        await pilot.pause()
        assert rules.tables()[1]["enabled"] is False
        assert load_config(rules.path, env={}).alerts.rules[1]["enabled"] is False
        assert "○" in str(view.query_one(DataTable).get_row_at(1)[0])
        await pilot.press("space")
        await pilot.pause()
        assert "enabled" not in rules.tables()[1]

        await pilot.press("d")
        await pilot.pause()
        assert [t["name"] for t in rules.tables()] == ["btc-100k", "sol-move"]
        await pilot.press("u")
        await pilot.pause()
        assert [t["name"] for t in rules.tables()] == ["btc-100k", "eth-low", "sol-move"]
        assert names(view) == ["btc-100k", "eth-low", "sol-move"]

        await pilot.press("escape")
        assert not isinstance(app.screen, RulesScreen)


async def test_a_bad_condition_is_shown_at_its_column_and_nothing_is_saved(sim_app, tmp_path):
    rules = user_file(tmp_path)
    app = sim_app(rules_file=rules)
    async with app.run_test(size=(140, 40)) as pilot:
        await open_rules(pilot)
        await pilot.press("n")
        form = await fill(pilot, name="typo")
        when = form.query_one("#rule-when", Input)
        when.focus()
        await pilot.press(*"price >", "greater_than_sign", "space", "5")  # typed, checked live
        caret = str(form.query_one("#rule-caret", Static).render())
        assert caret.index("^") == LABEL_WIDTH + 7  # under the second '>', column 8
        assert "expected a number at column 8" in caret
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RuleForm)  # still open, nothing written
        assert "column 8" in str(form.query_one("#rule-error", Static).render())
        assert when.has_class("-invalid") and app.focused is when and when.cursor_position == 7
        assert rules.path.read_text(encoding="utf-8") == USER

        when.value = "price > 5"
        await fill(pilot, name="btc-100k")  # a name taken: the file's check refuses it
        await pilot.press("enter")
        await pilot.pause()
        assert "another rule has this name" in str(form.query_one("#rule-error", Static).render())
        assert form.query_one("#rule-name", Input).has_class("-invalid")
        assert not when.has_class("-invalid")
        assert rules.path.read_text(encoding="utf-8") == USER


async def test_alert_at_a_price_in_two_keys_from_the_watchlist_and_the_chart(sim_app, tmp_path):
    rules = user_file(tmp_path, "")
    app = sim_app(rules_file=rules)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        wl = app.query_one(Watchlist)
        row = wl.items[wl.cursor].row
        await pilot.press("c", "enter")
        await pilot.pause()
        (saved,) = rules.tables()
        price = f"{row.last:.{app.state.price_decimals(row.symbol)}f}"
        assert saved["when"] == f"price crosses {price}" and saved["symbols"] == [row.symbol]
        parsed = load_config(rules.path, env={}).alerts.rules
        assert parsed[0]["name"] == saved["name"]

        chart = app.query_one(Chart)
        chart.focus()
        await pilot.press("left")  # scrolled back: the legend's candle, not the newest
        await pilot.pause()
        shown = chart.points[len(chart.points) - 1 - chart.scrolled_back].candle.close
        await pilot.press("c", "enter")
        await pilot.pause()
        second = rules.tables()[1]
        assert second["when"] == f"price crosses {shown:.{app.state.price_decimals(chart.symbol)}f}"
        assert second["symbols"] == [chart.symbol]


async def test_a_rule_saved_in_the_app_fires_on_the_simulator_without_restart(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("[demo]\nspeed = 20.0\n# no rules yet\n", encoding="utf-8")
    app = sim_feed_app(
        cfg,
        ["BTCUSDT", "ETHUSDT"],
        reload_config=lambda: load_config(cfg, env={}),
        rules_file=RulesFile(cfg),
    )
    state, thread = app.state, app.feed_thread
    async with app.run_test(size=(120, 36)) as pilot:
        await until(lambda: thread.feed is not None and thread.feed.engine is not None, 15, "feed")
        await until(lambda: state.versions.get("ETHUSDT", 0) > 0, 15, "ETH prices")
        await open_rules(pilot)
        await pilot.press("n")
        await fill(pilot, name="eth-live", when="price > 1", symbols="ETHUSDT", frequency="once")
        await pilot.press("enter")
        await until(
            lambda: any(a.name == "eth-live" for a in state.alerts), 20, "the new rule to fire"
        )
        assert load_config(cfg, env={}).alerts.rules[0]["name"] == "eth-live"
        view = app.screen.query_one(RulesView)
        await until(lambda: view.rows[0].fired is not None, 5, "its last firing in the view")
        await pilot.press("escape")
        await until(lambda: app.query_one(AlertsPane).alerts, 5, "the alert in the pane")


async def test_rules_set_in_the_environment_are_said_to_win_over_the_file(sim_app, tmp_path):
    rules = user_file(tmp_path)
    env = {"CRYPTOTUI_ALERTS_RULES": '[{ name = "env", when = "price > 1" }]'}
    app = sim_app(rules_file=rules, reload_config=lambda: load_config(rules.path, env=env))
    async with app.run_test(size=(140, 40)) as pilot:
        view = await open_rules(pilot)
        status = str(view.query_one("#rules-status", Static).render())
        assert "environment variable CRYPTOTUI_ALERTS_RULES" in status and "overrides" in status
    plain = sim_app(rules_file=rules, reload_config=lambda: load_config(rules.path, env={}))
    async with plain.run_test(size=(140, 40)) as pilot:
        view = await open_rules(pilot)
        assert "2 rules, 2 on" in str(view.query_one("#rules-status", Static).render())
