"""Market overview pane: breadth, top gainers and losers, volume leaders and popular pairs.

Low churn (the app hands it a fresh `Overview` once a second while it is visible), so it is a
plain rendered widget; the sections flow into as many columns as the width allows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from rich.style import Style
from rich.text import Text

from cryptotui import fmt
from cryptotui.models import Ticker
from cryptotui.ui.services.overview import Overview
from cryptotui.ui.widgets.layered import layered
from cryptotui.ui.widgets.table_query import Filterable, TableQuery

if TYPE_CHECKING:
    from cryptotui.ui.app import CryptoTUI

SECTION_WIDTH = 30


def breadth_bar(share: float, width: int, up_style: Style, down_style: Style) -> Text:
    up = round(share * width)
    return Text.assemble(("█" * up, up_style), ("█" * (width - up), down_style))


def section_lines(
    title: str, tickers: tuple[Ticker, ...], width: int, volume: bool, up: Style, down: Style
) -> list[Text]:
    """A titled list, one ticker a line, `width` cells wide: symbol left, value right, at
    least one space between them (the padding belongs to the symbol, so the value keeps
    its own cells even where a viewer drops padding inside a coloured run)."""
    lines = [Text(title.ljust(width)[:width], "bold")]
    for t in tickers:
        value = fmt.volume(t.quote_volume) if volume else fmt.pct(t.change_pct)
        symbol = fmt.safe(t.symbol)[: max(1, width - len(value) - 1)]
        line = Text(symbol.ljust(width - len(value)))
        line.append(value, up if t.change_pct > 0 else down if t.change_pct < 0 else "")
        lines.append(line)
    if not tickers:
        lines.append(Text("–".ljust(width), "dim"))
    return lines


class MarketOverview(Filterable, can_focus=True):
    """All-market view from `!miniTicker@arr`: which way the market leans, and who leads it.
    `/` narrows it to the USDT pairs that match (`eth`, `doge`): breadth and leaders among them."""

    COMPONENT_CLASSES = {"overview--up", "overview--down"}

    def __init__(
        self,
        decimals: Callable[[str], int | None] = lambda _s: None,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._decimals = decimals
        self.overview: Overview | None = None
        self.table_query = TableQuery(())

    def query_changed(self) -> None:
        cast("CryptoTUI", self.app).pull_snapshot(full=True)  # the one app it is shown in

    def wanted(self, tickers: list[Ticker]) -> list[Ticker]:
        """The tickers the filter lets through."""
        if not self.table_query.text.strip():
            return tickers
        return [t for t in tickers if self.table_query.matches(t.symbol)]

    def update_overview(self, ov: Overview) -> None:
        self.overview = ov
        self.refresh()

    def render(self) -> Text:
        """Plain Text lines laid out by hand: a Rich Table grid of the four sections costs
        ~12 ms a render, this ~1 ms."""
        ov = self.overview
        shown = self.table_query.describe()
        if ov is None or not ov.total:
            if shown and ov is not None:
                return Text(f"no pair matches {shown} (/ changes the filter)", "dim")
            return Text("waiting for the all-market ticker stream…", "dim")
        width, height = self.size.width, self.size.height
        head = Text()
        share = ov.breadth or 0.0
        head.append(f"Breadth {share:.0%} up ", "bold")
        up, down = layered(self, "overview--up"), layered(self, "overview--down")
        head.append_text(breadth_bar(share, max(6, min(30, width - 44)), up, down))
        head.append(f" {ov.up:,}▲ {ov.down:,}▼ of {ov.total:,} {ov.quote or 'all'} pairs")
        if shown:
            head.append(f" · {shown}", "bold")
        per_row = max(1, min(4, width // SECTION_WIDTH))
        wanted = [
            ("Top gainers", ov.gainers, False),
            ("Top losers", ov.losers, False),
            ("Volume leaders", ov.volume, True),
            ("Popular pairs", ov.popular, False),
        ]
        while True:  # fewer sections rather than sections of one line each
            per_row = min(per_row, len(wanted))
            bands = -(-len(wanted) // per_row)
            rows = (height - 1) // bands - 1
            if rows >= 3 or len(wanted) == 1:
                break
            wanted = wanted[: 2 if len(wanted) > 2 else 1]
        rows = max(1, rows)
        gap = 2
        col = max(12, (width - gap * (per_row - 1)) // per_row)
        sections = [section_lines(t, tk[:rows], col, v, up, down) for t, tk, v in wanted]
        lines = [head]
        for start in range(0, len(sections), per_row):
            band = sections[start : start + per_row]
            for i in range(max(len(s) for s in band)):
                line = Text()
                for j, section in enumerate(band):
                    cell = section[i] if i < len(section) else Text(" " * col)
                    if j:  # the gap trails the value before it: each column's text begins a run
                        line.append(" " * gap, line.spans[-1].style if line.spans else "")
                    line.append_text(cell)
                lines.append(line)
        return Text("\n").join(lines)
