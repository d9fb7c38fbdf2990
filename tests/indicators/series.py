"""Generated candle series shared by the indicator tests: the shapes that break indicators.

Every series is a random walk of 1-minute candles plus one stress: flat stretches (h = l = c,
the 0/0 cases), price gaps and missing time, zero volume, huge and tiny price scales.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cryptotui.models import Candle

KINDS = ("walk", "flat", "gaps", "zero_volume", "huge", "tiny")
T0 = 1_699_999_980_000  # 2023-11-14 22:13 UTC: every series crosses a UTC midnight
MINUTE = 60_000


@dataclass(frozen=True)
class Series:
    time: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray

    def candles(self) -> list[Candle]:
        return [
            Candle("TEST", "1m", int(t), int(t) + MINUTE - 1, o, h, lo, c, v)
            for t, o, h, lo, c, v in zip(
                self.time,
                self.open.tolist(),
                self.high.tolist(),
                self.low.tolist(),
                self.close.tolist(),
                self.volume.tolist(),
                strict=True,
            )
        ]


def market(kind: str = "walk", n: int = 1000, seed: int = 7) -> Series:
    rng = np.random.default_rng(seed)
    close = 30_000.0 * np.exp(np.cumsum(rng.normal(0.0, 0.002, n)))
    volume = rng.lognormal(2.0, 1.0, n)
    time = T0 + np.arange(n, dtype=np.int64) * MINUTE
    flat: list[tuple[int, int]] = []
    if kind == "flat":
        # A long flat stretch (RSI/ADX decay), one at an exactly representable price, and
        # several shorter than the periods (windows partly flat).
        flat = [(150, 260), (400, 430), (600, 605), (700, 703), (800, 840)]
        for a, b in flat:
            close[a:b] = close[a - 1]
        close[400:430] = 30_000.25
    elif kind == "gaps":
        close[n // 3 :] *= 1.35
        close[2 * n // 3 :] *= 0.55
        time[n // 2 :] += 9 * 60 * MINUTE
    elif kind == "zero_volume":
        volume[100:180] = 0.0
        volume[::5] = 0.0
    elif kind == "huge":
        close *= 4e7  # ~1.2e12
        volume *= 1e9
    elif kind == "tiny":
        close *= 4e-10  # ~1.2e-5, a PEPE/SHIB-like quote
        volume *= 1e9
    close = np.round(close, 10) if kind == "tiny" else np.round(close, 2)
    open_ = np.concatenate(([close[0]], close[:-1]))
    wick = np.abs(rng.normal(0.0, 0.001, (2, n))) * close
    high = np.maximum(open_, close) + wick[0]
    low = np.minimum(open_, close) - wick[1]
    for a, b in flat:
        open_[a:b] = high[a:b] = low[a:b] = close[a:b]
    return Series(time, open_, high, low, close, volume)
