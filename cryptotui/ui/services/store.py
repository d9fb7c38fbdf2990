"""The UI's use of the SQLite store: named watchlists and the history browser's pages.

Writes go through the process's one batched `Writer`, which the feed opens when it starts (a
watchlist is a `WatchlistRow`, replaced as a whole; an empty one deletes it); edits made before
then wait in `pending` and go out on the next `pump`. Reads use a connection of their own,
serialised by a lock because the history browser queries from a worker thread.

The history browser pages by keyset through `store.queries.signal_history` (`(time, id) < last
row seen`, on the `signals_time` index), so page 500 of ten million signals costs what page 1
does and nothing is loaded in advance.
"""

from __future__ import annotations

import json
import shlex
import threading
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Protocol, TypeVar

import platformdirs
import sqlite_utils

from cryptotui import validators
from cryptotui.models import Candle
from cryptotui.store.queries import load_candles, load_watchlist, signal_history
from cryptotui.store.records import DIRECTIONS, SignalRow, WatchlistRow
from cryptotui.store.schema import open_db
from cryptotui.store.writer import write_rows

PAGE_ROWS = 100

T = TypeVar("T")


def default_ui_state_path() -> Path:
    """Where the UI remembers the active watchlist between runs (not market data)."""
    return platformdirs.user_state_path("cryptotui", appauthor=False) / "ui.json"


@dataclass(slots=True, frozen=True)
class HistoryFilter:
    """What the history browser shows; every field optional. Parsed from the filter line."""

    symbol: str | None = None
    interval: str | None = None
    name: str | None = None
    """Substring of the pattern or rule name."""
    direction: str | None = None
    min_confidence: float | None = None
    since: int | None = None
    until: int | None = None

    def describe(self) -> str:
        parts = [f"{f.name}={getattr(self, f.name)}" for f in fields(self) if getattr(self, f.name)]
        return " ".join(parts) or "everything"


class FilterError(ValueError):
    """A filter line that cannot be understood; the message says what to write."""


FILTER_HELP = (
    "words: SYMBOL  iv=1h  name=engulf  dir=bull|bear|neutral  conf>=0.7  "
    "since=7d|2026-01-31  until=…"
)


def filter_words(text: str, help_text: str) -> list[str]:
    """A filter line split like a shell line (quotes keep spaces in a name)."""
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise FilterError(f"{exc}; {help_text}") from None


def checked(check: Callable[[str], T], value: str) -> T:
    """`check(value)` from `cryptotui.validators` (what the command line accepts too), its
    refusal as a FilterError."""
    try:
        return check(value)
    except ValueError as exc:
        raise FilterError(str(exc)) from None


def parse_direction(value: str) -> str:
    """`bull`, `bear`, `neutral` or any prefix of them, as a stored direction."""
    match = [d for d in DIRECTIONS if d.startswith(value.lower())] if value else []
    if len(match) != 1:
        raise FilterError(f"dir={value}: use bull, bear or neutral")
    return match[0]


def parse_filter(text: str) -> HistoryFilter:
    """`BTCUSDT dir=bull conf>=0.7 since=7d name=engulf iv=1h until=2026-02-01`."""
    values: dict[str, object] = {}
    for word in filter_words(text, FILTER_HELP):
        key, sep, value = word.partition("=")
        if word.lower().startswith(("conf>=", "conf>")):
            key, value, sep = "conf", word.split(">", 1)[1].lstrip("="), "="
        key = key.lower()
        if not sep:
            values["symbol"] = checked(validators.symbol, word)
        elif key in ("iv", "interval"):
            values["interval"] = checked(validators.interval, value)
        elif key == "name":
            values["name"] = value
        elif key in ("dir", "direction"):
            values["direction"] = parse_direction(value)
        elif key in ("conf", "confidence"):
            values["min_confidence"] = checked(validators.fraction, value)
        elif key in ("since", "until"):
            values[key] = checked(validators.parse_when, value)
        else:
            raise FilterError(f"unknown filter {word!r}; {FILTER_HELP}")
    return HistoryFilter(**values)  # type: ignore[arg-type]


@dataclass(slots=True)
class Page:
    rows: list[SignalRow]
    more: bool
    """Another page follows."""


class RowSink(Protocol):
    """Where the app's own rows go: the feed's `Writer`, or its proxy in the feed's process."""

    def put_many(self, rows: list[WatchlistRow]) -> None: ...


class UiStore:
    def __init__(
        self,
        path: Path,
        writer: Callable[[], RowSink | None],
        *,
        ui_state_path: Path | None = None,
    ) -> None:
        """`writer` returns the process's writer once there is one (the feed opens it)."""
        self.path = Path(path)
        self.writer = writer
        self.ui_state_path = ui_state_path
        self.pending: list[WatchlistRow] = []
        self._db: sqlite_utils.Database = open_db(self.path)
        self._lock = threading.Lock()

    def pump(self) -> None:
        """Hand queued watchlist edits to the writer once it exists."""
        writer = self.writer()
        if self.pending and writer is not None:
            rows, self.pending = self.pending, []
            writer.put_many(rows)

    def close(self) -> None:
        """Edits the writer never got (the feed did not start) are written here directly."""
        with self._lock:
            if self.pending:
                with self._db.conn:
                    write_rows(self._db.conn, self.pending)
                self.pending = []
            self._db.close()

    # ------------------------------------------------------------------ watchlists

    def watchlists(self) -> dict[str, list[str]]:
        """Every saved watchlist, by name, in name order."""
        with self._lock:
            names = [
                n for (n,) in self._db.execute("SELECT DISTINCT name FROM watchlists ORDER BY name")
            ]
            return {name: load_watchlist(self._db, name) for name in names}

    def save_watchlist(self, name: str, symbols: list[str]) -> None:
        self.pending.append(WatchlistRow(name, tuple(symbols)))
        self.pump()

    def delete_watchlist(self, name: str) -> None:
        self.save_watchlist(name, [])

    def active_watchlist(self) -> str | None:
        if self.ui_state_path is None:
            return None
        try:
            return json.loads(self.ui_state_path.read_text()).get("watchlist")
        except (OSError, ValueError, AttributeError):
            return None

    def set_active_watchlist(self, name: str) -> None:
        if self.ui_state_path is None:
            return
        try:
            self.ui_state_path.parent.mkdir(parents=True, exist_ok=True)
            self.ui_state_path.write_text(json.dumps({"watchlist": name}))
        except OSError:
            pass  # remembering the list is a convenience; the lists themselves are in SQLite

    # ------------------------------------------------------------------ history

    def signals_page(
        self, flt: HistoryFilter, after: tuple[int, int] | None = None, rows: int = PAGE_ROWS
    ) -> Page:
        """One page of stored signals, newest first, strictly older than `after` (time, id)."""
        with self._lock:
            found = signal_history(
                self._db,
                symbol=flt.symbol,
                interval=flt.interval,
                direction=flt.direction,
                name_contains=flt.name,
                min_confidence=flt.min_confidence,
                since=flt.since,
                until=flt.until,
                before=after,
                limit=rows + 1,
            )
        return Page(found[:rows], len(found) > rows)

    def newest_signal_id(self) -> int | None:
        """The id of the last signal stored, by any process (a cheap check for new rows)."""
        with self._lock:
            (newest,) = self._db.execute("SELECT MAX(id) FROM signals").fetchone()
        return newest

    def read(self, query: Callable[[sqlite_utils.Database], T]) -> T:
        """`query(db)` on the UI's connection, from any thread (serialised): the services'
        statistics queries (`services.track`) run through here on worker threads, and so do
        the portfolio's edits, which commit their own transaction (`store.holdings`)."""
        with self._lock:
            return query(self._db)

    def candles(self, symbol: str, interval: str, since: int, until: int) -> list[Candle]:
        """Stored candles of a series opening in [since, until) (alert detail, chart history)."""
        with self._lock:
            rows = load_candles(self._db, symbol, interval, since=since)
        return [c for c in rows if c.open_time < until]
