"""Backtest speed: one year of 1m candles (525,600) of one symbol, and ten symbol-years on every
core, with the default detectors and horizons 1, 5, 10, 20 — through the live Engine, one candle
at a time, then the report (baselines, tests, strategy, folds).

Anchor, same run: TA-Lib's batch CDL functions for the same 25 patterns plus numpy forward
returns over the whole year: the floor a vectorised, non-incremental study would cost (no
scoring, no rules, no outcome tracking, nothing live).

Sizes can be reduced for a quick look: BENCH_BACKTEST_CANDLES=100000 BENCH_BACKTEST_SYMBOLS=4.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import talib

from cryptotui import hotpath
from cryptotui.intervals import MINUTE
from cryptotui.models import Candle
from cryptotui.patterns.candlestick import DEFAULT_PATTERNS
from cryptotui.stats.backtest import Job, cores, run_many
from cryptotui.stats.report import build_report
from cryptotui.store.writer import Writer

CANDLES = int(os.environ.get("BENCH_BACKTEST_CANDLES", 525_600))
SYMBOLS = int(os.environ.get("BENCH_BACKTEST_SYMBOLS", 10))
HORIZONS = (1, 5, 10, 20)


def year(seed: int, symbol: str) -> tuple[Candle, ...]:
    rng = np.random.default_rng(seed)
    n = CANDLES
    close = 30_000.0 * np.exp(np.cumsum(rng.normal(0.0, 0.0008, n)))
    open_ = np.concatenate(([30_000.0], close[:-1])) * np.exp(rng.normal(0.0, 0.0001, n))
    hi = np.maximum(open_, close) * (1 + np.abs(rng.normal(0.0, 0.0004, n)))
    lo = np.minimum(open_, close) * (1 - np.abs(rng.normal(0.0, 0.0004, n)))
    vol = rng.lognormal(2.0, 0.6, n)
    cols = [a.tolist() for a in (open_, hi, lo, close, vol)]
    return tuple(
        Candle(symbol, "1m", i * MINUTE, (i + 1) * MINUTE - 1, o, h, low, c, v)
        for i, (o, h, low, c, v) in enumerate(zip(*cols, strict=True))
    )


def anchor(candles: tuple[Candle, ...]) -> float:
    o, h, lo, c = (
        np.array([getattr(x, f) for x in candles]) for f in ("open", "high", "low", "close")
    )
    started = time.perf_counter()
    fired = [getattr(talib, f"CDL{p.upper()}")(o, h, lo, c) for p in DEFAULT_PATTERNS]
    for hz in HORIZONS:
        r = c[hz:] / c[:-hz] - 1.0
        for f in fired:
            mask = f[:-hz] != 0
            r[mask].mean() if mask.any() else 0.0
    return time.perf_counter() - started


def _cpu() -> float:
    """CPU seconds of this process and its finished children: unlike wall time, barely moved
    by other work on the machine."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    one = year(1, "SYM0")
    wall, cpu = time.perf_counter(), _cpu()
    results = run_many([Job("SYM0", "1m", one, horizons=HORIZONS)])
    engine = time.perf_counter() - wall, _cpu() - cpu
    wall, cpu = time.perf_counter(), _cpu()
    report = build_report(results, folds=4)
    reporting = time.perf_counter() - wall, _cpu() - cpu
    wall, cpu = time.perf_counter(), _cpu()
    anchor(one)
    floor = time.perf_counter() - wall, _cpu() - cpu
    n, signals = len(one), results[0].signal_count
    del one, results

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        writer = Writer(db)
        for i in range(SYMBOLS):  # stored, as `backtest --symbols` reads them
            writer.put_many(year(i + 1, f"SYM{i}"))
            writer.flush()
        writer.close()
        jobs = [
            Job(f"SYM{i}", "1m", db=str(db), stored=n, horizons=HORIZONS) for i in range(SYMBOLS)
        ]
        workers = cores()
        wall, cpu = time.perf_counter(), _cpu()
        build_report(run_many(jobs, workers=workers), folds=4)
        many = time.perf_counter() - wall, _cpu() - cpu

    print(f"one symbol: {n:,} 1m candles, {signals:,} signals, {len(report.rows)} report rows")
    print(f"hot path: {hotpath.describe()}")
    print()
    print("| run | wall s | CPU s | candles/s (wall) | µs per candle (CPU) |")
    print("|---|---:|---:|---:|---:|")
    one_ = "1 symbol-year" if n == 525_600 else f"1 symbol × {n:,}"
    all_ = f"{SYMBOLS} symbol-years" if n == 525_600 else f"{SYMBOLS} symbols × {n:,}"
    rows = [
        (f"{one_}, engine (one process)", engine, n),
        (f"{one_}, report (4 folds)", reporting, n),
        (f"**{one_}, total**", (engine[0] + reporting[0], engine[1] + reporting[1]), n),
        (f"{all_} from SQLite, {workers} processes", many, SYMBOLS * n),
        (f"anchor: TA-Lib batch CDL ×{len(DEFAULT_PATTERNS)} + numpy returns", floor, n),
    ]
    for label, (seconds, cpu_s), count in rows:
        print(
            f"| {label} | {seconds:.2f} | {cpu_s:.2f} | {count / seconds:,.0f} "
            f"| {cpu_s / count * 1e6:.2f} |"
        )
