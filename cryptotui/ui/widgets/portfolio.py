"""The Portfolio view's panes: the holdings table, the allocation bar and the trades list.

The table is a DataTable (a handful of rows): it is refilled only when the set of assets
changes and otherwise updated once a second cell by cell, only where a value moved.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widget import Widget
from textual.widgets import DataTable

from cryptotui import fmt
from cryptotui.portfolio.entry import amount, describe
from cryptotui.portfolio.ledger import Holding, Transaction

PALETTE = (
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f",
)  # fmt: skip
"""Allocation colours, one per asset in value order; the rest share the last ("others")."""
OTHERS = "#bab0ac"

COLUMNS = (
    "asset", "quantity", "avg cost", "cost basis", "price", "value", "unrealised", "unreal. %",
    "realised", "share",
)  # fmt: skip


def _money(x: float | None) -> Text:
    return Text("–" if x is None else fmt.price(x), justify="right")


def _pnl(x: float | None, percent: bool = False) -> Text:
    if x is None:
        return Text("–", justify="right")
    text = f"{x:+.2f}%" if percent else f"{x:+,.2f}"
    return Text(text, "green" if x > 0 else "red" if x < 0 else "", justify="right")


def cells(row: Holding) -> tuple[Text, ...]:
    """One holding as the table's cells, in `COLUMNS` order."""
    cost = row.cost_basis
    pct = None if row.unrealized_pnl is None or not cost else row.unrealized_pnl / cost * 100
    return (
        Text(fmt.safe(row.asset), "bold"),
        Text(amount(row.quantity), justify="right"),
        _money(row.avg_cost),
        _money(row.cost_basis),
        _money(row.price),
        _money(row.value),
        _pnl(row.unrealized_pnl),
        _pnl(pct, percent=True),
        _pnl(row.realized_pnl),
        Text("–" if row.share is None else f"{row.share:.1%}", justify="right"),
    )


class HoldingsTable(DataTable):
    """Per asset: quantity, costs, price, value, P&L, share."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        for column in COLUMNS:
            self.add_column(column, key=column)

    def show(self, rows: Sequence[Holding]) -> None:
        """Refill when the assets (or their order) changed, else update the cells that moved."""
        assets = [r.asset for r in rows]
        if [str(k.value) for k in self.rows] != assets:
            self.clear()
            for r in rows:
                self.add_row(*cells(r), key=r.asset)
            return
        for r in rows:
            for column, cell in zip(COLUMNS, cells(r), strict=True):
                if self.get_cell(r.asset, column) != cell:
                    self.update_cell(r.asset, column, cell)


class TradesTable(DataTable):
    """Every trade with its id (what `remove ID` takes), newest first."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        for column in ("id", "trade"):
            self.add_column(column, key=column)

    def show(self, ledger: Sequence[Transaction]) -> None:
        self.clear()
        for tx in reversed(ledger):
            self.add_row(Text(f"#{tx.id}", justify="right"), Text(describe(tx)), key=str(tx.id))


def allocation(rows: Sequence[Holding], width: int) -> Text:
    """A bar of `width` cells split by share of value, over a legend of the same colours."""
    valued = [r for r in rows if r.share]
    if width < 4 or not valued:
        return Text("no priced holdings", "dim")
    named = valued[: len(PALETTE)]
    parts = [(r.asset, r.share or 0.0, PALETTE[i]) for i, r in enumerate(named)]
    rest = sum(r.share or 0.0 for r in valued[len(PALETTE) :])
    if rest:
        parts.append(("others", rest, OTHERS))
    bar = Text()
    used = 0
    total = 0.0
    for _, share, colour in parts:
        total += share
        end = round(total * width)
        bar.append("█" * (end - used), colour)
        used = end
    legend = Text()
    for name, share, colour in parts:
        legend.append("■ ", colour)
        legend.append(f"{fmt.safe(name)} {share:.1%}  ")
    return Text("\n").join([bar, legend])


class AllocationBar(Widget):
    DEFAULT_CSS = "AllocationBar { height: 2; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: Sequence[Holding] = ()

    def show(self, rows: Sequence[Holding]) -> None:
        if [(r.asset, r.share) for r in rows] != [(r.asset, r.share) for r in self.rows]:
            self.rows = rows
            self.refresh()

    def render(self) -> Text:
        return allocation(self.rows, self.size.width)
