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
