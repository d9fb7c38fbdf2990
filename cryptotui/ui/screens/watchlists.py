"""`w`: the named watchlists. Enter switches, n creates, r renames, d deletes (after a yes).

The screen edits the app's `Watchlists` service directly and tells the app (`on_change`) so
the feed follows; every change is saved to the store by the service.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from cryptotui import fmt
from cryptotui.ui.screens.prompt import ConfirmScreen, PromptScreen
from cryptotui.ui.services.watchlists import WatchlistError, Watchlists


class WatchlistsScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q", "dismiss", "Close"),
        Binding("n", "create", "New"),
        Binding("r", "rename", "Rename"),
        Binding("d,delete", "delete", "Delete"),
    ]

    def __init__(self, lists: Watchlists, on_change: Callable[[], None]) -> None:
        super().__init__()
        self.lists = lists
        self.on_change = on_change

    def compose(self) -> ComposeResult:
        with Vertical(id="lists-box") as box:
            box.border_title = "Watchlists"
            box.border_subtitle = "Enter switch · n new · r rename · d delete · Esc close"
            yield OptionList(id="lists")

    def on_mount(self) -> None:
        self._fill()
        self.query_one(OptionList).focus()

    def _fill(self, highlight: str | None = None) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        for name in self.lists.names:
            # Plain text: the highlighted option's background is the theme's, and a fixed colour
            # or dim text on it can be illegible (green on blue read 1.1:1).
            label = Text("● " if name == self.lists.active else "  ", "bold")
            label.append(name, "bold" if name == self.lists.active else "")
            label.append(f"  {fmt.count(len(self.lists.lists[name]), 'symbol')}")
            options.add_option(Option(label, id=name))
        target = highlight or self.lists.active
        options.highlighted = self.lists.names.index(target) if target in self.lists.names else 0

    @property
    def _current(self) -> str | None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return None
        return options.get_option_at_index(options.highlighted).id

    def _apply(self, edit: Callable[[], str | None]) -> None:
        try:
            name = edit()
        except WatchlistError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.on_change()
        self._fill(name)

    @on(OptionList.OptionSelected, "#lists")
    def _switch(self, event: OptionList.OptionSelected) -> None:
        name = event.option.id
        if name is not None:
            self._apply(lambda: self.lists.switch(name))
            self.dismiss()

    def action_create(self) -> None:
        def done(name: str | None) -> None:
            if name:
                self._apply(lambda: self.lists.create(name))

        self.app.push_screen(PromptScreen("New watchlist name"), done)

    def action_rename(self) -> None:
        old = self._current
        if old is None:
            return

        def done(name: str | None) -> None:
            if name and name != old:
                self._apply(lambda: self.lists.rename(old, name))

        self.app.push_screen(PromptScreen(f"Rename {old!r} to", old), done)

    def action_delete(self) -> None:
        """Asks first: a list and its symbols are gone for good."""
        name = self._current
        if name is None:
            return

        if len(self.lists.names) == 1:
            self._apply(lambda: self.lists.delete(name))  # refused, with the reason
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._apply(lambda: self.lists.delete(name))

        count = len(self.lists.lists[name])
        question = f"Delete the watchlist {name!r} and its {count} symbol(s)?"
        self.app.push_screen(ConfirmScreen(question), answered)
