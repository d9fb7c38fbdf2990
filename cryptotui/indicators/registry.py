"""Build indicators from a spec string such as `sma:20,macd:12:26:9,obv,vwap`.

Each comma-separated item is a registry name followed by its parameters, separated by `:`.
Parameters may be left out from the right; they then take the defaults below (the standard
parameters of each indicator; TA-Lib's defaults where they are not periods). `vwap` without a
period is the session VWAP (00:00 UTC), `vwap:N` the rolling one over N candles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cryptotui.indicators.momentum import ADX, CCI, MACD, ROC, RSI, Stoch, WillR
from cryptotui.indicators.moving import EMA, KAMA, SMA, TEMA, WMA
from cryptotui.indicators.profile import VolumeProfile
from cryptotui.indicators.protocol import Indicator
from cryptotui.indicators.trend import HodrickPrescott, MannKendall
from cryptotui.indicators.volatility import ATR, BBands
from cryptotui.indicators.volume import (
    AD,
    MFI,
    OBV,
    VWAP,
    RollingVWAP,
    VolumeROC,
    VolumeSpike,
)


class SpecError(ValueError):
    """An indicator spec that cannot be built; the message is meant for the user as is."""


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    kind: type[int] | type[float]
    default: int | float | None
    minimum: int | float


@dataclass(frozen=True, slots=True)
class Entry:
    factory: Callable[..., Indicator]
    params: tuple[Param, ...]
    summary: str


def _period(default: int | None, minimum: int = 2, name: str = "period") -> Param:
    return Param(name, int, default, minimum)


def _vwap(period: int | None = None) -> Indicator:
    return VWAP() if period is None else RollingVWAP(period)


REGISTRY: dict[str, Entry] = {
    "sma": Entry(SMA, (_period(20),), "simple moving average of the close"),
    "ema": Entry(EMA, (_period(20),), "exponential moving average (SMA seed)"),
    "wma": Entry(WMA, (_period(20),), "linearly weighted moving average"),
    "kama": Entry(KAMA, (_period(10),), "Kaufman adaptive moving average (fast 2, slow 30)"),
    "tema": Entry(TEMA, (_period(20),), "triple exponential moving average"),
    "rsi": Entry(RSI, (_period(14),), "Wilder's relative strength index"),
    "macd": Entry(
        MACD,
        (_period(12, name="fast"), _period(26, name="slow"), _period(9, 1, "signal")),
        "MACD line, signal and histogram",
    ),
    "bbands": Entry(
        BBands,
        (_period(20), Param("nbdev", float, 2.0, 0.0)),
        "Bollinger Bands (SMA ± nbdev population std-dev)",
    ),
    "stoch": Entry(
        Stoch,
        (_period(14, 1, "fastk"), _period(3, 1, "slowk"), _period(3, 1, "slowd")),
        "slow stochastic %K and %D (SMA smoothing)",
    ),
    "atr": Entry(ATR, (_period(14, 1),), "average true range (Wilder)"),
    "adx": Entry(ADX, (_period(14),), "average directional index (Wilder)"),
    "cci": Entry(CCI, (_period(20),), "commodity channel index"),
    "mfi": Entry(MFI, (_period(14),), "money flow index"),
    "willr": Entry(WillR, (_period(14),), "Williams %R"),
    "roc": Entry(ROC, (_period(10, 1),), "rate of change of the close, percent"),
    "obv": Entry(OBV, (), "on-balance volume"),
    "ad": Entry(AD, (), "Chaikin accumulation/distribution line"),
    "vwap": Entry(_vwap, (_period(None),), "VWAP: session (00:00 UTC) or rolling N"),
    "vroc": Entry(VolumeROC, (_period(14, 1),), "rate of change of the volume, percent"),
    "volume_spike": Entry(
        VolumeSpike, (_period(20, 3),), "robust z-score of the volume (median/MAD)"
    ),
    "mk": Entry(
        MannKendall, (_period(20),), "Mann-Kendall trend test: Kendall tau, p-value, Sen's slope"
    ),
    "hp": Entry(
        HodrickPrescott,
        (Param("lambda", float, 1600.0, 0.0),),
        "one-sided Hodrick-Prescott trend of the close",
    ),
    "vp": Entry(
        VolumeProfile,
        (_period(50), _period(24, 1, "bins")),
        "volume profile: point of control and 70 % value area",
    ),
}
OPT_IN = frozenset({"mk", "hp", "vp"})
"""Window statistics, left out of the default set: name them in a spec to get them."""

DEFAULT_SPEC = (
    "sma:20,ema:20,wma:20,kama:10,tema:20,rsi:14,macd:12:26:9,bbands:20:2,stoch:14:3:3,"
    "atr:14,adx:14,cci:20,mfi:14,willr:14,roc:10,obv,ad,vwap,vroc:14,volume_spike:20"
)
"""Every indicator but the `OPT_IN` ones; `analyze` runs it when no --indicators is given."""


MAX_PERIOD = 1_000_000
"""Longest window accepted (two years of 1m candles): each window holds its candles in memory,
so `sma:100000000000` is refused in one line instead of failing with MemoryError."""


def _value(text: str, param: Param, item: str) -> int | float:
    try:
        value = param.kind(text)
    except ValueError:
        kind = "an integer" if param.kind is int else "a number"
        raise SpecError(f"{item!r}: {param.name} must be {kind}, got {text!r}") from None
    if not value >= param.minimum or value in (float("inf"), float("-inf")):
        raise SpecError(f"{item!r}: {param.name} must be at least {param.minimum}, got {text}")
    if param.kind is int and value > MAX_PERIOD:
        raise SpecError(f"{item!r}: {param.name} must be at most {MAX_PERIOD:,}, got {text}")
    return value


def build_one(item: str) -> Indicator:
    """One indicator from one spec item (`macd:12:26:9`, `obv`, `macd` for the defaults)."""
    name, *texts = item.strip().split(":")
    name = name.strip().lower()
    entry = REGISTRY.get(name)
    if entry is None:
        valid = ", ".join(sorted(REGISTRY))
        raise SpecError(f"unknown indicator {name!r}; valid names: {valid}")
    if len(texts) > len(entry.params):
        raise SpecError(
            f"{item!r}: {name} takes at most {len(entry.params)} parameter(s)"
            + (f" ({':'.join(p.name for p in entry.params)})" if entry.params else "")
        )
    values: list[int | float | None] = [
        _value(t.strip(), p, item) for t, p in zip(texts, entry.params, strict=False)
    ]
    values += [p.default for p in entry.params[len(values) :]]
    if name == "macd":
        fast, slow = values[0], values[1]  # both have defaults: never None
        if fast is not None and slow is not None and fast >= slow:
            raise SpecError(f"{item!r}: the fast period must be shorter than the slow one")
    return entry.factory(*values)


def build(spec: str = DEFAULT_SPEC) -> list[Indicator]:
    """Indicators for a comma-separated spec, in order. Raises SpecError (with a message for
    the user) on an unknown name, a bad parameter or a duplicate column."""
    items = [item for item in spec.split(",") if item.strip()]
    if not items:
        raise SpecError("no indicators given")
    indicators = [build_one(item) for item in items]
    seen: set[str] = set()
    for indicator in indicators:
        for column in indicator.columns:
            if column in seen:
                raise SpecError(f"indicator {column!r} is listed twice")
            seen.add(column)
    return indicators
