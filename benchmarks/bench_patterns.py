"""µs per candle: the incremental `CandlestickScanner` vs TA-Lib's batch CDL functions.

All rows process the same 20,000-candle random walk on one core (best of 3). TA-Lib batch is the
floor (C over whole arrays, results only at the end). The "TA-Lib on a trailing window" row is
what live use of TA-Lib would cost instead of the scanner: every CDL function re-run on the last
`lookback + 1` candles at each new candle (and not even bit-identical to full-history results,
since the rolling totals then start at a different index).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import talib

from cryptotui.models import Candle
from cryptotui.patterns.candles import PATTERNS, CandlestickScanner

CANDLES = 20_000
CORE = [  # the classic subset most dashboards show
    "doji",
    "dragonflydoji",
    "gravestonedoji",
    "hammer",
    "hangingman",
    "invertedhammer",
    "shootingstar",
    "engulfing",
    "harami",
    "haramicross",
    "piercing",
    "darkcloudcover",
    "morningstar",
    "eveningstar",
    "morningdojistar",
    "eveningdojistar",
    "3whitesoldiers",
    "3blackcrows",
    "marubozu",
    "spinningtop",
    "3inside",
    "3outside",
    "matchinglow",
    "kicking",
    "abandonedbaby",
]


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
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
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


def main() -> None:
    ohlc = _walk(CANDLES)
    candles = [
        Candle("BTCUSDT", "1m", i * 60_000, i * 60_000 + 59_999, o, h, lo, c, 1.0)
        for i, (o, h, lo, c) in enumerate(zip(*(a.tolist() for a in ohlc), strict=True))
    ]
    trailing = 2_000  # slow: measured on a prefix
    rows = [
        ("CandlestickScanner, incremental", len(PATTERNS), _scanner(candles, None), CANDLES),
        ("CandlestickScanner, incremental", len(CORE), _scanner(candles, CORE), CANDLES),
        ("CandlestickScanner, incremental", 1, _scanner(candles, ["engulfing"]), CANDLES),
        ("TA-Lib batch, whole series", len(PATTERNS), _talib_batch(ohlc), CANDLES),
        ("TA-Lib on a trailing window", len(PATTERNS), _talib_trailing(ohlc, trailing), trailing),
    ]
    print(f"| {CANDLES:,}-candle random walk, best of 3 | patterns | µs/candle |")
    print("|---|---:|---:|")
    for label, count, run, n in rows:
        print(f"| {label} | {count} | {_best_us_per_candle(run, n):.2f} |")


if __name__ == "__main__":
    main()
