"""Backtests: candles through the live `Engine`, one series at a time, outcomes as tables.

`run_series` is the whole method: the same `Engine` class the app runs (indicators, detectors,
scoring, user rules, the outcome tracker) is fed one closed candle at a time, so a backtest
measures exactly what the live app would have signalled; nothing here re-implements detection.
It returns the outcomes grouped as `stats.report` reads them (compact numpy columns, cheap to
send back from a worker process), and with `--save` every signal and outcome as pandas frames.
`run_many` spreads series over processes; the rows do not depend on how the work was split.
"""

from __future__ import annotations

import math
import os
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np
import pandas as pd

from cryptotui.alerts.router import AlertRouter
from cryptotui.alerts.rules import Rule
from cryptotui.batch import batch_run
from cryptotui.engine import Engine
from cryptotui.intervals import INTERVAL_MS
from cryptotui.models import Candle
from cryptotui.stats.grouped import Grouped, Keys, group, keys
from cryptotui.stats.outcomes import HORIZONS, OutcomeTracker, direction_sign
from cryptotui.stats.record import TrackRecord
from cryptotui.stats.resolved import Resolved, resolve
from cryptotui.stats.signal_log import SignalLog

DEFAULT_DETECTORS = ("candlestick", "volume_spike", "pump_and_dump")
"""The candle detectors (trade and ticker detectors need trades, which candles do not carry)."""

PROGRESS_EVERY = 20_000
"""Candles between progress reports from a worker."""

SIGNAL_COLUMNS = ("sid", "kind", "name", "direction", "symbol", "interval", "time", "price",
                  "confidence", "span_start", "span_end")  # fmt: skip
TRACKED_COLUMNS = ("sid", "time", "horizon", "forward_return", "hit", "mfe", "mae",
                    "asof_baseline")  # fmt: skip
"""The columns of the live tracker's outcomes (`SignalLog.outcomes`)."""
OUTCOME_COLUMNS = ("sid", "name", "direction", "symbol", "interval", "time", "entry", "horizon",
                   "forward_return", "hit", "mfe", "mae", "asof_baseline")  # fmt: skip


@dataclass(slots=True, frozen=True)
class Job:
    """One series to backtest. Picklable: sent to worker processes as is. Stored candles are
    named by `db` and a time range and read by the worker itself: sending a year of 1m
    `Candle`s to a process costs more than reading them from SQLite there."""

    symbol: str
    interval: str
    candles: tuple[Candle, ...] = ()
    db: str | None = None
    since: int | None = None
    until: int | None = None
    """Stored candles opening in [since, until) when `db` is set."""
    stored: int = 0
    """How many stored candles that range holds (for progress bars)."""
    detectors: tuple[str, ...] = DEFAULT_DETECTORS
    patterns: tuple[str, ...] = ()
    horizons: tuple[int, ...] = HORIZONS
    rules: tuple[Rule, ...] = ()
    keep_factors: bool = False
    """Keep every signal's factors and score its confidence in full (only `--save` stores
    them; a year of 1m signals' factor dicts would otherwise cost hundreds of MB and their trip
    back from a worker, and the history factor of each confidence an O(√n) binomial tail).
    Without it the confidences leave out the history factor; signals, outcomes and the report
    are the same either way."""


@dataclass(slots=True)
class SeriesResult:
    symbol: str
    interval: str
    open_times: np.ndarray
    """Open time (ms) of every candle, in order."""
    signs: dict[int, np.ndarray]
    """Per horizon h: sign (−1, 0, 1) of close[t+h]/close[t] − 1 for every t with t + h."""
    grouped: Grouped
    """The outcomes as the report reads them, made in the worker process that ran the series,
    so the report's per-series work is done in parallel."""
    signal_count: int
    signals: pd.DataFrame | None = None
    """`SIGNAL_COLUMNS`, when the job kept its factors (only `--save` stores signals)."""
    outcomes: pd.DataFrame | None = None
    """`OUTCOME_COLUMNS`, when the job kept its factors."""
    factors: list[dict[str, float]] = field(default_factory=list)
    """Each signal's factors, by `sid`, when the job kept them."""


@batch_run()
def run_series(job: Job, progress: Callable[[int], None] | None = None) -> SeriesResult:
    """Feed `job.candles` (closed, in order, one series) through a fresh live Engine.

    With `keep_factors` the engine tracks outcomes as it goes (its track record scores each
    signal's history factor) and the result carries every signal and outcome, to be saved.
    Without, nothing in the run reads an outcome: they are resolved after it, all at once
    (`stats.resolved`: the same values), and only what the report reads is kept."""
    candles = job.candles or _stored(job)
    keep = job.keep_factors
    log = SignalLog(keep)
    # A rule is judged on the candles under test, whatever interval it names for live use.
    rules = [replace(rule, interval=job.interval) for rule in job.rules]
    engine = Engine(
        [job.symbol],
        [job.interval],
        emit=log,
        router=AlertRouter(rules, min_confidence=2.0),  # no pattern alerts: signals suffice
        detectors=job.detectors,
        detector_options={"candlestick": {"patterns": job.patterns}} if job.patterns else None,
        # Without --save nothing reads a signal's confidence (the report is built from the
        # outcomes): its history factor, an exact binomial tail per signal, is left out.
        tracker=OutcomeTracker(job.horizons, TrackRecord()) if keep else None,
    )
    log.feed(engine, candles, progress, PROGRESS_EVERY)
    columns = _Columns(candles)
    signs = _signs(columns.close, job.horizons)
    result = partial(SeriesResult, job.symbol, job.interval, columns.open_time, signs)
    names, directions = _categories(log.names), _categories(log.directions)
    signal_keys = keys(names, directions, np.array(log.times, np.int64), columns.close_time)
    if not keep:
        outcomes = _resolve(columns, job, signal_keys, log.entries)
        return result(group(signal_keys, outcomes, signs), len(log.times))
    signals = _signal_frame(log, names, directions, job.symbol, job.interval)
    frame = _outcome_frame(log.outcomes, signals, signal_keys.entry)
    tracked = Resolved(
        frame["sid"].to_numpy(np.int64),
        frame["horizon"].to_numpy(np.int64),
        frame["forward_return"].to_numpy(np.float64),
        frame["hit"].to_numpy(dtype=bool, na_value=False),
        frame["mfe"].to_numpy(np.float64),
        frame["mae"].to_numpy(np.float64),
    )
    return result(group(signal_keys, tracked, signs), len(signals), signals, frame, log.factors)


class _Columns:
    """The series' candles as arrays, and which of them the engine committed: the first of
    each open time (it skips repeats)."""

    def __init__(self, candles: Sequence[Candle]) -> None:
        n = len(candles)
        self.open_time = np.fromiter((c.open_time for c in candles), np.int64, n)
        self.close_time = np.fromiter((c.close_time for c in candles), np.int64, n)
        self.high = np.fromiter((c.high for c in candles), np.float64, n)
        self.low = np.fromiter((c.low for c in candles), np.float64, n)
        self.close = np.fromiter((c.close for c in candles), np.float64, n)
        before = np.maximum.accumulate(np.concatenate(([-1], self.open_time[:-1])))
        self.committed = self.open_time > before


def _resolve(columns: _Columns, job: Job, signals: Keys, entries: list[int]) -> Resolved:
    """The outcomes of every signal, from the committed candles. They are resolved in the
    order grouping sorts them into (`Keys.order`), which then finds them sorted."""
    committed = columns.committed
    position = np.cumsum(committed) - 1  # a candle's index among the committed ones
    sign = np.array([direction_sign(d) for d in signals.directions], np.int64)[signals.direction]
    order = signals.order
    resolved = resolve(
        columns.open_time[committed],
        columns.close[committed],
        columns.high[committed],
        columns.low[committed],
        INTERVAL_MS.get(job.interval, 0),
        position[np.asarray(entries, dtype=np.int64)][order],
        sign[order],
        job.horizons,
    )
    resolved.sid = order[resolved.sid]
    return resolved


def _stored(job: Job) -> list[Candle]:
    from cryptotui.store import load_candles, open_db

    if job.db is None:
        return []
    db = open_db(job.db, create=False)
    try:
        return load_candles(db, job.symbol, job.interval, since=job.since, until=job.until)
    finally:
        db.close()


def _signs(c: np.ndarray, horizons: Iterable[int]) -> dict[int, np.ndarray]:
    return {h: np.sign(c[h:] / c[:-h] - 1.0).astype(np.int8) for h in horizons if len(c) > h}


def _signal_frame(
    log: SignalLog, names: pd.Categorical, directions: pd.Categorical, symbol: str, interval: str
) -> pd.DataFrame:
    """The signals as columns, with their `names` and `directions` (`_categories` of the log's);
    the text ones are categories (a few distinct values over ~0.8 rows per candle)."""
    n = len(log.times)
    one = np.zeros(n, np.int8)
    return pd.DataFrame(
        {
            "sid": np.arange(n, dtype=np.int64),
            "kind": _categories(log.kinds),
            "name": names,
            "direction": directions,
            "symbol": pd.Categorical.from_codes(one, [symbol]),
            "interval": pd.Categorical.from_codes(one, [interval]),
            "time": np.array(log.times, np.int64),
            "price": np.array(log.prices, np.float64),
            "confidence": np.array(log.confidences, np.float64),
            "span_start": np.array(log.span_starts, np.int64),
            "span_end": np.array(log.span_ends, np.int64),
        },
        columns=list(SIGNAL_COLUMNS),
    )


def _categories(values: list[str]) -> pd.Categorical:
    """Strings as a categorical column (factorized as objects: several times faster than
    `pd.Categorical(values)`, which infers a dtype from the list first)."""
    codes, uniques = pd.factorize(np.array(values, dtype=object))
    return pd.Categorical.from_codes(codes, uniques)


def _outcome_frame(rows: list[tuple], signals: pd.DataFrame, entry: np.ndarray) -> pd.DataFrame:
    """The tracker's outcomes (`SignalLog.outcomes`) with their signal's name and direction,
    the series, and its `entry` candle (`Keys.entry`). The text columns are categories: a few
    distinct values over ~3 rows per candle."""
    df = pd.DataFrame(rows, columns=list(TRACKED_COLUMNS))
    sid = df["sid"].to_numpy(dtype=np.int64)
    for column in ("name", "direction", "symbol", "interval"):
        text = signals[column].array  # categorical, as `_signal_frame` makes it
        df[column] = pd.Categorical.from_codes(text.codes[sid], text.categories)
    df["entry"] = entry[sid]
    df["hit"] = df["hit"].astype("boolean")
    df["asof_baseline"] = df["asof_baseline"].astype(np.float64)  # None → NaN even when all are
    return df[list(OUTCOME_COLUMNS)]


def run_many(
    jobs: Sequence[Job],
    *,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> list[SeriesResult]:
    """Every job, in the given order; with `workers` > 1 in that many processes (each series is
    independent, so the results are identical either way). `progress(n)` is told of candles
    done, in the calling process."""
    if workers <= 1 or len(jobs) <= 1:
        return [run_series(job, progress) for job in jobs]
    import multiprocessing as mp

    ctx = mp.get_context(start_method())
    with ctx.Manager() as manager:
        queue = manager.Queue()
        with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=ctx) as pool:
            # Longest first, so that no core is left with one long series at the end.
            order = sorted(range(len(jobs)), key=lambda i: -size(jobs[i]))
            submitted = {i: pool.submit(_worker, jobs[i], queue) for i in order}
            futures = [submitted[i] for i in range(len(jobs))]
            pending = set(range(len(futures)))
            while pending:
                try:
                    n = queue.get(timeout=0.1)
                except Exception:  # queue.Empty from the manager proxy
                    n = 0
                if n and progress is not None:
                    progress(n)
                pending = {i for i in pending if not futures[i].done()}
            while not queue.empty():
                n = queue.get()
                if progress is not None:
                    progress(n)
            return [f.result() for f in futures]


def start_method() -> str:
    """How worker processes start: forked where that is safe, on Linux from a process running
    no other thread (a forked copy of a thread's state, such as a lock it held or the store
    writer mid-commit, is not safe), spawned otherwise. A forked worker starts at once with the
    modules the caller has imported; a spawned one imports them again, about half a second of
    both cores before the first candle."""
    if sys.platform == "linux" and threading.active_count() == 1:
        return "fork"
    return "spawn"


def cores() -> int:
    """CPUs this process may run on (its affinity mask, which a container or `taskset` may
    narrow), the default number of worker processes."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def size(job: Job) -> int:
    """Candles the job will run through."""
    return len(job.candles) or job.stored


def _worker(job: Job, queue) -> SeriesResult:
    return run_series(job, queue.put)


def candles_per_year(interval_ms: int) -> float:
    return 365.25 * 86_400_000 / interval_ms if interval_ms else math.nan
