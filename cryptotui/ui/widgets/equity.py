"""An equity curve drawn with the candle chart's own cells (`candles.py`): a braille line of the
compounded equity after each trade, the break-even line, returns on the right, trade numbers
below. Drawn once into Strips per data or size change, like the chart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from cryptotui.ui.widgets.candles import Braille, Canvas, _scale, _trace
from cryptotui.ui.widgets.layered import layered

LABEL_EVERY = 14
"""Columns between trade-number labels on the bottom axis."""


@dataclass(slots=True, frozen=True)
class EquityStyles:
    base: Style
    up: Style
    down: Style
    axis: Style
    muted: Style


def _label(equity: float) -> str:
    return f"{(equity - 1.0) * 100:+.1f}%"


def render_equity(
    equity: Sequence[float], width: int, height: int, styles: EquityStyles
) -> list[Strip]:
    """`equity[i]` is the equity after trade i + 1 (it starts at 1.0 before the first)."""
    canvas = Canvas(width, height, styles.base)
    if not equity:
        canvas.text(1, height // 2, "no trades to follow", styles.muted)
        return canvas.strips()
    values = [1.0, *equity]
    lo, hi = min(values), max(values)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.01, hi + 0.01
    axis = max(len(_label(lo)), len(_label(hi))) + 1
    plot, rows = width - axis, height - 1
    if plot < 8 or rows < 2:
        canvas.text(0, 0, "enlarge to see the curve", styles.muted)
        return canvas.strips()
    quarter = _scale(lo, hi, rows * 4)
    last = len(values) - 1
    xs = [round(i * (plot - 1) / last) for i in range(len(values))]
    braille = Braille()
    line = styles.up if values[-1] >= 1.0 else styles.down
    _trace(braille, list(zip(xs, values, strict=True)), quarter, line)
    braille.draw(canvas, 0)
    even = quarter(1.0) // 4
    for x in range(plot):
        if canvas.empty(x, even):
            canvas.put(x, even, "┈", styles.muted)
    for r in sorted({0, rows // 2, rows - 1, even}):
        value = hi - (4 * r + 1.5) / (rows * 4 - 1) * (hi - lo)
        canvas.text(plot, r, _label(1.0 if r == even else value).rjust(axis), styles.axis)
    x_next = 0
    for x in range(0, plot, 2):
        trade = round(x * last / max(1, plot - 1))
        if x < x_next or x + len(str(trade)) + 1 > plot:
            continue
        canvas.text(x, rows, f"╵{trade}", styles.axis)
        x_next = x + LABEL_EVERY
    canvas.text(plot, rows, " trades".rjust(axis), styles.axis)
    return canvas.strips()


class EquityChart(Widget):
    COMPONENT_CLASSES = {"equity--up", "equity--down", "equity--axis", "equity--muted"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.equity: Sequence[float] = ()
        self._strips: list[Strip] | None = None
        self._drawn_for: tuple[int, int] = (0, 0)

    def show(self, equity: Sequence[float]) -> None:
        self.equity = equity
        self._strips = None
        self.refresh()

    def _styles(self) -> EquityStyles:
        base = self.rich_style

        def get(name: str) -> Style:
            return layered(self, f"equity--{name}")

        return EquityStyles(base, get("up"), get("down"), get("axis"), get("muted"))

    def render_line(self, y: int) -> Strip:
        size = (self.size.width, self.size.height)
        if self._strips is None or self._drawn_for != size:
            self._strips = render_equity(self.equity, *size, self._styles())
            self._drawn_for = size
        return self._strips[y] if y < len(self._strips) else Strip.blank(size[0], self.rich_style)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips = None
