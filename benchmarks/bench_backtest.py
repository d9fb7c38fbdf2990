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
import time

import numpy as np
import talib

from cryptotui.intervals import MINUTE
from cryptotui.models import Candle
from cryptotui.patterns.candlestick import DEFAULT_PATTERNS
from cryptotui.stats.backtest import Job, run_many
from cryptotui.stats.report import build_report

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


def main() -> None:
    one = year(1, "SYM0")
    started = time.perf_counter()
    results = run_many([Job("SYM0", "1m", one, horizons=HORIZONS)])
    engine_s = time.perf_counter() - started
    started = time.perf_counter()
    report = build_report(results, folds=4)
    report_s = time.perf_counter() - started
    floor = anchor(one)

    jobs = [Job(f"SYM{i}", "1m", year(i + 1, f"SYM{i}"), horizons=HORIZONS) for i in range(SYMBOLS)]
    workers = os.cpu_count() or 1
    started = time.perf_counter()
    many = run_many(jobs, workers=workers)
    build_report(many, folds=4)
    many_s = time.perf_counter() - started

    n = len(one)
    signals = len(results[0].signals)
    print(f"one symbol: {n:,} 1m candles, {signals:,} signals, {len(report.rows)} report rows")
    print()
    print("| run | wall s | candles/s | µs per candle |")
    print("|---|---:|---:|---:|")
    rows = [
        ("1 symbol-year, engine (one process)", engine_s, n),
        ("1 symbol-year, report (4 folds)", report_s, n),
        ("**1 symbol-year, total**", engine_s + report_s, n),
        (f"{SYMBOLS} symbol-years, {workers} processes, total", many_s, SYMBOLS * n),
        (f"anchor: TA-Lib batch CDL ×{len(DEFAULT_PATTERNS)} + numpy returns", floor, n),
    ]
    for label, seconds, count in rows:
        print(f"| {label} | {seconds:.2f} | {count / seconds:,.0f} | {seconds / count * 1e6:.2f} |")
