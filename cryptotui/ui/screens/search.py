"""`/`: fuzzy search over every symbol the exchange lists; Enter adds the highlighted one."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from cryptotui import fmt
from cryptotui.models import SymbolInfo, Ticker
from cryptotui.ui.services.search import search


class SearchScreen(ModalScreen[str | None]):
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
    ]

    def __init__(
        self,
        symbols: Callable[[], list[str]],
        info: Mapping[str, SymbolInfo],
        tickers: Mapping[str, Ticker],
        watched: set[str],
    ) -> None:
        super().__init__()
        self._symbols = symbols
        self._info = info
        self._tickers = tickers
        self._watched = watched

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box") as box:
            box.border_title = "Add symbol"
            box.border_subtitle = "↑↓ choose · Enter add · Esc cancel"
            yield Input(placeholder="symbol or asset, e.g. eth", id="search-input")
            yield OptionList(id="search-results")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    @on(Input.Changed, "#search-input")
    def _changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def _fill(self, query: str) -> None:
        results = self.query_one(OptionList)
        results.clear_options()
        matches = search(query, self._symbols(), self._info)
        results.add_options(Option(self._label(s), id=s) for s in matches)
        if matches:
            results.highlighted = 0

    def _label(self, symbol: str) -> Text:
        text = Text(fmt.safe(symbol).ljust(14), "bold")
        info = self._info.get(symbol)
        if info is not None:
            text.append(f"{fmt.safe(info.base_asset)}/{fmt.safe(info.quote_asset)}".ljust(14))
            if not info.trading:
                text.append(f"{fmt.safe(info.status)} ", "yellow")
        t = self._tickers.get(symbol)
        if t is not None:
            text.append(fmt.price(t.last, info.price_decimals if info else None).rjust(14))
            text.append(
                fmt.pct(t.change_pct).rjust(9),
                "green" if t.change_pct > 0 else "red" if t.change_pct < 0 else "",
            )
        if symbol in self._watched:
            text.append("  ✓ watched", "dim")
        return text

    def action_move(self, delta: int) -> None:
        results = self.query_one(OptionList)
        if results.option_count:
            current = results.highlighted or 0
            results.highlighted = max(0, min(results.option_count - 1, current + delta))

    @on(Input.Submitted, "#search-input")
    def _submitted(self) -> None:
        results = self.query_one(OptionList)
        if results.highlighted is not None:
            self.dismiss(results.get_option_at_index(results.highlighted).id)

    @on(OptionList.OptionSelected, "#search-results")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
