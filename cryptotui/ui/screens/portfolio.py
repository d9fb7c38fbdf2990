"""`P`: the portfolio over the whole screen — totals, the allocation bar, the holdings table
(or the trades list, `l`) and the value and P&L over time; `a` opens the entry dialog (add,
sell, remove, import: the words of `cryptotui holdings`).

The ledger is valued on a worker thread when the screen opens and after every change
(`services.portfolio.load`); once a second the book is marked to the live tickers on the UI
thread, and only the cells that moved are repainted.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import ContentSwitcher, Header, Input, Static

from cryptotui import fmt
from cryptotui.portfolio.entry import EXAMPLES, describe, parse_entry
from cryptotui.portfolio.ledger import Holding
from cryptotui.state import MarketState
from cryptotui.store.holdings import import_file, record, remove
from cryptotui.ui.services.portfolio import (
    FetchRates,
    Loaded,
    live_point,
    load,
    mark,
    market_now,
    state_closes,
)
from cryptotui.ui.services.store import UiStore
from cryptotui.ui.widgets.keys_footer import KeysFooter
from cryptotui.ui.widgets.portfolio import AllocationBar, HoldingsTable, TradesTable
from cryptotui.ui.widgets.portfolio_chart import ValueChart
from cryptotui.validators import Invalid

MARK_SECONDS = 1.0


class PortfolioScreen(Screen[None]):
    class Valued(Message):
        """The ledger was valued (on opening, after a change): the app's watchlist follows."""

        def __init__(self, loaded: Loaded) -> None:
            self.loaded = loaded
            super().__init__()

    BINDINGS = [
        Binding("escape,q", "dismiss", "Back"),
        Binding("a", "entry", "Add/sell/import", tooltip="add, sell, remove or import trades"),
        Binding("l", "toggle_trades", "Trades", tooltip="every trade with its id"),
        Binding("R", "reload", "Reload", show=False),
    ]
    DEFAULT_CSS = """
    PortfolioScreen #portfolio-summary { height: auto; padding: 0 1; }
    PortfolioScreen AllocationBar { margin: 0 1; }
    PortfolioScreen #portfolio-lists {
        height: 1fr; min-height: 5; border: round $primary 60%; border-title-color: $text;
    }
    PortfolioScreen #portfolio-lists:focus-within { border: round $accent; }
    PortfolioScreen ValueChart {
        height: 2fr; min-height: 8; border: round $primary 60%; border-title-color: $text;
    }
    """

    def __init__(
        self,
        store: UiStore | None,
        state: MarketState,
        fetch: FetchRates | None,
        *,
        currency: str,
        method: str,
    ) -> None:
        super().__init__()
        self.store = store
        self.state = state
        self.fetch = fetch
        self.currency = currency
        self.method = method
        self.loaded: Loaded | None = None
        self.rows: list[Holding] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("valuing…", "dim"), id="portfolio-summary")
        yield AllocationBar(id="portfolio-allocation")
        with ContentSwitcher(id="portfolio-lists", initial="portfolio-table"):
            yield HoldingsTable(id="portfolio-table")
            yield TradesTable(id="portfolio-trades")
        chart = ValueChart(id="portfolio-chart")
        chart.border_title = f"Value and P&L over time ({self.currency})"
        yield chart
        yield KeysFooter()

    def on_mount(self) -> None:
        self._retitle()
        self.query_one(HoldingsTable).focus()
        if self.store is None:
            self.query_one("#portfolio-summary", Static).update(
                Text("no database: trades are kept in the history store ([store] enabled)")
            )
            return
        self.action_reload()
        self.set_interval(MARK_SECONDS, self.mark)

    def _retitle(self) -> None:
        lists = self.query_one(ContentSwitcher)
        trades = lists.current == "portfolio-trades"
        lists.border_title = "Trades" if trades else f"Holdings ({self.method})"
        lists.border_subtitle = "l holdings" if trades else "l trades · a add/sell/import"

    # ------------------------------------------------------------------ data

    def action_reload(self) -> None:
        self._load(state_closes(self.state, self.currency), market_now(self.state))

    @work(thread=True, exclusive=True, group="portfolio")
    def _load(self, recent: dict[str, list[tuple[int, float]]], now: int) -> None:
        assert self.store is not None
        loaded = load(
            self.store, self.fetch, currency=self.currency, method=self.method, now=now,
            recent=recent,
        )  # fmt: skip
        self.app.call_from_thread(self._loaded, loaded)

    def _loaded(self, loaded: Loaded) -> None:
        self.loaded = loaded
        self.post_message(self.Valued(loaded))
        self.query_one(TradesTable).show(loaded.ledger)
        self.mark()

    def mark(self) -> None:
        """The book at the live tickers: table cells, totals, allocation, the chart's end."""
        loaded = self.loaded
        if loaded is None:
            return
        rows = mark(loaded, self.state)
        self.query_one(HoldingsTable).show(rows)
        self.query_one(AllocationBar).show(rows)
        self.query_one("#portfolio-summary", Static).update(self._summary(rows, loaded))
        live = live_point(rows, market_now(self.state))
        points = loaded.history
        if live is not None and points and live.time >= points[-1].time:
            points = [*points[: -1 if live.time == points[-1].time else None], live]
        chart = self.query_one(ValueChart)
        if not chart.points or len(chart.points) != len(points) or chart.points[-1] != points[-1]:
            chart.show(points, self.currency)
        self.rows = rows

    def _summary(self, rows: list[Holding], loaded: Loaded) -> Text:
        if not loaded.ledger:
            return Text("no trades yet: press a to add one (add BTC 0.5 --price 61000) or to "
                        "import a Binance trade-history CSV")  # fmt: skip
        valued = [r for r in rows if r.value is not None]
        value = sum(r.value or 0.0 for r in valued)
        cost = sum(r.cost_basis for r in valued)
        unrealized = sum(r.unrealized_pnl or 0.0 for r in valued)
        realized = sum(r.realized_pnl for r in rows)

        def signed(x: float) -> tuple[str, str]:
            return f"{x:+,.2f}", "green" if x > 0 else "red" if x < 0 else ""

        text = Text.assemble(
            ("Value ", "bold"),
            (f"{fmt.price(value)} {self.currency}", "bold"),
            "  ·  cost ",
            fmt.price(cost),
            "  ·  unrealised ",
            signed(unrealized),
        )
        if cost:
            text.append(f" ({unrealized / cost * 100:+.2f}%)", signed(unrealized)[1])
        text.append("  ·  realised ")
        text.append(*signed(realized))
        unpriced = [r.asset for r in rows if r.quantity and r.price is None]
        if unpriced:
            text.append(f"\nno live price for {', '.join(unpriced)}", "yellow")
        for problem in loaded.problems:
            text.append(f"\n{problem}", "yellow")
        return text

    # ------------------------------------------------------------------ keys

    def action_toggle_trades(self) -> None:
        lists = self.query_one(ContentSwitcher)
        lists.current = (
            "portfolio-table" if lists.current == "portfolio-trades" else "portfolio-trades"
        )
        self._retitle()
        lists.query_one(f"#{lists.current}").focus()

    def action_entry(self) -> None:
        if self.store is None:
            self.notify("no database to keep trades in", severity="error", markup=False)
            return

        def done(message: str | None) -> None:
            if message:
                self.notify(message, markup=False)
                self.action_reload()

        self.app.push_screen(EntryDialog(self.store, self.currency), done)


class EntryDialog(ModalScreen[str | None]):
    """One line, the words of `cryptotui holdings`: a refusal stays on screen to be fixed."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    DEFAULT_CSS = """
    EntryDialog { align: center middle; }
    EntryDialog #entry-box {
        width: 100; max-width: 95%; height: auto; border: round $accent;
        background: $surface; padding: 0 1;
    }
    EntryDialog #entry-input { border: none; height: 1; }
    EntryDialog #entry-message { height: auto; color: $text-muted; }
    EntryDialog #entry-message.-error { color: $error; }
    """

    def __init__(self, store: UiStore, currency: str) -> None:
        super().__init__()
        self.store = store
        self.currency = currency

    def compose(self) -> ComposeResult:
        with Vertical(id="entry-box") as box:
            box.border_title = "Add, sell, remove or import trades"
            box.border_subtitle = "Enter ok · Esc cancel"
            yield Input(placeholder="add BTC 0.5 --price 61000 --fee 0.5", id="entry-input")
            yield Static(Text(f"e.g. {EXAMPLES}; prices in {self.currency} unless --quote"),
                         id="entry-message")  # fmt: skip

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self._apply(event.value)

    @work(thread=True, exclusive=True, group="entry")
    def _apply(self, line: str) -> None:
        try:
            entry = parse_entry(line, self.currency)
            trade, tid, path = entry.trade, entry.remove, entry.path
            if trade is not None:
                added = self.store.read(lambda db: record(db, trade))
                message = f"#{added.id} {describe(added)}"
            elif tid is not None:
                gone = self.store.read(lambda db: remove(db, tid))
                message = f"removed #{gone.id} {describe(gone)}"
            else:
                assert path is not None
                message = self.store.read(lambda db: import_file(db, path)).summary()
        except Invalid as exc:
            self.app.call_from_thread(self._refused, str(exc))
            return
        self.app.call_from_thread(self.dismiss, message)

    def _refused(self, problem: str) -> None:
        message = self.query_one("#entry-message", Static)
        message.update(Text(fmt.safe(problem)))
        message.add_class("-error")
