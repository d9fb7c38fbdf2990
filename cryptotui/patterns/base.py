"""The detector framework: small stateful objects the engine feeds, each emitting Signals.

A candle detector lives per (symbol, interval) and sees committed candles in order; a market
detector lives per symbol and sees aggTrades and 24 h tickers. Detectors are registered by name
so the config and the CLI can switch them on and off; `build_*` make fresh instances.
Detectors put raw observations in `Signal.factors` (at least `z`: how extreme the observation is,
in robust standard deviations); `scoring.py` turns those into the confidence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import ClassVar, Protocol

from cryptotui.hotpath import mypyc_attr
from cryptotui.models import AggTrade, Candle, Direction, Signal, Ticker


def candle_signal(
    name: str,
    direction: Direction,
    c: Candle,
    factors: dict[str, float],
    description: str = "",
    start: int | None = None,
) -> Signal:
    """A signal triggered by closed candle `c`, spanning from `start` (default: its open)."""
    return Signal(
        name,
        direction,
        c.symbol,
        c.interval,
        c.close_time,
        c.close,
        c.open_time if start is None else start,
        c.close_time,
        factors,
        {},
        0.0,
        description,
    )


@mypyc_attr(allow_interpreted_subclasses=True)  # as `PumpAndDump`, which a test subclasses
class CandleDetector:
    """What the engine feeds closed candles. A base class, not a protocol: compiled, the engine
    calls every detector's `on_candle` natively, where a protocol's method is a generic call."""

    __slots__ = ()

    name: ClassVar[str]

    def on_candle(self, c: Candle) -> list[Signal]:
        raise NotImplementedError


class ValueDetector(CandleDetector):
    """A candle detector whose first step is an indicator the engine computes anyway.

    Its `reads` (a string attribute) names that indicator's column; an engine computing it
    passes each closed candle's value to `on_value` instead of calling `on_candle`, which would
    compute the same number a second time. `on_candle(c)` is `on_value(c, <the indicator's
    update(c)>)`.
    """

    __slots__ = ()

    def on_value(self, c: Candle, value: float | None) -> list[Signal]:
        raise NotImplementedError


class MarketDetector(Protocol):
    name: str

    def on_trade(self, t: AggTrade) -> list[Signal]: ...

    def on_ticker(self, t: Ticker) -> list[Signal]: ...


CandleFactory = Callable[..., CandleDetector]
MarketFactory = Callable[[str], MarketDetector]

CANDLE_DETECTORS: dict[str, CandleFactory] = {}
MARKET_DETECTORS: dict[str, MarketFactory] = {}


def candle_detector(name: str) -> Callable[[CandleFactory], CandleFactory]:
    def register(factory: CandleFactory) -> CandleFactory:
        CANDLE_DETECTORS[name] = factory
        return factory

    return register


def market_detector(name: str) -> Callable[[MarketFactory], MarketFactory]:
    def register(factory: MarketFactory) -> MarketFactory:
        MARKET_DETECTORS[name] = factory
        return factory

    return register


def known() -> tuple[str, ...]:
    return (*CANDLE_DETECTORS, *MARKET_DETECTORS)


def check_names(names: Iterable[str]) -> list[str]:
    """The names, or ValueError naming the unknown ones and the choices."""
    names = list(names)
    bad = [n for n in names if n not in CANDLE_DETECTORS and n not in MARKET_DETECTORS]
    if bad:
        raise ValueError(f"unknown detector(s) {', '.join(bad)}; choose from {', '.join(known())}")
    return names


def build_candle_detectors(
    names: Iterable[str], symbol: str, interval: str, options: Mapping[str, dict] | None = None
) -> list:
    """Fresh detectors for one (symbol, interval); `options[name]` are keyword arguments."""
    options = options or {}
    return [
        CANDLE_DETECTORS[n](symbol, interval, **options.get(n, {}))
        for n in names
        if n in CANDLE_DETECTORS
    ]


def build_market_detectors(names: Iterable[str], symbol: str) -> list:
    return [MARKET_DETECTORS[n](symbol) for n in names if n in MARKET_DETECTORS]
