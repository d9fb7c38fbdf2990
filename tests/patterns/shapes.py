"""Textbook chart shapes as candles: straight legs between waypoints, and seeded random walks.

A leg of `bars` candles moves the close in equal steps from the last price to the waypoint's;
each candle opens at the previous close and has shadows of `wick` on both sides, so the swing
points sit exactly on the waypoints (± the wick) and a test can name the candle a formation
must be confirmed on.
"""

from __future__ import annotations

import numpy as np

from cryptotui.models import Candle

MINUTE = 60_000
T0 = 1_767_225_600_000  # 2026-01-01T00:00Z

Leg = tuple[int, float]
"""(candles, price the close reaches at the last of them)."""


def candles(
    legs: list[Leg],
    *,
    start: float = 100.0,
    wick: float = 0.2,
    volume: float = 10.0,
    gaps: dict[int, float] | None = None,
) -> list[Candle]:
    """Candles along the legs; `gaps[i]` shifts candle i's open (and the rest of the series)
    by that much, opening a gap."""
    out: list[Candle] = []
    close = start
    shift = 0.0
    for bars, target in legs:
        step = (target - close) / bars
        for _ in range(bars):
            i = len(out)
            jump = (gaps or {}).get(i, 0.0)
            shift += jump
            open_ = close + shift
            close += step
            c = close + shift
            hi, lo = max(open_, c) + wick, min(open_, c) - wick
            t = T0 + i * MINUTE
            out.append(Candle("TESTUSDT", "1m", t, t + MINUTE - 1, open_, hi, lo, c, volume))
    return out


def mirrored(series: list[Candle], around: float = 200.0) -> list[Candle]:
    """The same candles with the price axis turned upside down (tops become bottoms)."""
    out = []
    for c in series:
        o, h, lo, cl = (around - v for v in (c.open, c.low, c.high, c.close))
        out.append(Candle(c.symbol, c.interval, c.open_time, c.close_time, o, h, lo, cl, c.volume))
    return out


def random_walk(n: int, seed: int, *, start: float = 100.0, vol: float = 0.004) -> list[Candle]:
    """A calm log-normal walk: constant volatility, no gaps (each open is the last close)."""
    rng = np.random.default_rng(seed)
    close = start * np.exp(np.cumsum(rng.normal(0.0, vol, n)))
    open_ = np.r_[start, close[:-1]]
    wick = np.abs(rng.normal(0.0, vol / 2, (2, n)))
    high = np.maximum(open_, close) * (1 + wick[0])
    low = np.minimum(open_, close) * (1 - wick[1])
    volume = rng.lognormal(3.0, 0.5, n)
    return [
        Candle("TESTUSDT", "1m", T0 + i * MINUTE, T0 + (i + 1) * MINUTE - 1, *row)
        for i, row in enumerate(
            zip(*(a.tolist() for a in (open_, high, low, close, volume)), strict=True)
        )
    ]


def first_close(series: list[Candle], after: int, below: float | None = None, above=None) -> int:
    """Index of the first candle after `after` closing below `below` (or above `above`)."""
    for i in range(after + 1, len(series)):
        c = series[i].close
        if (below is not None and c < below) or (above is not None and c > above):
            return i
    raise AssertionError("no such close")
