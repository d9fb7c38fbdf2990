"""A backtest's every signal, factor, confidence and outcome, pinned by digest: the engine,
scoring and outcome tracking may get faster, never different.

The digests were taken from the code before the backtest's speed work (main at c170c19); a
change that moves them changes what users get from `backtest` and what the live app scores,
and must say so in its commit (then update the digests, with the counts as a sanity check).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pandas as pd

from cryptotui.alerts.rules import parse_rules
from cryptotui.patterns.candles import PATTERNS
from cryptotui.stats.backtest import DEFAULT_DETECTORS, Job, SeriesResult, run_many
from tests.stats.candles import walk

RULES = tuple(
    parse_rules(
        [
            {"name": "oversold", "when": "rsi_14 < 35", "cooldown": 0},
            {"name": "up", "when": "price crosses above 100", "cooldown": 0},
        ]
    )
)


def series() -> tuple:
    """Hourly candles with what live data brings: a hole (the app was down) and a repeat."""
    candles = walk(6000, seed=3)
    hole = candles[:2500] + candles[2520:]
    return (*hole[:4000], replace(hole[3999]), *hole[4000:])


def plain(value: object) -> object:
    """A cell as a Python value (None for every kind of missing), whatever the frame's dtype."""
    if value is None or value is pd.NA:
        return None
    value = value.item() if hasattr(value, "item") else value
    return None if isinstance(value, float) and value != value else value


def digest(result: SeriesResult) -> tuple[str, str, int, int]:
    signals = hashlib.sha256()
    for row in result.signals.itertuples(index=False):
        signals.update(repr(tuple(map(plain, row))).encode())
    for factors in result.factors:
        signals.update(repr(sorted(factors.items())).encode())
    outcomes = hashlib.sha256()
    for row in result.outcomes.itertuples(index=False):
        outcomes.update(repr(tuple(map(plain, row))).encode())
    for h, signs in sorted(result.signs.items()):
        outcomes.update(repr((h, signs.tolist())).encode())
    outcomes.update(repr(result.open_times.tolist()).encode())
    return (
        signals.hexdigest()[:16],
        outcomes.hexdigest()[:16],
        len(result.signals),
        len(result.outcomes),
    )


def test_backtest_results_are_exactly_those_before_the_speed_work() -> None:
    job = Job(
        "TESTUSDT",
        "1h",
        series(),
        detectors=(*DEFAULT_DETECTORS, "trend_reversal"),
        patterns=tuple(PATTERNS),
        horizons=(1, 3, 5, 10, 20),
        rules=RULES,
        keep_factors=True,
    )
    (result,) = run_many([job])
    assert digest(result) == GOLDEN


GOLDEN = ("306e6ef395828e52", "e25b6eedf30ba9be", 11287, 56275)
