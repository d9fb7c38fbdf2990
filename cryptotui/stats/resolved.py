"""Outcomes of a whole series at once: what `OutcomeTracker` resolves candle by candle, computed
with numpy after a backtest's engine run.

Live, outcomes must be resolved incrementally: each one feeds the track record, and so the
history factor of every later signal. A backtest without `--save` does not score that factor
(`Job.keep_factors`), so nothing inside the run reads an outcome, and tracking ~0.8 signals per
candle through 20 candles each is most of its cost. Here the same definitions (the module
docstring of `stats.outcomes`) are evaluated as array operations over the committed candles:

- a signal's entry is the candle that completed it (`entries`: index into `closes`);
- a horizon h is resolved when candles entry+1 … entry+h exist and follow each other without
  a hole (the tracker stops following a signal at a hole);
- its as-of baseline counts, over every committed candle up to the entry, the h-candle forward
  returns measurable inside their run of gapless candles (the tracker's closes restart after a
  hole; its counts do not);
- rows come in the tracker's order: by the candle that resolves them, then by signal.

Every value is the same IEEE operation as the tracker's, so the results are equal, not close
(`tests/stats/test_resolved.py` compares the two on series with holes and repeats).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

RESOLVED_COLUMNS = ("sid", "time", "horizon", "forward_return", "hit", "mfe", "mae",
                    "asof_baseline")  # fmt: skip


def resolve(
    open_times: np.ndarray,
    closes: np.ndarray,
    highs: np.ndarray,
    lows: np.ndarray,
    step: int,
    entries: np.ndarray,
    signs: np.ndarray,
    times: np.ndarray,
    horizons: Sequence[int],
) -> pd.DataFrame:
    """Every (signal, horizon) outcome of one series.

    `open_times`… `lows`: the committed candles (closed, strictly increasing open times), `step`
    their length in ms (0: calendar months, never a hole). Per signal, in emission order (its
    `sid` is the position): `entries` (index of its entry candle), `signs` (+1 bullish, −1
    bearish, 0 neutral), `times` (the signal's time, ms)."""
    n = len(closes)
    horizons = sorted(set(horizons))
    run = _runs(open_times, step)
    sid = np.arange(len(entries), dtype=np.int64)
    entries = entries.astype(np.int64, copy=False)
    entry_close = closes[entries]
    up_counts, down_counts, totals = _baseline_counts(closes, run, horizons)
    parts: list[tuple[np.ndarray, ...]] = []
    # Per candle t, the highest high and lowest low of candles t+1 … t+k, for k = 1, 2, …
    # (fmax/fmin: a NaN never wins, as in the tracker's comparisons).
    hi = np.full(n, -np.inf)
    lo = np.full(n, np.inf)
    for k in range(1, horizons[-1] + 1):
        m = max(n - k, 0)  # candles with k after them; in place: no new array per step
        np.fmax(hi[:m], highs[k:], out=hi[:m])
        np.fmin(lo[:m], lows[k:], out=lo[:m])
        if k not in horizons:
            continue
        ahead = entries + k
        alive = ahead < n
        at = np.where(alive, ahead, 0)
        alive &= run[at] == run[entries]  # runs are contiguous: no hole in between either
        i = horizons.index(k)
        mask = alive & (entry_close != 0.0)
        e, close0, sign = entries[mask], entry_close[mask], signs[mask]
        r = closes[ahead[mask]] / close0 - 1.0
        up, down = hi[e] / close0 - 1.0, lo[e] / close0 - 1.0
        bear = sign < 0
        mfe, mae = np.where(bear, -down, up), np.where(bear, -up, down)
        total = totals[i][e]
        hits = np.where(sign > 0, up_counts[i][e], down_counts[i][e])
        with np.errstate(invalid="ignore", divide="ignore"):
            baseline = np.where((sign != 0) & (total > 0), hits / total, np.nan)
        hit = np.where(sign > 0, r > 0.0, r < 0.0)
        parts.append((sid[mask], times[mask], np.full(len(e), k, np.int64), r, hit, sign == 0,
                      mfe, mae, baseline, ahead[mask]))  # fmt: skip
    # One part per horizon, so never none (the tracker refuses an empty set of horizons).
    sids, time_, horizon, r, hit, neutral, mfe, mae, baseline, resolved_at = (
        np.concatenate(c) for c in zip(*parts, strict=True)
    )
    order = np.lexsort((sids, resolved_at))
    return pd.DataFrame(
        {
            "sid": sids[order],
            "time": time_[order].astype(np.int64),
            "horizon": horizon[order],
            "forward_return": r[order],
            "hit": pd.arrays.BooleanArray(hit[order], neutral[order]),
            "mfe": mfe[order],
            "mae": mae[order],
            "asof_baseline": baseline[order],
        }
    )


def _runs(open_times: np.ndarray, step: int) -> np.ndarray:
    """Per candle, the number of its run of gapless candles (a hole starts a new run)."""
    if not step or len(open_times) < 2:
        return np.zeros(len(open_times), np.int64)
    breaks = np.diff(open_times) != step
    return np.concatenate(([0], np.cumsum(breaks, dtype=np.int64)))


def _baseline_counts(
    closes: np.ndarray, run: np.ndarray, horizons: Sequence[int]
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Per horizon, cumulative counts up to each candle of measurable forward returns that were
    up, down, and in total (a return over h candles ending at t, inside one run)."""
    ups, downs, totals = [], [], []
    n = len(closes)
    for h in horizons:
        up = np.zeros(n, np.int64)
        down = np.zeros(n, np.int64)
        measured = np.zeros(n, np.int64)
        if n > h:
            r = closes[h:] / closes[:-h] - 1.0
            inside = run[h:] == run[:-h]
            measured[h:] = inside
            up[h:] = inside & (r > 0.0)
            down[h:] = inside & (r < 0.0)
        ups.append(np.cumsum(up))
        downs.append(np.cumsum(down))
        totals.append(np.cumsum(measured))
    return ups, downs, totals
