"""µs per candle of the swing-point detectors: chart formations, support/resistance, trendlines,
divergences, accumulation/distribution phases; and of the engine with and without them.

All rows process the same 20,000-candle random walk on one core (best of 3, in CPU time of this
process: other work on the machine barely moves it). The engine rows
run indicators, detectors and scoring for one (symbol, interval) through `Engine.on_candle`, as
live: the default candle detectors, then the same plus every detector here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

import numpy as np

from cryptotui.engine import Engine
from cryptotui.models import Candle
from cryptotui.patterns import CANDLE_DETECTORS
from cryptotui.patterns.chart import ChartDetector
from cryptotui.patterns.swings import Tape

CANDLES = 20_000
DEFAULT = ["candlestick", "volume_spike", "pump_and_dump"]
"""The candle detectors of the default configuration."""
NEW = ["chart", "sr_levels", "trendlines", "divergence", "ad_phase"]


def _walk(n: int) -> list[Candle]:
    rng = np.random.default_rng(42)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.004, n)))
    open_ = np.r_[100.0, close[:-1]]
    high = np.maximum(open_, close) * (1 + np.abs(rng.normal(0.0, 0.002, n)))
    low = np.minimum(open_, close) * (1 - np.abs(rng.normal(0.0, 0.002, n)))
    volume = rng.lognormal(3.0, 0.5, n)
    rows = zip(*(a.tolist() for a in (open_, high, low, close, volume)), strict=True)
    return [
        Candle("BTCUSDT", "1m", i * 60_000, i * 60_000 + 59_999, *row) for i, row in enumerate(rows)
    ]


def _drop(_event: object) -> None:
    """The engine's consumer: the cost measured is the engine's own."""


def _best_us_per_candle(run: Callable[[], None], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        run()
        best = min(best, time.process_time() - started)
    return best / CANDLES * 1e6


def _feed(make: Callable[[], object], candles: list[Candle]) -> Callable[[], None]:
    def run() -> None:
        step = make().on_candle  # type: ignore[attr-defined]
        for c in candles:
            step(c)

    return run


def _tape(candles: list[Candle]) -> Callable[[], None]:
    def run() -> None:
        tape = Tape(5, 3)
        for c in candles:
            tape.update(c)

    return run


def main() -> None:
    candles = _walk(CANDLES)
    rows: list[tuple[str, Callable[[], None]]] = [
        ("swing points + ATR + zigzag (the shared Tape)", _tape(candles)),
        ("`chart`, all 11 formations", _feed(lambda: ChartDetector("BTCUSDT", "1m"), candles)),
    ]
    for names in (("double_top", "double_bottom"), ("head_shoulders",), ("rectangle",),
                  ("flag", "pennant"), ("gap",)):  # fmt: skip
        label = f"`chart`, {' + '.join(names)} only"
        rows.append((label, _feed(lambda n=names: ChartDetector("BTCUSDT", "1m", n), candles)))
    for name in NEW[1:]:
        make = CANDLE_DETECTORS[name]
        rows.append((f"`{name}`", _feed(lambda m=make: m("BTCUSDT", "1m"), candles)))
    for label, detectors in (("default candle detectors", DEFAULT),
                             ("default + the five above", DEFAULT + NEW)):  # fmt: skip
        engine = partial(Engine, ["BTCUSDT"], ["1m"], emit=_drop, detectors=detectors)
        rows.append((f"engine, {label}", _feed(engine, candles)))
    print(f"| {CANDLES:,}-candle random walk, best of 3 | µs/candle |")
    print("|---|---:|")
    for label, run in rows:
        print(f"| {label} | {_best_us_per_candle(run):.2f} |")


if __name__ == "__main__":
    main()
