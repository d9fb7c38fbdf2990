"""Alert rules: the small grammar users write in the config, parsed here — never `eval`'d:

    price > 100000                 price < 0.25            price crosses 100000
    move 15m > 3%                  (absolute % change of the close over the window)
    rsi_14 < 30                    rsi crosses above 70    macd crosses signal
    volume_spike > 6               whale >= 1000000        (one aggTrade's notional)

Subjects: `price`, `move <window>`, `whale`, or any indicator column (`rsi_14`,
`macd_12_26_9_signal`, `bbands_20_2_upper`…; short names `rsi`, `macd`, `signal`,
`volume_spike` mean the default parameters). Comparisons: `>`, `>=`, `<`, `<=`, `crosses`,
`crosses above`, `crosses below`; the right side is a number (with `%` for `move`) or a column.

Each rule has TradingView's frequency choice (`once`, `once_per_bar`, `once_per_bar_close`) and
a cooldown; `cryptotui.alerts.router` applies them.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptotui.indicators import REGISTRY, SpecError, build_one
from cryptotui.intervals import INTERVAL_MS
from cryptotui.models import Direction

FREQUENCIES = ("once", "once_per_bar", "once_per_bar_close")
DEFAULT_MESSAGE = "{name}: {symbol} at {price}"
PLACEHOLDERS = ("symbol", "price", "interval", "name", "confidence", "value", "direction")
ALIASES = {
    "rsi": "rsi_14",
    "macd": "macd_12_26_9",
    "signal": "macd_12_26_9_signal",
    "hist": "macd_12_26_9_hist",
    "volume_spike": "volume_spike_20",
    "atr": "atr_14",
    "adx": "adx_14",
    "cci": "cci_20",
    "mfi": "mfi_14",
}
_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)(?P<unit>%|[smhdw]\b)?"
    r"|(?P<op>>=|<=|>|<)|(?P<word>[A-Za-z_][A-Za-z0-9_]*))"
)


class RuleError(ValueError):
    """A rule that cannot be parsed; the message names the rule, the text and the position.

    `key` is the rule's key at fault (`when`, `interval`…; None: the rule as a whole) and
    `column` the 1-based position inside `when`, so a form can point at the very character.
    """

    def __init__(self, message: str, key: str | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.key = key
        self.column = column


@dataclass(slots=True, frozen=True)
class Condition:
    subject: str
    """'price', 'whale', 'move', or an indicator column."""
    op: str
    """'>', '>=', '<', '<=', 'crosses', 'crosses above', 'crosses below'."""
    target: float | str
    window_ms: int = 0

    @property
    def columns(self) -> tuple[str, ...]:
        cols = []
        if self.subject not in ("price", "whale", "move"):
            cols.append(self.subject)
        if isinstance(self.target, str):
            cols.append(self.target)
        return tuple(cols)


@dataclass(slots=True, frozen=True)
class Rule:
    name: str
    condition: Condition
    text: str
    symbols: tuple[str, ...] = ()
    """Empty: every watched symbol."""
    interval: str = "1m"
    frequency: str = "once_per_bar_close"
    cooldown: float = 0.0
    message: str = "{name}: {symbol} {price}"
    direction: Direction = Direction.NEUTRAL
    enabled: bool = True
    """`enabled = false` keeps a rule in the config without it firing."""


def indicator_for(column: str) -> str | None:
    """The indicator spec item (`macd:12:26:9`) whose outputs include `column`, or None."""
    for name in sorted(REGISTRY, key=len, reverse=True):
        if column == name or column.startswith(name + "_"):
            rest = column[len(name) :].strip("_").split("_") if column != name else []
            item = ":".join([name, *(p for p in rest if p.replace(".", "", 1).isdigit())])
            try:
                if column in build_one(item).columns:
                    return item
            except SpecError:
                return None
    return None


def _column(word: str, rule: str, text: str, pos: int) -> str:
    column = ALIASES.get(word, word)
    if indicator_for(column) is None:
        raise RuleError(
            f"rule {rule!r}: {text!r}: unknown subject {word!r} at column {pos + 1}; use price, "
            "move <window>, whale, or an indicator column such as rsi_14",
            "when",
            pos + 1,
        )
    return column


def parse_condition(text: str, rule: str = "?") -> Condition:
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text.rstrip()):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            at = len(text) - len(text[pos:].lstrip())
            raise RuleError(
                f"rule {rule!r}: {text!r}: unexpected {text[at:][:10]!r} at column {at + 1}",
                "when",
                at + 1,
            )
        kind = "num" if m.lastgroup == "unit" else str(m.lastgroup)  # one group always matches
        start = m.start(kind)
        tokens.append((kind, m.group(0).strip(), start))
        pos = m.end()

    def fail(at: int, expected: str) -> RuleError:
        if at < len(tokens):
            got, column = repr(tokens[at][1]), tokens[at][2] + 1
            return RuleError(
                f"rule {rule!r}: {text!r}: expected {expected} at column {column}, got {got}",
                "when",
                column,
            )
        end = len(text.rstrip()) + 1
        return RuleError(f"rule {rule!r}: {text!r}: expected {expected} at the end", "when", end)

    i = 0
    if not tokens or tokens[0][0] != "word":
        raise fail(0, "a subject (price, move, whale or an indicator)")
    word = tokens[0][1].lower()
    window = 0
    if word == "move":
        if len(tokens) < 2 or tokens[1][0] != "num" or tokens[1][1][-1] not in "smhdw":
            raise fail(1, "a window such as 15m")
        amount, unit = float(tokens[1][1][:-1]), tokens[1][1][-1]
        window = int(amount * {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[unit] * 1000)
        subject, i = "move", 2
    elif word in ("price", "whale"):
        subject, i = word, 1
    else:
        subject, i = _column(word, rule, text, tokens[0][2]), 1
    if i >= len(tokens):
        raise fail(i, "a comparison (>, >=, <, <=, crosses)")
    kind, value, _ = tokens[i]
    if kind == "op":
        op, i = value, i + 1
    elif kind == "word" and value.lower() in ("crosses", "cross"):
        op, i = "crosses", i + 1
        if i < len(tokens) and tokens[i][1].lower() in ("above", "below"):
            op, i = f"crosses {tokens[i][1].lower()}", i + 1
    else:
        raise fail(i, "a comparison (>, >=, <, <=, crosses)")
    if i >= len(tokens):
        raise fail(i, "a number or an indicator")
    kind, value, start = tokens[i]
    target: float | str
    if kind == "num":
        pct = value.endswith("%")
        if value[-1].isalpha():
            raise fail(i, "a number")
        target = float(value.rstrip("%"))
        if subject == "move" and not pct:
            raise fail(i, "a percentage such as 3%")
        if pct and subject != "move":
            raise fail(i, "a plain number (% is only for move)")
    elif kind == "word" and subject not in ("price", "whale", "move"):
        target = _column(value.lower(), rule, text, start)
    else:
        raise fail(i, "a number")
    if i + 1 < len(tokens):
        raise fail(i + 1, "the end of the rule")
    return Condition(subject, op, target, window)


def _template(message: str, rule: str) -> str:
    for _, field_name, _, _ in string.Formatter().parse(message):
        if field_name is not None and field_name not in PLACEHOLDERS:
            raise RuleError(
                f"rule {rule!r}: message placeholder {{{field_name}}} unknown; "
                f"use {', '.join('{' + p + '}' for p in PLACEHOLDERS)}",
                "message",
            )
    return message


def parse_rules(items: Iterable[Mapping[str, Any]]) -> list[Rule]:
    """Rules from the config's `alerts.rules` (a list of inline tables). Raises RuleError."""
    rules = []
    allowed = {
        "name", "when", "symbols", "interval", "frequency", "cooldown", "message", "direction",
        "enabled",
    }  # fmt: skip
    for n, item in enumerate(items, 1):
        if not isinstance(item, Mapping):
            raise RuleError(f"rule #{n}: expected a table like {{ name = ..., when = ... }}")
        name = str(item.get("name") or f"rule {n}")
        unknown = set(item) - allowed
        if unknown:
            raise RuleError(
                f"rule {name!r}: unknown key(s) {', '.join(sorted(unknown))}; "
                f"use {', '.join(sorted(allowed))}"
            )
        when = item.get("when")
        if not isinstance(when, str) or not when.strip():
            raise RuleError(
                f'rule {name!r}: needs when = "<condition>", e.g. "price > 100000"', "when", 1
            )
        condition = parse_condition(when, name)
        interval = str(item.get("interval", "1m"))
        if interval not in INTERVAL_MS:
            raise RuleError(
                f"rule {name!r}: interval {interval!r} unknown; use one of "
                f"{', '.join(INTERVAL_MS)}",
                "interval",
            )
        frequency = str(item.get("frequency", "once_per_bar_close"))
        if frequency not in FREQUENCIES:
            raise RuleError(
                f"rule {name!r}: frequency {frequency!r} unknown; use one of "
                f"{', '.join(FREQUENCIES)}",
                "frequency",
            )
        cooldown = item.get("cooldown", 0)
        if not isinstance(cooldown, int | float) or cooldown < 0:
            raise RuleError(f"rule {name!r}: cooldown must be seconds ≥ 0", "cooldown")
        symbols = item.get("symbols", [])
        if isinstance(symbols, str) or not all(isinstance(s, str) for s in symbols):
            raise RuleError(f'rule {name!r}: symbols must be a list like ["BTCUSDT"]', "symbols")
        direction = item.get("direction")
        if direction is not None and direction not in tuple(Direction):
            raise RuleError(
                f"rule {name!r}: direction {direction!r} unknown; use bullish, bearish or neutral",
                "direction",
            )
        enabled = item.get("enabled", True)
        if not isinstance(enabled, bool):
            raise RuleError(f"rule {name!r}: enabled must be true or false", "enabled")
        rules.append(
            Rule(
                name,
                condition,
                when.strip(),
                tuple(s.upper() for s in symbols),
                interval,
                frequency,
                float(cooldown),
                _template(str(item.get("message", DEFAULT_MESSAGE)), name),
                Direction(direction) if direction is not None else _direction(condition),
                enabled,
            )
        )
    return rules


def _direction(c: Condition) -> Direction:
    """What a rule expects of the price when nobody says (`direction = ...` in the rule):
    price and move comparisons point the way they compare; indicator conditions are neutral,
    since `rsi_14 < 30` is bullish to a mean-reversion trader and bearish to a momentum one."""
    if c.op in (">", ">=", "crosses above"):
        return Direction.BULLISH if c.subject in ("price", "move") else Direction.NEUTRAL
    if c.op in ("<", "<=", "crosses below"):
        return Direction.BEARISH if c.subject in ("price", "move") else Direction.NEUTRAL
    return Direction.NEUTRAL
