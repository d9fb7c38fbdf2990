"""Sort by a column and filter by typing, the same keys on every table.

`TableQuery` is a table's view of its rows: the filter text and the sort column; `apply` gives
the rows to show. The two mixins give a widget the keys: `Filterable` `/` (a one-line prompt at
the bottom that filters as you type; Enter keeps the filter, Esc puts back the old one) and
`Sortable` also `s` (next column) and `S` (reverse). A widget says what its rows are matched
on and how each column sorts, and re-applies the query in `query_changed`; one mechanism for
the watchlist, the alerts, the history, the overview, the track record and the rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Label

T = TypeVar("T")


@dataclass(slots=True, frozen=True)
class SortKey:
    column: str
    """The header it marks."""
    key: Callable[[Any], Any]
    """The row's value; None sorts last either way."""
    descending: bool = False
    """Its natural direction (largest first for numbers that matter most when large)."""


class TableQuery:
    """A filter text and a sort column. `natural`: the name of the rows' own order, offered as
    one step of the sort cycle (None: the table is always sorted by one of `sorts`)."""

    def __init__(self, sorts: Sequence[SortKey], natural: str | None = None) -> None:
        self.sorts = tuple(sorts)
        self.natural = natural
        self.sort: SortKey | None = None if natural is not None or not sorts else sorts[0]
        self.descending = self.sort.descending if self.sort is not None else False
        self.text = ""

    @property
    def active(self) -> bool:
        """Rows are hidden or reordered."""
        return bool(self.text) or (self.sort is not None and self.natural is not None)

    def next_sort(self) -> None:
        steps: list[SortKey | None] = [*([None] if self.natural is not None else []), *self.sorts]
        if not self.sorts:
            return
        self.sort = steps[(steps.index(self.sort) + 1) % len(steps)]
        self.descending = self.sort.descending if self.sort is not None else False

    def reverse(self) -> None:
        self.descending = not self.descending

    def matches(self, haystack: str) -> bool:
        """Every word of the filter appears in `haystack` (case-insensitive)."""
        lowered = haystack.lower()
        return all(word in lowered for word in self.text.lower().split())

    def apply(self, rows: Iterable[T], text: Callable[[T], str]) -> list[T]:
        """The rows that match, in the sort's order (stable: ties keep the rows' order);
        without a sort column, in their own order, reversed by `S`."""
        shown = [r for r in rows if self.matches(text(r))] if self.text.strip() else list(rows)
        sort = self.sort
        if sort is None:
            return shown[::-1] if self.descending else shown
        have = [r for r in shown if sort.key(r) is not None]
        missing = [r for r in shown if sort.key(r) is None]
        have.sort(key=sort.key, reverse=self.descending)
        return have + missing

    def arrow(self, column: str) -> str:
        """ " ▼"/" ▲" after the header of the sort column, "" after the others."""
        if self.sort is None or self.sort.column != column:
            return ""
        return " ▼" if self.descending else " ▲"

    def describe(self) -> str:
        """What hides or reorders rows, for a border or status line ("" when nothing does)."""
        parts = []
        if self.text.strip():
            parts.append(f"/{self.text.strip()}")
        if self.sort is not None:
            parts.append(f"by {self.sort.column}{self.arrow(self.sort.column)}")
        elif self.descending:
            parts.append(f"{self.natural} reversed")
        return " · ".join(parts)


class FilterPrompt(ModalScreen[None]):
    """The `/` line: each keystroke refilters the table underneath."""

    BINDINGS = [Binding("escape", "cancel", "Clear", tooltip="put the previous filter back")]

    def __init__(self, text: str, changed: Callable[[str], None], placeholder: str) -> None:
        super().__init__()
        self.original = text
        self.changed = changed
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Horizontal(id="filter-line"):
            yield Label("/", id="filter-slash")
            yield Input(self.original, placeholder=self.placeholder, id="filter-input")

    @on(Input.Changed, "#filter-input")
    def _changed(self, event: Input.Changed) -> None:
        self.changed(event.value)

    @on(Input.Submitted, "#filter-input")
    def _submitted(self) -> None:
        self.dismiss()

    def action_cancel(self) -> None:
        self.changed(self.original)
        self.dismiss()


class Filterable(Widget):
    """Mixin: `/` filters the widget's rows. Set `table_query` in `__init__`; implement
    `query_changed` (re-apply and repaint)."""

    BINDINGS = [
        Binding("slash", "filter", "Filter", tooltip="type to show only matching rows; Esc undoes"),
    ]
    FILTER_HINT = "filter: words that must all appear · Enter keeps it · Esc undoes"
    table_query: TableQuery
    caption: str = ""
    """The border subtitle's own words; `set_caption` adds the query's after them."""

    def query_changed(self) -> None:
        raise NotImplementedError

    def set_caption(self, caption: str) -> None:
        self.caption = caption
        extra = self.table_query.describe()
        self.border_subtitle = " · ".join(part for part in (caption, extra) if part)

    def action_filter(self) -> None:
        def changed(text: str) -> None:
            self.table_query.text = text
            self.query_changed()

        self.app.push_screen(FilterPrompt(self.table_query.text, changed, self.FILTER_HINT))


class Sortable(Filterable):
    """Mixin: `/` filters, `s` sorts by the next column, `S` reverses."""

    BINDINGS = [
        Binding("s", "sort", "Sort", tooltip="by the next column"),
        Binding("S", "reverse_sort", "Reverse", show=False, tooltip="flip the sort direction"),
    ]

    def action_sort(self) -> None:
        self.table_query.next_sort()
        self.query_changed()

    def action_reverse_sort(self) -> None:
        self.table_query.reverse()
        self.query_changed()


# Textual copies `can_focus` into every Widget subclass it creates; the mixins must not, or their
# False would shadow the focusable base class they are mixed into (CursorList, a container).
for _mixin in (Filterable, Sortable):
    del _mixin.can_focus, _mixin.can_focus_children
