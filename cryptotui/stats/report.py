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
import pandas as pd

from cryptotui.intervals import INTERVAL_MS
from cryptotui.stats.backtest import SeriesResult, candles_per_year
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
    equity: dict[tuple, list[tuple[int, float]]]
    """Per row key: the strategy's compounded equity after each trade (exit time ms, equity)."""
    candles: int
    series: int
    folds: list[tuple[int, int]]
    """(start, end) ms of each fold, end exclusive."""


@dataclass(slots=True)
class _Group:
    """One row's outcomes as numpy arrays, in time order (pandas per-group slicing costs more
    than all of the statistics)."""

    time: np.ndarray
    hit: np.ndarray
    """1.0 hit, 0.0 miss, NaN for neutral signals."""
    r: np.ndarray
    mfe: np.ndarray
    mae: np.ndarray
    baseline: np.ndarray
    fold: np.ndarray
    fold_baseline: np.ndarray
    entry: np.ndarray
    series: np.ndarray
    """Code of the (symbol, interval) each outcome belongs to."""
    interval: str
    directional: bool

    def take(self, mask: np.ndarray) -> _Group:
        return _Group(
            self.time[mask], self.hit[mask], self.r[mask], self.mfe[mask], self.mae[mask],
            self.baseline[mask], self.fold[mask], self.fold_baseline[mask], self.entry[mask],
            self.series[mask], self.interval, self.directional,
        )  # fmt: skip

    def __len__(self) -> int:
        return len(self.time)


def build_report(
    results: Sequence[SeriesResult],
    *,
    folds: int = 1,
    fee_bps: float = 10.0,
    min_n: int = 1,
    by_symbol: bool = False,
) -> Report:
    outcomes = pd.concat([r.outcomes for r in results], ignore_index=True)
    bounds = _fold_bounds(results, folds)
    keys = KEYS + (["symbol", "interval"] if by_symbol else [])
    candles = sum(len(r.open_times) for r in results)
    if outcomes.empty:
        return Report([], {}, candles, len(results), bounds)
    outcomes = _with_baselines(outcomes, results, bounds)
    outcomes = outcomes.sort_values(["time", "symbol"], kind="stable", ignore_index=True)
    series = pd.factorize(outcomes["symbol"] + "\0" + outcomes["interval"])[0]
    columns = {
        "time": outcomes["time"].to_numpy(dtype=np.int64),
        "hit": outcomes["hit"].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan),
        "r": outcomes["forward_return"].to_numpy(dtype=np.float64),
        "mfe": outcomes["mfe"].to_numpy(dtype=np.float64),
        "mae": outcomes["mae"].to_numpy(dtype=np.float64),
        "baseline": outcomes["baseline"].to_numpy(dtype=np.float64),
        "fold": outcomes["fold"].to_numpy(dtype=np.int64),
        "fold_baseline": outcomes["fold_baseline"].to_numpy(dtype=np.float64),
        "entry": outcomes["entry"].to_numpy(dtype=np.int64),
        "series": np.asarray(series, dtype=np.int64),
    }
    intervals = outcomes["interval"].to_numpy()
    rows: list[dict] = []
    equity: dict[tuple, list[tuple[int, float]]] = {}
    fee = fee_bps / 10_000.0
    for key, idx in outcomes.groupby(keys, sort=True).indices.items():
        row = dict(zip(keys, key, strict=True))
        h = row["horizon"] = int(row["horizon"])
        g = _Group(**{k: v[idx] for k, v in columns.items()}, interval=str(intervals[idx[0]]),
                   directional=row["direction"] != "neutral")  # fmt: skip
        row.update(_row_stats(g))
        trades = _independent(g, h)
        row.update(_independent_stats(trades))
        curve, strategy = _strategy(trades, row["direction"], fee, h)
        row.update(strategy)
        equity[tuple(row[k] for k in keys)] = curve
        row.update(_trend(g, bounds))
        if len(bounds) > 1:
            row["folds"] = _fold_rows(g, bounds)
        rows.append(row)
    # Every row tested counts towards the correction, including those `min_n` then hides.
    for row, q in zip(rows, bh_qvalues([r["p_value"] for r in rows]), strict=True):
        row["q_value"] = q
    rows = sorted((r for r in rows if r["n"] >= min_n), key=_rank)
    return Report(rows, equity, candles, len(results), bounds)


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


def _with_baselines(
    outcomes: pd.DataFrame, results: Sequence[SeriesResult], bounds: list[tuple[int, int]]
) -> pd.DataFrame:
    """Each outcome's full-sample baseline and its fold's baseline (shares of the series'
    candles whose forward return over the same horizon had the signal's sign)."""
    parts = []
    for r in results:
        for h, signs in r.signs.items():
            fold = _fold_of(r.open_times[: len(signs)], bounds)
            frame = pd.DataFrame({"fold": fold, "up": signs > 0, "down": signs < 0})
            per_fold = frame.groupby("fold")[["up", "down"]].mean()
            whole = frame[["up", "down"]].mean()
            base = pd.DataFrame(
                {
                    "symbol": r.symbol,
                    "interval": r.interval,
                    "horizon": h,
                    "fold": per_fold.index.to_numpy(),
                    "fold_up": per_fold["up"].to_numpy(),
                    "fold_down": per_fold["down"].to_numpy(),
                    "all_up": whole["up"],
                    "all_down": whole["down"],
                }
            )
            parts.append(base)
    baselines = pd.concat(parts, ignore_index=True)
    out = outcomes.copy()
    out["fold"] = _fold_of(out["time"].to_numpy(dtype=np.int64), bounds)
    out = out.merge(baselines, on=["symbol", "interval", "horizon", "fold"], how="left")
    bull = out["direction"].eq("bullish").to_numpy()
    bear = out["direction"].eq("bearish").to_numpy()
    nan = np.nan
    out["baseline"] = np.where(bull, out["all_up"], np.where(bear, out["all_down"], nan))
    out["fold_baseline"] = np.where(bull, out["fold_up"], np.where(bear, out["fold_down"], nan))
    return out


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
    row["symbols"] = len(np.unique(g.series))
    return row


def _independent(g: _Group, h: int) -> _Group:
    """Per (symbol, interval): the next signal only once the previous one's horizon ended
    (entry index ≥ previous entry + h). Greedy in time order, which keeps the most signals."""
    keep = np.zeros(len(g), dtype=bool)
    last: dict[int, int] = {}
    for i, (e, s) in enumerate(zip(g.entry.tolist(), g.series.tolist(), strict=True)):
        if e >= last.get(s, -(1 << 62)) + h:
            keep[i] = True
            last[s] = e
    return g.take(keep)


def _independent_stats(t: _Group) -> dict:
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
    t: _Group, direction: str, fee: float, h: int
) -> tuple[list[tuple[int, float]], dict]:
    """Follow each independent signal for h candles, paying `fee` on entry and on exit."""
    sign = 1.0 if direction == "bullish" else -1.0 if direction == "bearish" else 0.0
    if sign == 0.0 or not len(t):
        return [], dict(_NO_STRATEGY)
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
    return [(int(a), float(b)) for a, b in zip(t.time.tolist(), equity.tolist(), strict=True)], {
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
    if len(bounds) > 1:
        recent = g.fold == len(bounds) - 1
    else:
        cut = math.ceil(len(g) * (1.0 - RECENT_SHARE))
        recent = np.arange(len(g)) >= cut
    hits = g.hit == 1.0
    n_new, n_old = int(recent.sum()), int((~recent).sum())
    if n_new < MIN_TREND_N or n_old < MIN_TREND_N:
        return {"trend": None, "trend_p": None}
    h_new, h_old = int(hits[recent].sum()), int(hits[~recent].sum())
    p = two_proportions(h_new, n_new, h_old, n_old)
    if p is None or p >= TREND_ALPHA:
        return {"trend": "stable", "trend_p": p}
    return {"trend": "improving" if h_new / n_new > h_old / n_old else "degrading", "trend_p": p}


def _fold_rows(g: _Group, bounds: list[tuple[int, int]]) -> list[dict]:
    """Each fold's own (out-of-sample) statistics next to those of all earlier folds."""
    out = []
    for k, (start, end) in enumerate(bounds):
        part, earlier = g.fold == k, g.fold < k
        n = int(part.sum())
        row: dict = {"fold": k + 1, "start": start, "end": end, "n": n}
        if g.directional and n:
            row.update(_test(int(g.hit[part].sum()), n, float(g.fold_baseline[part].mean())))
        else:
            row.update(_NO_TEST)
        prior = int(earlier.sum())
        row["prior_n"] = prior
        row["prior_edge"] = (
            float(g.hit[earlier].mean() - g.fold_baseline[earlier].mean())
            if g.directional and prior
            else None
        )
        row["mean_return"] = float(g.r[part].mean()) if n else None
        out.append(row)
    return out
