"""Incremental technical indicators: one class each, TA-Lib-exact, O(1) per closed candle.

from cryptotui.indicators import build
indicators = build("rsi:14,macd:12:26:9")  # or build() for the full default set
for ind in indicators:
    value = ind.update(closed_candle)  # None while warming up
    live = ind.preview(open_candle)  # what update would give now; no state change
    ind.columns  # ("rsi_14",) / ("macd_12_26_9", "macd_12_26_9_signal", "macd_12_26_9_hist")
"""

from cryptotui.indicators.base import IndicatorBase
from cryptotui.indicators.momentum import (
    ADX,
    CCI,
    MACD,
    ROC,
    RSI,
    MACDValue,
    Stoch,
    StochValue,
    WillR,
)
from cryptotui.indicators.moving import EMA, KAMA, SMA, TEMA, WMA
from cryptotui.indicators.profile import VolumeProfile, VPValue
from cryptotui.indicators.protocol import Indicator
from cryptotui.indicators.registry import (
    DEFAULT_SPEC,
    OPT_IN,
    REGISTRY,
    SpecError,
    build,
    build_one,
)
from cryptotui.indicators.trend import HodrickPrescott, MannKendall, MKValue
from cryptotui.indicators.volatility import ATR, BBands, BBandsValue
from cryptotui.indicators.volume import (
    AD,
    MFI,
    OBV,
    VWAP,
    RollingVWAP,
    VolumeROC,
    VolumeSpike,
)

__all__ = [
    "AD",
    "ADX",
    "ATR",
    "CCI",
    "DEFAULT_SPEC",
    "EMA",
    "KAMA",
    "MACD",
    "MFI",
    "OBV",
    "OPT_IN",
    "REGISTRY",
    "ROC",
    "RSI",
    "SMA",
    "TEMA",
    "VWAP",
    "WMA",
    "BBands",
    "BBandsValue",
    "HodrickPrescott",
    "Indicator",
    "IndicatorBase",
    "MACDValue",
    "MKValue",
    "MannKendall",
    "RollingVWAP",
    "SpecError",
    "Stoch",
    "StochValue",
    "VPValue",
    "VolumeProfile",
    "VolumeROC",
    "VolumeSpike",
    "WillR",
    "build",
    "build_one",
]
