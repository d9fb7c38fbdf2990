"""The Textual app: renders `MarketState` snapshots from a feed running in its own thread.

The UI pulls a snapshot on a timer (5 Hz) and repaints only what changed: watchlist rows whose
data moved, the chart when its series changed, the alerts pane when alerts arrived, the visible
bottom view once a second. It never handles one message per market event. New alerts are found
by the same pull (they are rare, and a toast within 200 ms is soon enough) and shown as toasts;
the engine delivers them to bell/desktop/webhook on the feed thread regardless of the UI.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.reactive import Reactive
from textual.screen import Screen

from cryptotui import fmt
from cryptotui.alerts.rules_file import RulesFile
from cryptotui.config import COMMAND_LINE, Config, ConfigError, PortfolioSection
from cryptotui.engine import reconfigure
from cryptotui.feed import Feed
from cryptotui.intervals import INTERVAL_MS
from cryptotui.models import Alert, Candle, Notice
from cryptotui.state import MarketState
from cryptotui.ui.feed_thread import FeedRunner
from cryptotui.ui.messages import AlertAtPrice
from cryptotui.ui.screens.alert_detail import AlertDetail
from cryptotui.ui.screens.dashboard import BOTTOM_VIEWS, INTERVAL_KEYS, Dashboard
from cryptotui.ui.screens.help import HelpScreen, bindings_of, focused_first
from cryptotui.ui.screens.portfolio import PortfolioScreen
from cryptotui.ui.screens.rule_form import RuleForm
from cryptotui.ui.screens.rules import RulesScreen, RulesView
from cryptotui.ui.screens.search import SearchScreen
from cryptotui.ui.screens.track_record import TrackRecordScreen
from cryptotui.ui.screens.watchlists import WatchlistsScreen
from cryptotui.ui.services.alert_view import (
    AFTER,
    BEFORE,
    AlertView,
    candles_around,
    mini_series,
)
from cryptotui.ui.services.chart_data import FORMING, NOTHING, ChartSeries
from cryptotui.ui.services.health import RateMeter
from cryptotui.ui.services.market import MarketLink
from cryptotui.ui.services.overview import overview
from cryptotui.ui.services.portfolio import Loaded, feed_rates, held_of, market_now
from cryptotui.ui.services.portfolio import load as load_portfolio
from cryptotui.ui.services.rules import crossing_rule
from cryptotui.ui.services.screenshot import screenshot_dir
from cryptotui.ui.services.store import UiStore
from cryptotui.ui.services.undo import UNDO_SECONDS, Undo
from cryptotui.ui.services.watch import WatchItems
from cryptotui.ui.services.watchlists import Watchlists
from cryptotui.ui.themes import DARK, DARK_ANSI, DARK_THEME, LIGHT, LIGHT_ANSI, LIGHT_THEME
from cryptotui.ui.widgets.alerts import AlertsPane
from cryptotui.ui.widgets.chart import Chart
from cryptotui.ui.widgets.health import HealthView
from cryptotui.ui.widgets.history import HistoryBrowser
from cryptotui.ui.widgets.overview import MarketOverview
from cryptotui.ui.widgets.track import TrackRecordView
from cryptotui.ui.widgets.watchlist import Watchlist

SNAPSHOT_HZ = 5
SLOW_EVERY = SNAPSHOT_HZ
"""Pulls between refreshes of the bottom view (overview, health): once a second."""
OLDER_BATCH = 500
"""Candles fetched from the store each time the chart scrolls past the oldest one held."""
MAX_OLDER = 2000
"""Older candles kept per series (with the state's 1000: the chart's 3000 points)."""
SERIES_KEPT = 8
"""Chart series kept for quick switching back (each ≤ 3000 points)."""
FORMING_REDRAW = 0.4
"""Seconds between chart redraws for a moving forming candle (closed candles: at once)."""
TOASTS_PER_PULL = 3
"""More alerts than this in one pull become one summary toast (a burst must not bury the UI)."""


class CryptoTUI(App):
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "cryptotui"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide"), (160, "-xwide")]
    ansi_theme_dark = Reactive(DARK_ANSI, init=False)
    ansi_theme_light = Reactive(LIGHT_ANSI, init=False)
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", tooltip="this list of keys"),
        Binding("a", "search", "Add", tooltip="a symbol: fuzzy search over every exchange symbol"),
        Binding("w", "watchlists", "Lists", tooltip="switch, create, rename, delete watchlists"),
        Binding("T", "track_record", "Track record", tooltip="how every pattern performed"),
        Binding("P", "portfolio", "Portfolio", tooltip="your trades: value, cost, P&L"),
        Binding("A", "rules", "Rules", tooltip="alert rules: add, edit, switch off (your config)"),
        Binding("u", "undo", "Undo", show=False, tooltip="the last removal, for 10 s"),
        Binding("t", "toggle_theme", "Theme", tooltip="light or dark"),
    ]

    def __init__(
        self,
        state: MarketState,
        feed: FeedRunner | None = None,
        *,
        source_label: str = "Binance",
        intervals: Iterable[str] = ("1m",),
        store: UiStore | None = None,
        lists: Watchlists | None = None,
        reload_config: Callable[[], Config] | None = None,
        portfolio: PortfolioSection | None = None,
        rules_file: RulesFile | None = None,
    ) -> None:
        """`rules_file`: the user's config file, where the Rules view saves alert rules."""
        super().__init__()
        self.register_theme(DARK_THEME)
        self.register_theme(LIGHT_THEME)
        self.theme = DARK
        self.reload_config = reload_config
        self.rules_file = rules_file
        self.undo = Undo()
        self.portfolio = portfolio or PortfolioSection(currency="USDT", method="fifo")
        self.state = state
        self.source_label = source_label
        self.sub_title = source_label
        self.feed_thread = feed
        self.store = store
        self.feed_intervals = list(intervals)
        self.link = MarketLink(state, feed)
        self.lists = lists or Watchlists(store, state.symbols)
        self.items = WatchItems()
        self.meter = RateMeter()
        self.interval = self.feed_intervals[0] if self.feed_intervals else "1m"
        self.symbol: str | None = None
        self.series: ChartSeries | None = None
        self._series: dict[tuple[str, str], ChartSeries] = {}
        """Recently shown series, least recent first."""
        self._older: dict[tuple[str, str], list[Candle]] = {}
        """Candles from the store older than the state holds, fetched as the chart scrolls."""
        self._seen_alert: Alert | None = state.alerts[-1] if state.alerts else None
        self._seen_notice: Notice | None = None
        self._chart_pending = False
        self._chart_drawn = 0.0
        self._pulls = 0

    def get_default_screen(self) -> Screen:
        return Dashboard(self.state.price_decimals, self.store)

    def on_mount(self) -> None:
        if self.source_label == "SIMULATED":
            self.add_class("simulated")

    @on(Dashboard.Ready)
    def _start(self, event: Dashboard.Ready) -> None:
        self.dashboard: Dashboard = event.dashboard
        self._retitle_watchlist()
        if self.lists.symbols != self.state.symbols:
            self.link.set_symbols(self.lists.symbols)
        self.link.load_sparklines()
        if self.feed_thread is not None:
            self.feed_thread.start()
        if self.store is not None:
            self._value_holdings(self.store)
        self.pull_snapshot(full=True)
        self.set_interval(1 / SNAPSHOT_HZ, self.pull_snapshot)

    # ------------------------------------------------------------------ snapshots

    def pull_snapshot(self, full: bool = False) -> None:
        """Repaint what changed since the last pull (`full`: also the slow bottom view)."""
        d = self.dashboard
        if not d.is_attached:
            return  # shutting down
        state = self.state
        self.link.pump()
        if self.store is not None:
            self.store.pump()
        self._pulls += 1
        rsi_iv = self._rsi_interval()
        d.watchlist.update_items(
            self.items.build(state, rsi_iv, self._listed()), f"RSI{rsi_iv}" if rsi_iv else "RSI"
        )
        if self.symbol is None and state.symbols:
            self._select(state.symbols[0])
        self._update_chart()
        self._update_alerts()
        self._toast_intro()
        rates = self.meter.sample(state)
        d.status.update_from(state, rates)
        if full or self._pulls % SLOW_EVERY == 0:
            self._update_bottom(rates)
        thread = self.feed_thread
        if thread is not None and thread.error is not None:
            error, thread.error = thread.error, None
            self.notify(f"feed stopped: {error}", severity="error", timeout=30, markup=False)

    def _listed(self) -> list[str]:
        """The active list as the pane shows it: at once after an edit or a switch (the feed
        subscribes a moment later; tickers of every symbol are already in the state), without
        symbols the exchange does not list (the feed refuses them with a notice)."""
        state = self.state
        info, watched = state.info, set(state.symbols)
        return [s for s in self.lists.symbols if not info or s in info or s in watched]

    def _rsi_interval(self) -> str | None:
        """The selected interval when the engine computes it, else the feed's first."""
        if self.interval in self.feed_intervals:
            return self.interval
        return self.feed_intervals[0] if self.feed_intervals else None

    def _update_chart(self) -> None:
        """Redraw when candles closed at once; a forming candle that moves on every frame
        (a busy market, or the simulator at 100×) is redrawn at most every FORMING_REDRAW s."""
        series = self.series
        if series is None:
            return
        change = series.sync(self.state, self._older.get((series.symbol, series.interval), ()))
        if change == FORMING or (change == NOTHING and self._chart_pending):
            now = time.monotonic()
            if now - self._chart_drawn < FORMING_REDRAW:
                self._chart_pending = True
                return
        elif change == NOTHING:
            return
        self._chart_pending = False
        self._chart_drawn = time.monotonic()
        points = series.points
        chart = self.dashboard.chart
        chart.show(
            series.symbol,
            series.interval,
            points,
            series.markers(list(self.state.alerts), points),
            self.state.price_decimals(series.symbol),
            series.drawings() if chart.options.patterns else None,
        )

    def _update_alerts(self) -> None:
        """Refresh the pane when alerts arrived; toast the ones that arrived while running."""
        alerts = list(self.state.alerts)
        pane = self.dashboard.alerts
        if not alerts or (pane.alerts and alerts[-1] is pane.alerts[0]):
            return
        new = []
        for a in reversed(alerts):
            if a is self._seen_alert:
                break
            new.append(a)
        self._seen_alert = alerts[-1]
        self._toast(new[::-1])
        pane.update_alerts(alerts)
        if self.series is not None:
            self.series.invalidate()  # new markers

    def _toast_intro(self) -> None:
        """The feed's start-up line (which detectors run, when the first candles close) as a
        toast too: the status bar shows it, but cut, and only until the next notice."""
        notices = self.state.notices
        if not notices or notices[-1] is self._seen_notice:
            return
        for n in reversed(notices):
            if n is self._seen_notice:
                break
            if n.kind == "intro":
                self.notify(fmt.safe(n.text), title="Started", timeout=20, markup=False)
        self._seen_notice = notices[-1]

    def _toast(self, new: list[Alert]) -> None:
        for a in new[-TOASTS_PER_PULL:]:
            arrow = {"bullish": "▲", "bearish": "▼"}.get(a.direction.value, "◆")
            title = f"{arrow} {fmt.safe(a.symbol)} {a.interval or ''} {fmt.safe(a.name)}"
            price = fmt.price(a.price, self.state.price_decimals(a.symbol))
            body = f"confidence {a.confidence:.2f} · {price}"
            if a.message:
                body += f"\n{fmt.safe(a.message)}"
            severity: SeverityLevel = "warning" if a.direction.value == "bearish" else "information"
            self.notify(body, title=title, severity=severity, markup=False)
        if len(new) > TOASTS_PER_PULL:
            self.notify(
                f"and {len(new) - TOASTS_PER_PULL} more alerts (see the alerts pane)", markup=False
            )

    def _update_bottom(self, rates) -> None:
        d = self.dashboard
        view = d.view
        if view == "overview":
            tickers = d.overview.wanted(list(self.state.tickers.values()))
            d.overview.update_overview(overview(tickers, self.state.info))
        elif view == "health":
            running = self.feed_thread is not None and self.feed_thread.running
            offset = self.state.health.clock_offset_ms if running else None
            rate = self.state.health.clock_rate if running else 1.0
            d.health.update_view(
                HealthView.collect(self.state, rates, clock_offset_ms=offset, clock_rate=rate)
            )
        elif view == "history":
            d.history.poll()

    # ------------------------------------------------------------------ selection

    def _select(self, symbol: str) -> None:
        if symbol == self.symbol and self.series is not None:
            return
        self.symbol = symbol
        self._open_series()

    def _open_series(self) -> None:
        """Show (symbol, interval): a series seen recently is reused and only catches up, so
        flipping between symbols does not recompute their indicators from scratch."""
        if self.symbol is None:
            return
        key = (self.symbol, self.interval)
        series = self._series.pop(key, None) or ChartSeries(*key)
        self._series[key] = series
        while len(self._series) > SERIES_KEPT:
            del self._series[next(iter(self._series))]
        series.invalidate()
        self.series = series
        self.link.load_history(*key)
        self._update_chart()

    def action_interval(self, interval: str) -> None:
        """Show `interval` candles (keys 1–9); the watchlist's RSI follows when computed."""
        if interval != self.interval:
            self.interval = interval
            self._open_series()
            self.pull_snapshot()

    @on(Watchlist.Selected)
    def _selected(self, event: Watchlist.Selected) -> None:
        self._select(event.symbol)

    @on(Chart.PatternsWanted)
    def _patterns_wanted(self) -> None:
        """Patterns switched on: redraw the chart with them now, not at the next candle."""
        if self.series is not None:
            self.series.invalidate()
            self._update_chart()

    @on(Chart.OlderWanted)
    def _older_wanted(self) -> None:
        """Scrolled to the oldest candle held: fetch an earlier stretch from the store."""
        series = self.series
        if self.store is None or series is None or not series.closed:
            return
        key = (series.symbol, series.interval)
        if series.interval not in INTERVAL_MS or len(self._older.get(key, ())) >= MAX_OLDER:
            return
        first = series.closed[0].candle.open_time
        step = INTERVAL_MS[series.interval]
        self._fetch_older(series.symbol, series.interval, first - OLDER_BATCH * step, first)

    @work(thread=True, exclusive=True, group="older")
    def _fetch_older(self, symbol: str, interval: str, since: int, until: int) -> None:
        assert self.store is not None
        rows = self.store.candles(symbol, interval, since, until)
        if rows:
            self.call_from_thread(self._add_older, symbol, interval, rows)

    def _add_older(self, symbol: str, interval: str, rows: list[Candle]) -> None:
        key = (symbol, interval)
        self._older[key] = [*rows, *self._older.get(key, [])]
        self._update_chart()

    @on(Watchlist.ChartRequested)
    def _chart_requested(self) -> None:
        self.dashboard.chart.focus()

    # ------------------------------------------------------------------ watchlist edits

    def _apply_lists(self) -> None:
        """The active list changed (edit or switch): make the feed watch it."""
        self.link.set_symbols(self.lists.symbols)
        self._retitle_watchlist()
        self.pull_snapshot()

    def _retitle_watchlist(self) -> None:
        wl = self.dashboard.watchlist
        wl.border_title = Text.assemble(("Watchlist ", "bold"), fmt.safe(self.lists.active))
        wl.set_caption(fmt.count(len(self.lists.symbols), "symbol"))

    @on(Watchlist.RemoveRequested)
    def _remove(self, event: Watchlist.RemoveRequested) -> None:
        """Removed at once; `u` puts it back where it was."""
        lists, symbol = self.lists, event.symbol
        if symbol not in lists.symbols:
            return
        name, index = lists.active, lists.symbols.index(symbol)
        lists.remove(symbol)
        self._apply_lists()

        def undo() -> None:
            if lists.active != name:
                self._switch(name)
            if lists.add(symbol):
                lists.move(symbol, index - len(lists.symbols) + 1)
            self._apply_lists()
            self.dashboard.watchlist.select(symbol)

        self.offer_undo(f"{symbol} removed from {name}", undo)

    @on(Watchlist.MoveRequested)
    def _move(self, event: Watchlist.MoveRequested) -> None:
        self.lists.move(event.symbol, event.delta)
        self._apply_lists()

    def action_search(self) -> None:
        state = self.state

        def universe() -> list[str]:
            return list(state.info) or list(state.tickers) or list(state.symbols)

        def added(symbol: str | None) -> None:
            if symbol is None:
                return
            if self.lists.add(symbol):
                self.notify(f"{symbol} added to {self.lists.active}", markup=False)
            self._apply_lists()
            self.dashboard.watchlist.select(symbol)
            self._select(symbol)

        screen = SearchScreen(universe, state.info, state.tickers, set(self.lists.symbols))
        self.push_screen(screen, added)

    def action_watchlists(self) -> None:
        self.push_screen(WatchlistsScreen(self.lists, self._apply_lists))

    def action_track_record(self) -> None:
        if not any(isinstance(s, TrackRecordScreen) for s in self.screen_stack):
            self.push_screen(TrackRecordScreen(self.store))

    @work(thread=True, exclusive=True, group="holdings")
    def _value_holdings(self, store: UiStore) -> None:
        """The positions the watchlist shows, valued once at start (the Portfolio view
        revalues them after every change)."""
        fetch = feed_rates(self.feed_thread) if self.feed_thread is not None else None
        loaded = load_portfolio(
            store, fetch, currency=self.portfolio.currency, method=self.portfolio.method,
            now=market_now(self.state), history=False,
        )  # fmt: skip
        self.call_from_thread(self._show_held, loaded)

    @on(PortfolioScreen.Valued)
    def _portfolio_valued(self, event: PortfolioScreen.Valued) -> None:
        self._show_held(event.loaded)

    def _show_held(self, loaded: Loaded) -> None:
        self.items.held = held_of(loaded)
        self.pull_snapshot()

    def action_portfolio(self) -> None:
        if not any(isinstance(s, PortfolioScreen) for s in self.screen_stack):
            fetch = feed_rates(self.feed_thread) if self.feed_thread is not None else None
            self.push_screen(
                PortfolioScreen(
                    self.store,
                    self.state,
                    fetch,
                    currency=self.portfolio.currency,
                    method=self.portfolio.method,
                )
            )

    # ------------------------------------------------------------------ alerts

    @on(AlertsPane.Opened)
    def _alert_opened(self, event: AlertsPane.Opened) -> None:
        self.open_detail(AlertView.from_alert(event.alert))

    @on(HistoryBrowser.Opened)
    def _history_opened(self, event: HistoryBrowser.Opened) -> None:
        self.open_detail(AlertView.from_signal(event.row))

    def open_detail(self, view: AlertView) -> None:
        stored = []
        if self.store is not None and view.interval is not None:
            step = INTERVAL_MS.get(view.interval, 86_400_000)
            stored = self.store.candles(
                view.symbol, view.interval, view.time - BEFORE * step, view.time + AFTER * step
            )
        points, markers = mini_series(view, candles_around(view, self.state, stored))
        decimals = self.state.price_decimals(view.symbol)
        self.push_screen(AlertDetail(view, points, markers, decimals))

    # ------------------------------------------------------------------ alert rules

    def action_rules(self) -> None:
        if not any(isinstance(s, RulesScreen) for s in self.screen_stack):
            self.push_screen(RulesScreen(self))

    def session_alerts(self) -> list[Alert]:
        return list(self.state.alerts)

    def rules_override(self) -> str | None:
        """Where the running rules come from when it is not a file (an environment variable or
        the command line win over it): then edits in the Rules view do not take effect."""
        if self.reload_config is None:
            return None
        try:
            origin = self.reload_config().origins.get("alerts.rules", "")
        except ConfigError:
            return None
        return origin if origin.startswith(("environment variable", COMMAND_LINE)) else None

    def rules_changed(self) -> None:
        """The rules file changed: the running engine takes it through the reload path."""
        if self.reload_config is None or self.feed_thread is None:
            self.notify("saved; the rules apply the next time cryptotui starts", markup=False)
        else:
            self.reload()

    @on(AlertAtPrice)
    def _alert_at_price(self, event: AlertAtPrice) -> None:
        """The rule form, filled in: Enter saves a rule for when the symbol crosses the price
        (on an interval the engine computes, so it is checked on every update)."""
        rules = self.rules_file
        if rules is None:
            self.notify("no config file to save the rule in", severity="warning", markup=False)
            return
        decimals = self.state.price_decimals(event.symbol)
        interval = self._rsi_interval() or "1m"
        table = crossing_rule(event.symbol, event.price, decimals, interval)

        def save(values: dict) -> None:
            rules.add(values)
            self.rules_changed()

        self.push_screen(RuleForm(f"Alert when {event.symbol} crosses", table, save))

    def offer_undo(self, label: str, undo: Callable[[], None]) -> None:
        """A removal just done: say so, and let `u` take it back for a while."""
        self.undo.offer(label, undo)
        self.notify(f"{label} · u undoes", markup=False, timeout=UNDO_SECONDS)

    def action_undo(self) -> None:
        taken = self.undo.take()
        if taken is None:
            self.notify("nothing to undo", markup=False)
            return
        label, undo = taken
        undo()
        self.notify(f"undone: {label}", markup=False)

    # ------------------------------------------------------------------ app-wide

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.current_theme.dark else DARK

    def help_sections(self) -> list[tuple[str, list[Binding]]]:
        return [
            ("Everywhere", [*bindings_of(CryptoTUI), Binding("ctrl+p", "", "Command palette")]),
            (
                "Dashboard",
                [
                    *bindings_of(Dashboard),
                    Binding("tab", "", "Next pane (shift+tab: previous)"),
                    Binding("escape", "", "Restore a maximised pane"),
                ],
            ),
            ("Watchlist", bindings_of(Watchlist)),
            ("Chart", bindings_of(Chart)),
            ("Alerts", bindings_of(AlertsPane)),
            ("History", [*bindings_of(HistoryBrowser), Binding("enter", "", "Open signal")]),
            ("Overview", bindings_of(MarketOverview)),
            ("Watchlists (w)", bindings_of(WatchlistsScreen)),
            (
                "Track record (T)",
                [
                    *bindings_of(TrackRecordView),
                    Binding("enter", "", "Equity curve and recent signals of the pattern"),
                    *bindings_of(TrackRecordScreen),
                ],
            ),
            ("Portfolio (P)", bindings_of(PortfolioScreen)),
            (
                "Alert rules (A)",
                [
                    *bindings_of(RulesView),
                    Binding("enter", "", "Edit rule"),
                    *bindings_of(RulesScreen),
                ],
            ),
        ]

    def help_owners(self) -> list[tuple[type, str]]:
        """Which help section (by title) a focused widget, or the screen it is on, opens on."""
        return [
            (Watchlist, "Watchlist"),
            (Chart, "Chart"),
            (AlertsPane, "Alerts"),
            (HistoryBrowser, "History"),
            (WatchlistsScreen, "Watchlists (w)"),
            (TrackRecordScreen, "Track record (T)"),
            (PortfolioScreen, "Portfolio (P)"),
            (RulesScreen, "Alert rules (A)"),
        ]

    def action_help(self) -> None:
        """The focused pane's keys first, then the global ones, then the rest."""
        focus = self.focused
        here = [focus, *focus.ancestors] if focus is not None else [self.screen]
        owners = self.help_owners()
        title = next((t for node in here for cls, t in owners if isinstance(node, cls)), None)
        self.push_screen(HelpScreen(focused_first(self.help_sections(), title)))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if not isinstance(screen, Dashboard):
            return
        chart = screen.chart
        commands: list[tuple[str, str, Callable[[], object]]] = [
            ("Add symbol", "Search every exchange symbol (a)", self.action_search),
            ("Watchlists", "Switch, create, rename, delete (w)", self.action_watchlists),
            (
                "Track record",
                "How every pattern performed, with its edge (T)",
                self.action_track_record,
            ),
            ("Portfolio", "Your trades: value, cost basis, P&L (P)", self.action_portfolio),
            ("Alert rules", "Add, edit, switch off; saved to your config (A)", self.action_rules),
            *(
                (f"Switch to watchlist {n}", "Make it the active list", partial(self._switch, n))
                for n in self.lists.names
                if n != self.lists.active
            ),
            *(
                (
                    f"Interval {iv}",
                    f"Chart {iv} candles ({i + 1})",
                    partial(self.action_interval, iv),
                )
                for i, iv in enumerate(INTERVAL_KEYS)
            ),
            ("Chart: cycle moving averages", "SMA/EMA (m)", chart.action_cycle_ma),
            ("Chart: Bollinger bands", "Toggle (b)", chart.action_toggle_bollinger),
            ("Chart: RSI / MACD pane", "Cycle (i)", chart.action_cycle_sub),
            ("Chart: volume", "Toggle (v)", chart.action_toggle_volume),
            ("Chart: back to live", "Follow the newest candle (end)", chart.action_live),
            *(
                (f"Show {label.lower()}", f"Bottom area (F{i + 2})", partial(screen.action_view, v))
                for i, (v, label) in enumerate(BOTTOM_VIEWS)
            ),
            ("Toggle light/dark", "Theme (t)", self.action_toggle_theme),
            *(
                [("Reload configuration", "Alert rules, thresholds, delivery", self.reload)]
                if self.reload_config is not None
                else []
            ),
            ("Help", "Every key (?)", self.action_help),
        ]
        for title, help_text, callback in commands:
            yield SystemCommand(title, help_text, callback)

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """The palette's "Screenshot", saved where it can be (`screenshot_dir`); the toast that
        follows names the file."""
        where = path if path is not None else str(screenshot_dir())
        return super().deliver_screenshot(filename, where, time_format)

    def reload(self) -> None:
        """Re-read the config and apply what can change live (`engine.reconfigure`), on the feed's
        loop; a broken file is refused with its one-line message and the running config stays."""
        if self.reload_config is None or self.feed_thread is None:
            return
        try:
            config = self.reload_config()
        except ConfigError as exc:
            self.notify(f"reload refused: {exc}", severity="error", markup=False, timeout=15)
            return

        done = self.feed_thread.submit(_reconfigure, config)
        if done is None:
            self.notify("the feed is not running yet; try again in a moment", markup=False)
            return

        async def report() -> None:
            # Awaited on the app's loop: a done-callback would run on this thread when the
            # feed finished first, where `call_from_thread` refuses to run.
            try:
                text = await asyncio.wrap_future(done)
            except Exception as exc:
                text = f"reload failed: {exc}"
            self.notify(text, markup=False)

        self.run_worker(report(), group="reload")

    def _switch(self, name: str) -> None:
        self.lists.switch(name)
        self._apply_lists()

    async def on_unmount(self) -> None:
        if self.feed_thread is not None:
            await asyncio.to_thread(self.feed_thread.stop)


async def _reconfigure(feed: Feed, config: Config) -> str:
    """`reload`'s request, run on the feed's loop (in its thread or process)."""
    assert feed.engine is not None  # `feed_factory` always builds one
    return await reconfigure(feed.engine, config)
