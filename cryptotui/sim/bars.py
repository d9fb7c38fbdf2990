"""Candles inside the simulator: the mutable open `Bar` and the columnar closed-candle `BarStore`.

Live candles are built from 1 s bars: each trade updates only the current 1 s bar, and every
closed 1 s bar is folded into the open bar of every longer interval. One fold per second per
interval is cheaper than touching 15 bars per trade, and it makes "a 1h candle is the aggregate of
its 1m candles" true by construction.

Closed candles are stored column-wise in `array` buffers (about 100 bytes per candle), holding the
pre-start history and the live candles in one contiguous, capped sequence, so REST can serve any
range without holes.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from cryptotui.intervals import INTERVAL_MS, candle_open

INTERVALS: tuple[str, ...] = (*INTERVAL_MS, "1M")
"""Every interval the simulator produces, shortest first."""

_FLOAT_COLS = ("o", "h", "l", "c", "v", "q", "V", "Q")
_INT_COLS = ("t", "T", "n", "f", "L")


def bounds(ts_ms: int, interval: str) -> tuple[int, int]:
    """Open and close time of the `interval` candle containing `ts_ms` (1M = calendar month)."""
    if interval != "1M":
        start = candle_open(ts_ms, interval)
        return start, start + INTERVAL_MS[interval] - 1
    d = datetime.fromtimestamp(ts_ms / 1000, UTC)
    month = datetime(d.year, d.month, 1, tzinfo=UTC)
    nxt = datetime(d.year + d.month // 12, d.month % 12 + 1, 1, tzinfo=UTC)
    return int(month.timestamp() * 1000), int(nxt.timestamp() * 1000) - 1


def bucket_open(ts: np.ndarray, interval: str) -> np.ndarray:
    """Vectorised `bounds(...)[0]`."""
    if interval == "1M":
        return (
            ts.astype("datetime64[ms]")
            .astype("datetime64[M]")
            .astype("datetime64[ms]")
            .view(np.int64)
        )
    step = INTERVAL_MS[interval]
    offset = candle_open(0, interval) % step
    return (ts - offset) // step * step + offset


def bucket_close(opens: np.ndarray, interval: str) -> np.ndarray:
    if interval == "1M":
        months = opens.astype("datetime64[ms]").astype("datetime64[M]") + 1
        return months.astype("datetime64[ms]").view(np.int64) - 1
    return opens + INTERVAL_MS[interval] - 1


def fmt(x: float) -> str:
    """Binance's decimal text: 8 fractional digits."""
    return f"{x:.8f}"


@dataclass(slots=True)
class Bar:
    """One candle; f/L are -1 and o=h=l=c=previous close while it has no trades."""

    open_time: int
    close_time: int
    open: float
    high: float
    low: float
    close: float
    volume: float = 0.0
    quote_volume: float = 0.0
    trades: int = 0
    taker_volume: float = 0.0
    taker_quote: float = 0.0
    first_id: int = -1
    last_id: int = -1

    @classmethod
    def empty(cls, open_time: int, close_time: int, price: float) -> Bar:
        return cls(open_time, close_time, price, price, price, price)

    def add_trade(
        self, price: float, qty: float, seller_taker: bool, first_id: int, last_id: int
    ) -> None:
        if self.trades == 0:
            self.open = self.high = self.low = price
            self.first_id = first_id
        elif price > self.high:
            self.high = price
        elif price < self.low:
            self.low = price
        self.close = price
        self.last_id = last_id
        self.trades += last_id - first_id + 1
        quote = price * qty
        self.volume += qty
        self.quote_volume += quote
        if not seller_taker:
            self.taker_volume += qty
            self.taker_quote += quote

    def merge(self, later: Bar) -> None:
        """Fold a later, non-empty bar of a shorter interval into this one."""
        if self.trades == 0:
            self.open, self.high, self.low = later.open, later.high, later.low
            self.first_id = later.first_id
        else:
            self.high = max(self.high, later.high)
            self.low = min(self.low, later.low)
        self.close = later.close
        self.last_id = later.last_id
        self.trades += later.trades
        self.volume += later.volume
        self.quote_volume += later.quote_volume
        self.taker_volume += later.taker_volume
        self.taker_quote += later.taker_quote

    def copy(self) -> Bar:
        return Bar(*(getattr(self, name) for name in Bar.__slots__))

    def merged(self, later: Bar) -> Bar:
        out = self.copy()
        if later.trades:
            out.merge(later)
        return out

    def row(self) -> list:
        """REST kline row `[t, o, h, l, c, v, T, q, n, V, Q, "0"]`."""
        return [
            self.open_time,
            fmt(self.open),
            fmt(self.high),
            fmt(self.low),
            fmt(self.close),
            fmt(self.volume),
            self.close_time,
            fmt(self.quote_volume),
            self.trades,
            fmt(self.taker_volume),
            fmt(self.taker_quote),
            "0",
        ]


class BarStore:
    """Closed candles of one (symbol, interval), oldest first, at most `cap` of them."""

    __slots__ = ("L", "Q", "T", "V", "c", "cap", "f", "h", "l", "n", "o", "q", "t", "v")
    # One array per kline column (set by name in __init__), as the REST row names them.
    o: array[float]
    h: array[float]
    l: array[float]  # noqa: E741
    c: array[float]
    v: array[float]
    q: array[float]
    V: array[float]
    Q: array[float]
    t: array[int]
    T: array[int]
    n: array[int]
    f: array[int]
    L: array[int]

    def __init__(self, cols: dict[str, np.ndarray], cap: int) -> None:
        for name in _FLOAT_COLS:
            setattr(self, name, array("d", np.ascontiguousarray(cols[name], np.float64).tobytes()))
        for name in _INT_COLS:
            setattr(self, name, array("q", np.ascontiguousarray(cols[name], np.int64).tobytes()))
        self.cap = max(cap, len(self.t))

    def __len__(self) -> int:
        return len(self.t)

    def append(self, bar: Bar) -> None:
        self.t.append(bar.open_time)
        self.T.append(bar.close_time)
        self.o.append(bar.open)
        self.h.append(bar.high)
        self.l.append(bar.low)
        self.c.append(bar.close)
        self.v.append(bar.volume)
        self.q.append(bar.quote_volume)
        self.n.append(bar.trades)
        self.V.append(bar.taker_volume)
        self.Q.append(bar.taker_quote)
        self.f.append(bar.first_id)
        self.L.append(bar.last_id)
        excess = len(self.t) - self.cap
        if excess > self.cap // 8:  # trim in chunks: each trim moves the whole buffer
            for name in BarStore.__slots__:
                if name != "cap":
                    del getattr(self, name)[:excess]

    def bar(self, i: int) -> Bar:
        return Bar(
            self.t[i],
            self.T[i],
            self.o[i],
            self.h[i],
            self.l[i],
            self.c[i],
            self.v[i],
            self.q[i],
            self.n[i],
            self.V[i],
            self.Q[i],
            self.f[i],
            self.L[i],
        )

    def rows(self, start: int, stop: int) -> list[list]:
        return [self.bar(i).row() for i in range(start, stop)]

    def index_ge(self, open_time: int) -> int:
        return bisect_left(self.t, open_time)

    def index_gt(self, open_time: int) -> int:
        return bisect_right(self.t, open_time)
