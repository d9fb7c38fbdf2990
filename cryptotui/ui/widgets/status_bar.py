"""One-line status: connection, messages/s, stream lag, reconnects, gap-fills, REST weight."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from cryptotui import fmt
from cryptotui.state import MarketState
from cryptotui.ui.services.health import Rates

STATE_STYLE = {
    "open": "bold green",
    "connecting": "bold yellow",
    "backoff": "bold red",
    "offline": "bold red",
}


def status_text(state: MarketState, rates: Rates) -> Text:
    """The status line; exchange text (notices) goes in as plain `Text`, never as markup."""
    h = state.health
    summary, n_open = state.connection_summary()
    text = Text()
    text.append(f" ● {summary}", STATE_STYLE[summary])
    text.append(f" ({n_open} conn)  ")
    text.append(f"{rates.messages_per_s:,.0f} msg/s  ")
    text.append(f"lag {h.lag_ms} ms  ")
    text.append(f"reconnects {h.reconnects}  ")
    text.append(f"gap-fill {h.gap_candles}")
    if h.holes:
        text.append(f" ({h.holes} holes)")
    if h.rest_limit:
        text.append(f"  weight {h.rest_weight}/{h.rest_limit}")
    if h.decode_errors:
        text.append(f"  bad frames {h.decode_errors}", "yellow")
    if state.notices:
        note = state.notices[-1]
        text.append(f"  │ {fmt.safe(note.text)}", "red" if note.level == "error" else "yellow")
    return text


class StatusBar(Widget):
    """Rendered from `MarketState.health`; the app calls `update_from` on its snapshot timer.

    A plain widget, not a `Static`: `Static.update` asks for a new layout of the whole screen
    (every pane repainted), where this one-line bar only needs its own line redrawn.
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = Text()

    def update_from(self, state: MarketState, rates: Rates) -> None:
        text = status_text(state, rates)
        if text != self.text:
            self.text = text
            self.refresh()

    def render(self) -> Text:
        return self.text
