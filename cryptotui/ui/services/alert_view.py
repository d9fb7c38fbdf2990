"""One alert as the detail view shows it, from a live `Alert` or a stored `SignalRow`, and the
candles around it for the mini chart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptotui.intervals import INTERVAL_MS
from cryptotui.models import Alert, Candle, Direction
from cryptotui.scoring import FACTORS
from cryptotui.state import MarketState
from cryptotui.store.records import SignalRow
from cryptotui.ui.services.chart_data import ChartSeries, Marker, Point

BEFORE, AFTER = 40, 12
"""Candles shown before and after the alert's candle in the mini chart."""


@dataclass(slots=True, frozen=True)
class AlertView:
    time: int
    symbol: str
    interval: str | None
    kind: str
    """'pattern' (a detector) or 'rule' (a user rule)."""
    name: str
    direction: Direction
    confidence: float
    price: float | None
    factors: dict[str, float] = field(default_factory=dict)
    message: str = ""
    rule: str = ""
    span: tuple[int, int] | None = None

    @classmethod
    def from_alert(cls, a: Alert) -> AlertView:
        return cls(
            a.time, a.symbol, a.interval, a.kind, a.name, a.direction, a.confidence, a.price,
            dict(a.factors), a.message, a.rule, (a.span_start, a.span_end) if a.span_end else None,
        )  # fmt: skip

    @classmethod
    def from_signal(cls, r: SignalRow) -> AlertView:
        start, end = r.span_start, r.span_end
        span = (start, end) if start is not None and end is not None else None
        return cls(
            r.time, r.symbol, r.interval, r.kind, r.name, Direction(r.direction), r.confidence,
            r.price, dict(r.factors), r.message, "", span,
        )  # fmt: skip

    def scores(self) -> list[tuple[str, float | None]]:
        """Each confidence factor (scoring.FACTORS order) and its 0–1 score, if recorded."""
        return [(f, self.factors.get(f"score_{f}")) for f in FACTORS]

    def inputs(self) -> list[tuple[str, object]]:
        """The raw observations behind the scores (everything but `score_*` and the track
        record's `hist_*`, which `evidence` reads)."""
        return [(k, v) for k, v in self.factors.items() if not k.startswith(("score_", "hist_"))]

    def evidence(self) -> str:
        """The track record behind the historical-success score, in words (`hist_*` factors,
        `stats.record.Evidence.factors`)."""
        f = self.factors
        try:
            n, rate = int(f["hist_n"]), f["hist_hit_rate"]
            low, high, base = f["hist_low"], f["hist_high"], f["hist_baseline"]
        except KeyError:
            return "no record yet"
        scope = "all symbols" if f.get("hist_pooled") else "this symbol"
        return (
            f"{n} signal{'s' if n != 1 else ''}, hit {100 * rate:.0f} % "
            f"[{100 * low:.0f}–{100 * high:.0f} %] vs baseline {100 * base:.0f} % ({scope})"
        )


def candles_around(
    view: AlertView, state: MarketState, stored: Sequence[Candle] = ()
) -> list[Candle]:
    """Closed candles around the alert from the state, else from `stored` (the store's)."""
    if view.interval is None:
        return []
    step = INTERVAL_MS.get(view.interval, 86_400_000)
    lo, hi = view.time - BEFORE * step, view.time + AFTER * step
    held = list(state.candles.get((view.symbol, view.interval), ()))
    if not held or held[0].open_time > view.time:
        held = list(stored)
    return [c for c in held if lo <= c.open_time <= hi]


def mini_series(view: AlertView, candles: Sequence[Candle]) -> tuple[list[Point], list[Marker]]:
    """Points and the alert's marker for the detail view's chart."""
    series = ChartSeries(view.symbol, view.interval or "")
    series.load(candles)
    points = series.points
    return points, series.markers([view], points)
