"""UI speed: frame time and event-loop lag under load, CPU at normal speed, chart renderer.

1. The real app (headless driver, 160×48) with the real feed, stream client and engine, 50
   symbols (24 h ticker + 1m klines each, `!miniTicker@arr`, the BTCUSDT chart) streaming from
   the simulator running at 100× in a separate process. The feed runs in its own process, as
   `run_tui` runs it (`ui.feed_process`); the anchor beside it runs the feed in a thread of the
   app's process (the arrangement before). Measured on the UI loop:
   - pull: one snapshot pull (state → widgets: watchlist rows, chart series, alerts, status),
   - paint: one screen update (layout, compositor, line rendering; the terminal write itself
     is not included — the headless driver discards it),
   - event-loop lag: how late a 10 ms sleep on the UI loop wakes up.
   Targets: frame (pull + paint) p99 < 33 ms (30 fps), loop lag p99 < 20 ms. Both are wall
   times: a feed thread shares the GIL, so they include waiting for it.
2. CPU share of the app's process and of the feed's (the simulator runs in a third) with the
   same 50 symbols at normal speed, and of the UI thread alone. Target: app + feed < 10 %.
3. The chart renderer chosen by measurement: plotext 5.3.2 candlesticks (+ parsing its ANSI
   output into Rich Text, as textual-plotext does) against our Strip renderer, same area.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.simproc import sim_process
from cryptotui.config import load_config
from cryptotui.feed import feed_factory, serve
from cryptotui.state import MarketState
from cryptotui.ui.app import CryptoTUI
from cryptotui.ui.feed_process import FeedProcess
from cryptotui.ui.feed_thread import FeedRunner, FeedThread
from cryptotui.ui.launch import calm_gc

SYMBOLS = [
    "BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT", "ADAUSDT", "AVAXUSDT",
    "LINKUSDT", "DOTUSDT", "TRXUSDT", "LTCUSDT", "BCHUSDT", "ATOMUSDT", "NEARUSDT", "UNIUSDT",
    "APTUSDT", "ARBUSDT", "OPUSDT", "FILUSDT", "ETCUSDT", "XLMUSDT", "ICPUSDT", "HBARUSDT",
    "VETUSDT", "INJUSDT", "SUIUSDT", "SEIUSDT", "TIAUSDT", "RUNEUSDT", "AAVEUSDT", "MKRUSDT",
    "GRTUSDT", "ALGOUSDT", "SANDUSDT", "MANAUSDT", "AXSUSDT", "EGLDUSDT", "THETAUSDT", "FTMUSDT",
    "XTZUSDT", "EOSUSDT", "FLOWUSDT", "CHZUSDT", "KAVAUSDT", "ZECUSDT", "DASHUSDT", "NEOUSDT",
    "IOTAUSDT", "QNTUSDT",
]  # fmt: skip


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of another process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run_app(speed: float, seconds: float, process: bool = True) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "config.toml"
        empty.write_text("")
        config = load_config(empty, env={})
    state = MarketState(SYMBOLS)
    make = feed_factory(config, SYMBOLS, ["1m"], state=state, overview=True)
    source = sim_process(SYMBOLS, speed)
    runner: FeedRunner
    if process:
        runner = FeedProcess(source, make, state)
    else:

        async def feed_main(stop: asyncio.Event) -> None:
            await serve(source, lambda ep: thread.attach(make(ep)), stop)

        runner = thread = FeedThread(feed_main)
    pulls: list[float] = []

    class TimedTUI(CryptoTUI):
        def pull_snapshot(self, full: bool = False) -> None:
            t = time.perf_counter()
            super().pull_snapshot(full)
            if measuring:
                pulls.append((time.perf_counter() - t) * 1000)

    measuring = False
    app = TimedTUI(state, runner, source_label="SIMULATED", intervals=["1m"])
    calm_gc()  # as `run_tui` does
    if isinstance(runner, FeedProcess):
        runner.start()  # as `run_tui` does: before the app's threads
    paints: list[float] = []
    lags: list[float] = []
    result: dict = {}
    async with app.run_test(size=(160, 48)) as pilot:
        deadline = time.monotonic() + 60
        while (
            not all(r.version for r in state.rows())
            or len(app.dashboard.chart.points) < 100
            or not state.health.messages
        ):
            if time.monotonic() > deadline:
                raise RuntimeError("the feed did not stream every symbol and the chart in 60 s")
            await asyncio.sleep(0.1)
        await pilot.pause(1.0)
        screen = app.dashboard
        paint = screen._on_timer_update

        def timed_paint() -> None:
            t = time.perf_counter()
            paint()
            paints.append((time.perf_counter() - t) * 1000)

        screen._update_timer._callback = timed_paint  # the screen's repaint timer
        measuring = running = True

        async def sampler() -> None:
            while running:
                t = time.perf_counter()
                await asyncio.sleep(0.010)
                lags.append(max(0.0, (time.perf_counter() - t - 0.010) * 1000))

        task = asyncio.create_task(sampler())
        child = runner._process.pid if isinstance(runner, FeedProcess) else None
        messages0, wall0 = state.health.messages, time.monotonic()
        cpu0, ui0 = time.process_time(), time.thread_time()
        feed0 = cpu_seconds(child) if child else 0.0
        await asyncio.sleep(seconds)
        cpu1, ui1 = time.process_time(), time.thread_time()
        feed1 = cpu_seconds(child) if child else 0.0
        wall = time.monotonic() - wall0
        measuring = running = False
        await task
        result = {
            "pulls": pulls,
            "paints": paints,
            "lags": lags,
            "msgs": (state.health.messages - messages0) / wall,
            "cpu": (cpu1 - cpu0) / wall,
            "feed_cpu": (feed1 - feed0) / wall,
            "ui_cpu": (ui1 - ui0) / wall,
            "chart_renders": app.dashboard.chart.renders,
        }
    return result


def _plotext_frame(candles: list, size: tuple[int, int]) -> None:
    """What a textual-plotext chart does per frame: build the plot, parse its ANSI output."""
    import plotext as plt
    from rich.text import Text

    plt.clear_figure()
    plt.plotsize(*size)
    plt.date_form("H:M")
    dates = [f"{i // 60 % 24:02d}:{i % 60:02d}" for i in range(len(candles))]
    data = {
        "Open": [c.open for c in candles],
        "Close": [c.close for c in candles],
        "High": [c.high for c in candles],
        "Low": [c.low for c in candles],
    }
    plt.candlestick(dates, data)
    Text.from_ansi(plt.build())


def _our_frame(series, size: tuple[int, int], opts, styles) -> None:
    from cryptotui.ui.widgets.candles import render_chart

    render_chart(series.points, (), *size, opts, styles, 2, "1m")


def chart_renderers() -> list[tuple[int, float, float]]:
    from rich.style import Style

    from cryptotui.models import Candle
    from cryptotui.ui.services.chart_data import ChartSeries
    from cryptotui.ui.widgets.candles import ChartOptions, ChartStyles

    out = []
    for n in (60, 240):
        candles = [
            Candle("X", "1m", i * 60_000, i * 60_000 + 59_999, 100 + i % 7, 104 + i % 5,
                   97 + i % 3, 101 + i % 9, 10.0 + i % 4)
            for i in range(n)
        ]  # fmt: skip
        size = (max(80, n + 10), 40)
        series = ChartSeries("X", "1m")
        series.load(candles)
        styles = ChartStyles(*[Style(color="green")] * 19)
        opts = ChartOptions(ma="sma", sub="rsi", volume=True, step=1)
        timings = []
        for fn in (_plotext_frame, _our_frame):
            args = (candles, size) if fn is _plotext_frame else (series, size, opts, styles)
            fn(*args)
            t = time.perf_counter()
            for _ in range(10):
                fn(*args)
            timings.append((time.perf_counter() - t) / 10 * 1000)
        out.append((n, timings[0], timings[1]))
    return out


def main() -> None:
    print("chart build, same area (ms per frame; plotext includes Text.from_ansi):")
    print(f"{'candles':>8} {'plotext 5.3.2':>14} {'cryptotui':>10}")
    for n, plotext_ms, ours_ms in chart_renderers():
        print(f"{n:>8} {plotext_ms:>14.1f} {ours_ms:>10.1f}")
    print()
    for process, where in ((True, "feed process"), (False, "anchor: feed thread")):
        load = asyncio.run(run_app(speed=100.0, seconds=30.0, process=process))
        report(f"{where}: 50 symbols at 100x sim speed, 160x48, 30 s", load)
        idle = asyncio.run(run_app(speed=1.0, seconds=15.0, process=process))
        report(f"{where}: the same at normal speed (what Binance sends), 15 s", idle)


def report(title: str, run: dict) -> None:
    frames = [a + b for a, b in zip(run["pulls"], run["paints"], strict=False)]
    print(f"{title}: {run['msgs']:,.0f} messages/s through the feed, {len(run['pulls'])} pulls, "
          f"{len(run['paints'])} paints, {run['chart_renders']} chart draws")  # fmt: skip
    print(f"{'':<24} {'mean ms':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  target")
    for label, values, target in (
        ("snapshot pull", run["pulls"], ""),
        ("screen paint", run["paints"], ""),
        ("frame (pull + paint)", frames, "p99 < 33"),
        ("event-loop lag", run["lags"], "p99 < 20"),
    ):
        print(
            f"{label:<24} {statistics.fmean(values):>8.2f} {pct(values, 50):>8.2f} "
            f"{pct(values, 99):>8.2f} {max(values):>8.2f}  {target}"
        )
    total = run["cpu"] + run["feed_cpu"]
    print(f"CPU of one core: app + feed {total:.1%} (target < 10 % at normal speed): app "
          f"process {run['cpu']:.1%} (UI thread {run['ui_cpu']:.1%}), feed process "
          f"{run['feed_cpu']:.1%}; the simulator runs in a process of its own\n")  # fmt: skip


if __name__ == "__main__":
    main()
