"""OHLC series for checking the scanner against TA-Lib.

Random walks give realistic floats; the tick grammar gives the coincidences candlestick rules
hinge on (equal closes, zero shadows, dojis, flat stretches, gaps of every size); templates plant
the patterns the grammar almost never produces. Everything is seeded: failures reproduce.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

Quad = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray

    def __len__(self) -> int:
        return len(self.close)

    def rows(self) -> Iterator[Quad]:
        return zip(*(a.tolist() for a in (self.open, self.high, self.low, self.close)), strict=True)


def _series(name: str, o: np.ndarray, h: np.ndarray, lo: np.ndarray, c: np.ndarray) -> Series:
    return Series(name, *(np.ascontiguousarray(a, dtype=np.float64) for a in (o, h, lo, c)))


def random_walk(name: str, n: int, seed: int, vol: float, tick: float = 0.0) -> Series:
    """Log-normal walk with drifting volatility, random gaps and shadows (some candles have none).

    `tick` > 0 rounds prices to a grid, as exchanges do, which creates ties.
    """
    rng = np.random.default_rng(seed)
    sigma = vol * np.exp(np.cumsum(rng.normal(0.0, 0.08, n)))
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 1.0, n) * sigma))
    prev = np.r_[close[0], close[:-1]]
    open_ = prev * (1 + rng.normal(0.0, 0.4, n) * sigma * (rng.random(n) < 0.4))
    wick = np.abs(rng.normal(0.0, 0.6, (2, n))) * sigma * (rng.random((2, n)) < 0.8)
    high = np.maximum(open_, close) * (1 + wick[0])
    low = np.minimum(open_, close) * (1 - wick[1])
    if tick:
        open_, high, low, close = (np.round(a / tick) * tick for a in (open_, high, low, close))
    return _series(name, open_, high, low, close)


def tick_grammar(n: int, seed: int) -> tuple[np.ndarray, ...]:
    """Candles from a small vocabulary of integer sizes, with colour runs and flat candles."""
    rng = np.random.default_rng(seed)
    size = rng.choice([0, 0, 1, 2, 4, 8, 12, 20], n)
    runs = np.where(rng.random(n) < 0.35, -1, 1).cumprod()
    body = size * runs * np.where(rng.random(n) < 0.15, -1, 1)
    gap = rng.choice([0, 0, 0, 0, 1, -1, 2, -2, 10, -10, 25, -25], n)
    upper, lower = rng.choice([0, 0, 0, 1, 2, 6, 12, 24], (2, n))
    flat = rng.random(n) < 0.02
    close = np.cumsum(np.where(flat, 0, gap + body))
    open_ = np.where(flat, close, close - body)
    high = np.maximum(open_, close) + np.where(flat, 0, upper)
    low = np.minimum(open_, close) - np.where(flat, 0, lower)
    return open_, high, low, close


CALM: tuple[Quad, ...] = tuple((0, 6, -2, 4) if i % 2 == 0 else (4, 6, -2, 0) for i in range(10))
"""Ten zig-zag candles (body 4, shadows 2): known averages for the template that follows."""

TEMPLATES: dict[str, tuple[Quad, ...]] = {
    "mathold": ((0, 13, -1, 12), (16, 17, 13, 14), (13, 14, 10, 11), (12, 13, 9, 10),
                (11, 21, 10, 20)),
    "concealbabyswall": ((20, 20, 14, 14), (14, 14, 8, 8), (6, 10, 3, 4), (10, 11, 2, 3)),
    "3starsinsouth": ((20, 21, 7, 14), (16, 17, 10, 13), (13, 13, 12, 12)),
    "breakaway": ((30, 31, 19, 20), (17, 18, 13, 14), (14, 15, 11, 12), (12, 13, 8, 9),
                  (9, 19, 8, 18)),
    "counterattack": ((10, 11, -1, 0), (-10, 1, -11, 0)),
    "risefall3methods": ((0, 13, -1, 12), (11, 12, 8, 9), (9, 10, 6, 7), (7, 8, 4, 5),
                         (6, 19, 5, 18)),
    "3blackcrows": ((0, 11, -1, 10), (11, 12, 6, 6), (8, 9, 3, 3), (5, 6, 0, 0)),
    "2crows": ((0, 11, -1, 10), (15, 16, 11, 12), (14, 15, 4, 5)),
    "upsidegap2crows": ((0, 11, -1, 10), (14, 15, 11, 12), (16, 17, 10, 11)),
}  # fmt: skip
"""Tick offsets from the calm context's last close, one planted instance of each pattern."""


def mirror(quads: tuple[Quad, ...]) -> tuple[Quad, ...]:
    """Upside down: white becomes black, gaps up become gaps down (bullish <-> bearish)."""
    return tuple((-o, -lo, -h, -c) for o, h, lo, c in quads)


def _from_previous_close(quads: np.ndarray, base: float = 0.0) -> np.ndarray:
    """Rows of absolute prices (first row's previous close = `base`) -> rows relative to the
    previous close: blocks in that form can be spliced anywhere."""
    previous = np.r_[base, quads[:-1, 3]]
    return quads - previous[:, None]


def engineered(seed: int, grammar_candles: int = 30_000, repeats: int = 6) -> Series:
    """The tick grammar with every template (and its mirror) planted `repeats` times.

    Each plant is the calm context then the template; grammar stretches of random length
    separate them. Blocks are spliced as moves from the previous close, so prices stay continuous.
    """
    rng = np.random.default_rng(seed)
    grammar = _from_previous_close(np.stack(tick_grammar(grammar_candles, seed), axis=1))
    plants = [t for t in TEMPLATES.values() for t in (t, mirror(t))] * repeats
    order = rng.permutation(len(plants))
    cuts = np.sort(rng.choice(grammar_candles, len(plants), replace=False))
    blocks, done = [], 0
    for cut, index in zip(cuts, order, strict=True):
        plant = np.array(CALM + plants[index], dtype=float)
        blocks += [grammar[done:cut], _from_previous_close(plant)]
        done = cut
    moves = np.concatenate([*blocks, grammar[done:]])
    close = 100_000.0 + np.cumsum(moves[:, 3])
    previous = np.r_[100_000.0, close[:-1]]
    o, h, lo = (moves[:, :3] + previous[:, None]).T
    return _series("engineered", o, h, lo, close)


def all_series() -> tuple[Series, ...]:
    """The agreement corpus: four random walks of different character plus the engineered one."""
    return (
        random_walk("walk-calm", 3000, seed=1, vol=0.002),
        random_walk("walk-wild", 3000, seed=2, vol=0.02),
        random_walk("walk-tick", 3000, seed=3, vol=0.004, tick=0.01),
        random_walk("walk-coarse-tick", 3000, seed=4, vol=0.003, tick=0.25),
        engineered(seed=5),
    )
