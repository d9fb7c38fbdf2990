"""Alert rules edited in the user's TOML config file, the rest of the file kept byte for byte.

The Rules view adds, edits, deletes and switches rules on and off through `RulesFile`. tomlkit
parses the file into a document that remembers its comments, blank lines, quoting and key
order; a change touches only the rule it is about (an edit updates the keys that changed inside
the rule's own table), so the user's hand-written layout survives. Both ways of writing the
list work: `rules = [ { ... }, ]` and `[[alerts.rules]]` tables.

Every change is checked with `parse_rules` over the whole list before anything is written, and
the file is replaced atomically, so a saved file always loads; the file is read afresh for each
change, so edits made meanwhile in an editor are not lost.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Array, InlineTable, Table
from tomlkit.toml_document import TOMLDocument

from cryptotui.alerts.rules import DEFAULT_MESSAGE, RuleError, parse_rules

DEFAULTS: dict[str, Any] = {
    "symbols": [],
    "interval": "1m",
    "frequency": "once_per_bar_close",
    "cooldown": 0,
    "message": DEFAULT_MESSAGE,
    "enabled": True,
}
"""What a rule means when a key is left out: a form's value equal to it is not written."""
NEW_FILE = "# cryptotui configuration (`cryptotui config show` lists every setting)\n"


class RulesFileError(ValueError):
    """The file cannot be read or written as TOML; the message says which and why."""


def compact(values: Mapping[str, Any], original: Mapping[str, Any] | None = None) -> dict:
    """`values` without the keys left at their default, unless the rule already wrote them."""
    kept = original or {}
    return {
        key: value
        for key, value in values.items()
        if key in kept or key not in DEFAULTS or DEFAULTS[key] != value
    }


class RulesFile:
    """The `[alerts] rules` of one TOML file, by position in the list."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def tables(self) -> list[dict[str, Any]]:
        """The rules as written (plain values); [] when the file or the list does not exist."""
        _, rules = self._load()
        return [] if rules is None else [dict(item.unwrap()) for item in rules]

    def add(self, table: Mapping[str, Any]) -> int:
        """Append a rule; returns its position."""
        doc, rules = self._load()
        if rules is None:
            rules = _create_list(doc)
        rules.append(_item(rules, table))
        self._save(doc, rules)
        return len(rules) - 1

    def insert(self, index: int, table: Mapping[str, Any]) -> None:
        """Put a rule back at `index` (undoing a delete)."""
        doc, rules = self._load()
        if rules is None:
            rules = _create_list(doc)
        rules.insert(min(index, len(rules)), _item(rules, table))
        self._save(doc, rules)

    def replace(self, index: int, table: Mapping[str, Any]) -> None:
        """Rule `index` becomes `table`: changed keys are set in place, dropped keys removed."""
        doc, rules = self._load()
        rules = _have(rules)
        item = _at(rules, index)
        plain = item.unwrap()
        for key in [k for k in plain if k not in table]:
            del item[key]
        for key, value in table.items():
            if key not in plain or plain[key] != value:
                item[key] = value
        self._save(doc, rules)

    def delete(self, index: int) -> dict[str, Any]:
        """Remove rule `index`; returns it as written (for an undo)."""
        doc, rules = self._load()
        rules = _have(rules)
        removed = dict(_at(rules, index).unwrap())
        del rules[index]
        self._save(doc, rules)
        return removed

    def set_enabled(self, index: int, enabled: bool) -> None:
        """Switch rule `index` off (`enabled = false`) or on (the key removed: on is the
        default)."""
        doc, rules = self._load()
        rules = _have(rules)
        item = _at(rules, index)
        if enabled and "enabled" in item:
            del item["enabled"]
        elif not enabled:
            item["enabled"] = False
        self._save(doc, rules)

    # ------------------------------------------------------------------ file

    def _load(self) -> tuple[TOMLDocument, Array | AoT | None]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = NEW_FILE
        except (OSError, UnicodeDecodeError) as exc:
            raise RulesFileError(f"{self.path}: cannot read it ({exc}); fix the file") from None
        try:
            doc = tomlkit.parse(text)
        except tomlkit.exceptions.ParseError as exc:
            raise RulesFileError(f"{self.path}: invalid TOML ({exc}); fix the file") from None
        alerts = doc.get("alerts")
        rules = alerts.get("rules") if isinstance(alerts, Mapping) else None
        if rules is not None and not isinstance(rules, Array | AoT):
            raise RulesFileError(f"{self.path}: alerts.rules is not a list of tables; fix it")
        return doc, rules

    def _save(self, doc: TOMLDocument, rules: Array | AoT) -> None:
        """Check the whole list, then replace the file in one step (never half written)."""
        tables = [dict(item.unwrap()) for item in rules]
        parse_rules(tables)
        names = [str(t.get("name", "")) for t in tables]
        for name in names:
            if names.count(name) > 1:
                raise RuleError(f"rule {name!r}: another rule has this name; rename one", "name")
        text = tomlkit.dumps(doc)
        tomllib.loads(text)  # tomlkit's output is TOML the loader reads, or this is a bug
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".config-", suffix=".toml")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
                out.write(text)
            if self.path.exists():
                os.chmod(tmp, self.path.stat().st_mode & 0o777)
            os.replace(tmp, self.path)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise RulesFileError(f"{self.path}: cannot write it ({exc.strerror or exc})") from None


def _have(rules: Array | AoT | None) -> Array | AoT:
    if rules is None:
        raise RulesFileError("the file has no alert rules any more; it was edited meanwhile")
    return rules


def _at(rules: Array | AoT, index: int) -> Any:
    if not 0 <= index < len(rules):
        raise RulesFileError(f"no rule #{index + 1} in the file any more; it was edited meanwhile")
    return rules[index]


def _item(rules: Array | AoT, table: Mapping[str, Any]) -> InlineTable | Table:
    """A new rule in the list's own style: an inline table, or a `[[alerts.rules]]` table."""
    item: InlineTable | Table = (
        tomlkit.table() if isinstance(rules, AoT) else tomlkit.inline_table()
    )
    item.update(table)
    return item


def _create_list(doc: TOMLDocument) -> Array:
    """`rules = [...]` (one rule a line) in `[alerts]`, the table added at the end if missing."""
    alerts = doc.get("alerts")
    if alerts is None:
        alerts = tomlkit.table()
        doc.append("alerts", alerts)
    rules = tomlkit.array().multiline(True)
    alerts["rules"] = rules
    return rules
