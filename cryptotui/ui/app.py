"""The Textual app: a watchlist and a status bar over a feed running in its own thread.

The UI pulls a `MarketState` snapshot on a timer (5 Hz) and repaints only rows that changed;
it never handles one message per market event.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header

from cryptotui.state import MarketState
from cryptotui.ui.feed_thread import FeedThread
from cryptotui.ui.widgets.status_bar import StatusBar
from cryptotui.ui.widgets.watchlist import Watchlist

SNAPSHOT_HZ = 5


class CryptoTUI(App):
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "cryptotui"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("t", "toggle_theme", "Theme"),
    ]

    def __init__(
        self,
        state: MarketState,
        feed_main: Callable[[asyncio.Event], Coroutine[None, None, None]] | None,
        *,
        source_label: str = "Binance",
    ) -> None:
        super().__init__()
        self.state = state
        self.source_label = source_label
        self.sub_title = source_label
        self._thread = FeedThread(feed_main) if feed_main is not None else None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Watchlist(self.state.price_decimals, id="watchlist")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        if self.source_label == "SIMULATED":
            self.add_class("simulated")
        self.query_one(Watchlist).focus()
        if self._thread is not None:
            self._thread.start()
        self.pull_snapshot()
        self.set_interval(1 / SNAPSHOT_HZ, self.pull_snapshot)

    def pull_snapshot(self) -> None:
        self.query_one(Watchlist).update_rows(self.state.rows())
        self.query_one(StatusBar).update_from(self.state)
        if self._thread is not None and self._thread.error is not None:
            error, self._thread.error = self._thread.error, None
            self.notify(f"feed stopped: {error}", severity="error", timeout=30)

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    async def on_unmount(self) -> None:
        if self._thread is not None:
            await asyncio.to_thread(self._thread.stop)
