"""Checks a value's type cannot express, each returning the value normalised or raising ValueError
with the problem and what to write instead. Single values are checked by `cryptotui.validators`,
so a flag and a config key refuse the same things in the same words.

`ItemError` names the offending element of a list, so the loader can point at that element's own
line of a multi-line array. Checks that belong to the code they protect (detector names, indicator
specs, alert rules) import it when called, so importing the config stays light.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from cryptotui import validators


class ItemError(ValueError):
    """A problem with element `index` (0-based) of a list setting."""

    def __init__(self, index: int, problem: str) -> None:
        super().__init__(problem)
        self.index = index


def each(check: Callable[[Any], Any]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """`check` applied to every element, blaming the element it refuses."""

    def check_all(values: Sequence[Any]) -> tuple[Any, ...]:
        checked = []
        for index, value in enumerate(values):
            try:
                checked.append(check(value))
            except ValueError as exc:
                raise ItemError(index, str(exc)) from None
        return tuple(checked)

    return check_all


def optional(check: Callable[[str], str]) -> Callable[[str], str]:
    """`check`, except that "" (the setting is off) passes."""
    return lambda value: check(value) if value else value


def symbols(values: tuple[str, ...]) -> tuple[str, ...]:
    """Upper-cased (Binance symbols are), de-duplicated, non-empty."""
    if not values:
        raise ValueError('the list is empty; name at least one symbol, like ["BTCUSDT"]')
    return tuple(dict.fromkeys(each(validators.symbol)(values)))


def intervals(values: tuple[str, ...]) -> tuple[str, ...]:
    """Binance interval strings, case kept (`1m` is a minute, `1M` a month), de-duplicated."""
    if not values:
        raise ValueError('the list is empty; name at least one interval, like ["1m"]')
    return tuple(dict.fromkeys(each(validators.interval)(values)))


def detectors(names: tuple[str, ...]) -> tuple[str, ...]:
    check_names = _lazy("cryptotui.patterns", "check_names")
    return each(lambda name: check_names([name])[0])(names)


def candlestick_patterns(names: tuple[str, ...]) -> tuple[str, ...]:
    """TA-Lib names, lower case without `cdl`, as the detector takes them."""
    check_patterns = _lazy("cryptotui.patterns.candlestick", "check_patterns")
    return each(lambda name: check_patterns([name])[0])(names)


def indicators(spec: str) -> str:
    """A spec `cryptotui.indicators.build` accepts ("" adds none)."""
    if spec.strip():
        _lazy("cryptotui.indicators", "build")(spec)
    return spec


def alert_rules(tables: tuple[Mapping[str, Any], ...]) -> tuple[Mapping[str, Any], ...]:
    """Rules `cryptotui.alerts.rules.parse_rules` accepts; the tables are kept as written."""
    _lazy("cryptotui.alerts.rules", "parse_rules")(tables)
    return tables


def _lazy(module: str, name: str) -> Callable[..., Any]:
    return getattr(importlib.import_module(module), name)
