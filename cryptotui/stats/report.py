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
    bounds = _fold_bounds(results, folds)
    keys = KEYS + (["symbol", "interval"] if by_symbol else [])
    candles = sum(len(r.open_times) for r in results)
    table = _Table(results, bounds)
    if not len(table.time):
        return Report([], {}, candles, len(results), bounds)
    # One stable sort puts each group's outcomes together, in time order (then symbol), and
    # the groups in the order of their keys: every column is then sliced per group.
    coded = [table.keys[k] for k in keys]
    group = np.zeros(len(table.time), dtype=np.int64)
    for codes, values in coded:
        group = group * len(values) + codes
    order = np.lexsort((_narrow(table.rank), table.time, _narrow(group)))
    group = group[order]
    columns = {f: getattr(table, f)[order] for f in _Group.__slots__ if f not in _SCALARS}
    starts = [0, *(np.flatnonzero(group[1:] != group[:-1]) + 1).tolist()]
    interval_codes, intervals = table.keys["interval"]
    rows: list[dict] = []
    equity: dict[tuple, list[tuple[int, float]]] = {}
    fee = fee_bps / 10_000.0
    for start, end in zip(starts, [*starts[1:], len(group)], strict=True):
        first = order[start]
        row = {k: values[codes[first]] for k, (codes, values) in zip(keys, coded, strict=True)}
        h = row["horizon"]
        g = _Group(**{k: v[start:end] for k, v in columns.items()},
                   interval=intervals[interval_codes[first]],
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


def _narrow(codes: np.ndarray) -> np.ndarray:
    """Codes as 16-bit integers when they fit: numpy sorts those by radix, several times faster."""
    return codes.astype(np.int16) if codes.max() < 1 << 15 else codes


_SCALARS = ("interval", "directional")
"""`_Group` fields that are one value per group, not a column."""


class _Table:
    """Every outcome of every series as numpy columns, with its baselines and fold, and its
    keys coded (`keys[k]`: per-outcome codes into the sorted distinct values)."""

    def __init__(self, results: Sequence[SeriesResult], bounds: list[tuple[int, int]]) -> None:
        frames = [r.outcomes for r in results]
        sizes = [len(f) for f in frames]

        def column(name: str, dtype: type, **missing: float) -> np.ndarray:
            """One column of every series' outcomes (a frame of all of them would copy the
            text columns too, the largest)."""
            parts = [f[name].to_numpy(dtype=dtype, **missing) for f in frames]
            return np.concatenate([np.empty(0, dtype), *parts])

        self.time = column("time", np.int64)
        self.hit = column("hit", np.float64, na_value=np.nan)
        self.r = column("forward_return", np.float64)
        self.mfe = column("mfe", np.float64)
        self.mae = column("mae", np.float64)
        self.entry = column("entry", np.int64)
        self.fold = _fold_of(self.time, bounds)
        horizon = column("horizon", np.int64)
        self.keys = {
            "name": _codes([f["name"] for f in frames]),
            "direction": _codes([f["direction"] for f in frames]),
            "horizon": _codes([pd.Series(horizon)]),
        }
        # Symbol and interval are one per series: coded per series, then repeated.
        per_series = [(r.symbol, r.interval) for r in results]
        for i, key in enumerate(("symbol", "interval")):
            values = sorted({s[i] for s in per_series})
            code = {v: n for n, v in enumerate(values)}
            self.keys[key] = (np.repeat([code[s[i]] for s in per_series], sizes), values)
        self.rank = self.keys["symbol"][0]
        """Ties in time are taken in symbol order."""
        ids = {s: n for n, s in enumerate(dict.fromkeys(per_series))}
        self.series = np.repeat(np.array([ids[s] for s in per_series], np.int64), sizes)
        codes, directions = self.keys["direction"]
        sign = np.array([direction_sign(d) for d in directions], np.int64)
        self.baseline, self.fold_baseline = _baselines(
            results, sizes, bounds, horizon, self.fold, sign[codes]
        )


def _codes(columns: list[pd.Series]) -> tuple[np.ndarray, list]:
    """Codes into the sorted distinct values of the columns, end to end: each column coded on
    its own (few distinct values, many rows), then its codes mapped to the common ones."""
    parts = [pd.factorize(c, sort=True) for c in columns]
    plain = [[v.item() if hasattr(v, "item") else v for v in u] for _, u in parts]
    values = sorted({v for part in plain for v in part})
    index = {v: n for n, v in enumerate(values)}
    mapped = [
        np.array([index[v] for v in part], np.int64)[c]
        for (c, _), part in zip(parts, plain, strict=True)
    ]
    return np.concatenate([np.empty(0, np.int64), *mapped]), values


def _baselines(
    results: Sequence[SeriesResult],
    sizes: list[int],
    bounds: list[tuple[int, int]],
    horizon: np.ndarray,
    fold: np.ndarray,
    sign: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Each outcome's full-sample baseline and its fold's baseline: the shares of its series'
    candles whose forward return over the same horizon had the signal's sign (NaN for neutral
    signals, and for a fold without candles)."""
    n = len(horizon)
    whole = np.full(n, np.nan)
    per_fold = np.full(n, np.nan)
    start = 0
    for r, size in zip(results, sizes, strict=True):
        part = slice(start, start + size)
        start += size
        for h, signs in r.signs.items():
            at = np.flatnonzero(horizon[part] == h) + part.start
            if not len(at):
                continue
            folds = _fold_of(r.open_times[: len(signs)], bounds)
            count = np.bincount(folds, minlength=len(bounds)).astype(np.float64)
            for want in (1, -1):
                hits = signs == want
                mine = at[sign[at] == want]
                with np.errstate(invalid="ignore", divide="ignore"):
                    share = np.bincount(folds, weights=hits, minlength=len(bounds)) / count
                whole[mine] = hits.sum() / len(hits)
                per_fold[mine] = share[fold[mine]]
    return whole, per_fold


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
    row["symbols"] = len(np.unique(g.series))
    return row


def _independent(g: _Group, h: int) -> _Group:
    """Per (symbol, interval): the next signal only once the previous one's horizon ended
    (entry index ≥ previous entry + h). Greedy in time order, which keeps the most signals.

    Within a series entries grow with time, so the signal kept after the one at i is the first
    with an entry ≥ entry[i] + h: a binary search, done for every signal at once. Series are
    laid end to end (`_SERIES_STRIDE` apart), so a chain that ends in one series continues at
    the first signal of the next. The chain is followed a run at a time: where each signal's
    successor is the very next one (every signal kept, as at h = 1), the whole run is kept."""
    by_series = np.argsort(g.series, kind="stable")
    key = g.series[by_series] * _SERIES_STRIDE + g.entry[by_series]
    n = len(key)
    following = np.searchsorted(key, key + h, side="left")
    breaks = np.flatnonzero(following != np.arange(1, n + 1))
    run_end = np.append(breaks, n - 1)[np.searchsorted(breaks, np.arange(n))].tolist()
    after = following.tolist()
    starts, ends = [], []
    i = 0
    while i < n:
        end = run_end[i]
        starts.append(i)
        ends.append(end + 1)
        i = after[end]
    edges = np.zeros(n + 1, dtype=np.int64)
    edges[starts] = 1
    edges[ends] -= 1
    kept = np.zeros(len(g), dtype=bool)
    kept[by_series] = np.cumsum(edges[:-1]) > 0
    return g.take(kept)


_SERIES_STRIDE = 1 << 40
"""Larger than any entry index plus horizon."""


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
    return list(zip(t.time.tolist(), equity.tolist(), strict=True)), {
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
