"""Behaviour of the indicators TA-Lib does not have: VWAP and the volume-spike score."""

from __future__ import annotations

import statistics
from math import fsum, inf

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptotui.indicators import VWAP, VolumeSpike
from cryptotui.indicators.volume import median_abs_deviation
from cryptotui.intervals import DAY, HOUR
from cryptotui.models import Candle

MIDNIGHT = 1_700_006_400_000  # 2023-11-15 00:00 UTC
assert MIDNIGHT % DAY == 0


def bar(time: int, price: float, volume: float) -> Candle:
    return Candle("T", "1h", time, time + HOUR - 1, price, price, price, price, volume)


def test_session_vwap_restarts_at_utc_midnight() -> None:
    vwap = VWAP()
    assert vwap.update(bar(MIDNIGHT - 2 * HOUR, 10.0, 1.0)) == 10.0
    assert vwap.update(bar(MIDNIGHT - HOUR, 20.0, 3.0)) == (10.0 + 60.0) / 4.0
    # First candle of the new day: only its own price, also in preview.
    assert vwap.preview(bar(MIDNIGHT, 40.0, 2.0)) == 40.0
    assert vwap.update(bar(MIDNIGHT, 40.0, 2.0)) == 40.0
    assert vwap.update(bar(MIDNIGHT + HOUR, 10.0, 2.0)) == 25.0


def test_session_vwap_is_none_until_volume_trades_and_uses_typical_price() -> None:
    vwap = VWAP()
    assert vwap.update(bar(MIDNIGHT, 10.0, 0.0)) is None
    candle = Candle("T", "1h", MIDNIGHT + HOUR, 0, 1.0, 12.0, 3.0, 6.0, 5.0)
    assert vwap.update(candle) == (12.0 + 3.0 + 6.0) / 3.0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([0.0, 1.0, 2.0, 2.5, 7.0, 1e6, 3.0]), min_size=1, max_size=40))
def test_median_abs_deviation_matches_definition(values: list[float]) -> None:
    ordered = sorted(values)
    median = statistics.median(ordered)
    expected = statistics.median([abs(v - median) for v in ordered])
    assert median_abs_deviation(ordered, median) == expected


def _expected_score(baseline: list[float], volume: float) -> float:
    median = statistics.median(baseline)
    mad = statistics.median([abs(v - median) for v in baseline])
    scale = 1.482602218505602 * mad
    if scale == 0.0:
        scale = 1.2533141373155001 * fsum(abs(v - median) for v in baseline) / len(baseline)
    if scale == 0.0:
        return 0.0 if volume == median else (inf if volume > median else -inf)
    return (volume - median) / scale


@settings(max_examples=100, deadline=None)
@given(
    period=st.integers(3, 8),
    volumes=st.lists(st.sampled_from([0.0, 0.0, 1.0, 5.0, 5.5, 40.0, 1e4]), max_size=40),
)
def test_volume_spike_scores_against_the_previous_window(period: int, volumes: list[float]) -> None:
    spike = VolumeSpike(period)
    for i, volume in enumerate(volumes):
        got = spike.update(bar(MIDNIGHT + i * HOUR, 1.0, volume))
        if i < period:
            assert got is None
        else:
            assert got == pytest.approx(_expected_score(volumes[i - period : i], volume), rel=1e-12)


def test_volume_spike_flags_a_spike_and_ignores_ordinary_volume() -> None:
    spike = VolumeSpike(20)
    ordinary = [100.0 + (i * 37 % 21) for i in range(40)]  # 100..120
    scores = [spike.update(bar(MIDNIGHT + i * HOUR, 1.0, v)) for i, v in enumerate(ordinary)]
    assert all(abs(s) < 3.0 for s in scores[20:])
    assert spike.preview(bar(MIDNIGHT + 40 * HOUR, 1.0, 1000.0)) > 50.0
