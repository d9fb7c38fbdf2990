"""Binance kline intervals and their lengths.

Inside cryptotui time is integer milliseconds UTC. Month candles (`1M`) have no fixed length, so
code that needs a candle's boundaries takes them from the exchange (`t`/`T`), and uses
`interval_ms` only for fixed intervals (everything up to `1w`).
"""

from __future__ import annotations

SECOND = 1_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR

INTERVAL_MS: dict[str, int] = {
    "1s": SECOND,
    "1m": MINUTE,
    "3m": 3 * MINUTE,
    "5m": 5 * MINUTE,
    "15m": 15 * MINUTE,
    "30m": 30 * MINUTE,
    "1h": HOUR,
    "2h": 2 * HOUR,
    "4h": 4 * HOUR,
    "6h": 6 * HOUR,
    "8h": 8 * HOUR,
    "12h": 12 * HOUR,
    "1d": DAY,
    "3d": 3 * DAY,
    "1w": 7 * DAY,
}
"""Fixed-length intervals. `1M` (calendar month) is valid on Binance but has no fixed length."""

INTERVALS: tuple[str, ...] = (*INTERVAL_MS, "1M")
"""Every interval string Binance accepts, shortest first (case-sensitive: `1m` ≠ `1M`)."""

# 1970-01-01 was a Thursday; Binance weeks start on Monday 00:00 UTC.
_WEEK_OFFSET = 4 * DAY


def interval_ms(interval: str) -> int:
    """Length of a fixed interval in ms; ValueError names the valid choices otherwise."""
    try:
        return INTERVAL_MS[interval]
    except KeyError:
        raise ValueError(
            f"unknown or variable-length interval {interval!r}; use one of {', '.join(INTERVAL_MS)}"
        ) from None


def candle_open(ts_ms: int, interval: str) -> int:
    """Open time of the candle of `interval` that contains `ts_ms` (UTC buckets)."""
    step = interval_ms(interval)
    offset = _WEEK_OFFSET if interval == "1w" else 0
    return (ts_ms - offset) // step * step + offset
