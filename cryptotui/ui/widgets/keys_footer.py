"""The footer fitted to the terminal: keys in the footer's own order (the focused pane's first,
the app's last) as long as they fit, and always `? Help`, which lists every key.

Textual's footer shows every key and lets the row run off the edge: at 80 columns the last one
read `t Th`. Here the keys that would not fit are left to `?` and the command palette.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

HELP = "help"


def key_cells(key: FooterKey) -> int:
    """Cells a key takes in the (non-compact) footer: ` k ` then `description `."""
    return len(key.key_display) + 2 + (len(key.description) + 1 if key.description else 0)


class KeysFooter(Footer):
    def __init__(self) -> None:
        super().__init__()
        self._fitted_to = 0

    def compose(self) -> ComposeResult:
        widgets: list[Widget] = list(super().compose())
        width = self._fitted_to = self.app.size.width
        keys = [w for w in widgets if isinstance(w, FooterKey)]
        fixed = [
            k for k in keys if k.has_class("-command-palette") or k.action.split(".")[-1] == HELP
        ]
        room = width - sum(key_cells(k) for k in fixed)
        shown = set(fixed)
        for key in keys:
            if key in shown:
                continue
            if key_cells(key) > room:
                break
            shown.add(key)
            room -= key_cells(key)
        kept = [w for w in widgets if not isinstance(w, FooterKey) or w in shown]
        self.styles.grid_size_columns = len(kept)
        yield from kept

    def on_resize(self, event: events.Resize) -> None:
        if self.app.size.width != self._fitted_to:
            self.call_later(self.recompose)
