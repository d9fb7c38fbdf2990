"""`preview(open candle)` is exactly what `update` returns if that candle closes now, and never
changes state: checked for every indicator in the registry."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptotui.indicators import REGISTRY, build_one
from cryptotui.models import Candle
from tests.indicators.strategies import candle_streams

# Short periods so that short streams reach the steady state, plus the registry defaults.
SPECS = [
    "sma:3", "ema:3", "wma:4", "kama:3", "tema:3", "rsi:3", "macd:2:5:3", "macd:3:4:1",
    "bbands:4:2", "stoch:3:2:2", "stoch:1:1:1", "atr:1", "atr:3", "adx:2", "adx:3", "cci:4",
    "mfi:3", "willr:3", "roc:1", "roc:3", "obv", "ad", "vwap", "vwap:3", "vroc:2",
    "volume_spike:3", "volume_spike:4", "mk:2", "mk:3", "mk:6", "hp", "hp:0", "hp:1e9",
    "vp:2:1", "vp:3:4", "vp:7:24",
    *REGISTRY,
]  # fmt: skip


def same(a: Any, b: Any) -> bool:
    """Equal bit for bit (None, floats, NamedTuples of floats; inf allowed)."""
    if a is None or b is None:
        return a is b
    if isinstance(a, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def test_every_registry_indicator_is_covered() -> None:
    assert {spec.split(":")[0] for spec in SPECS} == set(REGISTRY)


@pytest.mark.parametrize("spec", SPECS)
@settings(max_examples=40, deadline=None)
@given(candles=candle_streams(), ticks=st.lists(st.floats(-0.5, 0.5), min_size=1, max_size=3))
def test_preview_equals_update_and_changes_nothing(
    spec: str, candles: list[Candle], ticks: list[float]
) -> None:
    live = build_one(spec)
    twin = build_one(spec)  # never previewed
    for candle in candles:
        # Earlier ticks of the same open candle, previewed and then superseded.
        for tick in ticks:
            live.preview(_moved(candle, tick))
        previewed = live.preview(candle)
        committed = live.update(candle)
        assert same(previewed, committed), (previewed, committed)
        assert same(committed, twin.update(candle))


def test_reset_starts_over() -> None:
    candles = [
        Candle(
            "T", "1m", 1_700_000_000_000 + i * 60_000, 0, 1.0, 2.0 + i % 3, 0.5, 1.5 + i % 5, 3.0
        )
        for i in range(60)
    ]
    for spec in REGISTRY:
        indicator = build_one(spec)
        first = [indicator.update(c) for c in candles]
        indicator.reset()
        assert [indicator.update(c) for c in candles] == first, spec


def _moved(candle: Candle, tick: float) -> Candle:
    scale = candle.close or 1.0
    close = candle.close + tick * scale * 0.01
    return Candle(
        candle.symbol,
        candle.interval,
        candle.open_time,
        candle.close_time,
        candle.open,
        max(candle.high, close),
        min(candle.low, close),
        close,
        candle.volume * 0.5,
    )
