"""History browser: stored signals and alerts, filtered, one page at a time, newest first.

A DataTable is right here: it repaints every row when one cell changes, and these rows change
only when the user pages or filters, or a new signal is stored (`poll`, once a second while
the newest page is shown; the cursor stays on its signal).
Queries run in a worker thread and page by keyset, so a history of millions of rows is browsed
without loading it; `[`/`]` page, `/` edits the filter (by symbol, name, time… in the
database), `s` sorts the page shown by a column, Enter opens the signal. The name column gives
way (cut with …) so every column fits the pane: 160 columns show them all.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from cryptotui import fmt
from cryptotui.store.records import SignalRow
from cryptotui.ui.services.store import (
    FILTER_HELP,
    PAGE_ROWS,
    FilterError,
    HistoryFilter,
    Page,
    UiStore,
    parse_filter,
)
from cryptotui.ui.widgets.layered import layered
from cryptotui.ui.widgets.table_query import Sortable, SortKey, TableQuery

DIRECTION_MARK = {"bullish": "▲", "bearish": "▼", "neutral": "◆"}
COLUMNS = ("time (UTC)", "symbol", "iv", "name", "dir", "conf", "price", "kind")
NAME = COLUMNS.index("name")
MIN_NAME = 10
"""The name column is cut to fit the pane, never below this."""
SORTS = (
    SortKey("conf", lambda r: r.confidence, descending=True),
    SortKey("symbol", lambda r: r.symbol),
    SortKey("name", lambda r: r.name),
    SortKey("price", lambda r: r.price, descending=True),
)


class HistoryBrowser(Sortable, Vertical):
    COMPONENT_CLASSES = {"history--bullish", "history--bearish", "history--neutral"}
    BINDINGS = [
        Binding("right_square_bracket,n", "page(1)", "Older"),
        Binding("left_square_bracket,p", "page(-1)", "Newer"),
        Binding("R", "reload", "Reload", show=False),
    ]

    class Opened(Message):
        def __init__(self, row: SignalRow) -> None:
            self.row = row
            super().__init__()

    def __init__(
        self,
        store: UiStore | None,
        decimals: Callable[[str], int | None] = lambda _s: None,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.store = store
        self._decimals = decimals
        """A symbol's price decimals: prices read as in the watchlist."""
        self._colours: dict[str, Style] = {}
        self.filter = HistoryFilter()
        self.page_no = 0
        self._starts: list[tuple[int, int] | None] = [None]
        """Keyset start of every page visited so far (page 0 starts at the newest)."""
        self.page: Page | None = None
        self._page_of = (0, self.filter)
        """The page number and filter of `page`."""
        self._loading = False
        self.table_query = TableQuery(SORTS, natural="newest first")
        self.shown: list[SignalRow] = []
        """The page's rows in the table's order."""
        self._newest: int | None = None
        """Id of the newest stored signal when the page was loaded (`poll` compares)."""

    def compose(self) -> ComposeResult:
        yield Input(placeholder=f"filter — {FILTER_HELP}", id="history-filter")
        yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="history-status")

    def on_mount(self) -> None:
        self._columns()
        self.watch(self.app, "theme", self._theme_changed, init=False)
        if self.store is None:
            self._status("history needs the store: set [store] enabled = true")
        else:
            self.reload()

    def _status(self, text: str) -> None:
        self.query_one("#history-status", Static).update(Text(text, "dim"))

    # ------------------------------------------------------------------ actions

    def action_filter(self) -> None:
        """The filter line (a query of the database, not of the page shown)."""
        self.query_one(Input).focus()

    def action_page(self, delta: int) -> None:
        if self.page is None or self._loading:
            return  # the next page starts after the rows on screen, so wait for them
        if delta > 0 and self.page.more and self.page.rows:
            last = self.page.rows[-1]
            self.page_no += 1
            del self._starts[self.page_no :]
            self._starts.append((last.time, last.id or 0))
            self._load()
        elif delta < 0 and self.page_no > 0:
            self.page_no -= 1
            self._load()

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Back to the newest page of the current filter."""
        self.page_no = 0
        self._starts = [None]
        self._load()

    def poll(self) -> None:
        """Reload the newest page if a signal was stored since it was loaded (the app calls
        this once a second while the history is shown: bursts of signals cost one reload)."""
        if self.store is not None and self.page_no == 0 and not self._loading:
            self._check_newest(self._newest)

    @work(thread=True, exclusive=True, group="history-poll")
    def _check_newest(self, seen: int | None) -> None:
        assert self.store is not None
        if self.store.newest_signal_id() != seen:
            self.app.call_from_thread(self._reload_if_newest)

    def _reload_if_newest(self) -> None:
        if self.page_no == 0 and not self._loading:
            self._load()

    def on_resize(self) -> None:
        self._fill()

    @on(Input.Submitted, "#history-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        try:
            self.filter = parse_filter(event.value)
        except FilterError as exc:
            self._status(str(exc))
            return
        self.reload()
        self.query_one(DataTable).focus()

    @on(DataTable.RowSelected, "#history-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        if 0 <= event.cursor_row < len(self.shown):
            self.post_message(self.Opened(self.shown[event.cursor_row]))

    # ------------------------------------------------------------------ loading

    def _load(self) -> None:
        if self.store is None:
            return
        self._status("loading…")
        self._loading = True
        self._query(self.filter, self._starts[self.page_no], self.page_no)

    @work(thread=True, exclusive=True, group="history")
    def _query(self, flt: HistoryFilter, start: tuple[int, int] | None, page_no: int) -> None:
        assert self.store is not None
        newest = self.store.newest_signal_id()  # before the page: a later one reloads it
        page = self.store.signals_page(flt, start)
        self.app.call_from_thread(self._show, page, page_no, flt, newest)

    def _show(self, page: Page, page_no: int, flt: HistoryFilter, newest: int | None) -> None:
        self.page = page
        self._page_of = (page_no, flt)
        self._loading = False
        self._newest = newest
        self._fill()

    def query_changed(self) -> None:
        self._fill()

    def _titles(self) -> list[str]:
        return [name + self.table_query.arrow(name) for name in COLUMNS]

    def _columns(self) -> None:
        self.query_one(DataTable).add_columns(*self._titles())

    def _fill(self) -> None:
        """The page in the sort's order (sorting orders the page shown, not the history), the
        cursor kept on the signal it was on (a reload for a new signal must not move it), the
        name column cut to what the pane leaves it."""
        page = self.page
        if page is None:
            return
        table = self.query_one(DataTable)
        at = table.cursor_row
        keep = self.shown[at].id if 0 <= at < len(self.shown) else None
        self.shown = self.table_query.apply(page.rows, lambda r: r.symbol)
        cells = [self._cells(r) for r in self.shown]
        width = table.scrollable_content_region.width
        if cells and width > 0:
            others = sum(
                max(len(title), *(row[i].cell_len for row in cells)) + 2
                for i, title in enumerate(self._titles())
                if i != NAME
            )
            room = max(MIN_NAME, width - others - 2)
            for row in cells:
                row[NAME].truncate(room, overflow="ellipsis")
        with self.app.batch_update():
            table.clear(columns=True)  # widths are measured again: a cut name gives room back
            self._columns()
            for row in cells:
                table.add_row(*row)
            ids = [r.id for r in self.shown]
            if keep is not None and keep in ids:
                table.move_cursor(row=ids.index(keep), animate=False)
        page_no, flt = self._page_of
        first = page_no * PAGE_ROWS + 1
        rows = f"rows {first}–{first + len(page.rows) - 1}" if page.rows else "no rows"
        more = "  ] older" if page.more else ""
        newer = "  [ newer" if page_no else ""
        order = self.table_query.describe()
        order = f" · page {order}" if order else ""
        self._status(f"page {page_no + 1} · {rows} · {flt.describe()}{order}{newer}{more}")

    def _theme_changed(self) -> None:
        self.call_after_refresh(self._refill)  # the new theme's styles are applied by then

    def _refill(self) -> None:
        """Colours forgotten only now: a page filled between the theme's change and its styles'
        (a store query landing then) cached the old theme's."""
        self._colours.clear()
        self._fill()

    def _direction(self, direction: str) -> Style:
        """The direction's colour from the theme (app.tcss), kept until the theme changes;
        only the colour, so the table's zebra stripes and cursor stay under it."""
        style = self._colours.get(direction)
        if style is None:
            name = f"history--{direction}"
            known = name in self.COMPONENT_CLASSES
            style = Style(color=layered(self, name).color) if known else Style()
            self._colours[direction] = style
        return style

    def _cells(self, r: SignalRow) -> list[Text]:
        return [
            Text(fmt.utc(r.time, seconds=False)[5:16].replace("T", " ")),
            Text(fmt.safe(r.symbol), "bold"),
            Text(r.interval or "–"),
            Text(fmt.safe(r.name)),
            Text(DIRECTION_MARK.get(r.direction, "·"), self._direction(r.direction)),
            Text(f"{r.confidence:.2f}", justify="right"),
            Text(
                fmt.price(r.price, self._decimals(r.symbol)) if r.price is not None else "–",
                justify="right",
            ),
            Text(r.kind),
        ]
