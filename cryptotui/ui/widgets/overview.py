"""Market overview pane: breadth, top gainers and losers, volume leaders and popular pairs.

Low churn (the app hands it a fresh `Overview` once a second while it is visible), so it is a
plain rendered widget; the sections flow into as many columns as the width allows.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Group
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from cryptotui import fmt
from cryptotui.models import Ticker
from cryptotui.ui.services.overview import Overview

SECTION_WIDTH = 30


def breadth_bar(share: float, width: int) -> Text:
    up = round(share * width)
    return Text.assemble(("█" * up, "green"), ("█" * (width - up), "red"))


def ticker_table(
    title: str, tickers: tuple[Ticker, ...], decimals: Callable[[str], int | None], volume: bool
) -> Table:
    table = Table(
        title=title,
        title_justify="left",
        title_style="bold",
        show_header=False,
        box=None,
        padding=(0, 1, 0, 0),
        expand=True,
    )
    table.add_column("symbol", no_wrap=True, ratio=3)
    table.add_column("value", justify="right", no_wrap=True, ratio=2)
    for t in tickers:
        colour = "green" if t.change_pct > 0 else "red" if t.change_pct < 0 else ""
        value = fmt.volume(t.quote_volume) if volume else fmt.pct(t.change_pct)
        table.add_row(Text(fmt.safe(t.symbol)), Text(value, Style.parse(colour or "none")))
    if not tickers:
        table.add_row(Text("–", "dim"), Text(""))
    return table


class MarketOverview(Widget, can_focus=True):
    """All-market view from `!miniTicker@arr`: which way the market leans, and who leads it."""

    ALLOW_MAXIMIZE = True

    def __init__(
        self,
        decimals: Callable[[str], int | None] = lambda _s: None,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._decimals = decimals
        self.overview: Overview | None = None

    def update_overview(self, ov: Overview) -> None:
        self.overview = ov
        self.refresh()

    def render(self) -> Group | Text:
        ov = self.overview
        if ov is None or not ov.total:
            return Text("waiting for the all-market ticker stream…", "dim")
        width, height = self.size.width, self.size.height
        head = Text()
        share = ov.breadth or 0.0
        head.append(f"Breadth {share:.0%} up ", "bold")
        head.append_text(breadth_bar(share, max(6, min(30, width - 44))))
        head.append(f" {ov.up:,}▲ {ov.down:,}▼ of {ov.total:,} {ov.quote or 'all'} pairs")
        rows = max(1, height - 2)
        sections = [
            ("Top gainers", ov.gainers[:rows], False),
            ("Top losers", ov.losers[:rows], False),
            ("Volume leaders", ov.volume[:rows], True),
            ("Popular pairs", ov.popular[:rows], False),
        ]
        per_row = max(1, min(4, width // SECTION_WIDTH))
        if per_row < 4 and height - 2 >= 2 * 4:
            rows = (height - 2) // 2 - 1
            sections = [(t, tk[:rows], v) for t, tk, v in sections]
        grid = Table.grid(expand=True, padding=(0, 2, 0, 0))
        for _ in range(per_row):
            grid.add_column(ratio=1)
        for start in range(0, len(sections), per_row):
            chunk = sections[start : start + per_row]
            grid.add_row(*(ticker_table(t, tk, self._decimals, v) for t, tk, v in chunk))
        return Group(head, grid)
