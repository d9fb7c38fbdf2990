"""`cryptotui analyze` end to end — a 200,000-candle CSV in, 16 indicators' columns out as CSV —
against the same job written with talipp: the CSV read with the `csv` module, each candle fed to
talipp's 16 equivalent indicators, each row written with `csv.writer` (floats as `repr`, like
ours). Target (#13): ours ≥ 10× faster.

The 16 are bench_indicators' SET16, the indicators every anchor there has (talipp's closest
equivalents, as that bench uses them). The hot path build (compiled or pure Python,
`cryptotui.hotpath`) is printed with the table. talipp is timed on the first 20,000 candles of
the same file (it is the slow one) and reported per candle like the rest. Rows for ours:
pyarrow's bulk CSV path (the `fast` extra), the `csv`-module path that runs without pyarrow (the
same bytes), and the 16 indicators alone with no IO, i.e. what the IO costs on top. Wall and CPU
time, best of 5: on a shared machine wall time moves with everyone else's load (the table says
the load average it started at); CPU time also counts the reader and writer threads that wall
time overlaps. Ours formats the CSV on a second core, so its wall time is below its CPU time only
while a core is free.

BENCH_ANALYZE_CANDLES=50000 for a quicker look.
"""

from __future__ import annotations

import csv
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from talipp.ohlcv import OHLCV

from benchmarks.bench_indicators import SET16 as SPEC
from benchmarks.bench_indicators import TALIPP, candles
from cryptotui import hotpath
from cryptotui.analyze import analyze, candle_chunks, read_candles
from cryptotui.indicators import build

N = int(os.environ.get("BENCH_ANALYZE_CANDLES", 200_000))
TALIPP_N = min(N, 20_000)
REPEATS = 5
SET16 = tuple(SPEC.split(","))


def write_input(path: Path, n: int) -> None:
    with path.open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["open_time", "open", "high", "low", "close", "volume"])
        writer.writerows(
            (c.open_time, c.open, c.high, c.low, c.close, c.volume) for c in candles(n)
        )


def timed(job: Callable[[], object]) -> tuple[float, float]:
    """Best (wall, CPU) seconds of REPEATS runs; CPU counts every thread (pyarrow's reader and
    the writer thread), wall shows what a second core takes off."""
    wall = cpu = float("inf")
    for _ in range(REPEATS):
        started, started_cpu = time.perf_counter(), time.process_time()
        job()
        wall = min(wall, time.perf_counter() - started)
        cpu = min(cpu, time.process_time() - started_cpu)
    return wall, cpu


def ours(source: Path, target: Path, *, fast: bool) -> None:
    analyze(candle_chunks(source, fast=fast), lambda: 0, str(target), indicators=SPEC, fast=fast)


def indicators_alone(source: Path) -> Callable[[], None]:
    series = list(read_candles(source))

    def run() -> None:
        updates = [ind.update for ind in build(SPEC)]
        for candle in series:
            for update in updates:
                update(candle)

    return run


def talipp_job(source: Path, target: Path, n: int) -> None:
    """What a talipp user writes for the same job."""
    made = [(factory(), kind) for factory, kind in (TALIPP[item] for item in SET16)]
    with source.open(newline="") as f, target.open("w", newline="") as out:
        reader = csv.reader(f)
        next(reader)
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["open_time", *SET16])
        for _, row in zip(range(n), reader, strict=False):
            t = int(row[0])
            o, h, lo, c, v = map(float, row[1:6])
            bar = OHLCV(o, h, lo, c, v)
            cells: list[object] = [t]
            for indicator, kind in made:
                indicator.add(c if kind == "close" else v if kind == "volume" else bar)  # type: ignore[attr-defined]
                value = indicator[-1]  # type: ignore[index]
                if value is None or isinstance(value, float):
                    cells.append(value)
                else:  # MACDVal, BBVal, ...: one cell per field
                    cells.extend(vars(value).values())
            writer.writerow(cells)


def main() -> None:
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / "candles.csv", Path(tmp) / "out.csv"
        write_input(source, N)
        fast = timed(lambda: ours(source, target, fast=True))
        slow = timed(lambda: ours(source, target, fast=False))
        alone = timed(indicators_alone(source))
        theirs = timed(lambda: talipp_job(source, target, TALIPP_N))
    print(
        f"{N:,} generated 1m candles × {len(SET16)} indicators ({SPEC}); talipp on the first "
        f"{TALIPP_N:,}. Hot path: {hotpath.describe()}. µs per candle, best of {REPEATS}. "
        f"Load average at the start: {load:.2f} ({os.cpu_count()} cores).\n"
    )
    print("| job | wall µs | CPU µs | talipp job / this (wall) | (CPU) |")
    print("|---|---:|---:|---:|---:|")
    rows = [
        ("**cryptotui analyze, CSV in and out (pyarrow)**", fast, N),
        ("cryptotui analyze without pyarrow (`csv` module, same bytes)", slow, N),
        ("cryptotui: the 16 indicators alone, no IO", alone, N),
        ("anchor: talipp job (`csv` reader, talipp, `csv.writer`)", theirs, TALIPP_N),
    ]
    anchor = [s / TALIPP_N * 1e6 for s in theirs]
    for label, (wall, cpu), n in rows:
        us = wall / n * 1e6, cpu / n * 1e6
        print(
            f"| {label} | {us[0]:.2f} | {us[1]:.2f} | {anchor[0] / us[0]:.1f}× "
            f"| {anchor[1] / us[1]:.1f}× |"
        )
    ratio = anchor[0] / (fast[0] / N * 1e6)
    print(f"\nTarget ≥ 10× (wall): {'met' if ratio >= 10 else 'not met'} ({ratio:.1f}×).")
