"""The dashboard: watchlist and alerts on the left, chart and a switchable bottom area on the
right, status and keys below. It owns pane navigation (Tab cycles, `z` maximises, `o` and
F2–F4 switch the bottom area, 1–9 pick the interval); the app owns the data.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import ContentSwitcher, DataTable, Footer, Header

from cryptotui.ui.services.store import UiStore
from cryptotui.ui.widgets.alerts import AlertsPane
from cryptotui.ui.widgets.chart import Chart
from cryptotui.ui.widgets.health import Health
from cryptotui.ui.widgets.history import HistoryBrowser
from cryptotui.ui.widgets.overview import MarketOverview
from cryptotui.ui.widgets.status_bar import StatusBar
from cryptotui.ui.widgets.watchlist import Watchlist

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

    def watch_current(self, old: str | None, new: str | None) -> None:
        super().watch_current(old, new)
        title = Text()
        for i, (view_id, label) in enumerate(BOTTOM_VIEWS):
            if i:
                title.append(" │ ", "dim")
            title.append(f"F{i + 2} {label}", "bold reverse" if view_id == new else "dim")
        self.border_title = title


class Dashboard(Screen):
    BINDINGS = [
        Binding("tab", "cycle(1)", "Next pane", show=False),
        Binding("shift+tab", "cycle(-1)", "Previous pane", show=False),
        Binding("z", "toggle_maximize", "Zoom pane"),
        Binding("o", "cycle_view", "Views"),
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
        self._decimals = decimals
        self._store = store

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield Watchlist(self._decimals, id="watchlist")
                yield AlertsPane(id="alerts")
            with Vertical(id="right"):
                yield Chart(id="chart")
                with BottomArea(id="bottom", initial="overview"):
                    yield MarketOverview(self._decimals, id="overview")
                    yield HistoryBrowser(self._store, id="history")
                    yield Health(id="health")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(AlertsPane).border_title = "Alerts"
        self.query_one(Watchlist).focus()

    # ------------------------------------------------------------------ panes

    @property
    def view(self) -> str:
        return self.query_one(BottomArea).current or "overview"

    def panes(self) -> list[Widget]:
        """The focus target of each pane, in Tab order."""
        bottom: Widget = self.query_one(f"#{self.view}")
        if isinstance(bottom, HistoryBrowser):
            bottom = bottom.query_one(DataTable)
        return [
            self.query_one(Watchlist),
            self.query_one(Chart),
            self.query_one(AlertsPane),
            bottom,
        ]

    def _pane_index(self) -> int:
        focused = self.focused
        for i, pane in enumerate(self.panes()):
            if focused is pane or (focused is not None and pane in focused.ancestors):
                return i
        if focused is not None and self.query_one(BottomArea) in focused.ancestors:
            return 3
        return 0

    def action_cycle(self, delta: int) -> None:
        panes = self.panes()
        target = panes[(self._pane_index() + delta) % len(panes)]
        target.focus()
        if self.maximized is not None:
            self.maximize(target)

    def action_toggle_maximize(self) -> None:
        if self.maximized is not None:
            self.minimize()
        elif self.focused is not None:
            self.maximize(self.focused)

    def action_view(self, view: str) -> None:
        was_here = self._pane_index() == 3
        self.query_one(BottomArea).current = view
        if was_here or self.maximized is not None:
            self.action_cycle(0)
        self.app.pull_snapshot(full=True)

    def action_cycle_view(self) -> None:
        ids = [v for v, _ in BOTTOM_VIEWS]
        self.action_view(ids[(ids.index(self.view) + 1) % len(ids)])
