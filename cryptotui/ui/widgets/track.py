"""The track record: how every pattern performed live, with its uncertainty, against what the
market did anyway. A DataTable is right here: the rows change only when they are reloaded,
filtered or sorted, and are then refilled inside one batch update; they are computed on a
worker thread (`services.track`). `s`/`S` sort, `f` filters, Enter opens the pattern's equity
curve.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

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

DIRECTION_STYLE = {"bullish": "green", "bearish": "red", "neutral": "yellow"}
TREND_CELL = {
    "degrading": ("▼ degrading", "red"),
    "improving": ("▲ improving", "green"),
    "stable": ("stable", "dim"),
}


@dataclass(slots=True, frozen=True)
class Sort:
    column: str
    """The header it marks."""
    key: Callable[[TrackRow], float | str | None]
    descending: bool
    """Its natural direction (best first)."""


SORTS = (
    Sort("q", lambda r: r.q_value, False),
    Sort("edge", lambda r: r.edge, True),
    Sort("hit %", lambda r: r.hit_rate, True),
    Sort("n", lambda r: r.n, True),
    Sort("mean r %", lambda r: r.mean_return, True),
    Sort("pattern", lambda r: r.name, False),
)
LEFT = {"pattern", "dir", "symbol", "95 % interval", "trend"}
"""Columns aligned left (the rest are numbers)."""
COLUMNS = (
    "pattern", "dir", "symbol", "iv", "h", "n", "hit %", "95 % interval", "base %", "edge",
    "q", "trend", "mean r %",
)  # fmt: skip


def sort_rows(rows: list[TrackRow], sort: Sort, descending: bool) -> list[TrackRow]:
    """Sorted by `sort.key`, rows without a value last either way; ties in name order."""
    ordered = sorted(rows, key=lambda r: r.key)
    have = [r for r in ordered if sort.key(r) is not None]
    missing = [r for r in ordered if sort.key(r) is None]
    have.sort(key=sort.key, reverse=descending)  # type: ignore[arg-type]
    return have + missing


def _pct(x: float | None, spec: str) -> str:
    return "—" if x is None or not math.isfinite(x) else format(100 * x, spec)


class TrackRecordView(Vertical):
    BINDINGS = [
        Binding("s", "sort", "Sort", tooltip="next column: q, edge, hit %, n, mean r %, pattern"),
        Binding("S", "reverse", "Reverse", tooltip="flip the sort direction"),
        Binding("f", "filter", "Filter"),
        Binding("R", "reload", "Reload", show=False),
    ]

    class Opened(Message):
        def __init__(self, row: TrackRow) -> None:
            self.row = row
            super().__init__()

    def __init__(self, store: UiStore | None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        self.filter = TrackFilter()
        self.sort = SORTS[0]
        self.descending = SORTS[0].descending
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

    def action_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.descending = self.sort.descending
        self._fill()

    def action_reverse(self) -> None:
        self.descending = not self.descending
        self._fill()

    def action_filter(self) -> None:
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
        self.shown = sort_rows(self.rows, self.sort, self.descending)
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
        arrow = " ▼" if self.descending else " ▲"
        table = self.query_one(DataTable)
        for name in COLUMNS:
            label = name + (arrow if name == self.sort.column else "")
            table.add_column(Text(label, justify="left" if name in LEFT else "right"))

    def _describe(self) -> str:
        if not self.rows:
            return (
                f"no outcomes for {self.filter.describe()} yet: a signal's are measured as the "
                "candles after it close (1, 5, 10 and 20 candles on)"
            )
        return (
            f"{len(self.rows)} rows · {self.filter.describe()} · q: Benjamini–Hochberg over "
            "these rows · Enter: equity curve and recent signals"
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
