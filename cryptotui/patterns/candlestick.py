"""TA-Lib's candlestick patterns as a detector: one Signal per pattern that fires on a candle.

Signal names are `cdl_<talib name>` (as in `cryptotui analyze --patterns`). Significance comes
from the size of the pattern's last candle against the recent average range: a textbook
engulfing on a candle twice the usual size means more than one inside the noise.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from cryptotui.models import Candle, Direction, Signal
from cryptotui.patterns.base import candle_detector, candle_signal
from cryptotui.patterns.candles import PATTERNS, CandlestickScanner
from cryptotui.patterns.candles import Direction as Reading

DEFAULT_PATTERNS: tuple[str, ...] = (
    "doji", "dragonflydoji", "gravestonedoji", "hammer", "hangingman", "invertedhammer",
    "shootingstar", "engulfing", "harami", "haramicross", "piercing", "darkcloudcover",
    "morningstar", "eveningstar", "morningdojistar", "eveningdojistar", "3whitesoldiers",
    "3blackcrows", "marubozu", "spinningtop", "3inside", "3outside", "matchinglow", "kicking",
    "abandonedbaby",
)  # fmt: skip
"""The commonly traded set; every one of TA-Lib's 61 can be named in the config."""

_DIRECTION = {
    Reading.BULLISH: Direction.BULLISH,
    Reading.BEARISH: Direction.BEARISH,
    Reading.NEUTRAL: Direction.NEUTRAL,
}
RANGE_PERIOD = 14


class CandlestickDetector:
    name = "candlestick"
    __slots__ = ("interval", "range_sum", "ranges", "scanner", "symbol")

    def __init__(self, symbol: str, interval: str, patterns: Iterable[str] = ()) -> None:
        self.symbol = symbol
        self.interval = interval
        self.scanner = CandlestickScanner(tuple(patterns) or DEFAULT_PATTERNS)
        self.ranges: deque[float] = deque(maxlen=RANGE_PERIOD)
        self.range_sum = 0.0

    def on_candle(self, c: Candle) -> list[Signal]:
        fired = self.scanner.update(c)
        size = c.high - c.low
        mean = self.range_sum / len(self.ranges) if self.ranges else 0.0
        if len(self.ranges) == RANGE_PERIOD:
            self.range_sum -= self.ranges[0]
        self.ranges.append(size)
        self.range_sum += size
        if not fired:
            return []
        z = 2.0 * size / mean if mean > 0 else 0.0
        out = []
        for pattern, value in fired.items():
            spec = PATTERNS[pattern]
            out.append(
                candle_signal(
                    f"cdl_{pattern}",
                    _DIRECTION[spec.bias(value)],
                    c,
                    {"z": z, "talib": float(value), "range_ratio": size / mean if mean else 0.0},
                    spec.title,
                )
            )
        return out


candle_detector("candlestick")(CandlestickDetector)


def check_patterns(names: Iterable[str]) -> tuple[str, ...]:
    """Config check: every name is one of TA-Lib's CDL functions (lower case, no `cdl`)."""
    names = tuple(n.lower().removeprefix("cdl") for n in names)
    unknown = [n for n in names if n not in PATTERNS]
    if unknown:
        raise ValueError(
            f"unknown candlestick pattern(s) {', '.join(unknown)}; known: {', '.join(PATTERNS)}"
        )
    return names
