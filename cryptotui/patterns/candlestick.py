"""TA-Lib's candlestick patterns as a detector: one Signal per pattern that fires on a candle.

Signal names are `cdl_<talib name>` (as in `cryptotui analyze --patterns`). Significance comes
from the size of the pattern's last candle against the recent average range: a textbook
engulfing on a candle twice the usual size means more than one inside the noise.
"""

from __future__ import annotations

from collections.abc import Iterable

from cryptotui.models import Candle, Direction, Signal
from cryptotui.patterns.base import CandleDetector, candle_detector, candle_signal
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


class _Label:
    """What a signal of one pattern says, worked out once instead of on every signal (a class:
    compiled, its fields are loads, where a NamedTuple's are tuple reads checked each time)."""

    __slots__ = ("down", "name", "title", "up")

    def __init__(self, name: str, title: str, up: Direction, down: Direction) -> None:
        self.name = name
        """`cdl_<talib name>`."""
        self.title = title
        self.up = up
        """The signal's direction for a positive TA-Lib value."""
        self.down = down
        """... and for a negative one (the same unless the pattern is signed)."""


_LABELS: dict[str, _Label] = {
    name: _Label(f"cdl_{name}", spec.title, _DIRECTION[spec.bias(1)], _DIRECTION[spec.bias(-1)])
    for name, spec in PATTERNS.items()
}


class CandlestickDetector(CandleDetector):
    name = "candlestick"
    __slots__ = ("held", "interval", "next", "range_sum", "ranges", "scanner", "symbol")

    def __init__(self, symbol: str, interval: str, patterns: Iterable[str] = ()) -> None:
        self.symbol = symbol
        self.interval = interval
        self.scanner = CandlestickScanner(tuple(patterns) or DEFAULT_PATTERNS)
        self.ranges = [0.0] * RANGE_PERIOD
        """The last ranges in a ring (a list: compiled, its reads and writes are native, where
        a deque's are generic calls); slot `next` is the next written, the oldest once `held`
        reaches `RANGE_PERIOD`."""
        self.held = 0
        self.next = 0
        self.range_sum = 0.0

    def on_candle(self, c: Candle) -> list[Signal]:
        fired = self.scanner.update(c)
        ranges, held, i = self.ranges, self.held, self.next
        size = c.high - c.low
        mean = self.range_sum / held if held else 0.0
        if held == RANGE_PERIOD:
            self.range_sum -= ranges[i]
        else:
            self.held = held + 1
        ranges[i] = size
        self.next = 0 if i + 1 == RANGE_PERIOD else i + 1
        self.range_sum += size
        if not fired:
            return []
        z = 2.0 * size / mean if mean > 0 else 0.0
        ratio = size / mean if mean else 0.0
        out = []
        for pattern, value in fired.items():
            label = _LABELS[pattern]
            direction = label.up if value > 0 else label.down
            factors = {"z": z, "talib": float(value), "range_ratio": ratio}
            out.append(candle_signal(label.name, direction, c, factors, label.title))
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
