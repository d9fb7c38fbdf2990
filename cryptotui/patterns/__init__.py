"""Pattern detection: the detector registry and the detectors that register in it.

`candles.CandlestickScanner` finds TA-Lib's candlestick patterns incrementally;
`candlestick.CandlestickDetector` turns them into Signals; `crypto` holds whale trades, volume
spikes, pumps and dumps and round-number crosses; `chart` the chart formations (double tops,
head and shoulders, triangles, flags, gaps, ...), `levels` support and resistance,
`trendlines` trendline breaks and `divergence` oscillator divergences, all over the swing
points of `swings`, and accumulation/distribution phases; `trend` the Mann–Kendall trend
reversal. Importing this package registers them all.
"""

from cryptotui.patterns import candlestick, chart, crypto, divergence, levels, trend, trendlines
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
    "chart",
    "check_names",
    "crypto",
    "divergence",
    "levels",
    "trend",
    "trendlines",
]
