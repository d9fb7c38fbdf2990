"""`Signal`, what a detector found: part of the shared vocabulary of `models`, which
re-exports it.

A module of its own so the hot path (`cryptotui.hotpath`) compiles it with the detectors and
the engine: every signal is built, scored and read there, and a compiled class is built and
read faster than a Python dataclass. The rest of `models` stays interpreted (some of its
classes are frozen or read through `__slots__`, which compiled classes do not support).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptotui.direction import Direction


@dataclass(slots=True, init=False)  # a compiled __init__: `cryptotui.hotpath` says why
class Signal:
    """Something a detector found, with the raw inputs the confidence score is built from.

    `factors` holds raw observations (a robust z-score, a volume ratio, …); `scoring.py` turns
    them into the named 0–1 `scores` and the weighted `confidence`.
    """

    name: str
    direction: Direction
    symbol: str
    interval: str | None
    time: int
    """Exchange time (ms) of the event that triggered it."""
    price: float
    span_start: int
    span_end: int
    factors: dict[str, float] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    confidence: float = 0.0
    description: str = ""

    def __init__(
        self,
        name: str,
        direction: Direction,
        symbol: str,
        interval: str | None,
        time: int,
        price: float,
        span_start: int,
        span_end: int,
        factors: dict[str, float] | None = None,
        scores: dict[str, float] | None = None,
        confidence: float = 0.0,
        description: str = "",
    ) -> None:
        self.name = name
        self.direction = direction
        self.symbol = symbol
        self.interval = interval
        self.time = time
        self.price = price
        self.span_start = span_start
        self.span_end = span_end
        self.factors = {} if factors is None else factors
        self.scores = {} if scores is None else scores
        self.confidence = confidence
        self.description = description
