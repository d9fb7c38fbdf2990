"""Formatting at the edge: prices by tick size, compact volumes, UTC timestamps."""

from __future__ import annotations

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


def utc(ms: int, seconds: bool = True) -> str:
    """ISO-8601 UTC, e.g. 2026-11-25T12:34:00Z."""
    fmt = "%Y-%m-%dT%H:%M:%SZ" if seconds else "%Y-%m-%dT%H:%MZ"
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime(fmt)


_CONTROL = {c: None for c in (*range(0x20), *range(0x7F, 0xA0))}


def safe(text: str) -> str:
    """Exchange strings are untrusted: drop control characters (terminal escapes) before display.

    Markup is never a risk where the text goes into Rich `Text`/`Segment` objects, which do not
    parse markup; this removes what the terminal itself would interpret.
    """
    return text.translate(_CONTROL)
