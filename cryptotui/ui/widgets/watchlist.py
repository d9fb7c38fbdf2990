"""Watchlist: live tickers of the active list, one cached Strip per row (see `CursorList`).

A price change re-renders one line (~0.07 ms), where a DataTable would repaint all of them
(~42 ms for 50 rows, measured). Columns are chosen by the pane's width, most useful first, so
the same widget reads well at 80 columns and at 200.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip

from cryptotui import fmt
from cryptotui.ui.messages import AlertAtPrice
from cryptotui.ui.services.watch import WatchItem
from cryptotui.ui.widgets.cursor_list import CursorList
from cryptotui.ui.widgets.table_query import Sortable, SortKey, TableQuery

FLASH_SECONDS = 0.4
"""How long a new last price stays marked: one or two snapshots (5 Hz), not a standing tint."""
SPARK_CHARS = "▁▂▃▄▅▆▇█"


@dataclass(slots=True, frozen=True)
class Column:
    key: str
    title: str
    width: int
    align: str
    priority: int
    """Lower shows first when the pane is narrow."""


COLUMNS: tuple[Column, ...] = (
    Column("symbol", "Symbol", 10, "left", 0),
    Column("last", "Last", 12, "right", 1),
    Column("change", "24h %", 8, "right", 2),
    Column("held", "Held  P&L", 16, "right", 3),
    Column("spark", "Last hour", 10, "left", 3),
    Column("rsi", "RSI", 5, "right", 4),
    Column("volume", "Volume", 8, "right", 5),
    Column("high", "24h High", 12, "right", 6),
    Column("low", "24h Low", 12, "right", 7),
)


def _known(value: float, item: WatchItem) -> float | None:
    """A row's number, or None while it waits for its first ticker (sorted last)."""
    return value if item.row.version else None


SORTS = (
    SortKey("Symbol", lambda i: i.row.symbol),
    SortKey("24h %", lambda i: _known(i.row.change_pct, i), descending=True),
    SortKey("Volume", lambda i: _known(i.row.quote_volume, i), descending=True),
    SortKey("RSI", lambda i: i.rsi if i.rsi is not None and math.isfinite(i.rsi) else None),
    SortKey("Last", lambda i: _known(i.row.last, i), descending=True),
)
"""Sort keys by the header they mark ("RSI" marks the RSI column whatever its interval)."""


def columns_for(width: int, held: bool = False) -> list[Column]:
    """The columns that fit `width` (one space between columns), in display order; the
    position column only while something in the list is `held`."""
    chosen: set[str] = set()
    used = 0
    for col in sorted(COLUMNS, key=lambda c: c.priority):
        if col.key == "held" and not held:
            continue
        if used + col.width + 1 <= width or not chosen:
            chosen.add(col.key)
            used += col.width + 1
    return [c for c in COLUMNS if c.key in chosen]


def sparkline(points: tuple[float, ...], width: int) -> str:
    """`width` cells, each the last close of its slice of the points, scaled min..max."""
    if len(points) < 2:
        return ""
    lo, hi = min(points), max(points)
    n = len(points)
    cells = [points[min(n - 1, (k + 1) * n // width - 1)] for k in range(min(width, n))]
    if hi <= lo:
        return SPARK_CHARS[0] * len(cells)
    top = len(SPARK_CHARS) - 1
    return "".join(SPARK_CHARS[round((v - lo) / (hi - lo) * top)] for v in cells)


def _cell(text: str, width: int, align: str) -> str:
    text = text[:width]
    return text.ljust(width) if align == "left" else text.rjust(width)


class Watchlist(Sortable, CursorList):
    """The active watchlist; the app feeds it snapshots with `update_items`. `/` shows only the
    symbols that match, `s` sorts by a column (again: the next; back to the list's order)."""

    BINDINGS = [
        Binding("d,delete", "remove", "Remove"),
        Binding("K,shift+up", "move(-1)", "Move up", show=False),
        Binding("J,shift+down", "move(1)", "Move down", show=False),
        Binding("enter", "open_chart", "Chart", show=False),
        Binding("c", "alert", "Alert", tooltip="when this symbol crosses its price (Enter saves)"),
    ]
    HEADER_ROWS = 1
    EMPTY_TEXT = "empty: press a to add symbols"
    COMPONENT_CLASSES = {
        "watchlist--header",
        "watchlist--cursor",
        "watchlist--up",
        "watchlist--down",
        "watchlist--flash-up",
        "watchlist--flash-down",
        "watchlist--muted",
    }

    class Selected(Message):
        """The cursor is on another symbol."""

        def __init__(self, symbol: str) -> None:
            self.symbol = symbol
            super().__init__()

    class RemoveRequested(Message):
        def __init__(self, symbol: str) -> None:
            self.symbol = symbol
            super().__init__()

    class MoveRequested(Message):
        def __init__(self, symbol: str, delta: int) -> None:
            self.symbol = symbol
            self.delta = delta
            super().__init__()

    class ChartRequested(Message):
        """Enter on a row: look at its chart."""

    def __init__(
        self,
        decimals: Callable[[str], int | None] = lambda _s: None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._decimals = decimals
        self.items: list[WatchItem] = []
        self.rsi_label = "RSI"
        self._held = False
        """Some row has a position: the Held column is shown."""
        self._flash_until: dict[str, float] = {}
        self._now = time.monotonic()
        self.table_query = TableQuery(SORTS, natural="list order")
        self._snapshot: list[WatchItem] = []
        """The last snapshot as the app gave it (every symbol, the list's order)."""

    # ------------------------------------------------------------------ data in

    def update_items(self, items: list[WatchItem], rsi_label: str = "RSI") -> int:
        """Take a snapshot; refresh only lines whose content changed. Returns lines refreshed."""
        self._snapshot = items
        items = self.table_query.apply(items, lambda i: i.row.symbol)
        self._now = now = time.monotonic()
        held = any(i.held is not None for i in items)
        if rsi_label != self.rsi_label or held != self._held:
            self.rsi_label = rsi_label
            self._held = held
            self._cache.clear()
            self.refresh()
        old_symbols = [i.row.symbol for i in self.items]
        symbols = [i.row.symbol for i in items]
        if symbols != old_symbols:
            selected = self.selected_symbol
            self.items = items
            self.set_count(len(items))
            if selected in symbols:
                self.cursor = symbols.index(selected)
            if self.selected_symbol is not None and self.selected_symbol != selected:
                self.cursor_moved(self.cursor)
            return len(items)
        old = {i.row.symbol: i.row for i in self.items}
        self.items = items
        for item in items:
            prev = old.get(item.row.symbol)
            row = item.row
            if prev is not None and prev.version != row.version and prev.last != row.last:
                self._flash_until[row.symbol] = now + FLASH_SECONDS
        return self.refresh_changed()

    @property
    def selected_symbol(self) -> str | None:
        return self.items[self.cursor].row.symbol if self.items else None

    def select(self, symbol: str) -> None:
        for i, item in enumerate(self.items):
            if item.row.symbol == symbol:
                self.cursor = i

    # ------------------------------------------------------------------ actions

    def cursor_moved(self, index: int) -> None:
        self.post_message(self.Selected(self.items[index].row.symbol))

    def action_remove(self) -> None:
        if self.selected_symbol is not None:
            self.post_message(self.RemoveRequested(self.selected_symbol))

    def action_move(self, delta: int) -> None:
        if self.table_query.sort is not None or self.table_query.descending:
            self.notify("sorted by a column: press s until the list's order to move rows")
        elif self.selected_symbol is not None:
            self.post_message(self.MoveRequested(self.selected_symbol, delta))

    def query_changed(self) -> None:
        text = self.table_query.text.strip()
        self.EMPTY_TEXT = f"no symbol matches /{text}" if text else type(self).EMPTY_TEXT
        self._cache.clear()
        self.refresh()
        self.update_items(self._snapshot, self.rsi_label)
        self.set_caption(self.caption)

    def action_open_chart(self) -> None:
        self.post_message(self.ChartRequested())

    def action_alert(self) -> None:
        if self.items and self.items[self.cursor].row.version:
            row = self.items[self.cursor].row
            self.post_message(AlertAtPrice(row.symbol, row.last))

    # ------------------------------------------------------------------ rendering

    def item_key(self, index: int) -> tuple:
        item = self.items[index]
        flashing = self._flash_until.get(item.row.symbol, 0.0) > self._now
        rsi = round(item.rsi, 1) if item.rsi is not None and math.isfinite(item.rsi) else None
        return (item.row.version, item.spark, rsi, flashing, item.held)

    def render_header(self, width: int) -> Strip:
        style = self.style_of("watchlist--header")
        titles = {"rsi": self.rsi_label}
        text = " ".join(
            _cell(titles.get(c.key, c.title) + self.table_query.arrow(c.title), c.width, c.align)
            for c in columns_for(width, self._held)
        )
        return self.line([Segment(text, style)], width, style)

    def render_item(self, index: int, selected: bool, width: int) -> Strip:
        item = self.items[index]
        row = item.row
        row_layers = ("watchlist--cursor",) if selected else ()
        base = self.style_of(*row_layers)
        last_style = base
        if row.direction and self._flash_until.get(row.symbol, 0.0) > self._now:
            # Only the price that moved is marked, so a busy market (or --speed 10) does not
            # tint whole rows and hide the 24 h change and the sparkline.
            flash = "watchlist--flash-up" if row.direction > 0 else "watchlist--flash-down"
            last_style = self.style_of(*row_layers, flash)
        muted = self.style_of(*row_layers, "watchlist--muted")
        if row.version == 0:
            text = _cell(fmt.safe(row.symbol), 10, "left") + " waiting for data…"
            return self.line([Segment(text, muted)], width, base)
        up = self.style_of(*row_layers, "watchlist--up")
        down = self.style_of(*row_layers, "watchlist--down")
        move = up if row.change_pct > 0 else down if row.change_pct < 0 else base
        d = self._decimals(row.symbol)
        spark_style = muted
        if len(item.spark) >= 2:
            spark_style = up if item.spark[-1] >= item.spark[0] else down
        rsi_style = base
        rsi_text = "–"
        if item.rsi is not None and math.isfinite(item.rsi):
            rsi_text = f"{item.rsi:.0f}"
            rsi_style = down if item.rsi >= 70 else up if item.rsi <= 30 else base
        held_text, held_style = "", muted
        if item.held is not None:
            quantity, cost = item.held
            pnl = (quantity * row.last - cost) / cost * 100 if cost else 0.0
            held_text = f"{quantity:.6g} {pnl:+.1f}%"
            held_style = up if pnl > 0 else down if pnl < 0 else base
        cells = {
            "symbol": (fmt.safe(row.symbol), base + Style(bold=True)),
            "held": (held_text, held_style),
            "last": (fmt.price(row.last, d), last_style),
            "change": (fmt.pct(row.change_pct), move),
            "spark": (sparkline(item.spark, 10), spark_style),
            "rsi": (rsi_text, rsi_style),
            "volume": (fmt.volume(row.quote_volume), base),
            "high": (fmt.price(row.high, d), base),
            "low": (fmt.price(row.low, d), base),
        }
        segments = []
        for col in columns_for(width, self._held):
            text, style = cells[col.key]
            segments.append(Segment(_cell(text, col.width, col.align), style))
            segments.append(Segment(" ", base))
        return self.line(segments, width, base)
