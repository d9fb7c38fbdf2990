"""The track-record view's data: every pattern's live record with its statistics, and one
pattern's follow-the-signal equity curve with the candles around its recent signals.

Everything here runs on a worker thread through `UiStore.read` (widgets only render):

- rows come from the store's `track_record` sums (kept by the outcomes trigger, a few hundred
  rows), pooled across symbols unless one symbol (or each) is asked for;
- per row: n, hits, the Wilson interval, the mean as-of baseline, edge = hit rate − baseline,
  the exact one-sided binomial p-value of the hits against the baseline, and the q-value by
  Benjamini–Hochberg over the rows shown (a filter is one family of tests);
- the trend flag compares the most recent 30 % of a row's tested outcomes (by signal time) with
  the earlier 70 % by a two-proportion test (the backtest's rule and constants, `stats.report`),
  from one ordered pass over the outcomes that keeps a byte per outcome;
- the equity curve follows each non-overlapping signal (per symbol, the next one only after the
  previous horizon ended) in its direction for h candles, paying `FEE_BPS` per side:
  net = d·r_h − 2·fee, compounded in time order (docs/validation.md).

Formulas: docs/validation.md. `n` of a directional row counts the tested outcomes (those with a
hit and a baseline), the sample its hit rate, interval and p-value are computed on; a row with
no hit rate (neutral) counts all its outcomes.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import sqlite_utils

from cryptotui import validators
from cryptotui.intervals import INTERVAL_MS
from cryptotui.models import Candle, Direction
from cryptotui.stats.record import RecordKey, Tally
from cryptotui.stats.report import MIN_TREND_N, RECENT_SHARE, TREND_ALPHA
from cryptotui.stats.significance import bh_qvalues, binom_sf, two_proportions, wilson
from cryptotui.store.track import candles_after, outcome_hits, pattern_outcomes, track_record_rows
from cryptotui.ui.services.chart_data import ChartSeries, Marker, Point
from cryptotui.ui.services.store import FilterError, checked, filter_words, parse_direction

FEE_BPS = 10.0
"""Fee per side of the follow-the-signal strategy (the backtest's default)."""
CHART_BEFORE, CHART_AFTER = 100, 4
"""Candles shown before the pattern's last signal and past its horizon in the signal chart."""

TRACK_FILTER_HELP = (
    "words: SYMBOL (or * for each symbol; none pools them)  iv=1h  h=5  name=engulf  "
    "dir=bull|bear|neutral"
)


@dataclass(slots=True, frozen=True)
class TrackFilter:
    """What the track-record view shows; every field optional."""

    symbol: str | None = None
    each_symbol: bool = False
    """One row per symbol instead of pooled rows (ignored when `symbol` is set)."""
    interval: str | None = None
    horizon: int | None = None
    name: str | None = None
    """Substring of the pattern or rule name."""
    direction: str | None = None

    @property
    def by_symbol(self) -> bool:
        return self.each_symbol or self.symbol is not None

    def describe(self) -> str:
        parts = [self.symbol or ("each symbol" if self.each_symbol else "all symbols pooled")]
        for label, value in (
            ("iv", self.interval),
            ("h", self.horizon),
            ("name", self.name),
            ("dir", self.direction),
        ):
            if value is not None:
                parts.append(f"{label}={value}")
        return " ".join(parts)


def parse_track_filter(text: str) -> TrackFilter:
    """`BTCUSDT iv=1h h=5 name=engulf dir=bull`; `*` for one row per symbol."""
    values: dict[str, object] = {}
    for word in filter_words(text, TRACK_FILTER_HELP):
        key, sep, value = word.partition("=")
        key = key.lower()
        if word == "*":
            values["each_symbol"] = True
        elif not sep:
            values["symbol"] = checked(validators.symbol, word)
        elif key in ("iv", "interval"):
            values["interval"] = checked(validators.interval, value)
        elif key in ("h", "horizon"):
            if not value.isdigit() or int(value) < 1:
                raise FilterError(f"h={value}: use a horizon in candles, such as h=5")
            values["horizon"] = int(value)
        elif key == "name":
            values["name"] = value
        elif key in ("dir", "direction"):
            values["direction"] = parse_direction(value)
        else:
            raise FilterError(f"unknown filter {word!r}; {TRACK_FILTER_HELP}")
    return TrackFilter(**values)  # type: ignore[arg-type]


@dataclass(slots=True, frozen=True)
class TrackRow:
    name: str
    direction: str
    symbol: str | None
    """None: pooled across `symbols` symbols."""
    symbols: int
    interval: str
    horizon: int
    n: int
    """Tested outcomes (a hit and a baseline) of a directional row; all outcomes of a neutral
    row, or of a directional one none of whose outcomes has a baseline yet (no hit rate)."""
    hits: int | None
    baseline: float | None
    mean_return: float
    p_value: float | None
    q_value: float | None = None
    trend: str | None = None
    """'improving', 'degrading', 'stable', or None with too few outcomes (or neutral)."""

    @property
    def key(self) -> tuple[str, str, str, str, int]:
        return (self.name, self.direction, self.symbol or "", self.interval, self.horizon)

    @property
    def hit_rate(self) -> float | None:
        return self.hits / self.n if self.hits is not None and self.n else None

    @property
    def interval_95(self) -> tuple[float, float] | None:
        """Wilson 95 % interval of the hit rate."""
        return wilson(self.hits, self.n) if self.hits is not None and self.n else None

    @property
    def edge(self) -> float | None:
        rate = self.hit_rate
        return None if rate is None or self.baseline is None else rate - self.baseline


def track_rows(db: sqlite_utils.Database, flt: TrackFilter) -> list[TrackRow]:
    """The rows `flt` selects, with q-values over them and trend flags; unsorted."""
    groups: dict[tuple[str, str, str | None, str, int], tuple[Tally, set[str]]] = {}
    for key, horizon, tally in track_record_rows(db):
        if not _selected(flt, key, horizon):
            continue
        gk = (key.name, key.direction, key.symbol if flt.by_symbol else None, key.interval, horizon)
        total, symbols = groups.setdefault(gk, (Tally(), set()))
        total.merge(tally)
        symbols.add(key.symbol)
    rows = [_row(gk, tally, len(symbols)) for gk, (tally, symbols) in groups.items()]
    qs = bh_qvalues([r.p_value for r in rows])
    trends = _trends(db, flt)
    return [replace(r, q_value=q, trend=trends.get(r.key)) for r, q in zip(rows, qs, strict=True)]


def _selected(flt: TrackFilter, key: RecordKey, horizon: int) -> bool:
    return (
        (flt.symbol is None or key.symbol == flt.symbol)
        and (flt.interval is None or key.interval == flt.interval)
        and (flt.horizon is None or horizon == flt.horizon)
        and (flt.direction is None or key.direction == flt.direction)
        and (not flt.name or flt.name.lower() in key.name.lower())
    )


def _row(gk: tuple[str, str, str | None, str, int], t: Tally, symbols: int) -> TrackRow:
    name, direction, symbol, interval, horizon = gk
    mean = t.return_sum / t.n if t.n else 0.0
    base = t.baseline
    if direction == "neutral" or base is None:
        return TrackRow(name, direction, symbol, symbols, interval, horizon, t.n, None, None, mean,
                        None)  # fmt: skip
    p = binom_sf(t.hits, t.tested, base)
    return TrackRow(name, direction, symbol, symbols, interval, horizon, t.tested, t.hits, base,
                    mean, p)  # fmt: skip


def _trends(db: sqlite_utils.Database, flt: TrackFilter) -> dict[tuple, str]:
    """Per row key (symbol '' when pooled): the trend flag, for rows with enough outcomes. The
    first ⌈m·(1 − RECENT_SHARE)⌉ of a row's m tested outcomes in time order are the earlier
    ones, as in the backtest report."""
    hits: defaultdict[tuple, bytearray] = defaultdict(bytearray)
    for row in outcome_hits(
        db,
        by_symbol=flt.by_symbol,
        symbol=flt.symbol,
        interval=flt.interval,
        horizon=flt.horizon,
        name_contains=flt.name,
        direction=flt.direction,
    ):
        hits[row[:5]].append(row[5])
    out = {}
    for key, seq in hits.items():
        cut = math.ceil(len(seq) * (1.0 - RECENT_SHARE))
        n_old, n_new = cut, len(seq) - cut
        if n_new < MIN_TREND_N or n_old < MIN_TREND_N:
            continue
        h_old, h_new = sum(seq[:cut]), sum(seq[cut:])
        p = two_proportions(h_new, n_new, h_old, n_old)
        if p is None or p >= TREND_ALPHA:
            out[key] = "stable"
        else:
            out[key] = "improving" if h_new / n_new > h_old / n_old else "degrading"
    return out


# ---------------------------------------------------------------------------------- one pattern


@dataclass(slots=True, frozen=True)
class Trade:
    time: int
    """The signal's time (entry at the close of its candle)."""
    symbol: str
    net: float
    """d·r_h − 2·fee."""
    equity: float
    """Compounded equity after this trade (1.0 before the first)."""


@dataclass(slots=True)
class SignalMark:
    """One of the pattern's signals, as the chart marks it (`chart_data.Marked`)."""

    symbol: str
    interval: str | None
    time: int
    direction: Direction
    name: str


@dataclass(slots=True)
class PatternView:
    """What the pattern screen draws."""

    row: TrackRow
    outcomes: int
    trades: list[Trade]
    fee_bps: float
    chart_symbol: str | None = None
    points: list[Point] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    marked: int = 0
    """Signals of the pattern in the chart's span."""

    @property
    def total_return(self) -> float | None:
        return self.trades[-1].equity - 1.0 if self.trades else None

    @property
    def max_drawdown(self) -> float | None:
        """Largest fall of the compounded equity from its running peak (starting at 1)."""
        if not self.trades:
            return None
        peak, worst = 1.0, 0.0
        for t in self.trades:
            peak = max(peak, t.equity)
            worst = max(worst, 1.0 - t.equity / peak)
        return worst

    @property
    def wins(self) -> int:
        return sum(t.net > 0 for t in self.trades)


def follow_the_signal(
    outcomes: Sequence[tuple[int, str, float, int | None]],
    direction: str,
    horizon: int,
    step_ms: int,
    fee_bps: float = FEE_BPS,
) -> list[Trade]:
    """Trades of the follow-the-signal strategy over (time, symbol, r_h, hit) in time order:
    per symbol a signal is taken only once the previous trade's h candles have passed (signal
    times sit at the same place in their candles, so h·step apart means h candles apart)."""
    sign = {"bullish": 1.0, "bearish": -1.0}.get(direction)
    if sign is None:
        return []
    fee = fee_bps / 10_000.0
    free_at: dict[str, int] = {}
    equity = 1.0
    trades = []
    for time, symbol, r, _ in outcomes:
        if time < free_at.get(symbol, time):
            continue
        free_at[symbol] = time + horizon * step_ms
        net = sign * r - 2.0 * fee
        equity *= 1.0 + net
        trades.append(Trade(time, symbol, net, equity))
    return trades


def pattern_view(db: sqlite_utils.Database, row: TrackRow, fee_bps: float = FEE_BPS) -> PatternView:
    """The row's equity curve, and the candles of the symbol of its latest signal around that
    signal with every signal of the pattern on them marked."""
    found = pattern_outcomes(db, row.name, row.direction, row.interval, row.horizon, row.symbol)
    step = INTERVAL_MS.get(row.interval, INTERVAL_MS["1d"])
    trades = follow_the_signal(found, row.direction, row.horizon, step, fee_bps)
    view = PatternView(row, len(found), trades, fee_bps)
    if not found or row.interval not in INTERVAL_MS:
        return view
    last, symbol = found[-1][0], found[-1][1]
    span = CHART_BEFORE + row.horizon + CHART_AFTER
    candles = candles_after(db, symbol, row.interval, last - CHART_BEFORE * step, span)
    view.chart_symbol = symbol
    view.points, view.markers = _marked_chart(row, symbol, candles, found)
    view.marked = len(view.markers)
    return view


def _marked_chart(
    row: TrackRow, symbol: str, candles: list[Candle], found: Sequence[tuple]
) -> tuple[list[Point], list[Marker]]:
    series = ChartSeries(symbol, row.interval)
    series.load(candles)
    points = series.points
    direction = Direction(row.direction)
    marks = [SignalMark(s, row.interval, t, direction, row.name) for t, s, *_ in found]
    return points, series.markers(marks, points)
