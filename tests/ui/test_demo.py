"""The app end to end: the feed thread, the real stream client, the engine and the simulator on
loopback. Prices stream in, the chart loads its history, a user rule fires an alert that reaches
the alerts pane and a toast, and a symbol added in the UI is subscribed by the feed."""

from __future__ import annotations

from cryptotui.config import load_config
from cryptotui.sources import SIMULATED
from cryptotui.ui.widgets.alerts import AlertsPane
from cryptotui.ui.widgets.chart import Chart
from cryptotui.ui.widgets.status_bar import StatusBar
from cryptotui.ui.widgets.watchlist import Watchlist
from tests.conftest import until
from tests.ui.helpers import sim_feed_app

SYMBOLS = ["BTCUSDT", "ETHUSDT", "DOGEUSDT", "SOLUSDT"]
CONFIG = """
[demo]
speed = 20.0
[alerts]
rules = [
  { name = "btc-alive", when = "price > 1", symbols = ["BTCUSDT"], frequency = "once" },
]
"""


async def test_live_prices_chart_alerts_and_watch_from_the_ui(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text(CONFIG)
    app = sim_feed_app(
        cfg, SYMBOLS[:3], overview=True, reload_config=lambda: load_config(cfg, env={})
    )
    state = app.state
    toasts: list[str] = []  # toasts expire after a few seconds; keep every title shown
    toasts_text: list[str] = []
    show = app.notify
    app.notify = lambda message, **kw: (
        toasts.append(kw.get("title", "")),
        toasts_text.append(str(message)),
        show(message, **kw),
    )
    async with app.run_test(size=(110, 30)) as pilot:
        await until(
            lambda: all(r.version > 0 for r in state.rows()), timeout=15, what="prices for all"
        )
        await until(lambda: state.connection_summary()[0] == "open", what="an open stream")
        first = {r.symbol: r.version for r in state.rows()}
        await until(
            lambda: any(r.version > first[r.symbol] for r in state.rows()), what="live updates"
        )
        await pilot.pause(0.3)  # at least one snapshot pull
        wl = app.query_one(Watchlist)
        lines = ["".join(seg.text for seg in wl.render_line(y)) for y in range(1, 4)]
        for symbol, line in zip(SYMBOLS[:3], lines, strict=True):
            assert line.startswith(symbol) and "waiting" not in line
        assert state.info["BTCUSDT"].price_decimals == 2
        assert app.has_class("simulated") and app.sub_title == SIMULATED
        assert "open" in str(app.query_one(StatusBar).render())

        # The chart of the selected symbol gets its history from REST, then streams.
        chart = app.query_one(Chart)
        await until(lambda: len(chart.points) > 100, what="chart history")
        assert chart.symbol == "BTCUSDT" and chart.interval == "1m"

        # The rule fires once: the pane shows it and a toast announced it.
        await until(lambda: app.query_one(AlertsPane).alerts, what="the rule's alert in the pane")
        assert app.query_one(AlertsPane).alerts[0].name == "btc-alive"
        assert any("btc-alive" in title for title in toasts)

        # Adding a symbol in the UI makes the feed subscribe it.
        app.lists.add("SOLUSDT")
        app._apply_lists()
        await until(lambda: "SOLUSDT" in state.symbols, what="the feed to watch SOLUSDT")
        await until(lambda: state.versions.get("SOLUSDT", 0) > 0, what="SOLUSDT prices")

        # "Reload configuration": a broken file is refused, a fixed one adds a live rule.
        cfg.write_text(CONFIG.replace('"price > 1"', '"price >> 1"'))
        app.reload()
        assert any("reload refused" in str(t) for t in toasts_text)
        eth = (
            '{ name = "eth-alive", when = "price > 1", symbols = ["ETHUSDT"], frequency = "once" }'
        )
        cfg.write_text(CONFIG.replace("rules = [", f"rules = [\n  {eth},"))
        app.reload()
        await until(
            lambda: any(a.name == "eth-alive" for a in app.query_one(AlertsPane).alerts),
            timeout=20,
            what="the reloaded rule's alert",
        )
        await until(lambda: any("reloaded" in str(t) for t in toasts_text), what="its toast")
