"""The configuration's schema: one frozen `msgspec.Struct` per `[section]` of the TOML files.

A field's type is what msgspec converts a value to (an int is accepted as a float, a bool never
as a number, lists become tuples). The rules a type cannot express ride in its `Annotated`
metadata: a `msgspec.Meta` bound, whose `description` says what to write instead, and `Check`s.
Rules across keys of one section are the section's `problem()`.

The values live in config/default.toml, which must set every field: it is the documented
default, and with no defaults here the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from cryptotui import validators
from cryptotui.config import checks


@dataclass(frozen=True, slots=True)
class Check:
    """A rule beyond the type: returns the value normalised or raises ValueError (or
    `checks.ItemError` to blame one element of a list)."""

    check: Callable[[Any], Any]


Positive = Annotated[float, Meta(gt=0, description="a number greater than 0")]
NonNegative = Annotated[float, Meta(ge=0, description="0 or more")]
Fraction = Annotated[float, Meta(ge=0, le=1, description="a number from 0 to 1, like 0.6")]
AtLeastOne = Annotated[int, Meta(ge=1, description="1 or more")]
Names = tuple[str, ...]


class Section(msgspec.Struct, frozen=True):
    """Base of every section."""

    def problem(self) -> tuple[tuple[str, ...], str] | None:
        """A rule across keys that the values break: (the keys involved, what is wrong and what
        to do); None if there is none. The loader blames whichever key was set last."""
        return None


class ExchangeSection(Section, frozen=True):
    """Binance endpoints, without a trailing slash: the clients append /api/v3/..., /stream..."""

    rest_url: Annotated[str, Check(validators.rest_url)]
    ws_url: Annotated[str, Check(validators.ws_url)]


class WatchlistSection(Section, frozen=True):
    """What the dashboard shows: upper-case symbols and Binance interval strings, no duplicates."""

    symbols: Annotated[Names, Check(checks.symbols)]
    intervals: Annotated[Names, Check(checks.intervals)]


class StreamSection(Section, frozen=True):
    """WebSocket health: stall detection, connection rolling, reconnect backoff (seconds)."""

    stall_factor: Positive
    max_connection_age_hours: Annotated[
        float,
        Meta(gt=0, le=24, description="hours above 0 and at most 24 (Binance cuts at 24)"),
    ]
    backoff_initial: Positive
    backoff_max: Positive

    def problem(self) -> tuple[tuple[str, ...], str] | None:
        if self.backoff_max >= self.backoff_initial:
            return None
        return ("backoff_max", "backoff_initial"), (
            f"backoff_max ({self.backoff_max}) is below backoff_initial "
            f"({self.backoff_initial}); make backoff_max at least backoff_initial"
        )


class DemoSection(Section, frozen=True):
    """The offline simulated market."""

    seed: Annotated[int, Meta(ge=0, description="0 or more (numpy's generators need it)")]
    speed: Positive
    symbols: Annotated[Names, Check(checks.symbols)]


class StoreSection(Section, frozen=True):
    """SQLite history; `cryptotui.store.settings.store_config` resolves it for the writer."""

    enabled: bool
    path: str
    retention_days: Annotated[Names, Check(checks.retention)]
    catch_up_days: NonNegative
    batch_rows: AtLeastOne
    batch_seconds: Positive
    max_pending_rows: int

    def problem(self) -> tuple[tuple[str, ...], str] | None:
        if self.max_pending_rows >= self.batch_rows:
            return None
        return ("max_pending_rows", "batch_rows"), (
            f"max_pending_rows ({self.max_pending_rows}) is below batch_rows "
            f"({self.batch_rows}); make max_pending_rows at least batch_rows"
        )


class EngineSection(Section, frozen=True):
    """Detectors, candlestick patterns and extra indicators run on every watched symbol."""

    detectors: Annotated[Names, Check(checks.detectors)]
    candlestick_patterns: Annotated[Names, Check(checks.candlestick_patterns)]
    indicators: Annotated[str, Check(checks.indicators)]


class ScoringSection(Section, frozen=True):
    """Weights of the confidence factors of `cryptotui.scoring` (normalised to sum 1)."""

    significance: NonNegative
    history: NonNegative
    volume: NonNegative
    timeframes: NonNegative
    market: NonNegative

    def problem(self) -> tuple[tuple[str, ...], str] | None:
        weights = self.weights()
        if any(weights.values()):
            return None
        return tuple(weights), "every weight is 0; give at least one factor a weight above 0"

    def weights(self) -> dict[str, float]:
        """{factor: weight}, as `cryptotui.scoring.Scorer` takes them."""
        return msgspec.structs.asdict(self)


class AlertsSection(Section, frozen=True):
    """What becomes an alert, and where alerts are delivered besides the app itself."""

    min_confidence: Fraction
    cooldown_seconds: NonNegative
    bell: bool
    desktop: bool
    command: Names
    webhook_url: Annotated[str, Check(checks.optional(validators.rest_url))]
    jsonl_path: Annotated[str, Check(checks.output_file)]
    rules: Annotated[tuple[Mapping[str, Any], ...], Check(checks.alert_rules)]
    """Inline tables as written; `cryptotui.alerts.rules.parse_rules` turns them into rules."""


class PortfolioSection(Section, frozen=True):
    """How `cryptotui holdings` and the Portfolio view value the user's trades."""

    currency: Annotated[str, Check(validators.asset)]
    method: Annotated[str, Check(validators.cost_method)]
