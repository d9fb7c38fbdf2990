"""`?`: every key binding, read from the widgets' own BINDINGS so it can never go stale; the
focused pane's come first (`focused_first`), then the global ones."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

Section = tuple[str, Iterable[BindingType]]


def bindings_of(cls: type) -> list[Binding]:
    """The class's bindings with those it inherits from our own base classes (not Textual's)."""
    out: list[Binding] = []
    for klass in reversed(cls.__mro__):
        own = vars(klass).get("BINDINGS", ())
        if klass.__module__.startswith("cryptotui"):
            out.extend(b for b in own if isinstance(b, Binding))
    return out


def focused_first(sections: Sequence[Section], title: str | None) -> list[Section]:
    """`sections` with the one called `title` moved to the top and marked as the focused
    pane's (unchanged when `title` is None or not among them)."""
    out = list(sections)
    at = next((i for i, (t, _) in enumerate(out) if t == title), None)
    if at is not None:
        name, bindings = out.pop(at)
        out.insert(0, (f"{name} — the focused pane", bindings))
    return out


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def __init__(self, sections: Sequence[Section]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body") as body:
            body.border_title = "Keys — Esc closes · Ctrl+P: command palette"
            self.table = self._table()
            yield Static(self.table, id="help-table")

    def _table(self) -> Table:
        table = Table(box=None, show_header=False, padding=(0, 2), expand=True)
        table.add_column("key", style="bold", no_wrap=True, min_width=14)
        table.add_column("what", ratio=1)
        for title, bindings in self.sections:
            table.add_row(Text(title, "bold underline"), "")
            seen: set[str] = set()
            for b in bindings:
                if not isinstance(b, Binding) or b.key in seen:
                    continue
                seen.add(b.key)
                keys = " ".join(self.app.get_key_display(Binding(k, "")) for k in b.key.split(","))
                what = Text(b.description or b.action)
                if b.tooltip:
                    what.append(f" — {b.tooltip}", "dim")
                table.add_row(Text(keys), what)
            table.add_row("", "")
        return table
