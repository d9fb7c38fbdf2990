"""Confidence: a 0–1 score from five named factors, each kept with the signal for display.

    confidence = Σ weight_f · score_f        (weights default to 0.30/0.25/0.20/0.15/0.10)

- significance (0.30): 1 − exp(−z / 2.5), z = the detector's robust z-score of what it saw
  (≤ 0 → 0): z = 2.5 → 0.63, 5 → 0.86, 8 → 0.96.
- history (0.25): P[true hit rate > baseline] from the pattern's track record of outcomes
  resolved before the signal (`cryptotui.stats.record`: the symbol's own record once it is
  large enough, else all symbols'); 0.5 when there is no record at all. Its n, hit rate,
  Wilson interval and baseline are added to the signal's factors (`hist_*`).
- volume (0.20): 1 − exp(−v / 3), v = robust z-score of the signal candle's volume against the
  previous 20 candles (≤ 0 → 0); 0.5 when unknown.
- timeframes (0.15): share of the symbol's longer intervals whose trend (close vs EMA 20) agrees
  with the signal's direction; neutral signals, or no longer intervals watched → 0.5.
- market (0.10): market breadth (share of watched symbols up over 24 h) for bullish signals,
  1 − breadth for bearish; neutral → 0.5.

A factor with no information scores 0.5, never 0 or 1: missing evidence must not make a signal
look better or worse than a coin flip on that factor.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from cryptotui.models import Direction, Signal

if TYPE_CHECKING:
    from cryptotui.stats.record import Evidence

FACTORS = ("significance", "history", "volume", "timeframes", "market")
DEFAULT_WEIGHTS: dict[str, float] = {
    "significance": 0.30,
    "history": 0.25,
    "volume": 0.20,
    "timeframes": 0.15,
    "market": 0.10,
}


_BULLISH: Final = Direction.BULLISH
_NEUTRAL: Final = Direction.NEUTRAL
"""Read on every signal: a module constant, not an attribute of the enum class each time."""


@dataclass(slots=True, init=False)  # a compiled __init__: `cryptotui.hotpath` says why
class Context:
    """What the engine knows beyond the signal itself, at the moment it was detected."""

    volume_z: float | None = None
    trends: tuple[int, ...] = ()
    """Trend (+1 up, −1 down, 0 flat) of each longer interval of the symbol."""
    breadth: float | None = None
    history: Evidence | None = None
    """The pattern's track record as of the signal (None: no record)."""

    def __init__(
        self,
        volume_z: float | None = None,
        trends: tuple[int, ...] = (),
        breadth: float | None = None,
        history: Evidence | None = None,
    ) -> None:
        self.volume_z = volume_z
        self.trends = trends
        self.breadth = breadth
        self.history = history


def significance(z: float) -> float:
    return 1.0 - math.exp(-z / 2.5) if z > 0 and math.isfinite(z) else (1.0 if z > 0 else 0.0)


def volume(vz: float | None) -> float:
    if vz is None or math.isnan(vz):
        return 0.5
    if math.isinf(vz):
        return 1.0 if vz > 0 else 0.0
    return 1.0 - math.exp(-vz / 3.0) if vz > 0 else 0.0


def timeframes(direction: Direction, trends: tuple[int, ...]) -> float:
    if direction is _NEUTRAL or not trends:
        return 0.5
    want = 1 if direction is _BULLISH else -1
    return sum(t == want for t in trends) / len(trends)


def market(direction: Direction, breadth: float | None) -> float:
    if breadth is None or direction is _NEUTRAL:
        return 0.5
    return breadth if direction is _BULLISH else 1.0 - breadth


class Scorer:
    __slots__ = ("_w", "weights")

    def __init__(self, weights: Mapping[str, float] | None = None) -> None:
        weights = dict(DEFAULT_WEIGHTS if weights is None else weights)
        unknown = set(weights) - set(FACTORS)
        if unknown:
            raise ValueError(f"unknown confidence factor(s) {', '.join(sorted(unknown))}")
        total = sum(weights.values())
        if total <= 0 or any(w < 0 for w in weights.values()):
            raise ValueError("confidence weights must be ≥ 0 and not all 0")
        self.weights = {f: weights.get(f, 0.0) / total for f in FACTORS}
        self._w = tuple(self.weights.values())
        """The weights in `FACTORS` order, unpacked on every signal without a lookup."""

    def score(self, signal: Signal, ctx: Context) -> Signal:
        """Fill `signal.scores` and `signal.confidence`; returns the same signal."""
        factors = signal.factors
        history = ctx.history
        if history is not None:
            factors.update(history.factors())
        direction = signal.direction
        s0 = significance(factors.get("z", 0.0))
        s1 = 0.5 if history is None else history.score
        s2 = volume(factors.get("volume_z", ctx.volume_z))
        s3 = timeframes(direction, ctx.trends)
        s4 = market(direction, ctx.breadth)
        signal.scores = {
            "significance": s0,
            "history": s1,
            "volume": s2,
            "timeframes": s3,
            "market": s4,
        }
        w0, w1, w2, w3, w4 = self._w
        # Left to right from 0 in `FACTORS` order, as the confidence was always summed.
        signal.confidence = 0.0 + w0 * s0 + w1 * s1 + w2 * s2 + w3 * s3 + w4 * s4
        return signal
