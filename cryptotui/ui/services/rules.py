"""What the Rules view shows: each rule of the user's file, whether it parses, and when it last
fired (this session's alerts, else the stored history); and the prefilled "alert when SYMBOL
crosses PRICE" rule that the watchlist and the chart offer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from cryptotui import fmt
from cryptotui.alerts.rules import Rule, RuleError, parse_rules
from cryptotui.models import Alert

LAST_FIRED_SQL = "SELECT name, MAX(time), symbol FROM signals WHERE kind = 'rule' GROUP BY name"
"""SQLite takes a bare column (`symbol`) from the row that holds the MAX."""


@dataclass(slots=True, frozen=True)
class Fired:
    time: int
    symbol: str


@dataclass(slots=True, frozen=True)
class RuleRow:
    index: int
    """Position in the file's list (what `RulesFile` edits by)."""
    table: dict[str, Any]
    """As written."""
    rule: Rule | None
    error: str | None
    """Why the rule does not parse (the file was edited by hand meanwhile)."""
    fired: Fired | None

    @property
    def name(self) -> str:
        return str(self.table.get("name", f"rule {self.index + 1}"))

    @property
    def enabled(self) -> bool:
        return self.table.get("enabled", True) is not False

    def text(self) -> str:
        """What `/` matches: name, condition, symbols."""
        symbols = " ".join(self.table.get("symbols", ()) or ())
        return f"{self.name} {self.table.get('when', '')} {symbols}"


def rule_rows(tables: list[dict[str, Any]], fired: Mapping[str, Fired]) -> list[RuleRow]:
    rows = []
    for index, table in enumerate(tables):
        rule: Rule | None = None
        error: str | None = None
        try:
            rule = parse_rules([table])[0]
        except RuleError as exc:
            error = str(exc)
        name = str(table.get("name", f"rule {index + 1}"))
        rows.append(RuleRow(index, table, rule, error, fired.get(name)))
    return rows


def stored_firings(db: sqlite_utils.Database) -> dict[str, Fired]:
    """The last stored firing of every rule name."""
    return {name: Fired(time, symbol) for name, time, symbol in db.execute(LAST_FIRED_SQL)}


def last_firings(stored: Mapping[str, Fired], alerts: Iterable[Alert]) -> dict[str, Fired]:
    """`stored`, updated with this session's rule alerts (newer, and there before the writer's
    next batch)."""
    out = dict(stored)
    for a in alerts:
        if a.kind == "rule" and (a.name not in out or out[a.name].time < a.time):
            out[a.name] = Fired(a.time, a.symbol)
    return out


def crossing_rule(symbol: str, price: float, decimals: int | None, interval: str) -> dict:
    """The rule behind "alert when SYMBOL crosses this price": on the live price (checked as
    the candle forms), again on a later crossing only after ten minutes."""
    shown = fmt.price(price, decimals).replace(",", "")
    return {
        "name": f"{symbol.lower()}-crosses-{shown}",
        "when": f"price crosses {shown}",
        "symbols": [symbol],
        "interval": interval,
        "frequency": "once_per_bar",
        "cooldown": 600,
        "message": "{symbol} crossed " + shown + " at {price}",
    }
