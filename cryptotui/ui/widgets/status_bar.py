"""One-line status: connection, messages/s, stream lag, reconnects, gap-fills, REST weight."""

from __future__ import annotations

import time

from rich.text import Text
from textual.widgets import Static

from cryptotui import fmt
from cryptotui.state import MarketState

STATE_STYLE = {
    "open": "bold green",
    "connecting": "bold yellow",
    "backoff": "bold red",
    "offline": "bold red",
}


class StatusBar(Static):
    """Rendered from `MarketState.health`; the app calls `update_from` on its snapshot timer."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._last_messages = 0
        self._last_time = time.monotonic()
        self.rate = 0.0

    def update_from(self, state: MarketState) -> None:
        now = time.monotonic()
        h = state.health
        elapsed = now - self._last_time
        if elapsed >= 1.0:
            self.rate = (h.messages - self._last_messages) / elapsed
            self._last_messages, self._last_time = h.messages, now
        summary, n_open = state.connection_summary()
        text = Text()
        text.append(f" ● {summary}", STATE_STYLE[summary])
        text.append(f" ({n_open} conn)  ")
        text.append(f"{self.rate:,.0f} msg/s  ")
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
        self.update(text)
