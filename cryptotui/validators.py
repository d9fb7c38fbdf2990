"""Checks for what people type: symbols, intervals, numbers, times, URLs and file paths.

One place for them, so a flag, a config key and a filter in the TUI accept the same things and
refuse them with the same words. Each check returns the normalised value or raises `Invalid`,
whose message is one line saying what is wrong and what to write instead. `Invalid` is both a
ValueError (what the config loader catches) and an `argparse.ArgumentTypeError` (whose text
argparse prints as is), so every check here works as an argparse `type=` unchanged.

Light on purpose (stdlib only): the command line imports it on every start.
"""

from __future__ import annotations

import argparse
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from cryptotui.intervals import DAY, HOUR, INTERVAL_MS, INTERVALS, MINUTE


class Invalid(argparse.ArgumentTypeError, ValueError):
    """A value refused, with a message for the user as is."""


# --- market names ----------------------------------------------------------------------------

_SYMBOL = re.compile(r"[A-Z0-9]{1,20}")


def symbol(text: str) -> str:
    """An upper-cased Binance symbol (`ethusdt` → `ETHUSDT`); only its spelling is checked here,
    whether the exchange lists it is asked of the exchange."""
    name = text.strip().upper()
    if not _SYMBOL.fullmatch(name):
        raise Invalid(f"{text!r} is not a Binance symbol; use letters and digits, like BTCUSDT")
    return name


_ASSET = re.compile(r"[A-Z0-9]{1,20}")


def asset(text: str) -> str:
    """An upper-cased asset name (`btc` → `BTC`): what a symbol is made of."""
    name = text.strip().upper()
    if not _ASSET.fullmatch(name):
        raise Invalid(f"{text!r} is not an asset name; use letters and digits, like BTC")
    return name


COST_METHODS = ("fifo", "average")


def cost_method(text: str) -> str:
    """How sold quantities are costed: `fifo` (oldest lots first) or `average`."""
    method = text.strip().lower()
    if method not in COST_METHODS:
        raise Invalid(f"{text!r}: use fifo (oldest lots sold first) or average (average cost)")
    return method


def symbols(text: str) -> tuple[str, ...]:
    """A comma list of symbols, upper-cased and de-duplicated; the first bad one is named."""
    names = tuple(dict.fromkeys(symbol(s) for s in _items(text)))
    if not names:
        raise Invalid("name at least one symbol, like BTCUSDT")
    return names


def unlisted(unknown: list[str], where: str) -> Invalid:
    """The refusal of symbols the exchange at `where` does not list."""
    return Invalid(
        f"unknown symbol{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} on {where}; "
        "check the spelling (e.g. BTCUSDT)"
    )


def interval(text: str) -> str:
    """A Binance interval; case matters (`1m` is a minute, `1M` a month)."""
    if text.strip() not in INTERVALS:
        raise Invalid(f"{text!r} is not a Binance interval; use one of {', '.join(INTERVALS)}")
    return text.strip()


def intervals(text: str) -> tuple[str, ...]:
    """A comma list of intervals, de-duplicated."""
    found = tuple(dict.fromkeys(interval(i) for i in _items(text)))
    if not found:
        raise Invalid("name at least one interval, like 1m")
    return found


STREAM_KINDS = ("kline", "aggTrade", "miniTicker", "bookTicker")


def stream_kinds(text: str) -> tuple[str, ...]:
    """A comma list of stream kinds among `STREAM_KINDS` (any case), de-duplicated."""
    by_lower = {kind.lower(): kind for kind in STREAM_KINDS}
    found = []
    for item in _items(text):
        kind = by_lower.get(item.lower())
        if kind is None:
            raise Invalid(f"{item!r} is not a stream kind; use some of {', '.join(STREAM_KINDS)}")
        found.append(kind)
    if not found:
        raise Invalid(f"name at least one stream kind among {', '.join(STREAM_KINDS)}")
    return tuple(dict.fromkeys(found))


def fixed_intervals(text: str) -> tuple[str, ...]:
    """A comma list of fixed-length intervals (everything but `1M`): what can be backfilled."""
    found = tuple(dict.fromkeys(_items(text)))
    for name in found:
        if name not in INTERVAL_MS:
            raise Invalid(
                f"{name!r} cannot be backfilled; use fixed intervals among {', '.join(INTERVAL_MS)}"
            )
    if not found:
        raise Invalid("name at least one interval, like 1h")
    return found


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


# --- numbers ---------------------------------------------------------------------------------


def _number(text: str, kind: type[int] | type[float], ok: Callable[[float], bool], want: str):
    """`text` as `kind` if `ok` accepts it (a finite value), else Invalid saying `want`."""
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value) or not ok(value):
        raise Invalid(f"{text!r}: use {want}")
    return value


def positive_int(text: str) -> int:
    """A whole number of 1 or more."""
    return _number(text, int, lambda v: v >= 1, "a whole number of 1 or more")


def non_negative_int(text: str) -> int:
    """A whole number of 0 or more (a seed: numpy refuses negative ones)."""
    return _number(text, int, lambda v: v >= 0, "a whole number of 0 or more")


def positive_float(text: str) -> float:
    """A finite number above 0."""
    return _number(text, float, lambda v: v > 0, "a number above 0, like 1.5")


def non_negative_float(text: str) -> float:
    """A finite number of 0 or more (a fee)."""
    return _number(text, float, lambda v: v >= 0, "a number of 0 or more, like 10")


def positive_ints(text: str) -> tuple[int, ...]:
    """A comma list of whole numbers of 1 or more, sorted and de-duplicated (horizons)."""
    values = sorted({positive_int(item) for item in _items(text)})
    if not values:
        raise Invalid(f"{text!r}: name at least one whole number, like 1,5,10")
    return tuple(values)


def names(text: str) -> tuple[str, ...]:
    """A comma list of lower-case names (detectors, patterns); `none` is the empty list. Only
    the spelling is checked here; whether a name exists is asked of its registry."""
    items = tuple(dict.fromkeys(item.lower() for item in _items(text)))
    if items == ("none",):
        return ()
    for item in items:
        if not re.fullmatch(r"[a-z0-9_]+", item):
            raise Invalid(f"{item!r}: names are letters, digits and _, like volume_spike")
    if not items:
        raise Invalid("name at least one, or `none`")
    return items


def fraction(text: str) -> float:
    """A number from 0 to 1 (a confidence)."""
    return _number(text, float, lambda v: 0.0 <= v <= 1.0, "a number from 0 to 1, like 0.7")


_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}


def duration(text: str) -> float:
    """A length of time in seconds, written like `90s`, `30m`, `2h`, `1.5d`."""
    found = _DURATION.fullmatch(text.strip())
    seconds = float(found[1]) * _SECONDS[found[2]] if found else 0.0
    if not seconds > 0:
        raise Invalid(f"{text!r} is not a duration; write one like 90s, 30m, 2h or 1d")
    return seconds


_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmg]?)i?b?", re.IGNORECASE)
_BYTES = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


def byte_size(text: str) -> int:
    """A size in bytes, written like `500k`, `100MB`, `2G` (powers of 1024)."""
    found = _SIZE.fullmatch(text.strip())
    size = int(float(found[1]) * _BYTES[found[2].lower()]) if found else 0
    if size < 1024:
        raise Invalid(f"{text!r} is not a size of 1k or more; write one like 500k, 100MB or 2G")
    return size


# --- endpoints and files ---------------------------------------------------------------------


def url(text: str, schemes: tuple[str, ...]) -> str:
    """`scheme://host[:port][/path]` with one of `schemes`; trailing slashes go (paths are
    appended to it). A port, when written, must be a number from 1 to 65535."""
    value = text.strip()
    allowed = " or ".join(f"{scheme}://" for scheme in schemes)
    example = f"{schemes[0]}://host or {schemes[0]}://127.0.0.1:8000"
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.hostname:
        raise Invalid(f"{text!r} is not a URL starting with {allowed}; write {example}")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0 or parts.netloc.endswith(":"):
        raise Invalid(f"{text!r}: the port must be a number from 1 to 65535; write {example}")
    return value.rstrip("/")


def rest_url(text: str) -> str:
    return url(text, ("https", "http"))


def ws_url(text: str) -> str:
    return url(text, ("wss", "ws"))


def output_file(text: str) -> Path:
    """A file to write: not a directory, and in a directory that exists (checked before any
    work, so a typo costs nothing)."""
    path = Path(text).expanduser()
    if path.is_dir():
        raise Invalid(f"cannot write {text}: it is a directory; name a file in it")
    parent = path.parent
    if not parent.is_dir():
        raise Invalid(
            f"cannot write {text}: directory {parent} does not exist; create it or write elsewhere"
        )
    return path


RECORDING_SUFFIXES = (".jsonl", ".jsonl.gz")


def recording_file(text: str) -> Path:
    """A recording to write: a file to write whose name says its format."""
    path = output_file(text)
    if not path.name.endswith(RECORDING_SUFFIXES):
        raise Invalid(f"{text}: name the recording FILE.jsonl, or FILE.jsonl.gz to compress it")
    return path


def database_file(text: str) -> Path:
    """A database path: a file (existing or not), never a directory."""
    path = Path(text).expanduser()
    if path.is_dir():
        raise Invalid(
            f"{text} is a directory; name the database file, like {path / 'cryptotui.db'}"
        )
    return path


# --- times -----------------------------------------------------------------------------------

_AGO = re.compile(r"(\d+(?:\.\d+)?)\s*([mhdw])")
_UNITS = {"m": MINUTE, "h": HOUR, "d": DAY, "w": 7 * DAY}


@dataclass(slots=True, frozen=True)
class Moment:
    """A time as typed: a fixed instant (`at`), or an age (`ago`, ms) counted back from a
    "now" given later, so that a command talking to an exchange can count from the exchange's
    clock rather than the local one."""

    at: int | None = None
    ago: float = 0.0

    def resolve(self, now_ms: int | None = None) -> int:
        """ms UTC; an age counts back from `now_ms` (default: the local clock)."""
        if self.at is not None:
            return self.at
        if now_ms is None:
            now_ms = int(time.time() * 1000)
        return int(now_ms - self.ago)


def moment(text: str) -> Moment:
    """An ISO date or date-time (UTC unless it carries an offset), or an age like `90m`,
    `12h`, `7d`, `2w`."""
    text = text.strip()
    if found := _AGO.fullmatch(text):
        return Moment(ago=float(found[1]) * _UNITS[found[2]])
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(
            f"{text!r} is not a time; write a date like 2024-01-31, a UTC time like "
            "2024-01-31T12:00, or an age like 12h, 7d, 2w"
        ) from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return Moment(at=int(instant.timestamp() * 1000))


def parse_when(text: str, now_ms: int | None = None) -> int:
    """`moment(text)` as ms UTC; ages count back from `now_ms` (default: the local clock)."""
    return moment(text).resolve(now_ms)
