"""Configuration: shipped defaults ← user file ← `CRYPTOTUI_*` environment ← command line flags.

The defaults file is also the schema: its sections, keys and value types are what a user may set,
so a section added to `config/default.toml` is validated (and settable from the environment)
without touching this module. Semantic rules that types cannot express live in `_RULES`.

Every problem surfaces as one `ConfigError` line that says where (file and line, or the
environment variable), which setting, and what to write instead: a config error is the first
thing a new user sees, and it should be fixable without reading code.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar
from urllib.parse import urlsplit

import platformdirs

from cryptotui.intervals import INTERVALS

ENV_PREFIX = "CRYPTOTUI_"
CONFIG_ENV = "CRYPTOTUI_CONFIG"
"""Names the user config file when `--config` is not given."""

COMMAND_LINE = "command line"
"""The `Config.sources` entry (and error location) for the `overrides` of `load_config`."""


class ConfigError(Exception):
    """A configuration problem as one line: location, setting, and what to do about it.

    The CLI prints `str(error)` and exits; the message alone must be enough to fix the input.
    """


@dataclass(slots=True, frozen=True)
class ExchangeConfig:
    """Binance endpoints; validated as http(s) and ws(s) URLs without a trailing slash."""

    rest_url: str
    ws_url: str


@dataclass(slots=True, frozen=True)
class WatchlistConfig:
    """What the dashboard shows: upper-case symbols and Binance interval strings, no duplicates."""

    symbols: tuple[str, ...]
    intervals: tuple[str, ...]


@dataclass(slots=True, frozen=True)
class StreamConfig:
    """WebSocket health: stall detection, connection rolling, reconnect backoff (seconds)."""

    stall_factor: float
    max_connection_age_hours: float
    backoff_initial: float
    backoff_max: float


@dataclass(slots=True, frozen=True)
class DemoConfig:
    """The offline simulated market."""

    seed: int
    speed: float
    symbols: tuple[str, ...]


@dataclass(slots=True, frozen=True)
class Config:
    """The effective configuration.

    `sources` lists what was applied, in order (default file, user file, environment variable
    names, `COMMAND_LINE`), for `cryptotui config show`. `raw` is the whole validated merge
    (read-only, lists as tuples), so a section added to the defaults file can be read before it
    gets a typed view here.
    """

    exchange: ExchangeConfig
    watchlist: WatchlistConfig
    stream: StreamConfig
    demo: DemoConfig
    sources: tuple[str, ...]
    raw: Mapping[str, Mapping[str, Any]] = field(repr=False)


def default_config_path() -> Path:
    """The shipped defaults file.

    Wheels carry it as `cryptotui/_default.toml` (force-included by pyproject); editable installs
    and checkouts have only the repo's `config/default.toml`, beside the package directory.
    """
    packaged = resources.files("cryptotui") / "_default.toml"
    if isinstance(packaged, Path) and packaged.is_file():
        return packaged
    return Path(__file__).resolve().parent.parent / "config" / "default.toml"


def user_config_path() -> Path:
    """Where the user's config file lives unless `--config` or `CRYPTOTUI_CONFIG` names another.

    `appauthor=False` keeps Windows from nesting the directory as `cryptotui\\cryptotui`.
    """
    return platformdirs.user_config_path("cryptotui", appauthor=False) / "config.toml"


def load_config(
    path: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> Config:
    """Merge defaults ← user file ← environment ← `overrides`, validate, and type the result.

    `path` (from `--config`) or `env[CRYPTOTUI_CONFIG]` name a file that must exist; otherwise
    the file at `user_config_path()` is used if present. `env` defaults to `os.environ`.
    `overrides` is `{section: {key: value}}` from CLI flags, with typed values; keys whose value
    is None are skipped, so unset argparse options can be passed straight through.
    Raises ConfigError.
    """
    env = os.environ if env is None else env
    defaults = _file_layer(default_config_path(), "defaults file missing; reinstall cryptotui")
    schema = defaults.tables
    layers = [defaults]
    user = _user_layer(path, env)
    if user is not None:
        layers.append(user)
    layers += _env_layers(env, schema)
    if overrides and (flags := _overrides_layer(overrides)):
        layers.append(flags)

    merged: dict[str, dict[str, Any]] = {}
    origins: dict[tuple[str, str], int] = {}
    for index, layer in enumerate(layers):
        for section, values in _validate(layer, schema).items():
            merged.setdefault(section, {}).update(values)
            origins.update({(section, key): index for key in values})
    _check_backoff(merged["stream"], origins, layers)

    raw = MappingProxyType({section: MappingProxyType(v) for section, v in merged.items()})
    return Config(
        exchange=_typed(ExchangeConfig, raw["exchange"]),
        watchlist=_typed(WatchlistConfig, raw["watchlist"]),
        stream=_typed(StreamConfig, raw["stream"]),
        demo=_typed(DemoConfig, raw["demo"]),
        sources=tuple(layer.label for layer in layers),
        raw=raw,
    )


def render(config: Config) -> str:
    """The effective configuration as TOML, headed by a comment listing its sources.

    It is valid TOML on purpose: any part of it can be pasted into a user config file.
    """
    lines = ["# Effective cryptotui configuration. Sources, each overriding the ones above:"]
    lines += [f"#   {source}" for source in config.sources]
    for section, values in config.raw.items():
        lines += ["", f"[{section}]"]
        lines += [f"{key} = {_toml(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


# --- sources -------------------------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class _Layer:
    """One source of settings, and how to point the user at a setting inside it."""

    label: str
    tables: Mapping[str, Any]
    locate: Callable[[str, str | None], str]
    """(section, key or None for the section itself) → "file:line", variable name, ..."""

    def error(self, section: str, key: str | None, problem: str) -> ConfigError:
        return ConfigError(f"{self.locate(section, key)}: {problem}")


def _user_layer(path: Path | None, env: Mapping[str, str]) -> _Layer | None:
    """The user file: a named one must exist; the one at the default location may be absent."""
    if path is not None:
        return _file_layer(Path(path).expanduser(), "no such config file; check the --config path")
    if named := env.get(CONFIG_ENV, "").strip():
        return _file_layer(
            Path(named).expanduser(),
            f"no such config file (named by environment variable {CONFIG_ENV}); "
            "fix or unset the variable",
        )
    default = user_config_path()
    return _file_layer(default, "no such config file") if default.exists() else None


def _file_layer(path: Path, missing: str) -> _Layer:
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

    def locate(section: str, key: str | None) -> str:
        line = _find_line(text, section, key)
        return shown if line is None else f"{shown}:{line}"

    return _Layer(str(path), tables, locate)


def _env_layers(env: Mapping[str, str], schema: Mapping[str, Any]) -> list[_Layer]:
    """One layer per `CRYPTOTUI_<SECTION>_<KEY>` variable that is set (empty counts as unset).

    A variable that starts like a known section but names no setting is an error rather than
    silently ignored: a typo there would otherwise look like a setting that does not work.
    """
    known = {
        _env_name(section, key): (section, key) for section in schema for key in schema[section]
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
        default = schema[section][key]
        try:
            value = _parse_env(text, default)
        except ValueError:
            raise ConfigError(
                f"{where}: {section}.{key}: expected {_kind(default)} like {_example(default)}, "
                f"got {text!r}"
            ) from None
        layers.append(_Layer(name, {section: {key: value}}, lambda _s, _k, where=where: where))
    return layers


def _overrides_layer(overrides: Mapping[str, Any]) -> _Layer | None:
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
    return _Layer(COMMAND_LINE, tables, lambda _s, _k: COMMAND_LINE)


def _env_name(section: str, key: str) -> str:
    return f"{ENV_PREFIX}{section.upper()}_{key.upper()}"


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _parse_env(text: str, default: Any) -> Any:
    """An environment string read as the default's type; lists are comma-separated."""
    if isinstance(default, bool):
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        raise ValueError(text)
    if isinstance(default, int):
        return int(text)
    if isinstance(default, float):
        return float(text)
    if isinstance(default, list):
        element = default[0] if default else ""
        return [_parse_env(part.strip(), element) for part in text.split(",") if part.strip()]
    return text


# --- validation ----------------------------------------------------------------------------------


def _validate(layer: _Layer, schema: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """One layer's settings checked against the schema and `_RULES`, normalised.

    Each layer is checked on its own, so an error always points at the source that holds the bad
    value, even if a later source would override it.
    """
    result: dict[str, dict[str, Any]] = {}
    for section, values in layer.tables.items():
        if section not in schema:
            raise layer.error(section, None, _unknown_section(section, schema))
        if not isinstance(values, Mapping):
            problem = f"expected a [{section}] table, got {_show(values)}"
            raise layer.error(section, None, f"{section}: {problem}")
        defaults = schema[section]
        checked = result.setdefault(section, {})
        for key, value in values.items():
            name = f"{section}.{key}"
            if key not in defaults:
                match = difflib.get_close_matches(key, defaults, n=1)
                hint = (
                    f"did you mean {section}.{match[0]}?"
                    if match
                    else f"use one of {', '.join(defaults)}"
                )
                raise layer.error(section, key, f"{name}: unknown setting; {hint}")
            default = defaults[key]
            try:
                value = _coerce(value, default)
            except ValueError:
                problem = f"expected {_kind(default)} like {_example(default)}, got {_show(value)}"
                raise layer.error(section, key, f"{name}: {problem}") from None
            if rule := _RULES.get(name):
                try:
                    value = rule(value)
                except ValueError as exc:
                    raise layer.error(section, key, f"{name}: {exc}") from None
            checked[key] = value
    return result


def _unknown_section(section: str, schema: Mapping[str, Any]) -> str:
    """The message for a top-level name that is not a section, pointing at the likely intent."""
    owners = [name for name, keys in schema.items() if section in keys]
    if owners:
        return f"{section}: settings go inside a section; put it under [{owners[0]}]"
    match = difflib.get_close_matches(section, schema, n=1)
    hint = f"did you mean [{match[0]}]?" if match else f"sections are {', '.join(schema)}"
    return f"[{section}]: unknown section; {hint}"


def _coerce(value: Any, default: Any) -> Any:
    """`value` checked against the type of `default`, or ValueError.

    An int is accepted where a float is expected (`speed = 2`); bools are never numbers; lists
    become tuples so the result is immutable.
    """
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
    elif isinstance(default, float):
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
    elif isinstance(default, list):
        if isinstance(value, list | tuple):
            return tuple(_coerce(item, default[0]) for item in value) if default else tuple(value)
    elif isinstance(value, type(default)) and not isinstance(value, bool):
        return value
    raise ValueError(value)


def _check_backoff(
    stream: Mapping[str, Any], origins: Mapping[tuple[str, str], int], layers: list[_Layer]
) -> None:
    """backoff_max ≥ backoff_initial, blaming whichever of the two was set last."""
    if stream["backoff_max"] >= stream["backoff_initial"]:
        return
    key = max(("backoff_max", "backoff_initial"), key=lambda k: origins["stream", k])
    problem = (
        f"backoff_max ({stream['backoff_max']}) is below backoff_initial "
        f"({stream['backoff_initial']}); make backoff_max at least backoff_initial"
    )
    raise layers[origins["stream", key]].error("stream", key, f"stream.{key}: {problem}")


def _url(*schemes: str) -> Callable[[str], str]:
    """A rule accepting `scheme://host...` URLs; trailing slashes go, since paths get appended."""
    allowed = " or ".join(f"{scheme}://" for scheme in schemes)

    def check(value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in schemes or not parts.netloc:
            raise ValueError(
                f"{value!r} is not a URL starting with {allowed}; write {schemes[0]}://host"
            )
        return value.strip().rstrip("/")

    return check


_SYMBOL = re.compile(r"[A-Z0-9]+")


def _symbols(value: tuple[str, ...]) -> tuple[str, ...]:
    """Upper-cased (Binance symbols are), de-duplicated, non-empty."""
    if not value:
        raise ValueError('the list is empty; name at least one symbol, like ["BTCUSDT"]')
    symbols = [given.strip().upper() for given in value]
    for given, symbol in zip(value, symbols, strict=True):
        if not _SYMBOL.fullmatch(symbol):
            raise ValueError(
                f"{given!r} is not a Binance symbol; use letters and digits, like BTCUSDT"
            )
    return tuple(dict.fromkeys(symbols))


def _intervals(value: tuple[str, ...]) -> tuple[str, ...]:
    """Binance interval strings, case kept (`1m` is a minute, `1M` a month), de-duplicated."""
    if not value:
        raise ValueError('the list is empty; name at least one interval, like ["1m"]')
    for interval in value:
        if interval.strip() not in INTERVALS:
            raise ValueError(
                f"{interval!r} is not a Binance interval; use one of {', '.join(INTERVALS)}"
            )
    return tuple(dict.fromkeys(interval.strip() for interval in value))


def _positive(value: float) -> float:
    if value <= 0:
        raise ValueError(f"{value} is not allowed; use a number greater than 0")
    return value


def _non_negative(value: int) -> int:
    """Seeds must be ≥ 0: numpy's generators reject negative seeds."""
    if value < 0:
        raise ValueError(f"{value} is not allowed; use 0 or more")
    return value


def _connection_age(value: float) -> float:
    """Positive and at most 24: rolling only helps if it happens before Binance's 24 h cut."""
    if not 0 < value <= 24:
        raise ValueError(f"{value} is not allowed; use hours above 0 and at most 24")
    return value


_RULES: dict[str, Callable[[Any], Any]] = {
    "exchange.rest_url": _url("https", "http"),
    "exchange.ws_url": _url("wss", "ws"),
    "watchlist.symbols": _symbols,
    "watchlist.intervals": _intervals,
    "stream.stall_factor": _positive,
    "stream.max_connection_age_hours": _connection_age,
    "stream.backoff_initial": _positive,
    "stream.backoff_max": _positive,
    "demo.seed": _non_negative,
    "demo.speed": _positive,
    "demo.symbols": _symbols,
    "engine.detectors": lambda v: tuple(_lazy("cryptotui.patterns", "check_names")(v)),
    "engine.candlestick_patterns": lambda v: _lazy(
        "cryptotui.patterns.candlestick", "check_patterns"
    )(v),
    "engine.indicators": lambda v: (_lazy("cryptotui.indicators", "build")(v), v)[1] if v else v,
    "store.catch_up_days": lambda v: _non_negative_float(v),
    "alerts.min_confidence": lambda v: _fraction(v),
    "alerts.cooldown_seconds": lambda v: _non_negative_float(v),
    "alerts.webhook_url": lambda v: _url("https", "http")(v) if v else v,
    "alerts.rules": lambda v: _lazy("cryptotui.alerts.rules", "check_rules")(v),
}
"""Checks beyond the type, by `section.key`: each returns the normalised value or raises
ValueError with the problem and what to write instead."""


def _lazy(module: str, name: str) -> Callable[[Any], Any]:
    """A check that lives with the code it protects (imported only when that key is set)."""
    import importlib

    return getattr(importlib.import_module(module), name)


def _fraction(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{value} is not between 0 and 1; write e.g. 0.6")
    return value


def _non_negative_float(value: float) -> float:
    if value < 0:
        raise ValueError(f"{value} is negative; write 0 or more")
    return value


_Section = TypeVar("_Section")


def _typed(cls: type[_Section], values: Mapping[str, Any]) -> _Section:
    """A section dataclass from its fields only; extra keys stay reachable through `Config.raw`."""
    return cls(**{f.name: values[f.name] for f in fields(cls)})  # type: ignore[arg-type]


# --- messages ------------------------------------------------------------------------------------

_KINDS = {bool: "true or false", int: "a whole number", float: "a number", str: "a string"}


def _kind(default: Any) -> str:
    if isinstance(default, list):
        return "a list"
    return _KINDS.get(type(default), f"a {type(default).__name__}")


def _example(default: Any) -> str:
    """The default as an example value; lists cut to two items keep the message short."""
    return _toml(default[:2] if isinstance(default, list) else default)


def _show(value: Any) -> str:
    return "a table" if isinstance(value, Mapping) else _toml(value)


def _toml(value: Any) -> str:
    """A value in TOML syntax (basic strings, arrays); other types as their `str`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        # JSON string escapes are all valid TOML basic-string escapes; TOML also forbids raw DEL.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return str(value)


def _display(path: Path) -> str:
    """`~/…` for files under the home directory: shorter, and how users think of the path."""
    try:
        return str(Path("~") / path.relative_to(Path.home()))
    except ValueError:
        return str(path)


_SYNTAX_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$|\s*\(at end of document\)$")


def _syntax_position(exc: tomllib.TOMLDecodeError, text: str) -> tuple[str, str]:
    """("line:column", problem) of a TOML syntax error.

    Python 3.14 adds `lineno`/`colno`/`msg`; before that they exist only inside the message,
    as "(at line L, column C)" or "(at end of document)" (reported as the last line).
    """
    if hasattr(exc, "lineno"):
        return f"{exc.lineno}:{exc.colno}", exc.msg
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


def _find_line(text: str, section: str, key: str | None) -> int | None:
    """1-based line where `section.key` (or the section itself, for key None) is set in `text`.

    Understands `[section]` headers, dotted keys (`section.key = ...`) and inline tables
    (`section = { key = ... }`); a line scan, so text inside multi-line strings can mislead it,
    which costs only a less precise line number.
    """
    target = [section] if key is None else [section, key]
    table: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if header := _HEADER.fullmatch(stripped):
            table = _key_path(header[1])
            if table[: len(target)] == target:
                return number
            continue
        if not (assign := _ASSIGN.match(stripped)):
            continue
        path = table + _key_path(assign[1])
        if path[: len(target)] == target:
            return number
        if key is not None and len(path) < len(target) and target[: len(path)] == path:
            inline = rf"[{{,]\s*[\"']?{re.escape(key)}[\"']?\s*="
            if re.search(inline, stripped[assign.end() :]):
                return number
    return None
