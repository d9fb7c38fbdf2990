"""`Direction`, the reading of a signal or an alert (re-exported by `models`).

Its own module, interpreted: `signals` (compiled with the hot path) needs it, and an enum
defined in a compiled module has its values checked where they are passed, while this one
accepts its plain strings too, as the pure build does.
"""

from __future__ import annotations

from enum import StrEnum


class Direction(StrEnum):
    BULLISH = "bullish"
    BEARISH = "bearish"
    NEUTRAL = "neutral"
