"""Row builders shared by the store tests."""

from __future__ import annotations

from cryptotui.intervals import interval_ms
from cryptotui.models import Candle
from cryptotui.store.records import SignalRow

T0 = 1_700_000_040_000
"""A minute boundary (2023-11-14T22:14Z), the open time of candle 0 in these tests."""


def candle(symbol: str = "BTCUSDT", interval: str = "1m", i: int = 0, **changes) -> Candle:
    """Candle number `i` of a series: distinct, plausible values derived from `i`."""
    step = interval_ms(interval)
    open_time = T0 // step * step + i * step
    price = 100.0 + i
    fields = {
        "open": price,
        "high": price + 2.0,
        "low": price - 1.0,
        "close": price + 1.0,
        "volume": 10.0 + i,
        "quote_volume": (10.0 + i) * price,
        "trades": 5 + i,
        "taker_buy_volume": 4.0,
        "taker_buy_quote_volume": 4.0 * price,
    }
    fields.update(changes)
    return Candle(symbol, interval, open_time, open_time + step - 1, **fields)


def signal(i: int = 0, **changes) -> SignalRow:
    fields = {
        "time": T0 + i * 60_000,
        "symbol": "BTCUSDT",
        "interval": "1m",
        "kind": "pattern",
        "name": "hammer",
        "direction": "bullish",
        "confidence": 0.5,
        "price": 100.0 + i,
        "factors": {"body": 0.3, "volume_z": 1.5},
        "span_start": T0 + (i - 1) * 60_000,
        "span_end": T0 + i * 60_000,
        "message": f"signal {i}",
    }
    fields.update(changes)
    return SignalRow(**fields)
