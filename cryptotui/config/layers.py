"""The sources of settings — TOML files, `CRYPTOTUI_<SECTION>_<KEY>` variables, command line
flags — each read into a `Layer` that can say where any of its settings is written.

Where is the whole point: every `ConfigError` starts with the file and line (or the variable, or
"command line") holding the value it refuses.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

ENV_PREFIX = "CRYPTOTUI_"
CONFIG_ENV = "CRYPTOTUI_CONFIG"
"""Names the user config file when `--config` is not given."""

COMMAND_LINE = "command line"
"""The `Config.sources` entry (and error location) for the `overrides` of `load_config`."""


class ConfigError(Exception):
    """A configuration problem as one line: location, setting, and what to do about it.

    The CLI prints `str(error)` and exits; the message alone must be enough to fix the input.
    """


Locate = Callable[[str, str | None, int | None], str]


@dataclass(slots=True, frozen=True)
class Layer:
    """One source of settings, and how to point the user at a setting inside it."""

    label: str
    tables: Mapping[str, Any]
    locate: Locate
    """(section, key or None for the section itself, element of a list value or None) →
    "file:line", variable name, ..."""

    def error(
        self, section: str, key: str | None, problem: str, index: int | None = None
    ) -> ConfigError:
        return ConfigError(f"{self.locate(section, key, index)}: {problem}")


def user_config_path() -> Path:
    """Where the user's config file lives unless `--config` or `CRYPTOTUI_CONFIG` names another.

    `appauthor=False` keeps Windows from nesting the directory as `cryptotui\\cryptotui`.
    """
    return platformdirs.user_config_path("cryptotui", appauthor=False) / "config.toml"


def user_layer(path: Path | None, env: Mapping[str, str]) -> Layer | None:
    """The user file: a named one must exist; the one at the default location may be absent."""
    if path is not None:
        return file_layer(Path(path).expanduser(), "no such config file; check the --config path")
    if named := env.get(CONFIG_ENV, "").strip():
        return file_layer(
            Path(named).expanduser(),
            f"no such config file (named by environment variable {CONFIG_ENV}); "
            "fix or unset the variable",
        )
    default = user_config_path()
    return file_layer(default, "no such config file") if default.exists() else None


def user_file(path: Path | None, env: Mapping[str, str]) -> Path:
    """The user file `user_layer` reads, existing or not: where the app writes what the user
    edits in it (alert rules), so the next load reads it back."""
    if path is not None:
        return Path(path).expanduser()
    if named := env.get(CONFIG_ENV, "").strip():
        return Path(named).expanduser()
    return user_config_path()


def file_layer(path: Path, missing: str) -> Layer:
    """Parse a TOML file; `missing` is the error text if it does not exist."""
    shown = _display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{shown}: {missing}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{shown}: not UTF-8 text; save the file as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{shown}: cannot read it ({exc.strerror or exc}); fix it") from None
    try:
        tables = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        position, problem = _syntax_position(exc, text)
        raise ConfigError(
            f"{shown}:{position}: invalid TOML: {problem}; fix the syntax there"
        ) from exc

    def locate(section: str, key: str | None, index: int | None) -> str:
        line = _find_line(text, section, key, index)
        return shown if line is None else f"{shown}:{line}"

    return Layer(str(path), tables, locate)


def env_layers(env: Mapping[str, str], schema: Mapping[str, Mapping[str, Any]]) -> list[Layer]:
    """One layer per `CRYPTOTUI_<SECTION>_<KEY>` variable that is set (empty counts as unset).

    `schema` maps section → key → the type the value converts to; lists of strings are written
    comma-separated, lists of tables as a TOML array. A variable that starts like a known section
    but names no setting is an error rather than silently ignored: a typo there would otherwise
    look like a setting that does not work. A value of the wrong type is left for the loader to
    refuse with the same message a file would get.
    """
    known = {
        env_name(section, key): (section, key) for section in schema for key in schema[section]
    }
    prefixes = tuple(f"{ENV_PREFIX}{section.upper()}_" for section in schema)
    for name in sorted(env):
        if name.startswith(prefixes) and name not in known:
            match = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean {match[0]}?" if match else "unset it"
            raise ConfigError(f"environment variable {name}: not a cryptotui setting; {hint}")

    layers = []
    for name, (section, key) in known.items():
        text = env.get(name, "").strip()
        if not text:
            continue
        where = f"environment variable {name}"
        value = _parse_env(text, schema[section][key])
        layers.append(Layer(name, {section: {key: value}}, _everywhere(where)))
    return layers


def overrides_layer(overrides: Mapping[str, Any]) -> Layer | None:
    """The CLI flags as a layer; None if every value is None, i.e. no flag was given."""
    tables = {
        section: (
            {key: value for key, value in values.items() if value is not None}
            if isinstance(values, Mapping)
            else values
        )
        for section, values in overrides.items()
    }
    if not any(tables.values()):
        return None
    return Layer(COMMAND_LINE, tables, _everywhere(COMMAND_LINE))


def _everywhere(where: str) -> Locate:
    """The `locate` of a source that is one place, like an environment variable."""
    return lambda _section, _key, _index: where


def env_name(section: str, key: str) -> str:
    return f"{ENV_PREFIX}{section.upper()}_{key.upper()}"


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _parse_env(text: str, kind: Any) -> Any:
    """An environment string read as `kind`; the text itself if it is not one, so the loader's
    type check refuses it."""
    if typing.get_origin(kind) is tuple:
        if typing.get_args(kind)[0] is str:
            return [part.strip() for part in text.split(",") if part.strip()]
        try:
            return tomllib.loads(f"value = {text}")["value"]
        except tomllib.TOMLDecodeError:
            return text
    try:
        if kind is bool and text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        if kind is int:
            return int(text)
        if kind is float:
            return float(text)
    except ValueError:
        pass
    return text


def _display(path: Path) -> str:
    """`~/…` for files under the home directory: shorter, and how users think of the path."""
    try:
        return str(Path("~") / path.relative_to(Path.home()))
    except ValueError:
        return str(path)


_SYNTAX_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$|\s*\(at end of document\)$")


def _syntax_position(exc: tomllib.TOMLDecodeError, text: str) -> tuple[str, str]:
    """("line:column", problem) of a TOML syntax error.

    Python 3.14 sets `lineno`/`colno`/`msg` on the error; before that they exist only inside the
    message, as "(at line L, column C)" or "(at end of document)" (reported as the last line).
    """
    details: dict[str, Any] = vars(exc)
    if "lineno" in details:
        return f"{details['lineno']}:{details['colno']}", details["msg"]
    message = str(exc)
    found = _SYNTAX_AT.search(message)
    if found is None:
        return "1", message
    if found[1] is None:
        return str(max(len(text.splitlines()), 1)), message[: found.start()]
    return f"{found[1]}:{found[2]}", message[: found.start()]


_KEY_PART = r"""[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*'"""
_DOTTED_KEY = rf"(?:{_KEY_PART})(?:\s*\.\s*(?:{_KEY_PART}))*"
_HEADER = re.compile(rf"\[\[?\s*({_DOTTED_KEY})\s*\]\]?\s*(?:#.*)?")
_ASSIGN = re.compile(rf"({_DOTTED_KEY})\s*=")


def _key_path(dotted: str) -> list[str]:
    """`a."b c".d` → ["a", "b c", "d"] (quotes dropped, escapes left as written)."""
    parts = re.findall(_KEY_PART, dotted)
    return [part[1:-1] if part[0] in "\"'" else part for part in parts]


def _find_line(text: str, section: str, key: str | None, index: int | None = None) -> int | None:
    """1-based line where `section.key` (or the section itself, for key None) is set in `text`;
    with `index`, the line where that element of its list value starts.

    Understands `[section]` headers, dotted keys (`section.key = ...`), inline tables
    (`section = { key = ... }`), multi-line arrays and arrays of tables (`[[section.key]]`). A
    line scan, so text inside multi-line strings can mislead it, which costs only a less precise
    line number.
    """
    target = [section] if key is None else [section, key]
    lines = text.splitlines()
    table: list[str] = []
    tables_seen = 0
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if header := _HEADER.fullmatch(stripped):
            table = _key_path(header[1])
            if index is not None and table == target and stripped.startswith("[["):
                if tables_seen == index:
                    return number
                tables_seen += 1
            elif table[: len(target)] == target:
                return number
            continue
        if not (assign := _ASSIGN.match(stripped)):
            continue
        path = table + _key_path(assign[1])
        if index is not None and path == target:
            return _element_line(lines, number, stripped[assign.end() :], index) or number
        if path[: len(target)] == target and (index is None or table != target):
            return number
        if key is not None and len(path) < len(target) and target[: len(path)] == path:
            inline = rf"[{{,]\s*[\"']?{re.escape(key)}[\"']?\s*="
            if re.search(inline, stripped[assign.end() :]):
                return number
    return None


def _element_line(lines: list[str], first: int, value: str, index: int) -> int | None:
    """The line where element `index` of the array starting in `value` (the text after `=` on
    line `first`) starts; None if it is not an array or has fewer elements.

    Tracks brackets, braces, strings and comments, so nested arrays, inline tables and commas
    inside strings do not count as elements.
    """
    depth, seen, expecting, quote = 0, -1, False, ""
    for number in range(first, len(lines) + 1):
        text = value if number == first else lines[number - 1]
        i = 0
        while i < len(text):
            char = text[i]
            if quote:
                if text.startswith(quote, i):
                    i, quote = i + len(quote), ""
                else:
                    i += 2 if char == "\\" and quote[0] == '"' else 1
                continue
            if char == "#":
                break
            if depth == 0 and char not in " \t[":
                return None
            if depth == 1 and expecting and char not in " \t,]":
                seen, expecting = seen + 1, False
                if seen == index:
                    return number
            if char in "\"'":
                quote = char * 3 if text.startswith(char * 3, i) else char
                i += len(quote)
                continue
            if char in "[{":
                depth += 1
                expecting = expecting or depth == 1
            elif char in "]}":
                depth -= 1
                if depth == 0:
                    return None
            elif char == "," and depth == 1:
                expecting = True
            i += 1
    return None
