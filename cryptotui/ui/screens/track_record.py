"""`T`: the track record over the whole screen (its table needs the width), and the pattern
screen Enter opens on it: the follow-the-signal equity curve and the pattern's recent signals
on a chart of the candles around them."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Header, Static

from cryptotui import fmt
from cryptotui.ui.screens.alert_detail import MiniChart
from cryptotui.ui.services.store import UiStore
from cryptotui.ui.services.track import PatternView, TrackRow, pattern_view
from cryptotui.ui.widgets.candles import ChartOptions
from cryptotui.ui.widgets.equity import EquityChart
from cryptotui.ui.widgets.keys_footer import KeysFooter
from cryptotui.ui.widgets.track import TrackRecordView


class TrackRecordScreen(Screen[None]):
    BINDINGS = [Binding("escape,q", "dismiss", "Back")]

    def __init__(self, store: UiStore | None) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        yield Header()
        yield TrackRecordView(self.store, id="track")
        yield KeysFooter()

    @on(TrackRecordView.Opened)
    def _opened(self, event: TrackRecordView.Opened) -> None:
        if self.store is not None:
            self.app.push_screen(PatternScreen(self.store, event.row))


def _title(row: TrackRow) -> Text:
    who = fmt.safe(row.symbol) if row.symbol else f"{row.symbols} symbols pooled"
    return Text.assemble(
        (fmt.safe(row.name), "bold"), f" {row.direction} · {who} · {row.interval} · h={row.horizon}"
    )


def describe(view: PatternView) -> Table:
    """The row's statistics and the strategy's result, one line each."""
    r = view.row
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column()
    bounds = r.interval_95
    if r.hit_rate is not None and bounds is not None and r.baseline is not None:
        q = "—" if r.q_value is None else f"{r.q_value:.3f}"
        stats = (
            f"n {r.n} · hit {100 * r.hit_rate:.1f} % [{100 * bounds[0]:.1f}–"
            f"{100 * bounds[1]:.1f} %] · baseline {100 * r.baseline:.1f} % · edge "
            f"{100 * (r.hit_rate - r.baseline):+.1f} · q {q} · trend {r.trend or '—'}"
        )
    else:
        stats = f"n {r.n} · no hit rate (neutral, or no baseline yet)"
    grid.add_row("record", Text(stats + f" · mean r {100 * r.mean_return:+.3f} %"))
    if view.trades:
        total, dd = view.total_return or 0.0, view.max_drawdown or 0.0
        grid.add_row(
            "strategy",
            Text(
                f"{len(view.trades)} non-overlapping trades of {view.outcomes} signals, "
                f"{view.wins} won · total {100 * total:+.2f} % · max drawdown {100 * dd:.2f} % · "
                f"fee {view.fee_bps:g} bps per side"
            ),
        )
    else:
        grid.add_row("strategy", Text("none: a neutral pattern has no direction to follow"))
    return grid


class PatternScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,enter,q", "dismiss", "Close")]

    def __init__(self, store: UiStore, row: TrackRow) -> None:
        super().__init__()
        self.store = store
        self.row = row
        self.view: PatternView | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="pattern-box") as box:
            box.border_title = _title(self.row)
            box.border_subtitle = "Esc close"
            yield Static(Text("loading…", "dim"), id="pattern-text")
            equity = EquityChart(id="pattern-equity")
            equity.border_title = "Equity, follow-the-signal after fees (compounded)"
            yield equity
            yield MiniChart(id="pattern-chart")

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="pattern")
    def _load(self) -> None:
        row = self.row
        view = self.store.read(lambda db: pattern_view(db, row))
        self.app.call_from_thread(self._show, view)

    def _show(self, view: PatternView) -> None:
        self.view = view
        self.query_one("#pattern-text", Static).update(describe(view))
        self.query_one(EquityChart).show([t.equity for t in view.trades])
        chart = self.query_one(MiniChart)
        chart.options = ChartOptions(ma="off", sub="off", volume=True, step=1)
        symbol = view.chart_symbol or ""
        chart.show(symbol, self.row.interval, view.points, view.markers, None)
        chart.border_title = Text.assemble(
            ("Recent signals ", "bold"), fmt.safe(symbol), f" · {self.row.interval}"
        )
        chart.border_subtitle = (
            f"{view.marked} signals marked" if view.points else "no candles stored around them"
        )
