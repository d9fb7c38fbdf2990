"""The track record: how every pattern performed live, with its uncertainty, against what the
market did anyway. A DataTable is right here: the rows change only when they are reloaded,
filtered or sorted, and are then refilled inside one batch update; they are computed on a
worker thread (`services.track`). `s`/`S` sort, `/` filters, Enter opens the pattern's equity
curve.
"""

from __future__ import annotations

import math

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from cryptotui import fmt
from cryptotui.stats.render import ci_bar
from cryptotui.ui.services.store import FilterError, UiStore
from cryptotui.ui.services.track import (
    TRACK_FILTER_HELP,
    TrackFilter,
    TrackRow,
    parse_track_filter,
    track_rows,
)
from cryptotui.ui.widgets.table_query import Sortable, SortKey, TableQuery

DIRECTION_STYLE = {"bullish": "green", "bearish": "red", "neutral": "yellow"}
TREND_CELL = {
    "degrading": ("▼ degrading", "red"),
    "improving": ("▲ improving", "green"),
    "stable": ("stable", "dim"),
}


SORTS = (
    SortKey("q", lambda r: r.q_value),
    SortKey("edge", lambda r: r.edge, descending=True),
    SortKey("hit %", lambda r: r.hit_rate, descending=True),
    SortKey("n", lambda r: r.n, descending=True),
    SortKey("mean r %", lambda r: r.mean_return, descending=True),
    SortKey("pattern", lambda r: r.name),
)
LEFT = {"pattern", "dir", "symbol", "95 % interval", "trend"}
"""Columns aligned left (the rest are numbers)."""
COLUMNS = (
    "pattern", "dir", "symbol", "iv", "h", "n", "hit %", "95 % interval", "base %", "edge",
    "q", "trend", "mean r %",
)  # fmt: skip


def _pct(x: float | None, spec: str) -> str:
    return "—" if x is None or not math.isfinite(x) else format(100 * x, spec)


class TrackRecordView(Sortable, Vertical):
    BINDINGS = [Binding("R", "reload", "Reload", show=False)]

    class Opened(Message):
        def __init__(self, row: TrackRow) -> None:
            self.row = row
            super().__init__()

    def __init__(self, store: UiStore | None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        self.filter = TrackFilter()
        self.table_query = TableQuery(SORTS)
        """Sorted by one of SORTS always (q first); `/` is the filter line."""
        self.rows: list[TrackRow] = []
        """Every row of the filter, unsorted; `shown` is them in the table's order."""
        self.shown: list[TrackRow] = []

    def compose(self) -> ComposeResult:
        yield Input(placeholder=f"filter — {TRACK_FILTER_HELP}", id="track-filter")
        yield DataTable(id="track-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="track-status")

    def on_mount(self) -> None:
        self.border_title = "Track record"
        self.border_subtitle = "bar: Wilson 95 % interval · │ baseline · ● hit rate"
        table = self.query_one(DataTable)
        table.focus()
        if self.store is None:
            self._columns()
            self._status("the track record needs the store: set [store] enabled = true")
        else:
            self.reload()

    def _status(self, text: str) -> None:
        self.query_one("#track-status", Static).update(Text(text, "dim"))

    # ------------------------------------------------------------------ actions

    def query_changed(self) -> None:
        self._fill()

    def action_filter(self) -> None:
        """The filter line (a query of the store, with its own words)."""
        self.query_one(Input).focus()

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        if self.store is None:
            return
        self._status("loading…")
        self._query(self.filter)

    @on(Input.Submitted, "#track-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        try:
            self.filter = parse_track_filter(event.value)
        except FilterError as exc:
            self._status(str(exc))
            return
        self.reload()
        self.query_one(DataTable).focus()

    @on(DataTable.RowSelected, "#track-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        if 0 <= event.cursor_row < len(self.shown):
            self.post_message(self.Opened(self.shown[event.cursor_row]))

    # ------------------------------------------------------------------ loading

    @work(thread=True, exclusive=True, group="track")
    def _query(self, flt: TrackFilter) -> None:
        assert self.store is not None
        rows = self.store.read(lambda db: track_rows(db, flt))
        self.app.call_from_thread(self._show, rows, flt)

    def _show(self, rows: list[TrackRow], flt: TrackFilter) -> None:
        if flt != self.filter:
            return  # a newer filter's query is on its way
        self.rows = rows
        self._fill()

    def _fill(self) -> None:
        """The table in the current order, the cursor kept on the row it was on."""
        table = self.query_one(DataTable)
        row = table.cursor_row
        current = self.shown[row].key if 0 <= row < len(self.shown) else None
        by_name = sorted(self.rows, key=lambda r: r.key)  # ties in name order
        self.shown = self.table_query.apply(by_name, lambda r: r.name)
        keys = [r.key for r in self.shown]
        with self.app.batch_update():
            table.clear(columns=True)
            self._columns()
            for r in self.shown:
                table.add_row(*self._cells(r))
            if current in keys:
                table.move_cursor(row=keys.index(current), animate=False)
        self._status(self._describe())

    def _columns(self) -> None:
        table = self.query_one(DataTable)
        for name in COLUMNS:
            label = name + self.table_query.arrow(name)
            table.add_column(Text(label, justify="left" if name in LEFT else "right"))

    def _describe(self) -> str:
        if not self.rows:
            return (
                f"no outcomes for {self.filter.describe()} yet: a signal's are measured as the "
                "candles after it close (1, 5, 10 and 20 candles on)"
            )
        return (
            f"{fmt.count(len(self.rows), 'row')} · {self.filter.describe()} · q: "
            "Benjamini–Hochberg over these rows · Enter: equity curve and recent signals"
        )

    @staticmethod
    def _cells(r: TrackRow) -> tuple[Text, ...]:
        bounds = r.interval_95
        low, high = bounds if bounds is not None else (None, None)
        trend, trend_style = TREND_CELL.get(r.trend or "", ("—", "dim"))
        q = "—" if r.q_value is None else f"{r.q_value:.3f}"
        return (
            Text(fmt.safe(r.name), "bold"),
            Text(r.direction[:4], DIRECTION_STYLE.get(r.direction, "")),
            Text(fmt.safe(r.symbol) if r.symbol else f"all ({r.symbols})"),
            Text(r.interval or "–"),
            Text(str(r.horizon), justify="right"),
            Text(str(r.n), justify="right"),
            Text(_pct(r.hit_rate, ".1f"), justify="right"),
            ci_bar(low, high, r.hit_rate, r.baseline),
            Text(_pct(r.baseline, ".1f"), justify="right"),
            Text(_pct(r.edge, "+.1f"), justify="right"),
            Text(q, "bold" if r.q_value is not None and r.q_value < 0.05 else "", justify="right"),
            Text(trend, trend_style),
            Text(_pct(r.mean_return, "+.3f"), justify="right"),
        )
