"""Health view: every stream connection, latency, throughput, recoveries, REST weight, storage.

Rendered once a second while visible, from the state's counters and the store's file size.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from cryptotui import fmt, hotpath
from cryptotui.models import ConnectionStatus
from cryptotui.state import MarketState
from cryptotui.ui.services.health import Rates
from cryptotui.ui.widgets.status_bar import STATE_STYLE


@dataclass(slots=True, frozen=True)
class HealthView:
    """What the pane shows, copied out of the state and the store once per second."""

    connections: tuple[ConnectionStatus, ...]
    messages_per_s: float
    messages: int
    lag_ms: int
    clock_offset_ms: int | None
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
    ) -> HealthView:
        h = state.health
        return cls(
            tuple(sorted(list(state.conns.values()), key=lambda c: c.conn_id)),
            rates.messages_per_s,
            h.messages,
            h.lag_ms,
            clock_offset_ms,
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
    text = f"{_size(v.db_bytes)}, {v.db_rows:,} rows written"
    if v.db_pending:
        text += f", {v.db_pending:,} queued"
    if v.db_problem:
        text += f" — {fmt.safe(v.db_problem)}"
    return text


def _duration(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


class Health(Widget, can_focus=True):
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
        conns = Table(box=None, padding=(0, 1), header_style="bold", expand=False)
        for title in ("conn", "state", "streams", "attempt", "note"):
            conns.add_column(title, no_wrap=True)
        for c in v.connections:
            note = fmt.safe(c.reason)
            if c.retry_in:
                note = f"retry in {c.retry_in:.1f} s {note}".strip()
            conns.add_row(
                str(c.conn_id),
                Text(str(c.state), STATE_STYLE.get(str(c.state), "")),
                str(c.streams),
                str(c.attempt),
                Text(note),
            )
        if not v.connections:
            conns.add_row("–", Text("offline", "bold red"), "", "", "")
        stats = Table.grid(padding=(0, 2))
        stats.add_column(style="dim", no_wrap=True)
        stats.add_column(no_wrap=True)
        skew = f" (clock offset {v.clock_offset_ms:+} ms applied)" if v.clock_offset_ms else ""
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
            return Group(stats, Text(""), conns)
        grid = Table.grid(expand=True, padding=(0, 3))
        grid.add_column(ratio=1)
        grid.add_column(ratio=1)
        grid.add_row(stats, conns)
        return Group(grid)
