"""Portfolio value and P&L over time, drawn with the candle chart's own cells (`candles.py`):
the value as a braille line on top, the total P&L (unrealised + realised) below it around its
zero line, values on the right, dates under both. Drawn once into Strips per data or size
change, like the other charts; the app appends the live point at most once a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from cryptotui import fmt
from cryptotui.portfolio.history import ValuePoint
from cryptotui.ui.widgets.candles import Braille, Canvas, _scale, _trace
from cryptotui.ui.widgets.layered import layered

TIME_GAP = 4
"""Blank columns at least between two time labels."""
TIME_PATTERNS = (
    (2 * 86_400_000, "%H:%M"),
    (10 * 86_400_000, "%m-%d %H:%M"),
    (400 * 86_400_000, "%m-%d"),
    (float("inf"), "%Y-%m"),
)
"""Time labels by the span shown: the finest that still changes between labels."""


@dataclass(slots=True, frozen=True)
class ValueStyles:
    base: Style
    value: Style
    up: Style
    down: Style
    axis: Style
    muted: Style


def _money(x: float) -> str:
    return fmt.volume(x) if abs(x) >= 1000 else f"{x:.2f}"


def _pane(
    canvas: Canvas,
    values: Sequence[float],
    xs: Sequence[int],
    top: int,
    rows: int,
    plot: int,
    axis: int,
    style: Style,
    styles: ValueStyles,
    *,
    zero: bool,
) -> None:
    lo, hi = min(values), max(values)
    if zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 1.0, hi + 1.0
    quarter = _scale(lo, hi, rows * 4)
    braille = Braille()
    _trace(braille, list(zip(xs, values, strict=True)), quarter, style)
    braille.draw(canvas, top)
    marks = {0, rows - 1}
    if zero:
        line = quarter(0.0) // 4
        for x in range(plot):
            if canvas.empty(x, top + line):
                canvas.put(x, top + line, "┈", styles.muted)
        marks.add(line)
    for r in sorted(marks):
        value = (
            0.0
            if zero and r == quarter(0.0) // 4
            else hi - (4 * r + 1.5) / (rows * 4 - 1) * (hi - lo)
        )
        canvas.text(plot, top + r, (" " + _money(value)).rjust(axis), styles.axis)


def render_values(
    points: Sequence[ValuePoint], width: int, height: int, styles: ValueStyles, currency: str
) -> list[Strip]:
    """Value (upper ~3/5) and P&L (the rest) over `points`, which are in time order."""
    canvas = Canvas(width, height, styles.base)
    if len(points) < 2:
        canvas.text(1, height // 2, "no history yet: add trades, or record candles", styles.axis)
        return canvas.strips()
    axis = max(len(_money(v)) for p in points for v in (p.value, p.pnl)) + 2
    plot = width - axis
    inner = height - 3  # two legends and the time axis
    if plot < 8 or inner < 4:
        canvas.text(0, 0, "enlarge to see the chart", styles.muted)
        return canvas.strips()
    value_rows = max(2, inner * 3 // 5)
    pnl_rows = inner - value_rows
    first, last = points[0].time, points[-1].time
    span = max(1, last - first)
    xs = [round((p.time - first) / span * (plot - 1)) for p in points]
    now = points[-1]
    canvas.text(0, 0, f"Value {_money(now.value)} {currency}", styles.value)
    _pane(canvas, [p.value for p in points], xs, 1, value_rows, plot, axis, styles.value, styles,
          zero=False)  # fmt: skip
    pnl_style = styles.up if now.pnl >= 0 else styles.down
    canvas.text(0, 1 + value_rows, f"P&L {now.pnl:+,.2f} {currency}", pnl_style)
    _pane(canvas, [p.pnl for p in points], xs, 2 + value_rows, pnl_rows, plot, axis, pnl_style,
          styles, zero=True)  # fmt: skip
    pattern = next(p for limit, p in TIME_PATTERNS if span < limit)
    x_next, shown = 0, ""
    for x in range(0, plot, 2):
        when = first + span * x / max(1, plot - 1)
        label = datetime.fromtimestamp(when / 1000, tz=UTC).strftime(pattern)
        if x < x_next or x + len(label) + 1 > plot or label == shown:
            continue
        canvas.text(x, height - 1, "╵" + label, styles.axis)
        x_next, shown = x + len(label) + 1 + TIME_GAP, label
    return canvas.strips()


class ValueChart(Widget):
    COMPONENT_CLASSES = {"value--line", "value--up", "value--down", "value--axis", "value--muted"}
    DEFAULT_CSS = """
    ValueChart > .value--line { color: $accent; }
    ValueChart > .value--up { color: $success; }
    ValueChart > .value--down { color: $error; }
    ValueChart > .value--axis { color: $text-muted; }
    ValueChart > .value--muted { color: $text-disabled; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.points: Sequence[ValuePoint] = ()
        self.currency = ""
        self._strips: list[Strip] | None = None
        self._drawn_for: tuple[int, int] = (0, 0)

    def show(self, points: Sequence[ValuePoint], currency: str) -> None:
        self.points = points
        self.currency = currency
        self._strips = None
        self.refresh()

    def _styles(self) -> ValueStyles:
        base = self.rich_style

        def get(name: str) -> Style:
            return layered(self, f"value--{name}")

        return ValueStyles(base, get("line"), get("up"), get("down"), get("axis"), get("muted"))

    def render_line(self, y: int) -> Strip:
        size = (self.size.width, self.size.height)
        if self._strips is None or self._drawn_for != size:
            self._strips = render_values(self.points, *size, self._styles(), self.currency)
            self._drawn_for = size
        return self._strips[y] if y < len(self._strips) else Strip.blank(size[0], self.rich_style)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips = None
