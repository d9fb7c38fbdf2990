"""Formatting at the edge: prices by tick size, compact volumes, UTC timestamps, safe text."""

from __future__ import annotations

import re
from datetime import UTC, datetime


def price(value: float, decimals: int | None = None) -> str:
    """A price with the symbol's tick decimals; without them, enough digits for its magnitude."""
    if decimals is None:
        mag = abs(value)
        decimals = 2 if mag >= 100 else 4 if mag >= 1 else 6 if mag >= 0.01 else 8
    return f"{value:,.{decimals}f}"


def volume(value: float) -> str:
    """Compact volume: 1.23K, 45.6M, 7.89B."""
    mag = abs(value)
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if mag >= limit:
            return f"{value / limit:.2f}{suffix}"
    return f"{value:.2f}"


def pct(value: float) -> str:
    return f"{value:+.2f}%"


def count(n: int, noun: str) -> str:
    """`1 symbol`, `2 symbols`, `1,234 rows`: a count with its noun in the right number."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def utc(ms: int, seconds: bool = True) -> str:
    """ISO-8601 UTC, e.g. 2026-11-25T12:34:00Z."""
    fmt = "%Y-%m-%dT%H:%M:%SZ" if seconds else "%Y-%m-%dT%H:%MZ"
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime(fmt)


_LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_DROP: dict[int, str | None] = {
    c: None for c in (*range(0x20), *range(0x7F, 0xA0), *map(ord, _BIDI))
} | {ord("\t"): " "}
_BREAK_RUN = re.compile(f"\\s*[{_LINE_BREAKS}]+\\s*")


def safe(text: str) -> str:
    """Exchange strings are untrusted: one line without what a terminal would interpret.

    Line breaks (and the blanks around them) become one space, so a multi-line error page
    stays one line, and a tab a space; other control characters (escape sequences, BEL) and
    bidirectional-text controls (U+202E makes "USDT" read backwards) are dropped. Applied
    where exchange text enters (`binance.codec`, the REST error path) and again where stored
    text is displayed. Markup is never a risk where the text goes into Rich `Text`/`Segment`
    objects, which do not parse markup.
    """
    if text.isprintable():  # the common case: nothing to do, ~50 ns
        return text
    return _BREAK_RUN.sub(" ", text).translate(_DROP)
