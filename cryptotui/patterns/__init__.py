"""Pattern detection: the detector registry and the detectors that register in it.

`candles.CandlestickScanner` finds TA-Lib's candlestick patterns incrementally;
`candlestick.CandlestickDetector` turns them into Signals; `crypto` holds whale trades, volume
spikes, pumps and dumps and round-number crosses. Importing this package registers them all.
"""

from cryptotui.patterns import candlestick, crypto
from cryptotui.patterns.base import (
    CANDLE_DETECTORS,
    MARKET_DETECTORS,
    build_candle_detectors,
    build_market_detectors,
    check_names,
)

__all__ = [
    "CANDLE_DETECTORS",
    "MARKET_DETECTORS",
    "build_candle_detectors",
    "build_market_detectors",
    "candlestick",
    "check_names",
    "crypto",
]
