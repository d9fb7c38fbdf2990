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


@dataclass(slots=True)
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
