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

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cryptotui.stats.outcomes import direction_sign
from cryptotui.stats.resolved import Resolved


@dataclass(slots=True)
class Grouped:
    """Compact numpy columns (they travel back from the worker), one row per outcome, sorted by
    group, then by time, then by signal."""

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


@dataclass(slots=True)
class Keys:
    """What grouping reads of each signal of a series, by `sid`."""

    names: list[str]
    name: np.ndarray
    """Per signal: index into `names`."""
    directions: list[str]
    direction: np.ndarray
    """Per signal: index into `directions`."""
    time: np.ndarray
    entry: np.ndarray
    """Per signal: index among the series' candles of its entry candle, the first closing at
    or after its time (the module docstring of `stats.outcomes`)."""
    code: np.ndarray = field(init=False)
    """Per signal: its (name, direction) in sorted order, as a number."""
    order: np.ndarray = field(init=False)
    """The sids by `code`, then time, then sid: the order of a group's outcomes."""

    def __post_init__(self) -> None:
        self.code = (
            _ranks(self.names)[self.name] * len(self.directions)
            + _ranks(self.directions)[self.direction]
        )
        self.order = np.lexsort((self.time, self.code))


def keys(
    names: pd.Categorical, directions: pd.Categorical, time: np.ndarray, close_times: np.ndarray
) -> Keys:
    """The keys of signals given as columns, with the close time of each of their series'
    candles."""
    return Keys(
        list(names.categories),
        names.codes,
        list(directions.categories),
        directions.codes,
        time,
        np.searchsorted(close_times, time, side="left"),
    )


def group(signals: Keys, outcomes: Resolved, signs: dict[int, np.ndarray]) -> Grouped:
    """The outcomes of one series' signals, with its forward-return signs per horizon
    (`SeriesResult.signs`), grouped for the report: by (name, direction, horizon), each in time
    order (ties by sid: the order the live tracker resolves them in)."""
    sid = outcomes.sid
    horizon_values = np.flatnonzero(np.bincount(outcomes.horizon, minlength=1))
    horizon_index = np.zeros(int(horizon_values[-1]) + 1 if len(horizon_values) else 1, np.int64)
    horizon_index[horizon_values] = np.arange(len(horizon_values))
    n_horizons = len(horizon_values)
    code = signals.code[sid] * n_horizons + horizon_index[outcomes.horizon]
    rank = np.empty(len(signals.order), np.int64)
    rank[signals.order] = np.arange(len(signals.order))
    # 16-bit codes when they fit: numpy sorts those by radix, several times faster. Rows
    # already in `signals.order` within each horizon make the sort by rank a merge of runs.
    fits = len(signals.names) * len(signals.directions) * n_horizons < 1 << 15
    order = np.lexsort((rank[sid], code.astype(np.int16) if fits else code))
    code = code[order]
    counts = np.bincount(code)
    present = np.flatnonzero(counts)
    n_directions = len(signals.directions)
    names, directions = sorted(signals.names), sorted(signals.directions)
    group_keys = [
        (names[c // n_horizons // n_directions], directions[c // n_horizons % n_directions],
         int(horizon_values[c % n_horizons]))
        for c in present.tolist()
    ]  # fmt: skip
    baselines = {kd: _baseline(signs, *kd) for kd in {(k, d) for _, d, k in group_keys}}
    horizon = outcomes.horizon[order]
    sid = sid[order]
    return Grouped(
        group_keys,
        np.concatenate(([0], np.cumsum(counts[present]))),
        np.array([baselines[k, d] for _, d, k in group_keys], np.float64),
        signals.time[sid],
        outcomes.hit[order],
        outcomes.forward_return[order],
        outcomes.mfe[order],
        outcomes.mae[order],
        independent(code * _GROUP_STRIDE + signals.entry[sid], horizon),
    )


def _ranks(values: list) -> np.ndarray:
    """Each value's position in `sorted(values)` (a categorical's own order follows its
    categories, not their values)."""
    rank = np.empty(len(values), np.int64)
    rank[sorted(range(len(values)), key=values.__getitem__)] = np.arange(len(values))
    return rank


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
