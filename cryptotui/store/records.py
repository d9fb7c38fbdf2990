"""What the store keeps besides candles: signals, alerts, outcomes, watchlists, as rows.

These are the store's own row shapes, validated when built so that a bad value fails in the code
that made it, not later on the writer thread where nobody can fix it. Candles are stored straight
from `models.Candle`; the engine's `Signal`s and `Alert`s are converted by `signal_row` and
`alert_rows`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, NamedTuple

from cryptotui.binance.codec import dumps
from cryptotui.models import Alert, Candle, Signal
from cryptotui.stats.outcomes import Outcome

KINDS = ("pattern", "rule")
DIRECTIONS = ("bullish", "bearish", "neutral")

CANDLE_COLUMNS = (
    "symbol",
    "interval",
    "open_time",
    "close_time",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "quote_volume",
    "trades",
    "taker_buy_volume",
    "taker_buy_quote_volume",
)
"""The candles table's columns, named as `Candle`'s fields so rows and objects map one to one."""

candle_values = attrgetter(*CANDLE_COLUMNS)
"""Candle → tuple in `CANDLE_COLUMNS` order, in C (the writer's hot path)."""

SIGNAL_COLUMNS = (
    "id",
    "time",
    "symbol",
    "interval",
    "kind",
    "name",
    "direction",
    "confidence",
    "price",
    "factors",
    "span_start",
    "span_end",
    "message",
)


SERIES_CANDLE_COLUMNS = ", ".join(CANDLE_COLUMNS[2:])
"""What a read of one series selects: every column after its symbol and interval, which the
caller knows (a backtest reads a year of 1m candles per symbol; two text values per row were a
tenth of that)."""


def series_candles(symbol: str, interval: str, rows: Iterable[tuple]) -> list[Candle]:
    """Stored candles of one series (rows of `SERIES_CANDLE_COLUMNS`) as closed `Candle`s."""
    return [Candle(symbol, interval, *row) for row in rows]


@dataclass(slots=True)
class SignalRow:
    """A detector's or rule's finding, as stored.

    `id` is None until the writer inserts the row; then it is set (on the writer's thread) so an
    `AlertRow` built from the same object can refer to it. `factors` holds the raw inputs of the
    confidence (JSON-serialisable), so outcomes can later be related to them.
    """

    time: int
    symbol: str
    interval: str | None
    kind: str
    name: str
    direction: str
    confidence: float
    price: float | None = None
    factors: dict[str, Any] = field(default_factory=dict)
    span_start: int | None = None
    span_end: int | None = None
    message: str = ""
    id: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"signal kind {self.kind!r}: use one of {', '.join(KINDS)}")
        if self.direction not in DIRECTIONS:
            raise ValueError(
                f"signal direction {self.direction!r}: use one of {', '.join(DIRECTIONS)}"
            )
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"signal confidence {self.confidence}: must be between 0 and 1")
        dumps(self.factors)  # TypeError now, not on the writer thread

    def values(self, signal_id: int | None) -> tuple:
        """The row in `SIGNAL_COLUMNS` order."""
        return (
            signal_id,
            self.time,
            self.symbol,
            self.interval,
            self.kind,
            self.name,
            self.direction,
            self.confidence,
            self.price,
            dumps(self.factors),
            self.span_start,
            self.span_end,
            self.message,
        )

    @classmethod
    def from_row(cls, row: tuple) -> SignalRow:
        """A stored signal (columns in `SIGNAL_COLUMNS` order)."""
        (sid, at, symbol, interval, kind, name, direction, conf, price, factors, s0, s1, msg) = row
        return cls(
            at, symbol, interval, kind, name, direction, conf, price, json.loads(factors), s0, s1,
            msg, sid,
        )  # fmt: skip


@dataclass(slots=True)
class AlertRow:
    """An alert that reached the user. `signal` is the SignalRow that caused it (stored first,
    in the same or an earlier batch, which is what gives it an id) or a stored signal's id."""

    time: int
    rule: str
    channels: tuple[str, ...] = ()
    message: str = ""
    signal: SignalRow | int | None = None

    def values(self) -> tuple:
        signal = self.signal.id if isinstance(self.signal, SignalRow) else self.signal
        channels = dumps(list(self.channels))
        return (signal, self.time, self.rule, channels, self.message)


class SignalKey(NamedTuple):
    """A stored signal named by what it is rather than its id: live outcomes refer to signals
    the writer stored (and numbered) on its own thread, possibly in an earlier batch."""

    kind: str
    symbol: str
    name: str
    time: int


@dataclass(slots=True)
class OutcomeRow:
    """What the price did `horizon` candles after a signal: the raw material for success rates
    (the store's `track_record` sums are kept from these by a trigger). Written again for the
    same (signal, horizon) it replaces the earlier value."""

    signal: SignalRow | SignalKey | int
    horizon: int
    forward_return: float
    hit: bool | None
    mfe: float | None = None
    mae: float | None = None
    baseline: float | None = None
    interval: str | None = None
    """Interval the horizon counts in (trade and ticker signals have none of their own)."""

    def __post_init__(self) -> None:
        if self.horizon <= 0:
            raise ValueError(f"outcome horizon {self.horizon}: must be at least 1 candle")

    def values(self, signal_id: int) -> tuple:
        """The row in `OUTCOME_COLUMNS` order."""
        hit = None if self.hit is None else int(self.hit)
        return (
            signal_id, self.horizon, self.interval, self.forward_return, hit, self.mfe, self.mae,
            self.baseline,
        )  # fmt: skip


OUTCOME_COLUMNS = (
    "signal_id",
    "horizon",
    "interval",
    "forward_return",
    "hit",
    "mfe",
    "mae",
    "baseline",
)


def outcome_row(o: Outcome) -> OutcomeRow:
    """An engine `Outcome` as a row; its signal is found by key (the engine's `Signal` is
    stored as a 'pattern', a rule's `Alert` as a 'rule')."""
    ref = o.signal
    if isinstance(ref, int):
        signal: SignalRow | SignalKey | int = ref
    elif isinstance(ref, Alert):
        signal = SignalKey(ref.kind, ref.symbol, ref.name, ref.time)
    elif isinstance(ref, Signal):
        signal = SignalKey("pattern", ref.symbol, ref.name, ref.time)
    else:
        raise TypeError(f"outcome of {ref!r}: not a signal, rule alert or stored id")
    return OutcomeRow(
        signal, o.horizon, o.forward_return, o.hit, o.mfe, o.mae, o.baseline, o.key.interval
    )


@dataclass(slots=True)
class WatchlistRow:
    """A named watchlist, replaced as a whole (positions are the list order)."""

    name: str
    symbols: tuple[str, ...]


def signal_row(s: Signal) -> SignalRow:
    """A detector's scored `Signal` as a 'pattern' row. Its scores are stored among the factors
    (as `score_<name>`), the same flat shape the alert JSON uses."""
    factors = {**s.factors, **{f"score_{k}": v for k, v in s.scores.items()}}
    return SignalRow(
        s.time, s.symbol, s.interval, "pattern", s.name, str(s.direction), s.confidence, s.price,
        factors, s.span_start, s.span_end, s.description,
    )  # fmt: skip


def alert_rows(
    a: Alert, last_signal: SignalRow | None, channels: tuple[str, ...]
) -> list[SignalRow | AlertRow]:
    """The rows for one engine `Alert`.

    A pattern alert follows the signal it was made from (the engine emits the signal, then its
    alert): if `last_signal` is that signal the alert refers to it. A rule alert has no signal of
    its own, so a 'rule' signal is written for it: `history` then lists rule firings beside
    pattern signals, and outcomes can be tracked for both.
    """
    rows: list[SignalRow | AlertRow] = []
    signal: SignalRow | None = None
    if a.kind == "rule":
        signal = SignalRow(
            a.time, a.symbol, a.interval, "rule", a.name, str(a.direction), a.confidence,
            a.price, dict(a.factors), message=a.message,
        )  # fmt: skip
        rows.append(signal)
    elif last_signal is not None and (
        last_signal.symbol,
        last_signal.interval,
        last_signal.name,
        last_signal.time,
    ) == (a.symbol, a.interval, a.name, a.time):
        signal = last_signal
    rows.append(AlertRow(a.time, a.name, channels, a.message, signal))
    return rows
