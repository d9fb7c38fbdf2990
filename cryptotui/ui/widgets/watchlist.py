"""Watchlist: a line-API widget with one cached Strip per row.

Textual's DataTable repaints every row when one cell changes (~42 ms for 50 rows, STYLE.md);
here a price change re-renders one line (~0.07 ms). The app pushes `Row` snapshots on a timer;
only rows whose `version`, selection or flash state changed are rebuilt and refreshed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from cryptotui import fmt
from cryptotui.state import Row

FLASH_SECONDS = 0.6
COLUMNS: tuple[tuple[str, int, str], ...] = (
    ("Symbol", 12, "left"),
    ("Last", 16, "right"),
    ("24h %", 9, "right"),
    ("Volume", 10, "right"),
    ("24h High", 16, "right"),
    ("24h Low", 16, "right"),
)


def _cell(text: str, width: int, align: str) -> str:
    text = text[:width]
    return text.ljust(width) if align == "left" else text.rjust(width)


class Watchlist(ScrollView, can_focus=True):
    """Live tickers of the watched symbols; arrows or j/k move the selection."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("home,g", "cursor_home", "First", show=False),
        Binding("end,G", "cursor_end", "Last", show=False),
    ]
    COMPONENT_CLASSES = {
        "watchlist--header",
        "watchlist--cursor",
        "watchlist--up",
        "watchlist--down",
        "watchlist--flash-up",
        "watchlist--flash-down",
        "watchlist--muted",
    }

    cursor: reactive[int] = reactive(0)

    class Selected(Message):
        def __init__(self, symbol: str) -> None:
            self.symbol = symbol
            super().__init__()

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
        self.rows: list[Row] = []
        self._cache: dict[int, tuple[tuple, Strip]] = {}
        self._flash_until: dict[str, float] = {}
        self._width = sum(w for _, w, _ in COLUMNS) + len(COLUMNS)

    # ------------------------------------------------------------------ data in

    def update_rows(self, rows: list[Row]) -> int:
        """Take a snapshot; refresh only lines whose content changed. Returns lines refreshed."""
        now = time.monotonic()
        old = {r.symbol: r for r in self.rows}
        if [r.symbol for r in rows] != [r.symbol for r in self.rows]:
            self.rows = rows
            self._cache.clear()
            self.virtual_size = Size(self._width, len(rows) + 1)
            self.cursor = min(self.cursor, max(0, len(rows) - 1))
            self.refresh()
            return len(rows)
        self.rows = rows
        changed = 0
        for i, row in enumerate(rows):
            prev = old.get(row.symbol)
            if prev is not None and prev.version != row.version and prev.last != row.last:
                self._flash_until[row.symbol] = now + FLASH_SECONDS
            if self._key(i, now) != self._cache.get(i, ((),))[0]:
                self.refresh_line(i + 1)
                changed += 1
        return changed

    @property
    def selected_symbol(self) -> str | None:
        return self.rows[self.cursor].symbol if self.rows else None

    # ------------------------------------------------------------------ actions

    def action_cursor(self, delta: int) -> None:
        if self.rows:
            self.cursor = max(0, min(len(self.rows) - 1, self.cursor + delta))

    def action_cursor_home(self) -> None:
        self.cursor = 0

    def action_cursor_end(self) -> None:
        self.cursor = max(0, len(self.rows) - 1)

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_line(old + 1)
        self.refresh_line(new + 1)
        self.scroll_to_region_if_needed(new + 1)
        if self.rows:
            self.post_message(self.Selected(self.rows[new].symbol))

    def scroll_to_region_if_needed(self, line: int) -> None:
        top = self.scroll_offset.y
        height = max(1, self.size.height)
        if line < top + 1:
            self.scroll_to(y=max(0, line - 1), animate=False)
        elif line >= top + height:
            self.scroll_to(y=line - height + 1, animate=False)

    # ------------------------------------------------------------------ rendering

    def _key(self, index: int, now: float) -> tuple:
        row = self.rows[index]
        flashing = self._flash_until.get(row.symbol, 0.0) > now
        return (row.version, index == self.cursor, flashing, self.size.width)

    def render_line(self, y: int) -> Strip:
        if y == 0:
            return self._header()
        index = y - 1 + self.scroll_offset.y
        if index >= len(self.rows):
            return Strip.blank(self.size.width, self.rich_style)
        key = self._key(index, time.monotonic())
        cached = self._cache.get(index)
        if cached is not None and cached[0] == key:
            return cached[1]
        strip = self._render_row(self.rows[index], key[1], key[2])
        self._cache[index] = (key, strip)
        return strip

    def _header(self) -> Strip:
        style = self.get_component_rich_style("watchlist--header")
        text = " ".join(_cell(title, w, align) for title, w, align in COLUMNS)
        return Strip([Segment(text, style)]).adjust_cell_length(self.size.width, style)

    def _render_row(self, row: Row, selected: bool, flashing: bool) -> Strip:
        base = self.rich_style
        if selected:
            base = base + self.get_component_rich_style("watchlist--cursor")
        if flashing and row.direction:
            flash = "watchlist--flash-up" if row.direction > 0 else "watchlist--flash-down"
            base = base + self.get_component_rich_style(flash, partial=True)
        if row.version == 0:
            muted = base + self.get_component_rich_style("watchlist--muted", partial=True)
            text = _cell(fmt.safe(row.symbol), 12, "left") + " " + "waiting for data…"
            return Strip([Segment(text, muted)]).adjust_cell_length(self.size.width, base)
        move: Style = Style()
        if row.change_pct > 0:
            move = self.get_component_rich_style("watchlist--up", partial=True)
        elif row.change_pct < 0:
            move = self.get_component_rich_style("watchlist--down", partial=True)
        d = self._decimals(row.symbol)
        cells = (
            (fmt.safe(row.symbol), Style(bold=True)),
            (fmt.price(row.last, d), Style()),
            (fmt.pct(row.change_pct), move),
            (fmt.volume(row.quote_volume), Style()),
            (fmt.price(row.high, d), Style()),
            (fmt.price(row.low, d), Style()),
        )
        segments = []
        for (text, style), (_, width, align) in zip(cells, COLUMNS, strict=True):
            segments.append(Segment(_cell(text, width, align), base + style))
            segments.append(Segment(" ", base))
        return Strip(segments).adjust_cell_length(self.size.width, base)
