"""Alerts feed: newest first, coloured by direction, with a confidence bar; Enter opens one.

Alerts are rare, so the pane simply takes the state's alert list on each snapshot when it grew;
rows are cached Strips like the watchlist's, so a new alert costs one line per visible row.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip

from cryptotui import fmt
from cryptotui.models import Alert, Direction
from cryptotui.ui.widgets.cursor_list import CursorList
from cryptotui.ui.widgets.table_query import Sortable, SortKey, TableQuery

BAR_CHARS = " ▏▎▍▌▋▊▉█"
ARROWS = {Direction.BULLISH: "▲", Direction.BEARISH: "▼", Direction.NEUTRAL: "◆"}


def confidence_bar(value: float, width: int) -> str:
    """A horizontal bar in eighth-cell steps, `width` cells for 1.0."""
    eighths = round(max(0.0, min(1.0, value)) * width * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (BAR_CHARS[part] if part else "")).ljust(width)


SORTS = (
    SortKey("confidence", lambda a: a.confidence, descending=True),
    SortKey("symbol", lambda a: a.symbol),
    SortKey("name", lambda a: a.name),
)


class AlertsPane(Sortable, CursorList):
    """The session's alerts (the state keeps the last 500), newest at the top; `/` shows only
    those that match (symbol, interval, name, message), `s` sorts by another column."""

    BINDINGS = [Binding("enter", "open", "Details")]
    EMPTY_TEXT = "no alerts yet: they appear here and as a toast"
    COMPONENT_CLASSES = {
        "alerts--cursor",
        "alerts--bullish",
        "alerts--bearish",
        "alerts--neutral",
        "alerts--muted",
        "alerts--bar-bg",
    }

    class Opened(Message):
        def __init__(self, alert: Alert) -> None:
            self.alert = alert
            super().__init__()

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.all: list[Alert] = []
        """Every alert, newest first."""
        self.alerts: list[Alert] = []
        """Those shown, in the order shown."""
        self.table_query = TableQuery(SORTS, natural="newest first")

    def update_alerts(self, newest_last: list[Alert]) -> None:
        alerts = newest_last[::-1]
        if len(alerts) == len(self.all) and (not alerts or alerts[0] is self.all[0]):
            return
        self.all = alerts
        self._show()
        self.set_caption(f"{len(alerts)}")

    def _show(self) -> None:
        """The alerts the query lets through; the cursor stays on the alert it was on (at the
        top it stays at the top, on the newest)."""
        selected = self.selected if self.cursor else None
        self.alerts = self.table_query.apply(self.all, _text)
        self.set_count(len(self.alerts))
        if selected is not None:
            for i, a in enumerate(self.alerts):
                if a is selected:
                    self.cursor = i
                    break

    def query_changed(self) -> None:
        text = self.table_query.text.strip()
        self.EMPTY_TEXT = f"no alert matches /{text}" if text else type(self).EMPTY_TEXT
        self._show()
        self.set_caption(f"{len(self.all)}")

    @property
    def selected(self) -> Alert | None:
        return self.alerts[self.cursor] if self.alerts else None

    def action_open(self) -> None:
        if self.selected is not None:
            self.post_message(self.Opened(self.selected))

    def item_key(self, index: int) -> tuple:
        return (id(self.alerts[index]),)

    def render_item(self, index: int, selected: bool, width: int) -> Strip:
        a = self.alerts[index]
        row_layers = ("alerts--cursor",) if selected else ()
        direction = f"alerts--{a.direction.value}"
        base = self.style_of(*row_layers)
        colour = self.style_of(*row_layers, direction)
        muted = self.style_of(*row_layers, "alerts--muted")
        bar = self.style_of(*row_layers, "alerts--bar-bg", direction)
        wide = width >= 60
        stamp = fmt.utc(a.time)[11:19] if wide else fmt.utc(a.time)[11:16]
        conf = f"{a.confidence:.2f}" if wide else f"{a.confidence:.2f}".lstrip("0")
        segments = [
            Segment(stamp + " ", muted),
            Segment(ARROWS.get(a.direction, "◆") + " ", colour),
            Segment(fmt.safe(a.symbol)[:12].ljust(9) + " ", base + Style(bold=True)),
            Segment((a.interval or "–").ljust(3) + " ", muted),
            Segment(confidence_bar(a.confidence, 8 if wide else 4), bar),
            Segment(f" {conf:>4} ", base),
            Segment(fmt.safe(a.name), colour),
        ]
        if width > 70 and a.message:
            segments.append(Segment("  " + fmt.safe(a.message), muted))
        return self.line(segments, width, base)


def _text(a: Alert) -> str:
    return f"{a.symbol} {a.interval or ''} {a.name} {a.message}"
