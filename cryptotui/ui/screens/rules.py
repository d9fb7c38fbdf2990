"""`A`: the alert rules of the user's config file, with when each last fired; `n` adds one,
Enter edits, Space switches one on or off, `d` deletes (with an undo). Every change is written
back to the file by `RulesFile` (comments and layout kept) and applied to the running engine
through the app's reload, so a rule works as soon as it is saved.

A DataTable is right here: the rows change only when the user edits them or a rule fires.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from cryptotui import fmt
from cryptotui.alerts.rules import RuleError
from cryptotui.alerts.rules_file import RulesFile, RulesFileError
from cryptotui.models import Alert
from cryptotui.ui.screens.rule_form import RuleForm
from cryptotui.ui.services.rules import (
    Fired,
    RuleRow,
    last_firings,
    rule_rows,
    stored_firings,
)
from cryptotui.ui.services.store import UiStore
from cryptotui.ui.widgets.table_query import Sortable, SortKey, TableQuery

COLUMNS = ("on", "name", "when", "symbols", "iv", "frequency", "cooldown", "last fired")
SORTS = (
    SortKey("name", lambda r: r.name.lower()),
    SortKey("when", lambda r: str(r.table.get("when", ""))),
    SortKey("last fired", lambda r: r.fired.time if r.fired else None, descending=True),
    SortKey("on", lambda r: r.enabled, descending=True),
)
REFRESH_SECONDS = 1.0
"""How often "last fired" catches up with this session's alerts."""


class RulesHost(Protocol):
    """What the view needs of the app: its alerts, its store, and applying a changed file."""

    rules_file: RulesFile | None
    store: UiStore | None

    def session_alerts(self) -> list[Alert]: ...
    def rules_override(self) -> str | None: ...
    def rules_changed(self) -> None: ...
    def offer_undo(self, label: str, undo: Callable[[], None]) -> None: ...


class RulesView(Sortable, Vertical):
    BINDINGS = [
        Binding("n", "new", "New rule"),
        Binding("e", "edit", "Edit", tooltip="Enter edits too"),
        Binding("space", "switch", "On/off"),
        Binding("d,delete", "delete", "Delete", tooltip="u undoes"),
    ]

    def __init__(self, host: RulesHost, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.host = host
        self.table_query = TableQuery(SORTS, natural="file order")
        self.rows: list[RuleRow] = []
        self.shown: list[RuleRow] = []
        self._stored: dict[str, Fired] = {}
        self._override: str | None = None

    def compose(self) -> ComposeResult:
        yield DataTable(id="rules-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="rules-status")

    def on_mount(self) -> None:
        self.border_title = "Alert rules"
        path = self.host.rules_file.path if self.host.rules_file is not None else None
        self.set_caption(fmt.safe(str(path)) if path is not None else "")
        self.query_one(DataTable).focus()
        self._override = self.host.rules_override()
        self.reload()
        self._load_stored()
        self.set_interval(REFRESH_SECONDS, self._catch_up)

    @work(thread=True, exclusive=True, group="rules-fired")
    def _load_stored(self) -> None:
        store = self.host.store
        if store is not None:
            stored = store.read(stored_firings)
            self.app.call_from_thread(self._got_stored, stored)

    def _got_stored(self, stored: dict[str, Fired]) -> None:
        self._stored = stored
        self.reload()

    def _catch_up(self) -> None:
        fired = last_firings(self._stored, self.host.session_alerts())
        if any(r.fired != fired.get(r.name) for r in self.rows):
            self.reload()

    # ------------------------------------------------------------------ rows

    def reload(self) -> None:
        """Read the file again and show it."""
        rules = self.host.rules_file
        try:
            tables = rules.tables() if rules is not None else []
        except RulesFileError as exc:
            self._status(str(exc))
            return
        fired = last_firings(self._stored, self.host.session_alerts())
        self.rows = rule_rows(tables, fired)
        self.query_changed()

    def query_changed(self) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        current = self.shown[row].index if 0 <= row < len(self.shown) else None
        self.shown = self.table_query.apply(self.rows, RuleRow.text)
        with self.app.batch_update():
            table.clear(columns=True)
            for name in COLUMNS:
                table.add_column(name + self.table_query.arrow(name))
            for r in self.shown:
                table.add_row(*_cells(r))
            indexes = [r.index for r in self.shown]
            if current in indexes:
                table.move_cursor(row=indexes.index(current), animate=False)
        self.set_caption(self.caption)
        self._status(self._describe())

    def _describe(self) -> str:
        if self.host.rules_file is None:
            return "no config file to edit (the app was started without one)"
        if self._override is not None:
            return (
                f"the running rules come from {self._override}, which overrides this file: "
                "edits here apply once it no longer sets alert rules"
            )
        if not self.rows:
            return "no rules yet: n adds one (or c on a watchlist row or the chart)"
        broken = [r for r in self.rows if r.error]
        if broken:
            return f"{broken[0].error} — Enter to fix it"
        on = sum(r.enabled for r in self.rows)
        return f"{len(self.rows)} rules, {on} on · Enter edit · n new · Space on/off · d delete"

    def _status(self, text: str) -> None:
        self.query_one("#rules-status", Static).update(Text(text, "dim"))

    @property
    def selected(self) -> RuleRow | None:
        row = self.query_one(DataTable).cursor_row
        return self.shown[row] if 0 <= row < len(self.shown) else None

    def select_index(self, index: int) -> None:
        indexes = [r.index for r in self.shown]
        if index in indexes:
            self.query_one(DataTable).move_cursor(row=indexes.index(index), animate=False)

    # ------------------------------------------------------------------ edits

    def _change(self, edit: Callable[[RulesFile], Any]) -> Any:
        """Run an edit of the file; on success reload the view and apply the file."""
        rules = self.host.rules_file
        if rules is None:
            self.notify("no config file to edit", severity="warning", markup=False)
            return None
        result = edit(rules)
        self.reload()
        self.host.rules_changed()
        return result

    def action_new(self) -> None:
        self.open_form("New alert rule", {}, None)

    def action_edit(self) -> None:
        row = self.selected
        if row is not None:
            self.open_form(f"Edit rule {row.name}", row.table, row.index)

    @on(DataTable.RowSelected, "#rules-table")
    def _row_selected(self) -> None:
        self.action_edit()

    def open_form(self, title: str, table: dict[str, Any], index: int | None) -> None:
        added: list[int] = []

        def save(values: dict[str, Any]) -> None:
            if index is None:
                added.append(self._change(lambda f: f.add(values)))
            else:
                self._change(lambda f: f.replace(index, values))

        def done(saved: bool | None) -> None:
            if saved:
                self.select_index(added[0] if added else index or 0)

        self.app.push_screen(RuleForm(title, table, save), done)

    def action_switch(self) -> None:
        row = self.selected
        if row is not None:
            self._try(lambda f: f.set_enabled(row.index, not row.enabled))
            self.select_index(row.index)

    def action_delete(self) -> None:
        row = self.selected
        if row is None:
            return
        removed = self._try(lambda f: f.delete(row.index))
        if removed is None:
            return

        def undo() -> None:
            self._try(lambda f: f.insert(row.index, removed))
            self.select_index(row.index)

        self.host.offer_undo(f"rule {row.name} deleted", undo)

    def _try(self, edit: Callable[[RulesFile], Any]) -> Any:
        try:
            return self._change(edit)
        except (RuleError, RulesFileError) as exc:
            self.notify(str(exc), severity="error", markup=False, timeout=10)
            return None


def _cells(r: RuleRow) -> tuple[Text, ...]:
    t = r.table
    dim = "" if r.enabled else "dim"
    fired = (
        Text(f"{fmt.utc(r.fired.time)[:16].replace('T', ' ')} {fmt.safe(r.fired.symbol)}")
        if r.fired
        else Text("never", "dim")
    )
    cooldown = t.get("cooldown", 0)
    return (
        Text("●", "green") if r.enabled else Text("○", "dim"),
        Text(fmt.safe(r.name), "bold " + dim if r.enabled else dim),
        Text(fmt.safe(str(t.get("when", ""))), "red" if r.error else dim),
        Text(fmt.safe(", ".join(t.get("symbols", ()) or ()) or "all"), dim),
        Text(str(t.get("interval", "1m")), dim),
        Text(str(t.get("frequency", "once_per_bar_close")), dim),
        Text(f"{cooldown:g} s" if cooldown else "–", dim, justify="right"),
        fired,
    )


class RulesScreen(Screen[None]):
    BINDINGS = [Binding("escape,q", "dismiss", "Back")]

    def __init__(self, host: RulesHost) -> None:
        super().__init__()
        self.host = host

    def compose(self) -> ComposeResult:
        yield Header()
        yield RulesView(self.host, id="rules")
        yield Footer()
