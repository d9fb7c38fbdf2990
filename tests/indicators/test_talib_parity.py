"""Every indicator TA-Lib has gives TA-Lib's values, warm-up included, on every stress series.

Tolerance: 1e-9 relative, with the relative error measured against max(|TA-Lib value|, scale),
where scale is the natural size of the output: the price level for price-valued outputs, 100 for
oscillators and percentages, the summed volume for cumulative volume lines. The scale only
matters where the true value is 0 or crosses it (a flat window, the MACD histogram, OBV), where
TA-Lib's running sums leave rounding residue (~1e-12) that an exact implementation does not.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import talib

from cryptotui.indicators import build_one
from tests.indicators.series import KINDS, Series, market

PRICE, OSCILLATOR, VOLUME = "price", "oscillator", "volume"

CASES: dict[str, tuple[Callable[[Series], list[np.ndarray]], str]] = {
    "sma:20": (lambda s: [talib.SMA(s.close, 20)], PRICE),
    "sma:3": (lambda s: [talib.SMA(s.close, 3)], PRICE),
    "ema:20": (lambda s: [talib.EMA(s.close, 20)], PRICE),
    "ema:2": (lambda s: [talib.EMA(s.close, 2)], PRICE),
    "wma:20": (lambda s: [talib.WMA(s.close, 20)], PRICE),
    "kama:10": (lambda s: [talib.KAMA(s.close, 10)], PRICE),
    "kama:30": (lambda s: [talib.KAMA(s.close, 30)], PRICE),
    "tema:20": (lambda s: [talib.TEMA(s.close, 20)], PRICE),
    "rsi:14": (lambda s: [talib.RSI(s.close, 14)], OSCILLATOR),
    "rsi:2": (lambda s: [talib.RSI(s.close, 2)], OSCILLATOR),
    "macd:12:26:9": (lambda s: list(talib.MACD(s.close, 12, 26, 9)), PRICE),
    "macd:5:35:5": (lambda s: list(talib.MACD(s.close, 5, 35, 5)), PRICE),
    "bbands:20:2": (lambda s: list(talib.BBANDS(s.close, 20, 2.0, 2.0)), PRICE),
    "bbands:5:1.5": (lambda s: list(talib.BBANDS(s.close, 5, 1.5, 1.5)), PRICE),
    "stoch:14:3:3": (
        lambda s: list(talib.STOCH(s.high, s.low, s.close, 14, 3, 0, 3, 0)),
        OSCILLATOR,
    ),
    "stoch:5:3:4": (lambda s: list(talib.STOCH(s.high, s.low, s.close, 5, 3, 0, 4, 0)), OSCILLATOR),
    "atr:14": (lambda s: [talib.ATR(s.high, s.low, s.close, 14)], PRICE),
    "adx:14": (lambda s: [talib.ADX(s.high, s.low, s.close, 14)], OSCILLATOR),
    "adx:5": (lambda s: [talib.ADX(s.high, s.low, s.close, 5)], OSCILLATOR),
    "cci:20": (lambda s: [talib.CCI(s.high, s.low, s.close, 20)], OSCILLATOR),
    "mfi:14": (lambda s: [talib.MFI(s.high, s.low, s.close, s.volume, 14)], OSCILLATOR),
    "willr:14": (lambda s: [talib.WILLR(s.high, s.low, s.close, 14)], OSCILLATOR),
    "roc:10": (lambda s: [talib.ROC(s.close, 10)], OSCILLATOR),
    "obv": (lambda s: [talib.OBV(s.close, s.volume)], VOLUME),
    "ad": (lambda s: [talib.AD(s.high, s.low, s.close, s.volume)], VOLUME),
    "vroc:14": (lambda s: [talib.ROC(s.volume, 14)], OSCILLATOR),
}

SERIES = {kind: market(kind) for kind in KINDS}
CANDLES = {kind: series.candles() for kind, series in SERIES.items()}


def _scale(series: Series, kind: str) -> float:
    if kind == PRICE:
        return float(np.median(series.close))
    if kind == VOLUME:
        return float(np.sum(series.volume))
    return 100.0


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("spec", CASES)
def test_matches_talib(spec: str, kind: str) -> None:
    reference, scale_kind = CASES[spec]
    series = SERIES[kind]
    expected = np.column_stack(reference(series))
    indicator = build_one(spec)
    rows = [indicator.cells(indicator.update(c)) for c in CANDLES[kind]]
    ours = np.array([[np.nan if v is None else v for v in row] for row in rows])

    first = int(np.argmax(~np.isnan(expected).any(axis=1)))
    assert indicator.lookback == first, "warm-up length differs from TA-Lib's lookback"
    assert np.array_equal(np.isnan(ours), np.isnan(expected)), "None where TA-Lib has a value"
    tolerance = 1e-9 * np.maximum(np.abs(expected), _scale(series, scale_kind))
    error = np.abs(ours - expected)
    bad = np.argwhere(error > tolerance)
    assert bad.size == 0, [(int(i), int(j), ours[i, j], expected[i, j]) for i, j in bad[:5]]
