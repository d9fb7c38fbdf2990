"""Configuration: shipped defaults ← user file ← `CRYPTOTUI_*` environment ← command line flags.

`Config` is typed: one frozen msgspec Struct per section (`sections.py`, the schema), read as
attributes (`config.alerts.min_confidence`). Every value of every source is checked on its own —
type, bounds, then the section's checks — so a refusal points at the source that holds the bad
value even if a later source would override it; rules across keys run on the merge and blame the
key set last. This is the only validation: `cryptotui config validate`, start-up and a reload all
run it, and code that reads a `Config` can trust it.

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
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec

from cryptotui.config.checks import ItemError
from cryptotui.config.layers import (
    COMMAND_LINE,
    CONFIG_ENV,
    ENV_PREFIX,
    ConfigError,
    Layer,
    env_layers,
    file_layer,
    overrides_layer,
    user_config_path,
    user_file,
    user_layer,
)
from cryptotui.config.sections import (
    AlertsSection,
    Check,
    DemoSection,
    EngineSection,
    ExchangeSection,
    PortfolioSection,
    ScoringSection,
    Section,
    StoreSection,
    StreamSection,
    WatchlistSection,
)

__all__ = [
    "COMMAND_LINE",
    "CONFIG_ENV",
    "ENV_PREFIX",
    "AlertsSection",
    "Config",
    "ConfigError",
    "DemoSection",
    "EngineSection",
    "ExchangeSection",
    "PortfolioSection",
    "ScoringSection",
    "StoreSection",
    "StreamSection",
    "WatchlistSection",
    "default_config_path",
    "load_config",
    "render",
    "user_config_path",
    "user_file",
]


class Config(msgspec.Struct, frozen=True):
    """The effective configuration.

    `sources` lists what was applied, in order (default file, user file, environment variable
    names, `COMMAND_LINE`); `origins` says where each value not from the defaults file was set
    ("section.key" → "file:line", "environment variable NAME", `COMMAND_LINE`), for
    `cryptotui config show`.
    """

    exchange: ExchangeSection
    watchlist: WatchlistSection
    stream: StreamSection
    demo: DemoSection
    store: StoreSection
    engine: EngineSection
    scoring: ScoringSection
    alerts: AlertsSection
    portfolio: PortfolioSection
    sources: tuple[str, ...] = ()
    origins: dict[str, str] = msgspec.field(default_factory=dict)


@dataclass(slots=True, frozen=True)
class _Field:
    """A section field as the loader reads it: the plain type, its bound, its checks."""

    kind: Any
    """The type without metadata: what a value must convert to."""
    bounded: Any
    """The annotated type, whose `msgspec.Meta` bound (if any) msgspec enforces."""
    bound: str | None
    """The bound's description: what to write instead of a value outside it."""
    checks: tuple[Check, ...]


def _fields(section: type[Section]) -> dict[str, _Field]:
    result = {}
    for field in msgspec.structs.fields(section):
        kind: Any = field.type
        extras: tuple[Any, ...] = ()
        if typing.get_origin(kind) is typing.Annotated:
            kind, extras = typing.get_args(kind)[0], typing.get_args(kind)[1:]
        bound = next((e.description for e in extras if isinstance(e, msgspec.Meta)), None)
        checks = tuple(e for e in extras if isinstance(e, Check))
        result[field.name] = _Field(kind, field.type, bound, checks)
    return result


_SECTIONS: dict[str, type[Section]] = {
    field.name: field.type
    for field in msgspec.structs.fields(Config)
    if isinstance(field.type, type) and issubclass(field.type, Section)
}
_SCHEMA = {name: _fields(section) for name, section in _SECTIONS.items()}


def default_config_path() -> Path:
    """The shipped defaults file.

    Wheels carry it as `cryptotui/_default.toml` (force-included by pyproject); editable installs
    and checkouts have only the repo's `config/default.toml`, beside the package directory.
    """
    packaged = resources.files("cryptotui") / "_default.toml"
    if isinstance(packaged, Path) and packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "config" / "default.toml"


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
    defaults = file_layer(default_config_path(), "defaults file missing; reinstall cryptotui")
    layers = [defaults]
    user = user_layer(path, env)
    if user is not None:
        layers.append(user)
    layers += env_layers(env, {s: {k: f.kind for k, f in fs.items()} for s, fs in _SCHEMA.items()})
    if overrides and (flags := overrides_layer(overrides)):
        layers.append(flags)

    merged: dict[str, dict[str, Any]] = {section: {} for section in _SCHEMA}
    origins: dict[tuple[str, str], int] = {}
    for index, layer in enumerate(layers):
        for section, values in _validate(layer, merged).items():
            merged[section].update(values)
            origins.update({(section, key): index for key in values})

    sections: dict[str, Section] = {}
    for name, cls in _SECTIONS.items():
        if missing := [key for key in _SCHEMA[name] if key not in merged[name]]:
            raise defaults.error(name, None, f"[{name}] lacks {missing[0]}; reinstall cryptotui")
        sections[name] = typed = cls(**merged[name])
        if found := typed.problem():
            keys, problem = found
            key = max(keys, key=lambda k: origins[name, k])
            raise layers[origins[name, key]].error(name, key, f"{name}.{key}: {problem}")
    return Config(
        **sections,  # type: ignore[arg-type]
        sources=tuple(layer.label for layer in layers),
        origins={
            f"{section}.{key}": layers[index].locate(section, key, None)
            for (section, key), index in origins.items()
            if index > 0
        },
    )


def render(config: Config) -> str:
    """The effective configuration as TOML, headed by a comment listing its sources; a value
    not from the defaults file is followed by a comment saying where it was set.

    It is valid TOML on purpose: any part of it can be pasted into a user config file.
    """
    lines = ["# Effective cryptotui configuration. Sources, each overriding the ones above:"]
    lines += [f"#   {source}" for source in config.sources]
    for name in _SECTIONS:
        lines += ["", f"[{name}]"]
        for key, value in msgspec.structs.asdict(getattr(config, name)).items():
            origin = config.origins.get(f"{name}.{key}")
            lines.append(f"{key} = {_toml(value)}" + (f"  # from {origin}" if origin else ""))
    return "\n".join(lines) + "\n"


# --- validation ----------------------------------------------------------------------------------


def _validate(layer: Layer, defaults: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """One layer's settings checked against the schema, normalised.

    `defaults` (the values merged so far) supplies the examples of type errors.
    """
    result: dict[str, dict[str, Any]] = {}
    for section, values in layer.tables.items():
        if section not in _SCHEMA:
            raise layer.error(section, None, _unknown_section(section))
        if not isinstance(values, Mapping):
            problem = f"expected a [{section}] table, got {_show(values)}"
            raise layer.error(section, None, f"{section}: {problem}")
        fields = _SCHEMA[section]
        checked = result.setdefault(section, {})
        for key, value in values.items():
            name = f"{section}.{key}"
            if key not in fields:
                match = difflib.get_close_matches(key, fields, n=1)
                hint = (
                    f"did you mean {section}.{match[0]}?"
                    if match
                    else f"use one of {', '.join(fields)}"
                )
                raise layer.error(section, key, f"{name}: unknown setting; {hint}")
            try:
                checked[key] = _read(fields[key], value, defaults[section].get(key))
            except ItemError as exc:
                raise layer.error(section, key, f"{name}: {exc}", exc.index) from None
            except ValueError as exc:
                raise layer.error(section, key, f"{name}: {exc}") from None
    return result


def _read(field: _Field, value: Any, default: Any) -> Any:
    """`value` converted to the field's type, within its bound, through its checks."""
    try:
        converted = msgspec.convert(value, field.kind)
    except msgspec.ValidationError as exc:
        problem = _wrong_type(field, value, default)
        if element := _ELEMENT.search(str(exc)):
            raise ItemError(int(element[1]), str(problem)) from None
        raise problem from None
    if isinstance(converted, float) and not math.isfinite(converted):
        raise _wrong_type(field, value, default)
    if field.bound is not None:
        try:
            msgspec.convert(converted, field.bounded)
        except msgspec.ValidationError:
            raise ValueError(f"{converted} is not allowed; use {field.bound}") from None
    for check in field.checks:
        converted = check.check(converted)
    return converted


_ELEMENT = re.compile(r"at `\$\[(\d+)\]")
"""Where msgspec says a list's element has the wrong type: `... - at `$[3]``."""


def _wrong_type(field: _Field, value: Any, default: Any) -> ValueError:
    example = f" like {_example(default)}" if default not in (None, ()) else ""
    return ValueError(f"expected {_kind(field.kind)}{example}, got {_show(value)}")


def _unknown_section(section: str) -> str:
    """The message for a top-level name that is not a section, pointing at the likely intent."""
    owners = [name for name, keys in _SCHEMA.items() if section in keys]
    if owners:
        return f"{section}: settings go inside a section; put it under [{owners[0]}]"
    match = difflib.get_close_matches(section, _SCHEMA, n=1)
    hint = f"did you mean [{match[0]}]?" if match else f"sections are {', '.join(_SCHEMA)}"
    return f"[{section}]: unknown section; {hint}"


# --- messages ------------------------------------------------------------------------------------

_KINDS = {bool: "true or false", int: "a whole number", float: "a number", str: "a string"}


def _kind(kind: Any) -> str:
    if typing.get_origin(kind) is tuple:
        return "a list of strings" if typing.get_args(kind)[0] is str else "a list of tables"
    return _KINDS.get(kind, f"a {kind}")


def _example(default: Any) -> str:
    """The default as an example value; lists cut to two items keep the message short."""
    return _toml(default[:2] if isinstance(default, tuple) else default)


def _show(value: Any) -> str:
    return "a table" if isinstance(value, Mapping) else _toml(value)


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _toml(value: Any) -> str:
    """A value in TOML syntax (basic strings, arrays, inline tables); other types as `str`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        # JSON string escapes are all valid TOML basic-string escapes; TOML also forbids raw DEL.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, Mapping):
        items = (
            f"{k if _BARE_KEY.fullmatch(k) else _toml(k)} = {_toml(v)}" for k, v in value.items()
        )
        return "{ " + ", ".join(items) + " }"
    return str(value)
