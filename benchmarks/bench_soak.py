"""Memory over time: the headless feed and engine (`cryptotui --demo --log`, no UI, no store)
on many symbols of the in-process simulator at high speed, sampling the resident size.

A daemon must level off: everything the feed, engine, detectors, router and tracker keep per
series has to be bounded, or a week of `--log` ends in the OOM killer. The table shows, at each
sample, the simulated hours streamed so far, RSS (from /proc/self/status) and the memory blocks
Python has allocated (`sys.getallocatedblocks`: unlike RSS it falls when objects are freed, so
a peak does not hide later growth). With `BENCH_SOAK_TRACE=1`, tracemalloc snapshots diffed by
source line name whatever grew: from the first sample to the last, and over the second half
only (what has not levelled off).

The simulator is paused during the start-up (symbol list, tickers, 500 candles of warm-up per
series) and tracemalloc starts with the streams, so both measure the steady state only. It runs
in the same process (as with `--demo`): the growers list says which side a growth is on. If the
machine cannot keep up, the simulator drops the connection ("reconnects"): the run then
measures recovery, not the steady state — lower the speed or the symbol count.

Environment (defaults fit `make bench`; the hour run is `BENCH_SOAK_SECONDS=3600`):
    BENCH_SOAK_SECONDS    wall seconds of streaming (180)
    BENCH_SOAK_SYMBOLS    symbols watched (50)
    BENCH_SOAK_INTERVALS  kline intervals (1m,5m)
    BENCH_SOAK_SPEED      simulator speed, × real time (60: ~11,000 frames/s at 50 symbols, which
                          an idle 2-core machine keeps up with; a busy one needs less)
    BENCH_SOAK_SAMPLES    rows in the table (12)
    BENCH_SOAK_TRACE      1: tracemalloc growers (3-4× slower: lower the speed), 0: off (default);
                          the snapshots it keeps are Python objects too, so the blocks column
                          jumps once after the middle sample: read growth from the growers then
    BENCH_SOAK_TOP        growers listed per diff (12)
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import sys
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptotui import headless, sources
from cryptotui.config import load_config
from cryptotui.feed import Endpoints, Feed, feed_factory
from cryptotui.sim import DEFAULT_SYMBOLS, SimExchange


def _env(name: str, default: str) -> str:
    return os.environ.get(f"BENCH_SOAK_{name}", default)


def _symbols(n: int) -> list[str]:
    """The demo market's symbols, then made-up ones (the simulator derives their parameters)."""
    known = list(dict.fromkeys([*DEFAULT_SYMBOLS, *sources.DEMO_MARKET]))
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    made_up = (f"SK{a}{b}USDT" for a in letters for b in letters)
    return [*known, *made_up][:n]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass(slots=True)
class Sample:
    wall_s: float
    sim_h: float
    """Simulated hours streamed: each 1m series has closed sim_h × 60 candles since the start."""
    rss_mb: float
    blocks: int
    """Memory blocks allocated by Python (`sys.getallocatedblocks`)."""
    traced_mb: float
    messages: int
    reconnects: int


def _where(stat: tracemalloc.StatisticDiff) -> str:
    frame = stat.traceback[0]
    name = frame.filename
    for marker in ("/cryptotui/", "/site-packages/", "/lib/python3"):
        if marker in name:
            name = name[name.index(marker) + 1 :]
            break
    return f"{name}:{frame.lineno}"


def print_growers(base: tracemalloc.Snapshot, now: tracemalloc.Snapshot, top: int) -> None:
    keep = (tracemalloc.Filter(False, tracemalloc.__file__),)
    diff = now.filter_traces(keep).compare_to(base.filter_traces(keep), "lineno")
    growers = [d for d in diff if d.size_diff > 0][:top]
    if not growers:
        print("(no source line holds more memory than before)")
        return
    print("| growth KiB | blocks | now KiB | where |")
    print("|---:|---:|---:|---|")
    for d in growers:
        grown, now_kib = d.size_diff / 1024, d.size / 1024
        print(f"| {grown:,.0f} | {d.count_diff:+,} | {now_kib:,.0f} | {_where(d)} |")


class Soak:
    def __init__(self, symbols: list[str], intervals: list[str], speed: float) -> None:
        self.symbols = symbols
        self.intervals = intervals
        self.speed = speed
        self.trace = _env("TRACE", "0") != "0"
        self.feed: Feed | None = None
        self.sim: SimExchange | None = None
        self.samples: list[Sample] = []
        self.snapshots: dict[str, tracemalloc.Snapshot] = {}
        self.started = time.monotonic()
        self.sim_start = 0

    @asynccontextmanager
    async def source(self) -> AsyncIterator[Endpoints]:
        """The watched symbols on a simulator paused until the streams are open."""
        async with SimExchange(symbols=self.symbols, seed=7, speed=0) as sim:
            self.sim = sim
            yield Endpoints(sim.rest_url, sim.ws_url, sources.SIMULATED)

    def make_feed(self, make: Callable[[Endpoints], Feed]) -> Callable[[Endpoints], Feed]:
        def build(endpoints: Endpoints) -> Feed:
            self.feed = make(endpoints)
            return self.feed

        return build

    def sample(self) -> Sample:
        assert self.feed is not None and self.sim is not None
        gc.collect()
        stats = self.feed.stream.stats
        s = Sample(
            time.monotonic() - self.started,
            (self.sim.sim_time_ms() - self.sim_start) / 3_600_000,
            rss_mb(),
            sys.getallocatedblocks(),
            tracemalloc.get_traced_memory()[0] / 2**20 if self.trace else 0.0,
            stats.messages,
            stats.reconnects,
        )
        self.samples.append(s)
        traced = f"traced {s.traced_mb:6.1f} MB  " if self.trace else ""
        print(
            f"  {s.wall_s:6.0f} s  sim {s.sim_h:5.1f} h  RSS {s.rss_mb:6.1f} MB  "
            f"{s.blocks:>10,} blocks  {traced}{s.messages:>11,} msgs  {s.reconnects} reconnects",
            flush=True,
        )
        return s

    async def sampler(self, seconds: float, rows: int) -> None:
        """Once the streams are open: unpause the market, then a sample every `seconds / rows`;
        SIGINT at the end (as a user stops `--log`)."""
        while self.feed is None or self.feed.state.connection_summary()[0] != "open":
            await asyncio.sleep(0.2)
        assert self.sim is not None
        print(f"  streams open after {time.monotonic() - self.started:.0f} s", flush=True)
        if self.trace:
            tracemalloc.start(1)
        self.started, self.sim_start = time.monotonic(), self.sim.sim_time_ms()
        self.sim.speed = self.speed
        self.sample()
        self._snapshot("first")
        every = seconds / rows
        for i in range(1, rows + 1):
            await asyncio.sleep(max(0.0, self.started + i * every - time.monotonic()))
            self.sample()
            if i == rows // 2:
                self._snapshot("middle")
        self._snapshot("last")
        signal.raise_signal(signal.SIGINT)

    def _snapshot(self, name: str) -> None:
        if self.trace:
            self.snapshots[name] = tracemalloc.take_snapshot()

    async def run(self, seconds: float, rows: int) -> None:
        config = load_config(env={})
        make = self.make_feed(feed_factory(config, self.symbols, self.intervals))
        task = asyncio.get_running_loop().create_task(self.sampler(seconds, rows))
        with open(os.devnull, "w") as null:
            await headless.run(self.source(), make, out=null, err=null)
        await task


def report(soak: Soak, top: int) -> None:
    samples = soak.samples
    print()
    print("| wall s | sim h | RSS MB | Δ RSS MB | blocks | Δ blocks | messages | reconnects |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    first = samples[0]
    for s in samples:
        print(
            f"| {s.wall_s:.0f} | {s.sim_h:.1f} | {s.rss_mb:.1f} | {s.rss_mb - first.rss_mb:+.1f} "
            f"| {s.blocks:,} | {s.blocks - first.blocks:+,} | {s.messages:,} | {s.reconnects} |"
        )
    half, last = samples[len(samples) // 2], samples[-1]
    if last.sim_h > half.sim_h:
        hours = last.sim_h - half.sim_h
        rss, blocks = (last.rss_mb - half.rss_mb) / hours, (last.blocks - half.blocks) / hours
        print(f"\nsecond half, per simulated hour: RSS {rss:+.2f} MB, {blocks:+,.0f} blocks")
    snaps = soak.snapshots
    if "last" in snaps:
        print(f"\ntop growers by source line, first sample → last ({top} shown):\n")
        print_growers(snaps["first"], snaps["last"], top)
        print(f"\nstill growing: middle sample → last ({top} shown):\n")
        print_growers(snaps["middle"], snaps["last"], top)
        tracemalloc.stop()


def main() -> None:
    seconds = float(_env("SECONDS", "180"))
    n = int(_env("SYMBOLS", "50"))
    intervals = [iv.strip() for iv in _env("INTERVALS", "1m,5m").split(",") if iv.strip()]
    speed = float(_env("SPEED", "60"))
    rows = max(2, int(_env("SAMPLES", "12")))
    symbols = _symbols(n)
    print(
        f"{len(symbols)} symbols × {','.join(intervals)} on the simulator at {speed:g}×, "
        f"{seconds:g} s wall (BENCH_SOAK_SECONDS), headless feed + engine, no store\n",
        flush=True,
    )
    soak = Soak(symbols, intervals, speed)
    asyncio.run(soak.run(seconds, rows))
    report(soak, int(_env("TOP", "12")))


if __name__ == "__main__":
    main()
