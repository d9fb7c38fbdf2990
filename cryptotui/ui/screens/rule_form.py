"""The form that adds or edits one alert rule.

It checks the rule with the config's own parser (`parse_rules`) as the condition is typed and
again on Enter, and points at the fault: the field turns red, the cursor goes to the column the
parser names and a caret marks it under the condition. `save` writes the rule (the caller's
`RulesFile` change and reload); a refusal from it is shown the same way and the form stays open.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from cryptotui.alerts.rules import DEFAULT_MESSAGE, FREQUENCIES, RuleError, parse_rules
from cryptotui.alerts.rules_file import RulesFileError, compact

FIELDS: tuple[tuple[str, str, str], ...] = (
    ("name", "name", "a short name, unique among the rules"),
    ("when", "when", "price crosses 100000 · move 15m > 3% · rsi_14 < 30 · macd crosses signal"),
    ("symbols", "symbols", "BTCUSDT, ETHUSDT (empty: every watched symbol)"),
    ("interval", "interval", "1m"),
    ("frequency", "frequency", " | ".join(FREQUENCIES)),
    ("cooldown", "cooldown s", "0 (seconds between two alerts of a symbol)"),
    ("message", "message", DEFAULT_MESSAGE),
)
LABEL_WIDTH = 12
"""Cells before an input's text: the label column plus the input's left padding."""


class RuleForm(ModalScreen[bool]):
    """Dismissed with True once `save` accepted the rule, False on Esc."""

    BINDINGS = [
        Binding("escape", "dismiss(False)", "Cancel"),
        Binding("ctrl+s", "save", "Save", tooltip="Enter in any field saves too"),
    ]

    def __init__(
        self, title: str, table: Mapping[str, Any], save: Callable[[dict[str, Any]], None]
    ) -> None:
        super().__init__()
        self.title_text = title
        self.original = dict(table)
        self.save = save

    def compose(self) -> ComposeResult:
        with Vertical(id="rule-form") as box:
            box.border_title = Text(self.title_text)
            box.border_subtitle = "Enter save · Esc cancel"
            for key, label, hint in FIELDS:
                with Horizontal(classes="rule-field"):
                    yield Label(label, classes="rule-label")
                    yield Input(self._shown(key), placeholder=hint, id=f"rule-{key}")
                if key == "when":
                    yield Static("", id="rule-caret")
            yield Static("", id="rule-error")

    def on_mount(self) -> None:
        self.query_one("#rule-when", Input).focus()

    def _shown(self, key: str) -> str:
        value = self.original.get(key)
        if value is None:
            return ""
        if key == "symbols":
            return ", ".join(value)
        return f"{value:g}" if isinstance(value, float) else str(value)

    # ------------------------------------------------------------------ reading

    def values(self) -> dict[str, Any]:
        """The rule the form describes, keys the rule did not write left out at their default,
        keys the form does not show (direction, enabled) kept as they were."""

        def text(key: str) -> str:
            return self.query_one(f"#rule-{key}", Input).value.strip()

        cooldown_text = text("cooldown") or "0"
        try:
            cooldown: float = float(cooldown_text)
        except ValueError:
            raise RuleError(
                f"cooldown {cooldown_text!r} is not a number of seconds; write one like 600",
                "cooldown",
            ) from None
        values: dict[str, Any] = {
            "name": text("name"),
            "when": text("when"),
            "symbols": [s.strip().upper() for s in text("symbols").split(",") if s.strip()],
            "interval": text("interval") or "1m",
            "frequency": text("frequency") or "once_per_bar_close",
            "cooldown": int(cooldown) if cooldown.is_integer() else cooldown,
            "message": text("message") or DEFAULT_MESSAGE,
        }
        if not values["name"]:
            raise RuleError("a rule needs a name; write a short one like btc-100k", "name")
        return {**self.original, **compact(values, self.original)}

    # ------------------------------------------------------------------ checking

    @on(Input.Changed, "#rule-when")
    def _when_changed(self, event: Input.Changed) -> None:
        """Check the condition as it is typed: the caret follows the first fault."""
        self._clear()
        if not event.value.strip():
            return
        try:
            parse_rules([{"name": "rule", "when": event.value}])
        except RuleError as exc:
            self._caret(exc)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        self._clear()
        try:
            table = self.values()
            parse_rules([table])
            self.save(table)
        except (RuleError, RulesFileError) as exc:
            self.show_error(exc)
            return
        self.dismiss(True)

    def show_error(self, exc: RuleError | RulesFileError) -> None:
        """The message below the fields, the field at fault red and focused, its cursor (and
        the caret, for the condition) at the column named."""
        self.query_one("#rule-error", Static).update(Text(str(exc), "bold"))
        key = getattr(exc, "key", None)
        if key is None or not self.query(f"#rule-{key}"):
            return
        field = self.query_one(f"#rule-{key}", Input)
        field.add_class("-invalid")
        field.focus()
        if isinstance(exc, RuleError) and exc.key == "when" and exc.column is not None:
            field.cursor_position = exc.column - 1
            self._caret(exc)

    def _caret(self, exc: RuleError) -> None:
        """The caret under the condition's column at fault (the cursor stays where it is:
        this runs as the user types)."""
        if exc.key != "when" or exc.column is None:
            return
        field = self.query_one("#rule-when", Input)
        at = LABEL_WIDTH + exc.column - 1 - field.scroll_offset.x
        caret = Text(" " * at + "^ ", "bold")
        caret.append(_problem(str(exc)))
        self.query_one("#rule-caret", Static).update(caret)

    def _clear(self) -> None:
        self.query_one("#rule-error", Static).update("")
        self.query_one("#rule-caret", Static).update("")
        for field in self.query(Input):
            field.remove_class("-invalid")


def _problem(message: str) -> str:
    """The parser's message without its "rule 'x': 'text': " prefix (the form shows both)."""
    return message.rsplit("': ", 1)[-1]
