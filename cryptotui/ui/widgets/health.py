"""Health view: every stream connection, latency, throughput, recoveries, REST weight, storage.

Rendered once a second while visible, from the state's counters and the store's file size.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from cryptotui import fmt, hotpath
from cryptotui.models import ConnectionStatus
from cryptotui.state import MarketState
from cryptotui.ui.services.health import Rates
from cryptotui.ui.widgets.layered import layered
from cryptotui.ui.widgets.status_bar import LEVELS, STATE_LEVEL


@dataclass(slots=True, frozen=True)
class HealthView:
    """What the pane shows, copied out of the state and the store once per second."""

    connections: tuple[ConnectionStatus, ...]
    messages_per_s: float
    messages: int
    lag_ms: int
    clock_offset_ms: int | None
    clock_rate: float
    """The source clock's speed (the simulator's or a replay's --speed): lag is measured on
    that clock."""
    reconnects: int
    gap_fills: int
    gap_candles: int
    holes: int
    decode_errors: int
    rest_weight: int
    rest_limit: int
    signals: int
    alerts: int
    uptime_s: float
    db_path: str
    """'' when nothing is recorded."""
    db_bytes: int
    db_rows: int
    db_pending: int
    db_problem: str
    hot_path: str
    """Which build of the indicators and candle rules runs (`hotpath.describe()`)."""

    @classmethod
    def collect(
        cls,
        state: MarketState,
        rates: Rates,
        *,
        clock_offset_ms: int | None = None,
        clock_rate: float = 1.0,
    ) -> HealthView:
        h = state.health
        return cls(
            tuple(sorted(list(state.conns.values()), key=lambda c: c.conn_id)),
            rates.messages_per_s,
            h.messages,
            h.lag_ms,
            clock_offset_ms,
            clock_rate,
            h.reconnects,
            h.gap_fills,
            h.gap_candles,
            h.holes,
            h.decode_errors,
            h.rest_weight,
            h.rest_limit,
            h.signals,
            h.alerts,
            rates.uptime_s,
            h.db_path,
            h.db_bytes,
            h.db_rows,
            h.db_pending,
            h.db_problem,
            hotpath.describe(why=False),
        )


def _size(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def _database(v: HealthView) -> str:
    if not v.db_path:
        return "not recording"
    text = f"{_size(v.db_bytes)}, {fmt.count(v.db_rows, 'row')} written"
    if v.db_pending:
        text += f", {v.db_pending:,} queued"
    if v.db_problem:
        text += f" — {fmt.safe(v.db_problem)}"
    return text


def _duration(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


class Health(Widget, can_focus=True):
    COMPONENT_CLASSES = {f"health--{level}" for level in LEVELS}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view: HealthView | None = None

    def update_view(self, view: HealthView) -> None:
        if view != self.view:
            self.view = view
            self.refresh()

    def render(self) -> Group | Text:
        v = self.view
        if v is None:
            return Text("collecting…", "dim")
        conns = self._connections(v, narrow=self.size.width < 60)
        stats = Table.grid(padding=(0, 2))
        stats.add_column(style="dim", no_wrap=True)
        stats.add_column(no_wrap=True)
        skew = f" (clock offset {v.clock_offset_ms:+} ms applied)" if v.clock_offset_ms else ""
        if v.clock_rate != 1:  # the simulator's or a replay's clock, at its --speed
            skew = f" (on the source's clock, {v.clock_rate:g}× wall time)" if v.clock_rate else ""
        weight = f"{v.rest_weight}/{v.rest_limit} per minute" if v.rest_limit else "–"
        rows = [
            ("stream lag", f"{v.lag_ms} ms{skew}"),
            ("messages", f"{v.messages_per_s:,.0f}/s  ({v.messages:,} total)"),
            ("reconnects", str(v.reconnects)),
            ("gap-fills", f"{v.gap_fills} ({v.gap_candles} candles, {v.holes} holes)"),
            ("REST weight", weight),
            ("bad frames", str(v.decode_errors)),
            ("signals/alerts", f"{v.signals} / {v.alerts}"),
            ("database", _database(v)),
            ("uptime", _duration(v.uptime_s)),
            ("hot path", v.hot_path),
        ]
        for label, value in rows:
            stats.add_row(label, Text(value))
        if self.size.width < 90:
            # Stacked: a connection in trouble is what to see first in a short pane.
            healthy = v.connections and all(str(c.state) == "open" for c in v.connections)
            return Group(stats, Text(""), conns) if healthy else Group(conns, Text(""), stats)
        grid = Table.grid(expand=True, padding=(0, 3))
        grid.add_column(ratio=1)
        grid.add_column(ratio=1)
        grid.add_row(stats, conns)
        return Group(grid)

    def _connections(self, v: HealthView, narrow: bool) -> Table | Text:
        """One row per connection; its note (why it is down, when it retries) wraps rather
        than squeezing the state to "…" or losing its end. Too narrow for columns: one line
        per connection with the note beneath."""
        rows: list[tuple[str, Text, int | None, int | None, str]] = [
            (
                str(c.conn_id),
                Text(str(c.state), self._level(STATE_LEVEL.get(str(c.state), "warn"))),
                c.streams,
                c.attempt,
                f"retry in {c.retry_in:.1f} s {fmt.safe(c.reason)}".strip()
                if c.retry_in
                else fmt.safe(c.reason),
            )
            for c in v.connections
        ]
        if not rows:
            rows = [("–", Text("offline", self._level("bad")), None, None, "no connection")]
        if narrow:
            text = Text()
            for i, (conn, state, streams, attempt, note) in enumerate(rows):
                text.append("\n" if i else "")
                text.append_text(Text.assemble(f"conn {conn} ", state))
                if streams is not None:
                    text.append(f" · {fmt.count(streams, 'stream')} · attempt {attempt}")
                if note:
                    text.append(f"\n  {note}", "dim")
            return text
        table = Table(box=None, padding=(0, 1), header_style="bold", expand=True)
        for title, width in (("conn", 4), ("state", 10), ("streams", 7), ("attempt", 7)):
            table.add_column(title, no_wrap=True, min_width=width)
        table.add_column("note", overflow="fold", ratio=1)
        for conn, state, streams, attempt, note in rows:
            shown = ("", "") if streams is None else (str(streams), str(attempt))
            table.add_row(conn, state, *shown, Text(note))
        return table

    def _level(self, level: str) -> Style:
        return layered(self, f"health--{level}")
