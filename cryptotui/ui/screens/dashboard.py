"""The dashboard: watchlist and alerts on the left, chart and a switchable bottom area on the
right, status and keys below. It owns pane navigation (Tab cycles, `z` maximises, `o` and
F2–F4 switch the bottom area, 1–9 pick the interval); the app owns the data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import ContentSwitcher, DataTable, Header

from cryptotui.ui.services.store import UiStore
from cryptotui.ui.widgets.alerts import AlertsPane
from cryptotui.ui.widgets.chart import Chart
from cryptotui.ui.widgets.health import Health
from cryptotui.ui.widgets.history import HistoryBrowser
from cryptotui.ui.widgets.keys_footer import KeysFooter
from cryptotui.ui.widgets.overview import MarketOverview
from cryptotui.ui.widgets.status_bar import StatusBar
from cryptotui.ui.widgets.watchlist import Watchlist

if TYPE_CHECKING:
    from cryptotui.ui.app import CryptoTUI

INTERVAL_KEYS: tuple[str, ...] = ("1m", "5m", "15m", "1h", "4h", "1d", "3d", "1w", "1M")
"""Keys 1–9 pick these chart intervals."""
BOTTOM_VIEWS: tuple[tuple[str, str], ...] = (
    ("overview", "Overview"),
    ("history", "History"),
    ("health", "Health"),
)


class BottomArea(ContentSwitcher):
    """Overview, history or health: one at a time, named in the border with the others."""

    ALLOW_MAXIMIZE = True

    def on_mount(self) -> None:
        self._retitle(self.current)

    def watch_current(self, old: str | None, new: str | None) -> None:
        super().watch_current(old, new)
        self._retitle(new)

    def _retitle(self, current: str | None) -> None:
        title = Text()
        for i, (view_id, label) in enumerate(BOTTOM_VIEWS):
            if i:
                title.append(" │ ", "dim")
            title.append(label, "bold" if view_id == current else "dim")
        self.border_title = title


class Dashboard(Screen):
    BINDINGS = [
        Binding("tab", "cycle(1)", "Next pane", show=False),
        Binding("shift+tab", "cycle(-1)", "Previous pane", show=False),
        Binding(
            "z", "toggle_maximize", "Maximise", tooltip="the focused pane; again or Esc restores"
        ),
        Binding("o", "cycle_view", "Views", tooltip="overview → history → health"),
        Binding("f2", "view('overview')", "Overview", show=False),
        Binding("f3", "view('history')", "History", show=False),
        Binding("f4", "view('health')", "Health", show=False),
        *(
            Binding(str(i + 1), f"app.interval('{iv}')", f"{iv} candles", show=False)
            for i, iv in enumerate(INTERVAL_KEYS)
        ),
    ]

    def __init__(
        self,
        decimals: Callable[[str], int | None],
        store: UiStore | None,
    ) -> None:
        super().__init__()
        self.watchlist = Watchlist(decimals, id="watchlist")
        self.alerts = AlertsPane(id="alerts")
        self.chart = Chart(id="chart")
        self.overview = MarketOverview(decimals, id="overview")
        self.history = HistoryBrowser(store, decimals, id="history")
        self.health = Health(id="health")
        self.bottom = BottomArea(id="bottom", initial="overview")
        """Held, not queried: a snapshot timer that fires while the screen is being torn down
        finds it (a query then raised NoMatches)."""
        self.status = StatusBar(id="status")

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield self.watchlist
                yield self.alerts
            with Vertical(id="right"):
                yield self.chart
                with self.bottom:
                    yield self.overview
                    yield self.history
                    yield self.health
        yield self.status
        yield KeysFooter()

    class Ready(Message):
        """The panes exist: the app may start pulling snapshots into them."""

        def __init__(self, dashboard: Dashboard) -> None:
            self.dashboard = dashboard
            super().__init__()

    def on_mount(self) -> None:
        self.alerts.border_title = "Alerts"
        self.watchlist.focus()
        self.post_message(self.Ready(self))

    # ------------------------------------------------------------------ panes

    @property
    def view(self) -> str:
        return self.bottom.current or "overview"

    def panes(self) -> list[Widget]:
        """The focus target of each pane, in Tab order."""
        views: dict[str, Widget] = {
            "overview": self.overview,
            "history": self.history.query_one(DataTable),
            "health": self.health,
        }
        bottom = views[self.view]
        return [self.watchlist, self.chart, self.alerts, bottom]

    def _pane_index(self) -> int:
        focused = self.focused
        for i, pane in enumerate(self.panes()):
            if focused is pane or (focused is not None and pane in focused.ancestors):
                return i
        if focused is not None and self.bottom in focused.ancestors:
            return 3
        return 0

    def _frame(self, index: int) -> Widget:
        """The bordered pane `index` of `panes()` sits in: what `z` maximises, so every pane
        (each bottom view included) fills the screen the same way, border and title kept."""
        return [self.watchlist, self.chart, self.alerts, self.bottom][index]

    def action_cycle(self, delta: int) -> None:
        panes = self.panes()
        index = (self._pane_index() + delta) % len(panes)
        panes[index].focus()
        if self.maximized is not None:
            self.maximize(self._frame(index), container=False)

    def action_toggle_maximize(self) -> None:
        if self.maximized is not None:
            self.minimize()
        else:
            self.maximize(self._frame(self._pane_index()), container=False)

    def action_view(self, view: str) -> None:
        was_here = self._pane_index() == 3
        self.bottom.current = view
        if was_here or self.maximized is not None:
            self.action_cycle(0)
        cast("CryptoTUI", self.app).pull_snapshot(full=True)  # the one app it is shown in

    def action_cycle_view(self) -> None:
        ids = [v for v, _ in BOTTOM_VIEWS]
        self.action_view(ids[(ids.index(self.view) + 1) % len(ids)])
