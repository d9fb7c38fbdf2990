"""Outcomes resolved at once (`stats.resolved`) equal the live tracker's, value for value: on
holes, repeats, neutral signals, several signals per candle, signals too late for a horizon, and
calendar months (no hole check)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from cryptotui.intervals import INTERVAL_MS
from cryptotui.models import Candle
from cryptotui.stats.backtest import TRACKED_COLUMNS
from cryptotui.stats.outcomes import OutcomeTracker
from cryptotui.stats.resolved import resolve
from tests.stats.candles import walk

DIRECTIONS = ("bullish", "bearish", "neutral")
SIGN = {"bullish": 1, "bearish": -1, "neutral": 0}


def tracked(
    candles: list[Candle], signals: list[tuple[int, str]], horizons: tuple[int, ...]
) -> pd.DataFrame:
    """The tracker's outcomes: candle by candle, each signal added after its entry candle; as
    `resolve` gives them (by horizon, then signal; no hit for a neutral signal)."""
    tracker = OutcomeTracker(horizons)
    by_entry: dict[int, list[tuple[int, str]]] = {}
    for sid, (entry, direction) in enumerate(signals):
        by_entry.setdefault(entry, []).append((sid, direction))
    rows = []
    for i, c in enumerate(candles):
        for o in tracker.on_candle(c):
            rows.append((o.signal, o.time, o.horizon, o.forward_return, o.hit, o.mfe, o.mae,
                         o.baseline))  # fmt: skip
        for sid, direction in by_entry.get(i, ()):
            tracker.add(sid, "p", direction, c.symbol, c.interval, c.close_time, c)
    frame = pd.DataFrame(rows, columns=list(TRACKED_COLUMNS))
    frame["hit"] = frame["hit"].fillna(False).astype(bool)
    frame = frame.sort_values(["horizon", "sid"], kind="stable", ignore_index=True)
    return frame[["sid", "horizon", "forward_return", "hit", "mfe", "mae"]]


def resolved(
    candles: list[Candle], signals: list[tuple[int, str]], horizons: tuple[int, ...]
) -> pd.DataFrame:
    def column(field: str, dtype: type) -> np.ndarray:
        return np.array([getattr(c, field) for c in candles], dtype=dtype)

    got = resolve(
        column("open_time", np.int64),
        column("close", np.float64),
        column("high", np.float64),
        column("low", np.float64),
        INTERVAL_MS.get(candles[0].interval, 0),
        np.array([e for e, _ in signals], dtype=np.int64),
        np.array([SIGN[d] for _, d in signals], dtype=np.int64),
        horizons,
    )
    return pd.DataFrame({f: getattr(got, f) for f in got.__slots__})


def random_signals(n: int, count: int, seed: int) -> list[tuple[int, str]]:
    rng = np.random.default_rng(seed)
    entries = np.sort(rng.integers(0, n, count))  # repeats: several signals on one candle
    return [(int(e), DIRECTIONS[int(rng.integers(0, 3))]) for e in entries]


def with_holes(candles: list[Candle]) -> list[Candle]:
    """Two holes (the app was down), one of a single candle, right inside a horizon."""
    return candles[:300] + candles[301:700] + candles[760:]


@pytest.mark.parametrize(
    ("series", "horizons", "seed"),
    [
        (walk(1000, seed=5), (1, 5, 10, 20), 1),
        (with_holes(walk(1200, seed=6)), (1, 3, 5, 10, 20), 2),
        (with_holes(walk(1200, seed=7, interval="1m")), (2, 7), 3),
        # Calendar months have no fixed length: nothing counts as a hole.
        ([replace(c, interval="1M") for c in with_holes(walk(900, seed=8))], (1, 4), 4),
        (walk(12, seed=9), (5, 20), 5),  # shorter than the longest horizon
    ],
)
def test_resolved_equals_the_tracker(
    series: list[Candle], horizons: tuple[int, ...], seed: int
) -> None:
    signals = random_signals(len(series), len(series) // 2, seed)
    want = tracked(series, signals, horizons)
    got = resolved(series, signals, horizons)
    assert len(want) > 0 or len(series) < max(horizons)
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_flat_candles_and_a_signal_on_the_last_candle() -> None:
    """r = 0 is a miss for both directions; MFE = MAE = 0 on flat candles; no outcome without
    a candle after the entry."""
    candles = walk(40, seed=2)
    for i in range(20, 26):
        c = candles[19].close
        candles[i] = replace(candles[i], open=c, high=c, low=c, close=c)
    signals = [(20, "bullish"), (20, "bearish"), (20, "neutral"), (39, "bullish")]
    want = tracked(candles, signals, (1, 5))
    got = resolved(candles, signals, (1, 5))
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert set(got["sid"]) == {0, 1, 2}
    assert (got["forward_return"] == 0.0).all() and (got["mfe"] == 0.0).all()
    assert not got["hit"].any()
