"""Seeded candle series for outcome and backtest tests: a log-normal walk with real shadows."""

from __future__ import annotations

import numpy as np

from cryptotui.intervals import INTERVAL_MS
from cryptotui.models import Candle


def walk(
    n: int, seed: int = 1, symbol: str = "TESTUSDT", interval: str = "1h", start: int = 0
) -> list[Candle]:
    rng = np.random.default_rng(seed)
    step = INTERVAL_MS[interval]
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, n)))
    open_ = np.concatenate(([100.0], close[:-1])) * np.exp(rng.normal(0.0, 0.002, n))
    body_hi, body_lo = np.maximum(open_, close), np.minimum(open_, close)
    high = body_hi * (1.0 + np.abs(rng.normal(0.0, 0.004, n)))
    low = body_lo * (1.0 - np.abs(rng.normal(0.0, 0.004, n)))
    volume = rng.lognormal(3.0, 0.5, n)
    return [
        Candle(symbol, interval, start + i * step, start + (i + 1) * step - 1,
               float(open_[i]), float(high[i]), float(low[i]), float(close[i]), float(volume[i]))
        for i in range(n)
    ]  # fmt: skip


SAW = (99.0, 101.0, 102.0, 100.0)
"""Closes of one sawtooth period: `price crosses above 100` fires on every 99 → 101."""


def sawtooth(periods: int, symbol: str = "SAWUSDT") -> tuple[Candle, ...]:
    """Hourly candles with open = high = low = close following `SAW`, `periods` times."""
    step = INTERVAL_MS["1h"]
    return tuple(
        Candle(symbol, "1h", i * step, (i + 1) * step - 1, c, c, c, c, 10.0)
        for i, c in enumerate(SAW * periods)
    )
