"""µs per candle: the incremental `CandlestickScanner`, compiled (mypyc) and pure Python, vs
the streaming anchors (`talib.stream`, ferro-ta's Rust streaming classes) and TA-Lib's batch CDL
functions.

All rows process the same 20,000-candle random walk on one core (best of 3, in CPU time of this
process: the machine is shared). TA-Lib batch is the
floor (C over whole arrays, results only at the end). `talib.stream` computes the newest candle's
value of a window it is handed: it gets views of the trailing `STREAM_WINDOW` candles (the
longest lookback of the default 25 is 13). The "TA-Lib on a trailing window" row is every batch
CDL function re-run on the last `lookback + 1` candles at each new candle (and not even
bit-identical to full-history results, since the rolling totals then start at a different index).

A second table is what a closed candle costs the `Engine` with the detectors on top of its base
indicators (EMA 20, RSI 14, volume z): each signal is built, scored and handed on (to nothing:
a backtest keeps only what it reads off it), on the same walk with log-normal volumes.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import ferro_ta._ferro_ta as ferro
import numpy as np
import talib
from talib import stream

from benchmarks.builds import builds
from cryptotui.alerts.router import AlertRouter
from cryptotui.engine import Engine
from cryptotui.models import Candle
from cryptotui.patterns.candles import PATTERNS, CandlestickScanner
from cryptotui.patterns.candlestick import DEFAULT_PATTERNS
from cryptotui.stats.backtest import DEFAULT_DETECTORS

CANDLES = 20_000
STREAM_WINDOW = 16
CORE = list(DEFAULT_PATTERNS)
"""The 25 the candlestick detector runs by default."""
ENGINE_SETS: dict[str, tuple[str, ...]] = {
    "none (base indicators)": (),
    "volume_spike": ("volume_spike",),
    "volume_spike, pump_and_dump": ("volume_spike", "pump_and_dump"),
    "candlestick": ("candlestick",),
    f"{', '.join(DEFAULT_DETECTORS)} (backtest default)": tuple(DEFAULT_DETECTORS),
}


def _walk(n: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(42)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, n)))
    open_ = np.r_[close[0], close[:-1]]
    high = np.maximum(open_, close) * (1 + np.abs(rng.normal(0.0, 0.004, n)))
    low = np.minimum(open_, close) * (1 - np.abs(rng.normal(0.0, 0.004, n)))
    return tuple(np.round(a, 2) for a in (open_, high, low, close))


def _best_us_per_candle(run: Callable[[], None], candles: int, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        run()
        best = min(best, time.process_time() - started)
    return best / candles * 1e6


def _scanner(candles: list[Candle], patterns: list[str] | None) -> Callable[[], None]:
    def run() -> None:
        scanner = CandlestickScanner(patterns)
        for c in candles:
            scanner.update(c)

    return run


def _talib_batch(ohlc: tuple[np.ndarray, ...]) -> Callable[[], None]:
    functions = [getattr(talib, f"CDL{n.upper()}") for n in PATTERNS]

    def run() -> None:
        for f in functions:
            f(*ohlc)

    return run


def _talib_trailing(ohlc: tuple[np.ndarray, ...], candles: int) -> Callable[[], None]:
    calls = [(getattr(talib, f"CDL{n.upper()}"), s.lookback + 1) for n, s in PATTERNS.items()]

    def run() -> None:
        for end in range(1, candles + 1):
            for f, width in calls:
                f(*(a[max(0, end - width) : end] for a in ohlc))

    return run


def _talib_stream(ohlc: tuple[np.ndarray, ...]) -> Callable[[], None]:
    functions = [getattr(stream, f"CDL{n.upper()}") for n in CORE]
    o, h, lo, c = ohlc
    w = STREAM_WINDOW

    def run() -> None:
        for end in range(w, CANDLES + 1):
            window = o[end - w : end], h[end - w : end], lo[end - w : end], c[end - w : end]
            for f in functions:
                f(*window)

    return run


def _ferro(candles: list[Candle]) -> Callable[[], None]:
    def run() -> None:
        updates = [getattr(ferro, f"StreamingCdl{n}")().update for n in CORE]
        for candle in candles:
            o, h, lo, c = candle.open, candle.high, candle.low, candle.close
            for update in updates:
                update(o, h, lo, c)

    return run


def _candles(volume: bool = False) -> list[Candle]:
    ohlc = _walk(CANDLES)
    rng = np.random.default_rng(7)
    volumes = rng.lognormal(2.0, 0.6, CANDLES).tolist() if volume else [1.0] * CANDLES
    return [
        Candle("BTCUSDT", "1m", i * 60_000, i * 60_000 + 59_999, o, h, lo, c, v)
        for i, (o, h, lo, c, v) in enumerate(zip(*(a.tolist() for a in ohlc), volumes, strict=True))
    ]


def _engine(candles: list[Candle], detectors: tuple[str, ...]) -> Callable[[], None]:
    def run() -> None:
        engine = Engine(
            ["BTCUSDT"], ["1m"], emit=lambda _ev: None, detectors=detectors,
            router=AlertRouter(min_confidence=2.0),  # no alerts: signals only
        )  # fmt: skip
        for c in candles:
            engine.on_candle(c)

    return run


def engine_figures() -> dict[str, float]:
    """µs per closed candle of the loaded build's engine with each set of `ENGINE_SETS`."""
    candles = _candles(volume=True)
    return {
        label: _best_us_per_candle(_engine(candles, detectors), CANDLES)
        for label, detectors in ENGINE_SETS.items()
    }


def hot_path_figures() -> dict[str, float]:
    """µs per candle of the loaded build's scanner (`builds` runs this again on the pure one)."""
    candles = _candles()
    return {
        "all": _best_us_per_candle(_scanner(candles, None), CANDLES),
        "core": _best_us_per_candle(_scanner(candles, CORE), CANDLES),
        "one": _best_us_per_candle(_scanner(candles, ["engulfing"]), CANDLES),
    }


def main() -> None:
    ohlc = _walk(CANDLES)
    candles = _candles()
    figures = builds(__name__, "hot_path_figures")
    trailing = 2_000  # slow: measured on a prefix
    rows: list[tuple[str, int, float]] = []
    for build, f in figures.items():
        label = f"CandlestickScanner, {build}"
        rows += [
            (label, len(PATTERNS), f["all"]),
            (label, len(CORE), f["core"]),
            (label, 1, f["one"]),
        ]
    rows += [
        (
            f"talib.stream (C; trailing {STREAM_WINDOW}-candle views)",
            len(CORE),
            _best_us_per_candle(_talib_stream(ohlc), CANDLES - STREAM_WINDOW + 1),
        ),
        (
            "ferro-ta streaming classes (Rust)",
            len(CORE),
            _best_us_per_candle(_ferro(candles), CANDLES),
        ),
        (
            "TA-Lib batch, whole series",
            len(PATTERNS),
            _best_us_per_candle(_talib_batch(ohlc), CANDLES),
        ),
        (
            "TA-Lib on a trailing window",
            len(PATTERNS),
            _best_us_per_candle(_talib_trailing(ohlc, trailing), trailing),
        ),
    ]
    print(f"| {CANDLES:,}-candle random walk, best of 3 | patterns | µs/candle |")
    print("|---|---:|---:|")
    for label, count, us in rows:
        print(f"| {label} | {count} | {us:.2f} |")
    engine = builds(__name__, "engine_figures")
    print(f"\n| Engine per closed candle, detectors | {' | '.join(f'{b} µs' for b in engine)} |")
    print("|---|" + "---:|" * len(engine))
    for label in ENGINE_SETS:
        print(f"| {label} | {' | '.join(f'{f[label]:.2f}' for f in engine.values())} |")
