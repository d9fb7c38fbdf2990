"""Track-record statistics from backtest outcomes: one row per (name, direction, horizon).

Per row (docs/validation.md has every formula):
- n, hits, hit rate, Wilson 95 % interval;
- baseline: for each signal, the share of all candles t of its series (where t + h exists)
  whose h-candle forward return has the signal's sign; the row's baseline is the mean over its
  signals (the hit rate a signal-free coin with each market's own drift would score);
- edge = hit rate − baseline; p-value = P[X ≥ hits | n, baseline], exact; q-value by
  Benjamini–Hochberg over every tested row of the report;
- independent count: the signals left when each (pattern, symbol)'s next signal is taken only
  after the previous one's horizon ended (neighbouring signals share most of their future, so
  the full count's p-value is optimistic), with its own hits and p-value;
- follow-the-signal strategy on those same non-overlapping signals: enter at close[t] in the
  signal's direction, exit at close[t+h], `fee_bps` per side; trades, compounded total return,
  Sharpe and Sortino per trade annualised by √(candles per year / h), max drawdown of the
  compounded equity, profit factor;
- walk-forward: with K folds (consecutive equal spans of time) each fold's own statistics next
  to those of all earlier folds, and a trend flag: the recent hit rate (last fold; with one fold
  the most recent 30 % of signals) against the earlier one by a two-proportion test,
  `degrading`/`improving` at p < 0.05 when both sides hold at least `MIN_TREND_N` signals.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cryptotui.batch import batch_run
from cryptotui.intervals import INTERVAL_MS
from cryptotui.stats.backtest import SeriesResult, candles_per_year
from cryptotui.stats.outcomes import direction_sign
from cryptotui.stats.significance import bh_qvalues, binom_sf, two_proportions, wilson

MIN_TREND_N = 10
"""Signals each side of the recent/earlier split needs before a trend is flagged."""
RECENT_SHARE = 0.3
"""With a single fold, the most recent share of a row's signals compared with the rest."""
TREND_ALPHA = 0.05

KEYS = ["name", "direction", "horizon"]


@dataclass(slots=True)
class Report:
    rows: list[dict]
    """One dict per (name, direction, horizon) (+ symbol, interval with `by_symbol`), ranked."""
    equity: dict[tuple, tuple[np.ndarray, np.ndarray]]
    """Per row key: the strategy's compounded equity after each trade, as arrays (signal time
    ms, equity), empty without trades (arrays: ten symbol-years make millions of trades)."""
    candles: int
    series: int
    folds: list[tuple[int, int]]
    """(start, end) ms of each fold, end exclusive."""


@dataclass(slots=True)
class _Group:
    """One row's outcomes as numpy arrays, in time order (then symbol, then series)."""

    time: np.ndarray
    hit: np.ndarray
    """Bool (read only for directional rows)."""
    r: np.ndarray
    mfe: np.ndarray
    mae: np.ndarray
    baseline: np.ndarray
    fold_baseline: np.ndarray | None
    """Each outcome's baseline over its fold's candles (with more than one fold)."""
    edges: list[int]
    """Fold k's outcomes are `edges[k]:edges[k + 1]` (folds are spans of time)."""
    kept: np.ndarray
    """Bool: an independent signal (`grouped.independent`)."""
    series: int
    """How many series have outcomes in the row."""
    interval: str
    directional: bool

    def __len__(self) -> int:
        return len(self.time)


@dataclass(slots=True)
class _Trades:
    """A row's independent signals, in time order."""

    time: np.ndarray
    hit: np.ndarray
    r: np.ndarray
    baseline: np.ndarray
    interval: str
    directional: bool

    def __len__(self) -> int:
        return len(self.time)


@batch_run()  # millions of outcomes in numpy arrays: no collector passes, no huge-page waits
def build_report(
    results: Sequence[SeriesResult],
    *,
    folds: int = 1,
    fee_bps: float = 10.0,
    min_n: int = 1,
    by_symbol: bool = False,
) -> Report:
    """The rows of every group of outcomes of `results` (distinct series), each series' part of
    them already sorted and selected where it was run (`SeriesResult.grouped`)."""
    bounds = _fold_bounds(results, folds)
    keys = KEYS + (["symbol", "interval"] if by_symbol else [])
    candles = sum(len(r.open_times) for r in results)
    # Each row's slices of the series, in symbol order (stable): outcomes at the same time are
    # taken in that order.
    slices: dict[tuple, list[tuple[int, int]]] = {}
    for i in sorted(range(len(results)), key=lambda i: results[i].symbol):
        r = results[i]
        extra = (r.symbol, r.interval) if by_symbol else ()
        for j, key in enumerate(r.grouped.keys):
            slices.setdefault(key + extra, []).append((i, j))
    shares = _FoldShares(results, bounds) if len(bounds) > 1 else None
    rows: list[dict] = []
    equity: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
    fee = fee_bps / 10_000.0
    for key in sorted(slices):
        row = dict(zip(keys, key, strict=True))
        direction, h = key[1], key[2]
        g = _merge(results, slices[key], bounds, shares, direction != "neutral")
        row.update(_row_stats(g))
        trades = _Trades(g.time[g.kept], g.hit[g.kept], g.r[g.kept], g.baseline[g.kept],
                         g.interval, g.directional)  # fmt: skip
        row.update(_independent_stats(trades))
        curve, strategy = _strategy(trades, direction, fee, h)
        row.update(strategy)
        equity[key] = curve
        row.update(_trend(g, bounds))
        if len(bounds) > 1:
            row["folds"] = _fold_rows(g, bounds)
        rows.append(row)
    # Every row tested counts towards the correction, including those `min_n` then hides.
    for row, q in zip(rows, bh_qvalues([r["p_value"] for r in rows]), strict=True):
        row["q_value"] = q
    rows = sorted((r for r in rows if r["n"] >= min_n), key=_rank)
    return Report(rows, equity, candles, len(results), bounds)


def _merge(
    results: Sequence[SeriesResult],
    slices: list[tuple[int, int]],
    bounds: list[tuple[int, int]],
    shares: _FoldShares | None,
    directional: bool,
) -> _Group:
    """One row's outcomes: the slices (series i, group j) of its series, each in time order,
    merged by time (a stable sort, so ties stay in the slices' order: symbol, then series)."""
    parts = [(results[i].grouped, slice(*results[i].grouped.starts[j : j + 2])) for i, j in slices]
    columns = ("time", "hit", "r", "mfe", "mae", "kept")
    if len(parts) == 1:
        grouped, rows = parts[0]
        time, hit, r, mfe, mae, kept = (getattr(grouped, c)[rows] for c in columns)
        source = np.zeros(len(time), np.int64)
    else:
        time = np.concatenate([p.time[rows] for p, rows in parts])
        order = np.argsort(time, kind="stable")
        time = time[order]
        hit, r, mfe, mae, kept = (
            np.concatenate([getattr(p, c)[rows] for p, rows in parts])[order] for c in columns[1:]
        )
        sizes = [rows.stop - rows.start for _, rows in parts]
        source = np.repeat(np.arange(len(parts)), sizes)[order]
    # `source`: which slice each outcome comes from, for its series' baselines.
    edges = [0, *np.searchsorted(time, [b[0] for b in bounds[1:]]).tolist(), len(time)]
    fold_baseline = None
    if shares is not None:
        fold = np.repeat(np.arange(len(bounds)), np.diff(edges))
        table = np.array([shares.of(i, *results[i].grouped.keys[j][1:]) for i, j in slices])
        fold_baseline = table[source, fold]
    baselines = np.array([p.baseline[j] for (p, _), (_, j) in zip(parts, slices, strict=True)])
    first = results[slices[source[0]][0]]  # the row's candles are its first outcome's interval
    return _Group(time, hit, r, mfe, mae, baselines[source], fold_baseline, edges, kept,
                  len(parts), first.interval, directional)  # fmt: skip


class _FoldShares:
    """Per series and horizon, the share of its candles in each fold whose forward return had
    each sign (computed when a row first needs it: fold spans are the whole run's)."""

    def __init__(self, results: Sequence[SeriesResult], bounds: list[tuple[int, int]]) -> None:
        self.results, self.bounds = results, bounds
        self.folds: dict[int, np.ndarray] = {}
        """Per series, each candle's fold."""
        self.shares: dict[tuple[int, int], np.ndarray] = {}

    def of(self, series: int, direction: str, h: int) -> np.ndarray:
        """Fold baselines of a (direction, h) signal of `series` (NaN for neutral signals, for
        h not shorter than the series, and for a fold without candles)."""
        sign = direction_sign(direction)
        signs = self.results[series].signs.get(h)
        if sign == 0 or signs is None:
            return np.full(len(self.bounds), np.nan)
        if (series, h) not in self.shares:
            if series not in self.folds:
                self.folds[series] = _fold_of(self.results[series].open_times, self.bounds)
            k = len(self.bounds)
            counts = np.bincount(self.folds[series][: len(signs)] * 3 + signs + 1, minlength=3 * k)
            counts = counts.reshape(k, 3)
            with np.errstate(invalid="ignore", divide="ignore"):
                self.shares[series, h] = counts / counts.sum(axis=1, keepdims=True)
        return self.shares[series, h][:, sign + 1]


def _rank(row: dict) -> tuple:
    """Most convincing first: tested rows by q-value, then by edge; neutral rows last."""
    q = row["q_value"]
    return (q is None, q if q is not None else 0.0, -(row["edge"] or 0.0), row["name"])


def _fold_bounds(results: Sequence[SeriesResult], folds: int) -> list[tuple[int, int]]:
    starts = [int(r.open_times[0]) for r in results if len(r.open_times)]
    ends = [int(r.open_times[-1]) + 1 for r in results if len(r.open_times)]
    if not starts:
        return [(0, 1)]
    lo, hi = min(starts), max(ends)
    edges = [lo + (hi - lo) * k // folds for k in range(folds + 1)]
    return list(itertools.pairwise(edges))


def _fold_of(times: np.ndarray, bounds: list[tuple[int, int]]) -> np.ndarray:
    edges = np.array([b[0] for b in bounds[1:]], dtype=np.int64)
    return np.searchsorted(edges, times, side="right")


def _test(hits: int, n: int, baseline: float) -> dict:
    low, high = wilson(hits, n)
    return {
        "hits": hits,
        "hit_rate": hits / n,
        "wilson_low": low,
        "wilson_high": high,
        "baseline": baseline,
        "edge": hits / n - baseline,
        "p_value": binom_sf(hits, n, baseline),
    }


_NO_TEST = dict.fromkeys(
    ("hits", "hit_rate", "wilson_low", "wilson_high", "baseline", "edge", "p_value")
)


def _row_stats(g: _Group) -> dict:
    row: dict = {"n": len(g)}
    if g.directional:
        row.update(_test(int(g.hit.sum()), len(g), float(g.baseline.mean())))
    else:
        row.update(_NO_TEST)
    row["q_value"] = None
    row["mean_return"] = float(g.r.mean())
    row["median_return"] = float(np.median(g.r))
    row["mean_abs_return"] = float(np.abs(g.r).mean())
    row["mean_mfe"] = float(g.mfe.mean())
    row["mean_mae"] = float(g.mae.mean())
    row["symbols"] = g.series
    return row


def _independent_stats(t: _Trades) -> dict:
    if not t.directional:
        return {"n_independent": len(t), "hits_independent": None, "p_value_independent": None}
    hits = int(t.hit.sum())
    return {
        "n_independent": len(t),
        "hits_independent": hits,
        "p_value_independent": binom_sf(hits, len(t), float(t.baseline.mean())),
    }


_NO_STRATEGY = dict.fromkeys(
    ("trades", "total_return", "sharpe", "sortino", "max_drawdown", "profit_factor")
)


def _strategy(
    t: _Trades, direction: str, fee: float, h: int
) -> tuple[tuple[np.ndarray, np.ndarray], dict]:
    """Follow each independent signal for h candles, paying `fee` on entry and on exit."""
    sign = 1.0 if direction == "bullish" else -1.0 if direction == "bearish" else 0.0
    if sign == 0.0 or not len(t):
        return (t.time[:0], t.r[:0]), dict(_NO_STRATEGY)
    net = sign * t.r - 2.0 * fee  # already in time order
    equity = np.cumprod(1.0 + net)
    peak = np.maximum.accumulate(np.concatenate(([1.0], equity)))[1:]
    drawdown = float(np.max(1.0 - equity / peak))
    step = INTERVAL_MS.get(t.interval, 0)
    scale = math.sqrt(candles_per_year(step) / h) if step else math.nan
    mean = float(net.mean())
    sd = float(net.std(ddof=1)) if len(net) > 1 else math.nan
    downside = float(np.sqrt(np.mean(np.minimum(net, 0.0) ** 2)))
    gains, losses = float(net[net > 0].sum()), float(-net[net < 0].sum())
    return (t.time, equity), {
        "trades": len(net),
        "total_return": float(equity[-1] - 1.0),
        "sharpe": _finite(mean / sd * scale) if sd and sd > 0 else None,
        "sortino": _finite(mean / downside * scale) if downside > 0 else None,
        "max_drawdown": drawdown,
        "profit_factor": gains / losses if losses > 0 else None,
    }


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _trend(g: _Group, bounds: list[tuple[int, int]]) -> dict:
    if not g.directional:
        return {"trend": None, "trend_p": None}
    # The recent outcomes are the last ones: the last fold's, or the last `RECENT_SHARE`.
    cut = g.edges[-2] if len(bounds) > 1 else math.ceil(len(g) * (1.0 - RECENT_SHARE))
    n_new, n_old = len(g) - cut, cut
    if n_new < MIN_TREND_N or n_old < MIN_TREND_N:
        return {"trend": None, "trend_p": None}
    h_new, h_old = int(g.hit[cut:].sum()), int(g.hit[:cut].sum())
    p = two_proportions(h_new, n_new, h_old, n_old)
    if p is None or p >= TREND_ALPHA:
        return {"trend": "stable", "trend_p": p}
    return {"trend": "improving" if h_new / n_new > h_old / n_old else "degrading", "trend_p": p}


def _fold_rows(g: _Group, bounds: list[tuple[int, int]]) -> list[dict]:
    """Each fold's own (out-of-sample) statistics next to those of all earlier folds."""
    fold_baseline = g.fold_baseline
    assert fold_baseline is not None  # there are folds
    out = []
    for k, (start, end) in enumerate(bounds):
        part, earlier = slice(g.edges[k], g.edges[k + 1]), slice(0, g.edges[k])
        n = part.stop - part.start
        row: dict = {"fold": k + 1, "start": start, "end": end, "n": n}
        if g.directional and n:
            row.update(_test(int(g.hit[part].sum()), n, float(fold_baseline[part].mean())))
        else:
            row.update(_NO_TEST)
        prior = earlier.stop
        row["prior_n"] = prior
        row["prior_edge"] = (
            float(g.hit[earlier].mean() - fold_baseline[earlier].mean())
            if g.directional and prior
            else None
        )
        row["mean_return"] = float(g.r[part].mean()) if n else None
        out.append(row)
    return out
