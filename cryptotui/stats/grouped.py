"""One series' outcomes in the report's order, grouped where the series was run.

The report (`stats.report`) reads each (name, direction, horizon)'s outcomes in time order.
Everything that looks at one series only is done here, when the series' result is made (in the
worker process that ran it, so in parallel): the sort into groups, the gather of the columns
the statistics read, the series' baselines and the independent-signal selection (which never
crosses series). The parent then only merges each group's slices of the series by time: done
there for all series at once, sorting and gathering the 16 M outcome rows of ten symbol-years of
1m candles cost the parent more than all of the statistics, serially.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cryptotui.stats.outcomes import direction_sign


@dataclass(slots=True)
class Grouped:
    """Compact numpy columns (they travel back from the worker), one row per outcome, sorted by
    group and then by time (stable: ties keep the outcomes' order)."""

    keys: list[tuple[str, str, int]]
    """(name, direction, horizon) of each group, in sorted order."""
    starts: np.ndarray
    """Group j's rows are `starts[j]:starts[j + 1]`."""
    baseline: np.ndarray
    """Per group: the share of the series' candles t (with t + h) whose h-candle forward return
    has the group's sign; NaN for neutral groups, and when the series is not longer than h."""
    time: np.ndarray
    hit: np.ndarray
    """Bool; False for neutral signals, which have no hit (the report reads hits only of
    directional groups, whose sums and means are exact counts either way)."""
    r: np.ndarray
    mfe: np.ndarray
    mae: np.ndarray
    kept: np.ndarray
    """Bool: the outcome is one of the group's independent signals (`independent`)."""


def group(outcomes: pd.DataFrame, signs: dict[int, np.ndarray]) -> Grouped:
    """The outcomes (`backtest.OUTCOME_COLUMNS`) of one series, with its forward-return signs
    per horizon (`SeriesResult.signs`), grouped for the report."""
    names, name_values = _codes(outcomes["name"])
    directions, direction_values = _codes(outcomes["direction"])
    horizons, horizon_values = _codes(outcomes["horizon"])
    n_directions, n_horizons = len(direction_values), len(horizon_values)
    code = (names * n_directions + directions) * n_horizons + horizons
    time = outcomes["time"].to_numpy(dtype=np.int64)
    # 16-bit codes when they fit: numpy sorts those by radix, several times faster.
    fits = len(name_values) * n_directions * n_horizons < 1 << 15
    order = np.lexsort((time, code.astype(np.int16) if fits else code))
    code = code[order]
    counts = np.bincount(code)
    present = np.flatnonzero(counts)
    keys = [
        (name_values[c // n_horizons // n_directions],
         direction_values[c // n_horizons % n_directions], horizon_values[c % n_horizons])
        for c in present.tolist()
    ]  # fmt: skip
    h = np.array(horizon_values, np.int64)[horizons[order]]
    entry = outcomes["entry"].to_numpy(dtype=np.int64)[order]
    return Grouped(
        keys,
        np.concatenate(([0], np.cumsum(counts[present]))),
        np.array([_baseline(signs, h, d) for _, d, h in keys], np.float64),
        time[order],
        outcomes["hit"].to_numpy(dtype=bool, na_value=False)[order],
        outcomes["forward_return"].to_numpy(dtype=np.float64)[order],
        outcomes["mfe"].to_numpy(dtype=np.float64)[order],
        outcomes["mae"].to_numpy(dtype=np.float64)[order],
        independent(code * _GROUP_STRIDE + entry, h),
    )


def _codes(column: pd.Series) -> tuple[np.ndarray, list]:
    """Codes into the column's distinct values (plain Python values) sorted by value (a
    categorical's own sort follows its categories' order)."""
    codes, found = pd.factorize(column)
    plain = [v.item() if hasattr(v, "item") else v for v in found]
    values = sorted(plain)
    rank = {v: n for n, v in enumerate(values)}
    return np.array([rank[v] for v in plain], np.int64)[codes], values


def _baseline(signs: dict[int, np.ndarray], h: int, direction: str) -> float:
    sign = direction_sign(direction)
    if sign == 0 or h not in signs:
        return np.nan
    hits = signs[h] == sign
    return hits.sum() / len(hits)


def independent(key: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Which signals are independent: in each block of `key` (ascending entry-candle indices
    of one group, blocks `_GROUP_STRIDE` apart), the next signal only once the previous kept
    one's horizon `h` (≥ 1) ended (entry ≥ previous entry + h). Greedy in time order, which
    keeps the most signals.

    A signal at least h after the one before it is kept whatever was kept earlier (that was no
    later than the one before), and so is a block's first: the chain restarts at each of them.
    Between restarts the entry kept after the one at i is the first ≥ entry[i] + h (entries
    grow: a binary search, done for every signal at once), which is at most the next restart;
    every chain is followed at once, a step per round, for as many rounds as the longest has
    steps (a few, where signals are sparse next to h)."""
    n = len(key)
    following = np.searchsorted(key, key + h, side="left")
    kept = np.ones(n, dtype=bool)
    kept[1:] = key[1:] >= key[:-1] + h[1:]
    restart = kept.copy()
    at = np.flatnonzero(kept)
    while len(at):
        at = following[at]
        at = at[at < n]
        at = at[~restart[at]]
        kept[at] = True
    return kept


_GROUP_STRIDE = 1 << 40
"""Larger than any entry index plus horizon."""
