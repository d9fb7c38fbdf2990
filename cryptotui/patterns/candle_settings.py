"""TA-Lib's candle settings: what "long body", "short shadow", "near", ... mean.

Every TA-Lib candlestick rule compares a part of a candle with the *average* of some range over
the N candles before it, times a factor. These are TA-Lib's defaults
(`TA_RestoreCandleDefaultSettings` in `src/ta_common/ta_global.c`); the scanner uses them verbatim
so that its results agree with `talib.CDL*` bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Final


class RangeType(IntEnum):
    """Which part of a candle a setting averages (TA-Lib's `TA_RangeType`).

    The values index `Bar.ranges`.
    """

    REAL_BODY = 0
    HIGH_LOW = 1
    SHADOWS = 2
    """Upper plus lower shadow; its average is halved (the mean length of *one* shadow)."""


@dataclass(frozen=True, slots=True, eq=False)
class CandleSetting:
    """One TA-Lib candle setting.

    `eq=False` keeps identity hashing: settings are dictionary keys when a scanner is built, and
    the generated field-tuple hash would cost more than the lookup it serves.
    """

    name: str
    range_type: RangeType
    avg_period: int
    """Candles averaged; 0 means "this candle's own range" (no averaging)."""
    factor: float
    slot: int
    """Position in `DEFAULT_SETTINGS`: the scanner indexes its averages by it (no hashing)."""

    @property
    def divisor(self) -> float:
        """TA-Lib halves the Shadows average: it compares one shadow with the sum of both."""
        return 2.0 if self.range_type is RangeType.SHADOWS else 1.0


BODY_LONG: Final = CandleSetting("BodyLong", RangeType.REAL_BODY, 10, 1.0, 0)
BODY_VERY_LONG: Final = CandleSetting("BodyVeryLong", RangeType.REAL_BODY, 10, 3.0, 1)
BODY_SHORT: Final = CandleSetting("BodyShort", RangeType.REAL_BODY, 10, 1.0, 2)
BODY_DOJI: Final = CandleSetting("BodyDoji", RangeType.HIGH_LOW, 10, 0.1, 3)
SHADOW_LONG: Final = CandleSetting("ShadowLong", RangeType.REAL_BODY, 0, 1.0, 4)
SHADOW_VERY_LONG: Final = CandleSetting("ShadowVeryLong", RangeType.REAL_BODY, 0, 2.0, 5)
SHADOW_SHORT: Final = CandleSetting("ShadowShort", RangeType.SHADOWS, 10, 1.0, 6)
SHADOW_VERY_SHORT: Final = CandleSetting("ShadowVeryShort", RangeType.HIGH_LOW, 10, 0.1, 7)
NEAR: Final = CandleSetting("Near", RangeType.HIGH_LOW, 5, 0.2, 8)
FAR: Final = CandleSetting("Far", RangeType.HIGH_LOW, 5, 0.6, 9)
EQUAL: Final = CandleSetting("Equal", RangeType.HIGH_LOW, 5, 0.05, 10)

DEFAULT_SETTINGS: Final[tuple[CandleSetting, ...]] = (
    BODY_LONG,
    BODY_VERY_LONG,
    BODY_SHORT,
    BODY_DOJI,
    SHADOW_LONG,
    SHADOW_VERY_LONG,
    SHADOW_SHORT,
    SHADOW_VERY_SHORT,
    NEAR,
    FAR,
    EQUAL,
)


def max_period(*settings: CandleSetting) -> int:
    """The longest averaging period among `settings`: the core of every TA-Lib CDL lookback."""
    return max(s.avg_period for s in settings)
