"""Checks a value's type cannot express, each returning the value normalised or raising ValueError
with the problem and what to write instead. Single values are checked by `cryptotui.validators`,
so a flag and a config key refuse the same things in the same words.

`ItemError` names the offending element of a list, so the loader can point at that element's own
line of a multi-line array. Checks that belong to the code they protect (detector names, indicator
specs, alert rules) import it when called, so importing the config stays light.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from cryptotui import validators
from cryptotui.intervals import INTERVALS


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
    """Rules `cryptotui.alerts.rules.parse_rules` accepts; the tables are kept as written.

    On a refusal the shortest failing prefix names the offending rule, so the error points at
    its own line, even if the parser ever checks a rule against the ones before it.
    """
    parse_rules = _lazy("cryptotui.alerts.rules", "parse_rules")
    try:
        parse_rules(tables)
    except ValueError as exc:
        end = next(end for end in range(1, len(tables) + 1) if _refused(parse_rules, tables[:end]))
        raise ItemError(end - 1, str(exc)) from None
    return tables


def _refused(parse: Callable[[Any], Any], tables: tuple[Mapping[str, Any], ...]) -> bool:
    try:
        parse(tables)
    except ValueError:
        return True
    return False


def _retention_entry(entry: str) -> tuple[str, float]:
    interval, sep, days_text = entry.partition("=")
    interval = interval.strip()
    try:
        days = float(days_text)
    except ValueError:
        days = -1.0
    if not sep or interval not in INTERVALS or not (math.isfinite(days) and days >= 0):
        raise ValueError(
            f'{entry!r} is not INTERVAL=DAYS; write it like "1m=30" '
            f"with an interval among {', '.join(INTERVALS)} and 0 or more days"
        )
    return interval, days


def parse_retention(entries: Sequence[str]) -> dict[str, float]:
    """`("1s=2", "1m=30")` → `{"1s": 2.0, "1m": 30.0}`; ItemError on a malformed entry."""
    return dict(each(_retention_entry)(entries))


def retention(entries: tuple[str, ...]) -> tuple[str, ...]:
    """Check for `store.retention_days`: entries `parse_retention` accepts, kept as written."""
    parse_retention(entries)
    return entries


def output_file(value: str) -> str:
    """A file to append to (`validators.output_file`: no directory, in one that exists), kept
    as written; "" is off. Refused here, since once running the failure would repeat per write."""
    if value:
        validators.output_file(value)
    return value


def _lazy(module: str, name: str) -> Callable[..., Any]:
    return getattr(importlib.import_module(module), name)
