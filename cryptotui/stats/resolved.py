"""Outcomes of a whole series at once: what `OutcomeTracker` resolves candle by candle, computed
with numpy after a backtest's engine run.

Live, outcomes must be resolved incrementally: each one feeds the track record, and so the
history factor of every later signal. A backtest without `--save` does not score that factor
(`Job.keep_factors`), so nothing inside the run reads an outcome, and tracking ~0.8 signals per
candle through 20 candles each is most of its cost. Here the same definitions (the module
docstring of `stats.outcomes`) are evaluated as array operations over the committed candles:

- a signal's entry is the candle that completed it (`entries`: index into `closes`);
- a horizon h is resolved when candles entry+1 … entry+h exist and follow each other without
  a hole (the tracker stops following a signal at a hole).

Every value is the same IEEE operation as the tracker's, so the results are equal, not close
(`tests/stats/test_resolved.py` compares the two on series with holes and repeats). Only what
the report reads is computed: the as-of baselines, which only `--save` stores, come from the
tracker, which a saving backtest runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(slots=True)
class Resolved:
    """One row per resolved (signal, horizon), as plain columns."""

    sid: np.ndarray
    """The signal's position in the order its rows were asked for."""
    horizon: np.ndarray
    forward_return: np.ndarray
    hit: np.ndarray
    """Bool: the forward return has the signal's sign; False for neutral signals (no hit)."""
    mfe: np.ndarray
    mae: np.ndarray


def resolve(
    open_times: np.ndarray,
    closes: np.ndarray,
    highs: np.ndarray,
    lows: np.ndarray,
    step: int,
    entries: np.ndarray,
    signs: np.ndarray,
    horizons: Sequence[int],
) -> Resolved:
    """Every (signal, horizon) outcome of one series: by horizon (ascending), then in the
    signals' order.

    `open_times`… `lows`: the committed candles (closed, strictly increasing open times), `step`
    their length in ms (0: calendar months, never a hole). Per signal: `entries` (index of its
    entry candle), `signs` (+1 bullish, −1 bearish, 0 neutral)."""
    n = len(closes)
    horizons = sorted(set(horizons))
    run = _runs(open_times, step)
    sid = np.arange(len(entries), dtype=np.int64)
    entries = entries.astype(np.int64, copy=False)
    entry_close = closes[entries]
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
        mask = alive & (entry_close != 0.0)
        e, close0, sign = entries[mask], entry_close[mask], signs[mask]
        r = closes[ahead[mask]] / close0 - 1.0
        up, down = hi[e] / close0 - 1.0, lo[e] / close0 - 1.0
        bear = sign < 0
        mfe, mae = np.where(bear, -down, up), np.where(bear, -up, down)
        hit = np.where(bear, r < 0.0, (sign > 0) & (r > 0.0))
        parts.append((sid[mask], np.full(len(e), k, np.int64), r, hit, mfe, mae))
    # One part per horizon, so never none (the tracker refuses an empty set of horizons).
    return Resolved(*(np.concatenate(c) for c in zip(*parts, strict=True)))


def _runs(open_times: np.ndarray, step: int) -> np.ndarray:
    """Per candle, the number of its run of gapless candles (a hole starts a new run)."""
    if not step or len(open_times) < 2:
        return np.zeros(len(open_times), np.int64)
    breaks = np.diff(open_times) != step
    return np.concatenate(([0], np.cumsum(breaks, dtype=np.int64)))
