"""A backtest's every signal, factor, confidence and outcome, pinned by digest: the engine,
scoring and outcome tracking may get faster, never different.

The digests were taken from the code before the backtest's speed work (main at c170c19); a
change that moves them changes what users get from `backtest` and what the live app scores,
and must say so in its commit (then update the digests, with the counts as a sanity check).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from cryptotui.alerts.rules import parse_rules
from cryptotui.patterns.candles import PATTERNS
from cryptotui.stats.backtest import DEFAULT_DETECTORS, Job, SeriesResult, run_many
from cryptotui.stats.report import build_report
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


JOB: dict[str, Any] = dict(
    detectors=(*DEFAULT_DETECTORS, "trend_reversal"),
    patterns=tuple(PATTERNS),
    horizons=(1, 3, 5, 10, 20),
    rules=RULES,
)


def test_backtest_results_are_exactly_those_before_the_speed_work() -> None:
    (result,) = run_many([Job("TESTUSDT", "1h", series(), keep_factors=True, **JOB)])
    assert digest(result) == GOLDEN


def test_without_save_only_the_unread_confidences_change() -> None:
    """No --save: the history factor is not scored, the outcomes are resolved after the run
    instead of tracked during it, and only what the report reads is kept: the same rows."""
    full, lean = run_many([Job("TESTUSDT", "1h", series(), keep_factors=keep, **JOB)
                           for keep in (True, False)])  # fmt: skip
    assert (
        build_report([lean], folds=2, min_n=1).rows == build_report([full], folds=2, min_n=1).rows
    )
    assert lean.signals is None and lean.outcomes is None and full.signals is not None
    assert lean.signal_count == full.signal_count == len(full.signals)
    for column in lean.grouped.__slots__:  # the outcomes as the report reads them
        got, want = getattr(lean.grouped, column), getattr(full.grouped, column)
        assert np.array_equal(got, want, equal_nan=True) if column != "keys" else got == want


GOLDEN = ("306e6ef395828e52", "e25b6eedf30ba9be", 11287, 56275)
