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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from cryptotui.batch import batch_run
from cryptotui.intervals import INTERVAL_MS
from cryptotui.stats.backtest import SeriesResult, candles_per_year, cores
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
class _Tested:
    """A directional row's hits and baselines, in the row's order (neutral rows test nothing)."""

    hit: np.ndarray
    """Bool."""
    baseline: np.ndarray
    fold_baseline: np.ndarray | None
    """Each outcome's baseline over its fold's candles (with more than one fold)."""


@dataclass(slots=True)
class _Trades:
    """A directional row's independent signals, in time order."""

    time: np.ndarray
    r: np.ndarray
    hit: np.ndarray
    baseline: np.ndarray
    interval: str

    def __len__(self) -> int:
        return len(self.time)


@dataclass(slots=True)
class _Group:
    """One row's outcomes as numpy arrays, in time order (then symbol, then series)."""

    r: np.ndarray
    mfe: np.ndarray
    mae: np.ndarray
    tested: _Tested | None
    edges: list[int]
    """Fold k's outcomes are `edges[k]:edges[k + 1]` (folds are spans of time)."""
    independent: int
    """How many of the outcomes are independent signals (`grouped.independent`)."""
    trades: _Trades | None
    """The independent signals of a directional row."""
    series: int
    """How many series have outcomes in the row."""

    def __len__(self) -> int:
        return len(self.r)


# Millions of outcomes in numpy arrays: no collector passes, no huge-page waits. Python's own
# switch interval: the threads building rows hold the GIL only between numpy calls, and a
# shorter one made them hand it over and back often enough to be slower than one thread when
# other work kept the cores busy.
@batch_run(switch_interval=0.005)
def build_report(
    results: Sequence[SeriesResult],
    *,
    folds: int = 1,
    fee_bps: float = 10.0,
    min_n: int = 1,
    by_symbol: bool = False,
    threads: int | None = None,
) -> Report:
    """The rows of every group of outcomes of `results` (distinct series), each series' part of
    them already sorted and selected where it was run (`SeriesResult.grouped`).

    `threads` patterns' rows are built at once (by default as many as this process has cores:
    the workers that made `results` are done by then); numpy lets go of the GIL for the work
    on arrays, most of a row's. The rows are the same however many."""
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
    fee = fee_bps / 10_000.0

    def pattern(keys_of: list[tuple]) -> list[tuple[dict, tuple[np.ndarray, np.ndarray]]]:
        """The rows of one (name, direction), in order: each may reuse the one before's merge."""
        out = []
        merged = None
        for key in keys_of:
            row = dict(zip(keys, key, strict=True))
            direction, h = key[1], key[2]
            g, merged = _merge(results, slices[key], bounds, shares, direction != "neutral",
                               merged)  # fmt: skip
            row.update(_row_stats(g))
            row.update(_independent_stats(g))
            curve, strategy = _strategy(g.trades, direction, fee, h)
            row.update(strategy)
            row.update(_trend(g, bounds))
            if len(bounds) > 1:
                row["folds"] = _fold_rows(g, bounds)
            out.append((row, curve))
        return out

    patterns = [list(ks) for _, ks in itertools.groupby(sorted(slices), key=lambda k: k[:2])]
    outcomes = [sum(results[i].grouped.starts[j + 1] - results[i].grouped.starts[j]
                    for i, j in slices[ks[0]]) for ks in patterns]  # fmt: skip
    # The largest patterns first, so that no thread is left with one at the end.
    with ThreadPoolExecutor(cores() if threads is None else threads) as pool:
        started = {n: pool.submit(pattern, patterns[n])
                   for n in sorted(range(len(patterns)), key=lambda n: -outcomes[n])}  # fmt: skip
        done = [started[n].result() for n in range(len(patterns))]
    rows = [row for part in done for row, _ in part]
    equity = {k: curve for ks, part in zip(patterns, done, strict=True)
              for k, (_, curve) in zip(ks, part, strict=True)}  # fmt: skip
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
    previous: Merged | None,
) -> tuple[_Group, Merged]:
    """One row's outcomes: the slices (series i, group j) of its series, each in time order,
    merged by time (ties stay in the slices' order: symbol, then series). Each column is
    gathered once, from its slices' concatenation, straight into that order. With the order
    of the row before (the same pattern at a shorter horizon, often)."""
    parts = [(results[i].grouped, slice(*results[i].grouped.starts[j : j + 2])) for i, j in slices]
    times = [p.time[rows] for p, rows in parts]
    merged = Merged.within(previous, slices, times) or Merged.of(slices, times)
    time = merged.time

    def column(name: str) -> np.ndarray:
        """The slices' `name` column in the merged order."""
        return merged.column([getattr(p, name)[rows] for p, rows in parts])

    r = column("r")
    starts = [b[0] for b in bounds[1:]]
    edges = [0, *np.searchsorted(time, starts).tolist(), len(time)]
    interval = results[slices[merged.first()][0]].interval  # the row's first outcome's
    tested, trades = None, None
    independent = sum(int(np.count_nonzero(p.kept[rows])) for p, rows in parts)
    if directional:
        # One baseline per slice, and per (slice, fold): each slice's outcomes in a fold are a
        # run of it (a slice's padding takes its last value).
        layout = merged.layout
        baseline = merged.gather(
            np.repeat([results[i].grouped.baseline[j] for i, j in slices], layout)
        )
        fold_baseline = None
        if shares is not None:
            runs = np.diff([[0, *np.searchsorted(t, starts).tolist(), size]
                            for t, size in zip(times, layout, strict=True)])  # fmt: skip
            table = np.array([shares.of(i, *results[i].grouped.keys[j][1:]) for i, j in slices])
            fold_baseline = merged.gather(np.repeat(table.ravel(), runs.ravel()))
        tested = _Tested(column("hit"), baseline, fold_baseline)
        # Gathers by position: faster than a boolean index per column.
        kept = np.flatnonzero(column("kept"))
        trades = _Trades(time[kept], r[kept], tested.hit[kept], baseline[kept], interval)
    mfe = column("mfe")
    mae = column("mae")
    return _Group(r, mfe, mae, tested, edges, independent, trades, len(parts)), merged


@dataclass(slots=True)
class Merged:
    """The order of a row's outcomes (its slices merged) as `index` into the concatenation of
    its slices, each padded to its `layout` size (None for a single slice)."""

    slices: list[tuple[int, int]]
    times: list[np.ndarray]
    """Each slice's times."""
    layout: list[int]
    """The slices' sizes where `index` points: theirs, or those of an earlier row's slices of
    which they are the first outcomes."""
    index: np.ndarray | None
    time: np.ndarray
    """The merged times."""

    @staticmethod
    def of(slices: list[tuple[int, int]], times: list[np.ndarray]) -> Merged:
        index, time = merge_order(times)
        return Merged(slices, times, [len(t) for t in times], index, time)

    @staticmethod
    def within(
        previous: Merged | None, slices: list[tuple[int, int]], times: list[np.ndarray]
    ) -> Merged | None:
        """The order of slices that begin the `previous` row's, of the same series (such as
        a pattern's outcomes at a longer horizon: those whose horizon ends in the series),
        taken from its order (sorting is most of a merge's cost); None for other slices."""
        if (
            previous is None
            or previous.index is None
            or [i for i, _ in slices] != [i for i, _ in previous.slices]
            or any(
                len(t) > len(u) or not np.array_equal(t, u[: len(t)])
                for t, u in zip(times, previous.times, strict=True)
            )
        ):
            return None
        index, time = previous.index, previous.time
        gone = [u[len(t)] for t, u in zip(times, previous.times, strict=True) if len(t) < len(u)]
        if gone:  # outcomes near the series' ends: filter the merged order from the first one
            cut = int(np.searchsorted(time, min(gone)))
            tail = index[cut:]
            ends = np.cumsum(previous.layout)
            part = np.searchsorted(ends, tail, side="right")  # the slice of each
            ours = tail - (ends - previous.layout)[part] < np.array([len(t) for t in times])[part]
            keep = np.flatnonzero(ours)
            index = np.concatenate((index[:cut], tail[keep]))
            time = np.concatenate((time[:cut], time[cut:][keep]))
        return Merged(slices, times, previous.layout, index, time)

    def column(self, values: list[np.ndarray]) -> np.ndarray:
        """Values of the slices (an array per slice) in the row's order."""
        if self.index is None:
            return values[0]
        pieces = []
        for v, size in zip(values, self.layout, strict=True):
            pieces.append(v)
            if size > len(v):
                pieces.append(np.empty(size - len(v), v.dtype))  # never read
        return self.gather(np.concatenate(pieces))

    def gather(self, joined: np.ndarray) -> np.ndarray:
        """Values of the slices laid out as `layout` in one array, in the row's order."""
        return joined if self.index is None else joined[self.index]

    def first(self) -> int:
        """The slice of the first outcome."""
        if self.index is None:
            return 0
        return int(np.searchsorted(np.cumsum(self.layout), self.index[0], "right"))


def merge_order(times: list[np.ndarray]) -> tuple[np.ndarray | None, np.ndarray]:
    """Sorted arrays merged: where each value comes from in their concatenation (None for a
    single array) and the merged values. Ties keep the arrays' order, as a stable argsort of
    the concatenation would (which it is, by definition).

    Sorting (value, position) packed into one int64 instead, when both fit, gives the same
    order twice as fast: no two keys are equal, so numpy's vectorised sort of values (not
    indices) is exact and its instability does not matter."""
    if len(times) == 1:
        return None, times[0]
    time = np.concatenate(times)
    low = min(int(t[0]) for t in times)
    span = max(int(t[-1]) for t in times) - low
    shift = len(time).bit_length()
    if (span + 1) << shift > 1 << 63:
        order = np.argsort(time, kind="stable")
        return order, time[order]
    key = (time - low) << shift
    key |= np.arange(len(time))
    key.sort()
    return key & ((1 << shift) - 1), (key >> shift) + low


class _FoldShares:
    """Per series and horizon, the share of its candles in each fold whose forward return had
    each sign (fold spans are the whole run's)."""

    def __init__(self, results: Sequence[SeriesResult], bounds: list[tuple[int, int]]) -> None:
        self.k = len(bounds)
        self.shares: dict[tuple[int, int], np.ndarray] = {}
        for series, result in enumerate(results):
            for h, signs in result.signs.items():
                # The candles are in time order (as `_fold_bounds` reads them): a fold's are a
                # run of them.
                times = result.open_times[: len(signs)]
                ends = np.searchsorted(times, [b[0] for b in bounds[1:]]).tolist()
                counts = np.zeros((self.k, 3), np.int64)  # per fold: −1, 0, +1
                for k, (a, b) in enumerate(itertools.pairwise([0, *ends, len(signs)])):
                    down = np.count_nonzero(signs[a:b] == -1)
                    up = np.count_nonzero(signs[a:b] == 1)
                    counts[k] = down, b - a - down - up, up
                with np.errstate(invalid="ignore", divide="ignore"):
                    self.shares[series, h] = counts / counts.sum(axis=1, keepdims=True)

    def of(self, series: int, direction: str, h: int) -> np.ndarray:
        """Fold baselines of a (direction, h) signal of `series` (NaN for neutral signals, for
        h not shorter than the series, and for a fold without candles)."""
        sign = direction_sign(direction)
        if sign == 0 or (series, h) not in self.shares:
            return np.full(self.k, np.nan)
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
    if g.tested is not None:
        t = g.tested
        row.update(_test(int(np.count_nonzero(t.hit)), len(g), float(t.baseline.mean())))
    else:
        row.update(_NO_TEST)
    row["q_value"] = None
    mean = float(g.r.mean())
    row["mean_return"] = mean
    row["median_return"] = _median(g.r, mean)
    row["mean_abs_return"] = float(np.abs(g.r).mean())
    row["mean_mfe"] = float(g.mfe.mean())
    row["mean_mae"] = float(g.mae.mean())
    row["symbols"] = g.series
    return row


def _median(values: np.ndarray, mean: float) -> float:
    """`np.median(values)` (`mean` is their mean) with one partition instead of its three (the
    two middle values and, for its NaN check, the largest): the lower middle value is then the
    largest of the lower half. With a NaN among them, np.median itself."""
    if math.isnan(mean):
        return float(np.median(values))
    half = len(values) // 2
    part = np.partition(values, half)
    if len(values) % 2:
        return float(part[half])
    return float((part[:half].max() + part[half]) / 2.0)


def _independent_stats(g: _Group) -> dict:
    t = g.trades
    if t is None:
        return {"n_independent": g.independent, "hits_independent": None,
                "p_value_independent": None}  # fmt: skip
    hits = int(np.count_nonzero(t.hit))
    return {
        "n_independent": len(t),
        "hits_independent": hits,
        "p_value_independent": binom_sf(hits, len(t), float(t.baseline.mean())),
    }


_NO_STRATEGY = dict.fromkeys(
    ("trades", "total_return", "sharpe", "sortino", "max_drawdown", "profit_factor")
)


def _strategy(
    t: _Trades | None, direction: str, fee: float, h: int
) -> tuple[tuple[np.ndarray, np.ndarray], dict]:
    """Follow each independent signal for h candles, paying `fee` on entry and on exit."""
    sign = 1.0 if direction == "bullish" else -1.0 if direction == "bearish" else 0.0
    if t is None or sign == 0.0 or not len(t):
        return (np.empty(0, np.int64), np.empty(0, np.float64)), dict(_NO_STRATEGY)
    net = t.r * sign  # already in time order
    net -= 2.0 * fee
    equity = net + 1.0
    np.multiply.accumulate(equity, out=equity)
    ratio = np.maximum.accumulate(equity)
    np.maximum(ratio, 1.0, out=ratio)  # the peak: the start's 1.0 counts too
    np.divide(equity, ratio, out=ratio)
    # The largest 1 − equity/peak is 1 − the smallest ratio (rounding is monotonic).
    drawdown = float(1.0 - ratio.min())
    step = INTERVAL_MS.get(t.interval, 0)
    scale = math.sqrt(candles_per_year(step) / h) if step else math.nan
    mean = float(net.mean())
    sd = float(net.std(ddof=1)) if len(net) > 1 else math.nan
    loss = np.minimum(net, 0.0)
    downside = float(np.sqrt(np.square(loss, out=loss).mean()))
    # Compressed, not zeros in place of the others: the sums add the same terms in order.
    gains, losses = float(np.compress(net > 0, net).sum()), float(-np.compress(net < 0, net).sum())
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
    if g.tested is None:
        return {"trend": None, "trend_p": None}
    # The recent outcomes are the last ones: the last fold's, or the last `RECENT_SHARE`.
    cut = g.edges[-2] if len(bounds) > 1 else math.ceil(len(g) * (1.0 - RECENT_SHARE))
    n_new, n_old = len(g) - cut, cut
    if n_new < MIN_TREND_N or n_old < MIN_TREND_N:
        return {"trend": None, "trend_p": None}
    hit = g.tested.hit
    h_new, h_old = int(np.count_nonzero(hit[cut:])), int(np.count_nonzero(hit[:cut]))
    p = two_proportions(h_new, n_new, h_old, n_old)
    if p is None or p >= TREND_ALPHA:
        return {"trend": "stable", "trend_p": p}
    return {"trend": "improving" if h_new / n_new > h_old / n_old else "degrading", "trend_p": p}


def _fold_rows(g: _Group, bounds: list[tuple[int, int]]) -> list[dict]:
    """Each fold's own (out-of-sample) statistics next to those of all earlier folds."""
    out = []
    prior_hits = 0
    for k, (start, end) in enumerate(bounds):
        a, b = g.edges[k], g.edges[k + 1]
        row: dict = {"fold": k + 1, "start": start, "end": end, "n": b - a}
        row.update(_NO_TEST)
        row["prior_n"] = a
        row["prior_edge"] = None
        if g.tested is not None:
            hit, baseline = g.tested.hit, g.tested.fold_baseline
            assert baseline is not None  # there are folds
            hits = int(np.count_nonzero(hit[a:b]))
            if b > a:
                row.update(_test(hits, b - a, float(baseline[a:b].mean())))
            if a:  # the earlier folds' hit rate (a count over a count) less their baseline
                row["prior_edge"] = float(prior_hits / a - baseline[:a].mean())
            prior_hits += hits
        row["mean_return"] = float(g.r[a:b].mean()) if b > a else None
        out.append(row)
    return out
