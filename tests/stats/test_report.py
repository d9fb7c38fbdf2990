"""Report rows from series with known closes; walk-forward folds; parallel = single process."""

from __future__ import annotations

import itertools
import math
import threading

import numpy as np
import pytest

from cryptotui.alerts.rules import parse_rules
from cryptotui.intervals import INTERVAL_MS
from cryptotui.models import Candle
from cryptotui.stats.backtest import Job, candles_per_year, run_many, run_series, start_method
from cryptotui.stats.grouped import Keys, group
from cryptotui.stats.report import Merged, build_report, merge_order
from cryptotui.stats.resolved import Resolved
from cryptotui.stats.significance import wilson
from tests.stats.candles import sawtooth, walk

HOUR = 3_600_000


RULE = parse_rules([{"name": "up100", "when": "price crosses above 100", "cooldown": 0}])


def rows_of(candles: tuple[Candle, ...], **kw) -> dict:
    job = Job("SAWUSDT", "1h", candles, detectors=(), horizons=(1, 4), rules=tuple(RULE))
    report = build_report([run_series(job)], **kw)
    return {(r["name"], r["horizon"]): r for r in report.rows}


def test_known_closes_give_known_rows() -> None:
    # 25 periods of 99, 101, 102, 100: the rule fires on every 99 → 101 (candles 1, 5, ...).
    rows = rows_of(sawtooth(25), fee_bps=10)
    one = rows[("up100", 1)]
    assert (one["direction"], one["n"], one["hits"]) == ("bullish", 25, 25)
    # Baseline: of the 99 one-candle moves, 50 go up (99→101, 101→102 each period).
    assert one["baseline"] == pytest.approx(50 / 99)
    assert one["edge"] == pytest.approx(1 - 50 / 99)
    assert one["p_value"] == pytest.approx((50 / 99) ** 25)
    assert (one["wilson_low"], one["wilson_high"]) == pytest.approx(wilson(25, 25))
    assert one["mean_return"] == pytest.approx(102 / 101 - 1)
    assert one["mean_mfe"] == pytest.approx(102 / 101 - 1)  # high of the next candle
    # Strategy: 25 non-overlapping long trades of 102/101 − 1 minus 2 × 10 bp.
    net = 102 / 101 - 1 - 0.002
    assert one["trades"] == one["n_independent"] == 25
    assert one["total_return"] == pytest.approx((1 + net) ** 25 - 1)
    assert one["max_drawdown"] == 0.0 and one["profit_factor"] is None
    assert one["sharpe"] is None  # every trade returns the same: no dispersion to scale by

    four = rows[("up100", 4)]
    # t + 4 must exist: the 25th signal (candle 97) has no 4-candle outcome.
    assert (four["n"], four["hits"]) == (24, 0)  # 101 → 101: a zero return is a miss
    assert four["mean_return"] == 0.0
    assert four["mean_mae"] == pytest.approx(99 / 101 - 1)
    assert four["total_return"] == pytest.approx((1 - 0.002) ** 24 - 1)
    assert four["max_drawdown"] == pytest.approx(1 - (1 - 0.002) ** 24)
    assert four["q_value"] == pytest.approx(1.0)
    assert one["q_value"] == pytest.approx(min(1.0, one["p_value"] * 2))


def test_independent_count_skips_overlapping_signals() -> None:
    job = Job("TESTUSDT", "1h", tuple(walk(3000, seed=12)), horizons=(1, 20))
    report = build_report([run_series(job)], min_n=1)
    long = [r for r in report.rows if r["horizon"] == 20 and r["n"] > 30]
    assert long and all(r["n_independent"] < r["n"] for r in long)
    short = [r for r in report.rows if r["horizon"] == 1]
    assert all(r["n_independent"] <= r["n"] for r in short)
    # Strategy trades are exactly the independent signals.
    assert all(r["trades"] in (None, r["n_independent"]) for r in report.rows)


def test_folds_partition_time_and_their_counts_add_up() -> None:
    jobs = [Job(s, "1h", tuple(walk(2000, seed=i, symbol=s))) for i, s in enumerate(("A", "B"))]
    report = build_report(run_many(jobs), folds=4, min_n=1)
    bounds = report.folds
    assert len(bounds) == 4
    assert bounds[0][0] == 0 and bounds[-1][1] == 1999 * HOUR + 1
    assert all(a[1] == b[0] for a, b in itertools.pairwise(bounds))
    for r in report.rows:
        folds = r["folds"]
        assert sum(f["n"] for f in folds) == r["n"]
        assert [f["prior_n"] for f in folds] == [sum(f["n"] for f in folds[:k]) for k in range(4)]
        if r["hits"] is not None:
            assert sum(f["hits"] or 0 for f in folds) == r["hits"]


@pytest.mark.parametrize("other_thread", [False, True])
def test_parallel_and_single_process_give_identical_rows(other_thread: bool) -> None:
    """Workers are forked, or spawned from a process running another thread."""
    # Uneven lengths: the longest series starts first, the results keep the jobs' order.
    jobs = [
        Job(s, "1h", tuple(walk(n, seed=i, symbol=s)))
        for i, (s, n) in enumerate(zip("PQR", (1000, 2000, 1500), strict=True))
    ]
    single = run_many(jobs, workers=1)
    done: list[int] = []
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    if other_thread:
        thread.start()
    try:
        assert start_method() == ("spawn" if other_thread else "fork")
        parallel = run_many(jobs, workers=2, progress=done.append)
    finally:
        stop.set()
    assert [r.symbol for r in parallel] == ["P", "Q", "R"]
    assert sum(done) == 4500  # every candle reported to the one progress bar
    rows = build_report(single, folds=2, min_n=1).rows
    assert build_report(parallel, folds=2, min_n=1).rows == rows and len(rows) > 20


def test_a_pattern_that_stopped_working_is_flagged_degrading() -> None:
    # The rule hits for 30 periods, then the market turns: 99 → 101 → 100.
    good = sawtooth(40)
    bad = tuple(
        Candle("SAWUSDT", "1h", (160 + i) * HOUR, (161 + i) * HOUR - 1, c, c, c, c, 10.0)
        for i, c in enumerate((99.0, 101.0, 100.0, 100.0) * 30)
    )
    rows = rows_of(good + bad, folds=1)
    one = rows[("up100", 1)]
    assert one["trend"] == "degrading" and one["trend_p"] < 0.05
    assert math.isclose(one["hit_rate"], 40 / 70)


def greedy(entries: list[int], series: list[int], h: int) -> list[bool]:
    """The definition: in time order, a signal is kept when its series' last kept signal's
    horizon has ended."""
    last: dict[int, int] = {}
    keep = []
    for e, s in zip(entries, series, strict=True):
        keep.append(e >= last.get(s, -(1 << 62)) + h)
        if keep[-1]:
            last[s] = e
    return keep


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("h", [1, 2, 5, 20])
def test_independent_signals_are_the_greedy_choice(seed: int, h: int) -> None:
    """Interleaved patterns, repeated entries (several signals on a candle), dense and sparse."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    pattern = rng.integers(0, 1 + seed % 4, n)
    entries = np.zeros(n, dtype=np.int64)
    for p in np.unique(pattern):  # growing with time within each pattern's signals
        mine = pattern == p
        entries[mine] = np.cumsum(rng.integers(0, 1 + 3 * (seed % 3), mine.sum()))
    names = sorted({f"p{p}" for p in pattern})
    signals = Keys(names, np.searchsorted(names, [f"p{p}" for p in pattern]), ["bullish"],
                   np.zeros(n, np.int64), np.arange(n), entries)  # fmt: skip
    zero = np.zeros(n)
    outcomes = Resolved(np.arange(n), np.full(n, h), zero, np.ones(n, bool), zero, zero)
    grouped = group(signals, outcomes, {})
    want = greedy(entries.tolist(), pattern.tolist(), h)
    by_pattern = np.argsort(pattern, kind="stable")  # the groups' order, each in time order
    assert grouped.time.tolist() == by_pattern.tolist()
    assert grouped.kept.tolist() == [want[i] for i in by_pattern]


def test_the_order_of_the_series_does_not_change_the_rows() -> None:
    """Outcomes at the same time in several series are taken in symbol order, however the
    series are listed (and however many threads build the rows)."""
    jobs = [Job(s, "1h", tuple(walk(600, seed=i, symbol=s))) for i, s in enumerate("CAB")]
    results = run_many(jobs)
    report = build_report(results, folds=3, min_n=1, threads=1)
    again = build_report(results[::-1], folds=3, min_n=1, threads=3)  # patterns in parallel
    assert again.rows == report.rows and list(again.equity) == list(report.equity)
    for key, (times, equity) in report.equity.items():
        assert np.array_equal(again.equity[key][0], times)
        assert np.array_equal(again.equity[key][1], equity)
    assert any(r["symbols"] == 3 for r in report.rows)


@pytest.mark.parametrize("keep", [False, True])
def test_series_without_outcomes_make_an_empty_report(keep: bool) -> None:
    """Too short for any signal, or with signals but no horizon inside the series."""
    short = Job("AUSDT", "1h", tuple(walk(5, seed=1)), keep_factors=keep)
    late = Job("SAWUSDT", "1h", sawtooth(25), detectors=(), horizons=(400,), rules=tuple(RULE),
               keep_factors=keep)  # fmt: skip
    results = run_many([short, late])
    assert results[0].signal_count == 0 and results[1].signal_count == 25
    assert all(len(r.grouped.keys) == len(r.grouped.time) == 0 for r in results)
    report = build_report(results, folds=2)
    assert report.rows == [] and report.candles == 105


@pytest.mark.parametrize("seed", range(6))
def test_merged_slices_are_in_the_order_of_a_stable_sort(seed: int) -> None:
    """Ties (the same time in several series, or twice in one) keep the slices' order; times
    too far apart to pack with their positions into an int64 still merge."""
    rng = np.random.default_rng(seed)
    spread = 1 << 62 if seed % 2 else 50
    times = [np.sort(rng.integers(-spread, spread, int(rng.integers(1, 300)))) for _ in range(4)]
    order, merged = merge_order(times)
    joined = np.concatenate(times)
    want = np.argsort(joined, kind="stable")
    assert order is not None and order.tolist() == want.tolist()
    assert merged.tolist() == joined[want].tolist()
    assert merge_order(times[:1])[0] is None


def test_a_row_over_several_intervals_is_annualised_by_its_first_outcomes() -> None:
    """A's 4h candles come first in symbol order, B's 1h ones first in time: the row's
    trades are annualised as 1h candles."""
    jobs = [
        Job("A", "4h", tuple(walk(600, seed=1, symbol="A", interval="4h", start=400 * HOUR))),
        Job("B", "1h", tuple(walk(900, seed=2, symbol="B"))),
    ]
    report = build_report(run_many(jobs), min_n=1)
    mixed = [r for r in report.rows if r["symbols"] == 2 and r["sharpe"] is not None]
    assert mixed
    for row in mixed:
        equity = report.equity[(row["name"], row["direction"], row["horizon"])][1]
        net = np.diff(equity, prepend=1.0) / np.concatenate(([1.0], equity[:-1]))
        scale = math.sqrt(candles_per_year(INTERVAL_MS["1h"]) / row["horizon"])
        assert row["sharpe"] == pytest.approx(net.mean() / net.std(ddof=1) * scale, rel=1e-6)


@pytest.mark.parametrize("seed", range(6))
def test_slices_that_begin_the_previous_rows_take_their_order_from_it(seed: int) -> None:
    """A row whose slices are the first outcomes of the previous row's (the same series) is
    ordered as if merged afresh; other rows are merged afresh."""
    rng = np.random.default_rng(seed)
    times = [np.sort(rng.integers(0, 60, int(rng.integers(1, 40)))) for _ in range(3)]
    slices = [(0, 0), (1, 0), (2, 0)]
    previous = Merged.of(slices, times)
    for _ in range(3):  # a chain of shorter rows, as horizons grow
        shorter = [t[: int(rng.integers(1, len(t) + 1))] for t in times]
        row = Merged.within(previous, slices, shorter)
        fresh = Merged.of(slices, shorter)
        assert row is not None
        values = [rng.normal(size=len(t)) for t in shorter]
        assert row.column(values).tolist() == fresh.column(values).tolist()
        assert row.time.tolist() == fresh.time.tolist() and row.first() == fresh.first()
        previous, times = row, shorter
    other = [np.append(times[0], 99), *times[1:]]
    assert Merged.within(previous, slices, other) is None  # longer than the previous row's
    assert Merged.within(previous, slices[:2], times[:2]) is None  # other series
