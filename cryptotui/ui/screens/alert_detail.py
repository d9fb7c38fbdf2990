"""An alert or stored signal in full: every confidence factor with its score, the raw inputs,
the rule or detector that fired, and a chart of the candles around it."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from cryptotui import fmt
from cryptotui.ui.services.alert_view import AlertView
from cryptotui.ui.services.chart_data import Marker, Point
from cryptotui.ui.widgets.alerts import ARROWS, confidence_bar
from cryptotui.ui.widgets.candles import ChartOptions
from cryptotui.ui.widgets.chart import Chart
from cryptotui.ui.widgets.layered import layered


class MiniChart(Chart, can_focus=False):
    """The chart renderer without keys: candles and volume around the alert, its marker."""


def _value(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.4g}" if math.isfinite(v) else str(v)
    return fmt.safe(str(v))


def describe(view: AlertView, decimals: int | None = None, colour: Style | str = "") -> Table:
    """`decimals`: the symbol's price decimals, as the watchlist shows its prices; `colour`:
    the direction's, from the theme."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column()
    grid.add_row(
        "signal",
        Text.assemble(
            (f"{ARROWS.get(view.direction, '◆')} {view.direction.value} ", colour),
            (fmt.safe(view.name), "bold"),
        ),
    )
    source = "user rule" if view.kind == "rule" else "pattern detector"
    grid.add_row("source", Text(f"{source}: {fmt.safe(view.rule or view.name)}"))
    grid.add_row("time", Text(fmt.utc(view.time)))
    if view.span is not None and view.span[0] is not None:
        grid.add_row("span", Text(f"{fmt.utc(view.span[0])} → {fmt.utc(view.span[1])}"))
    if view.price is not None:
        grid.add_row("price", Text(fmt.price(view.price, decimals)))
    grid.add_row(
        "confidence",
        Text.assemble((confidence_bar(view.confidence, 20), colour), f" {view.confidence:.2f}"),
    )
    for factor, score in view.scores():
        cell = Text()
        if score is not None:
            cell.append(confidence_bar(score, 20), "cyan").append(f" {score:.2f}")
        if factor == "history":
            cell.append(("  " if score is not None else "") + view.evidence())
        if cell:
            grid.add_row(f"  {factor}", cell)
    inputs = view.inputs()
    if inputs:
        grid.add_row("inputs", Text("  ".join(f"{fmt.safe(k)}={_value(v)}" for k, v in inputs)))
    if view.message:
        grid.add_row("message", Text(fmt.safe(view.message)))
    return grid


class AlertDetail(ModalScreen[None]):
    COMPONENT_CLASSES = {"detail--bullish", "detail--bearish", "detail--neutral"}
    BINDINGS = [Binding("escape,enter,q", "dismiss", "Close")]

    def __init__(
        self,
        view: AlertView,
        points: Sequence[Point],
        markers: Sequence[Marker],
        decimals: int | None = None,
    ) -> None:
        super().__init__()
        self.view = view
        self.decimals = decimals
        self.points = points
        self.markers = markers

    def compose(self) -> ComposeResult:
        v = self.view
        with Vertical(id="detail-box") as box:
            box.border_title = Text.assemble(
                fmt.safe(v.symbol), " ", v.interval or "", " · ", fmt.safe(v.name)
            )
            box.border_subtitle = "Esc close"
            yield Static(id="detail-text")
            yield MiniChart(id="detail-chart")

    def on_mount(self) -> None:
        v = self.view
        colour = Style(color=layered(self, f"detail--{v.direction.value}").color)
        self.query_one("#detail-text", Static).update(describe(v, self.decimals, colour))
        chart = self.query_one(MiniChart)
        chart.options = ChartOptions(ma="off", sub="off", volume=True, step=2)
        chart.show(v.symbol, v.interval or "", self.points, self.markers, self.decimals)
        if not self.points:
            chart.border_subtitle = "no candles held for this time"
