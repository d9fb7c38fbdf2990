"""One-line status: connection, messages/s, stream lag, reconnects, gap-fills, REST weight."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from cryptotui import fmt
from cryptotui.state import MarketState
from cryptotui.ui.services.health import Rates
from cryptotui.ui.widgets.layered import layered

STATE_LEVEL = {"open": "good", "connecting": "warn", "backoff": "bad", "offline": "bad"}
"""How a connection state reads: each level is a component class (`status--good`, ...) of the
status bar and the health view, coloured by the theme in app.tcss."""
LEVELS = ("good", "warn", "bad")


def status_text(state: MarketState, rates: Rates, levels: dict[str, Style]) -> Text:
    """The status line, `levels` styling good/warn/bad; exchange text (notices) goes in as
    plain `Text`, never as markup."""
    h = state.health
    summary, n_open = state.connection_summary()
    text = Text()
    text.append(f" ● {summary}", levels[STATE_LEVEL[summary]])
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
        text.append(f"  bad frames {h.decode_errors}", levels["warn"])
    if state.notices:
        note = state.notices[-1]
        level = "bad" if note.level == "error" else "warn"
        text.append(f"  │ {fmt.safe(note.text)}", levels[level])
    return text


class StatusBar(Widget):
    """Rendered from `MarketState.health`; the app calls `update_from` on its snapshot timer.

    A plain widget, not a `Static`: `Static.update` asks for a new layout of the whole screen
    (every pane repainted), where this one-line bar only needs its own line redrawn.
    """

    COMPONENT_CLASSES = {f"status--{level}" for level in LEVELS}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = Text()
        self._levels: dict[str, Style] = {}

    def update_from(self, state: MarketState, rates: Rates) -> None:
        if not self._levels:
            self._levels = {k: layered(self, f"status--{k}") for k in LEVELS}
        text = status_text(state, rates, self._levels)
        if text != self.text:
            self.text = text
            self.refresh()

    def render(self) -> Text:
        return self.text

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._levels = {}  # the theme changed: recolour on the next update
