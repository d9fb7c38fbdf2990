"""The one batched writer: every live row reaches SQLite through here, on the writer's thread.

Producers (the feed's receive path, the engine) call `put` (or use the writer as a feed
consumer): a `deque.append`, never a wait on the disk. The writer thread wakes every
`batch_seconds`, or as soon as `batch_rows` are waiting, and commits what is queued in
transactions of at most `batch_rows` rows. Candles are upserted on (symbol, interval, open_time),
so a gap-fill, a replay or a backfill overlapping the live feed never duplicates one.

When the database cannot be written (disk full, file made read-only, another process holding
the lock past the busy timeout) the rows stay queued, one clear message goes to `on_problem`, and
the writer retries with backoff while the caller keeps streaming (and hears from `on_recovered`
once writes work again). Past `max_pending` rows it drops
the oldest candles (the only rows that can be fetched again, with `cryptotui backfill`) and says
how many; signals, alerts and outcomes are never dropped. Rows the database refuses as invalid
(a foreign key to a signal that does not exist, ...) are set aside one by one and counted, so one
bad row cannot hold back the rest.

`flush()` returns once everything put before it is committed; `close()` drains and closes (call
it on SIGINT/SIGTERM; an `atexit` hook covers a forgotten close on a normal exit).
"""

from __future__ import annotations

import atexit
import logging
import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptotui.models import Alert, Candle, Signal
from cryptotui.stats.outcomes import Outcome
from cryptotui.store.records import (
    CANDLE_COLUMNS,
    OUTCOME_COLUMNS,
    SIGNAL_COLUMNS,
    AlertRow,
    OutcomeRow,
    SignalKey,
    SignalRow,
    WatchlistRow,
    alert_rows,
    candle_values,
    outcome_row,
    signal_row,
)
from cryptotui.store.schema import open_db

log = logging.getLogger(__name__)

UPSERT_CANDLES = (
    f"INSERT INTO candles ({', '.join(CANDLE_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(CANDLE_COLUMNS))}) "
    "ON CONFLICT (symbol, interval, open_time) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in CANDLE_COLUMNS[3:])
)
INSERT_SIGNAL = (
    f"INSERT INTO signals ({', '.join(SIGNAL_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(SIGNAL_COLUMNS))})"
)
INSERT_ALERT = (
    "INSERT INTO alerts (signal_id, time, rule, channels, message) VALUES (?, ?, ?, ?, ?)"
)
UPSERT_OUTCOME = (
    f"INSERT INTO outcomes ({', '.join(OUTCOME_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(OUTCOME_COLUMNS))}) "
    "ON CONFLICT (signal_id, horizon) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in OUTCOME_COLUMNS[2:])
)
FIND_SIGNAL = (
    "SELECT id FROM signals WHERE symbol = ? AND time = ? AND name = ? AND kind = ? "
    "ORDER BY id DESC LIMIT 1"
)

Row = Candle | SignalRow | AlertRow | OutcomeRow | WatchlistRow
_ROW_TYPES = frozenset({Candle, SignalRow, AlertRow, OutcomeRow, WatchlistRow})
_TYPE_NAMES = sorted(t.__name__ for t in _ROW_TYPES)

_RETRY_FIRST = 0.5
_RETRY_MAX = 10.0
_REJECTABLE = (
    sqlite3.IntegrityError,
    sqlite3.InterfaceError,
    sqlite3.ProgrammingError,
    OverflowError,
    TypeError,
    ValueError,
)
"""Errors that belong to a row, not to the database: retrying cannot fix them."""


def write_candles(conn: sqlite3.Connection, candles: Iterable[Candle]) -> None:
    """Upsert candles on the caller's open transaction (also used by backfill)."""
    conn.executemany(UPSERT_CANDLES, map(candle_values, candles))


def write_rows(conn: sqlite3.Connection, rows: Iterable[Row]) -> tuple[int, int]:
    """Write mixed rows inside the caller's transaction, signals before the alerts and outcomes
    that may refer to them; returns (candles, signals) written. Signal ids are assigned here,
    from the table's current maximum: the caller holds the write lock, so no other connection
    can take the same ids."""
    candles: list[Candle] = []
    signals: list[SignalRow] = []
    alerts: list[AlertRow] = []
    outcomes: list[OutcomeRow] = []
    watchlists: list[WatchlistRow] = []
    by_type: dict[type, Callable[[Any], None]] = {
        Candle: candles.append,
        SignalRow: signals.append,
        AlertRow: alerts.append,
        OutcomeRow: outcomes.append,
        WatchlistRow: watchlists.append,
    }
    for row in rows:
        by_type[type(row)](row)
    if candles:
        write_candles(conn, candles)
    if signals:
        (last,) = conn.execute("SELECT COALESCE(MAX(id), 0) FROM signals").fetchone()
        for number, signal in enumerate(signals, last + 1):
            signal.id = number
        conn.executemany(INSERT_SIGNAL, [s.values(s.id) for s in signals])
    if alerts:
        conn.executemany(INSERT_ALERT, [a.values() for a in alerts])
    if outcomes:
        conn.executemany(UPSERT_OUTCOME, _outcome_values(conn, outcomes))
    for watchlist in watchlists:
        conn.execute("DELETE FROM watchlists WHERE name = ?", (watchlist.name,))
        conn.executemany(
            "INSERT INTO watchlists (name, position, symbol) VALUES (?, ?, ?)",
            [(watchlist.name, i, s) for i, s in enumerate(watchlist.symbols)],
        )
    return len(candles), len(signals)


def _outcome_values(conn: sqlite3.Connection, outcomes: list[OutcomeRow]) -> list[tuple]:
    """Outcome rows with their signal ids; an outcome whose signal was never stored (recording
    began after it, or it was refused) has nothing to attach to and is left out."""
    out = []
    for o in outcomes:
        ref = o.signal
        if isinstance(ref, SignalRow):
            signal_id = ref.id
        elif isinstance(ref, SignalKey):
            row = conn.execute(FIND_SIGNAL, (ref.symbol, ref.time, ref.name, ref.kind)).fetchone()
            signal_id = row[0] if row else None
        else:
            signal_id = ref
        if signal_id is not None:
            out.append(o.values(signal_id))
    return out


@dataclass(slots=True)
class WriterStats:
    """Counters for the status bar and logs; written by the writer thread only."""

    committed_rows: int = 0
    committed_batches: int = 0
    candles: int = 0
    signals: int = 0
    dropped: int = 0
    """Candles discarded because the database stayed unwritable past `max_pending` rows."""
    rejected: int = 0
    """Rows the database refused as invalid (see the `on_problem` message for why)."""
    failures: int = 0
    """Batches that failed and were kept for a retry."""
    problem: str = ""
    """The current problem, "" while writes succeed."""


class _Stop:
    """Queued by `close`: everything before it is written, then the thread ends."""


class Writer:
    """Batched SQLite writer on its own thread. See the module docstring for the guarantees.

    `on_problem(text)` is called on the writer thread, once when a problem starts and when rows
    are dropped or rejected; `on_recovered(text)` once when writes work again (good news, not
    an error). Hand both to the event loop with `loop.call_soon_threadsafe`. The database is
    opened (and migrated) in the constructor, so a bad path raises `StoreError` to the caller
    right away.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        batch_rows: int = 5000,
        batch_seconds: float = 0.25,
        max_pending: int = 1_000_000,
        on_problem: Callable[[str], None] | None = None,
        on_recovered: Callable[[str], None] | None = None,
        alert_channels: Sequence[str] = (),
    ) -> None:
        self.path = Path(path).expanduser()
        self.alert_channels = tuple(alert_channels)
        """Where alerts are delivered (e.g. "app", "bell", "webhook"), stored with each alert."""
        self.invalid_events = 0
        """Engine signals/alerts that could not be stored (a value out of range); counted on
        the producer's thread, apart from `stats`, which only the writer thread writes."""
        self._last_signal: SignalRow | None = None
        self.batch_rows = batch_rows
        self.batch_seconds = batch_seconds
        self.max_pending = max_pending
        self.on_problem = on_problem
        self.on_recovered = on_recovered
        self.stats = WriterStats()
        self._db = open_db(self.path)
        # A long-lived writer keeps the upper levels of the candle key and the signal indexes
        # in memory: 32 MB instead of SQLite's 2 MB default keeps inserts from re-reading them.
        self._db.execute("PRAGMA cache_size = -32768")
        self._queue: deque[Row | threading.Event | _Stop] = deque()
        self._wake = threading.Event()
        """Set by producers when a batch is full: commit now rather than at the next tick."""
        self._kick = threading.Event()
        """Set by flush/close: retry now even while backing off after a failure."""
        self._retry_in = 0.0
        self._give_up = False
        self._thread = threading.Thread(target=self._run, name="store-writer", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    # --- producer side (any thread, never blocks) -------------------------------------------

    def put(self, row: Row) -> None:
        """Queue one row. O(1), never touches the disk."""
        if type(row) not in _ROW_TYPES:
            raise TypeError(f"the store writer takes {', '.join(_TYPE_NAMES)}, not {row!r}")
        queue = self._queue
        queue.append(row)
        if len(queue) >= self.batch_rows and not self._wake.is_set():
            self._wake.set()

    def put_many(self, rows: Iterable[Row]) -> None:
        """Queue rows in order (a gap-fill's or replay's candles)."""
        rows = list(rows)
        if any(type(row) not in _ROW_TYPES for row in rows):
            raise TypeError(f"the store writer takes {', '.join(_TYPE_NAMES)} rows only")
        self._queue.extend(rows)
        if len(self._queue) >= self.batch_rows:
            self._wake.set()

    def __call__(self, event: object) -> None:
        """Feed/engine consumer: stores closed candles, the engine's `Signal`s, `Alert`s and
        `Outcome`s, and the store's own row types; ignores everything else. Never raises.

        Forming candles are not stored: the closed one replaces them within the interval, and
        writing every kline frame would multiply the disk traffic for nothing.
        """
        cls = type(event)
        if cls is Candle:
            if event.closed:  # type: ignore[attr-defined]
                self.put(event)  # type: ignore[arg-type]
        elif cls is Signal:
            try:
                self._last_signal = row = signal_row(event)  # type: ignore[arg-type]
            except (TypeError, ValueError) as exc:
                self._invalid(event, exc)
            else:
                self.put(row)
        elif cls is Alert:
            try:
                rows = alert_rows(event, self._last_signal, self.alert_channels)  # type: ignore[arg-type]
            except (TypeError, ValueError) as exc:
                self._invalid(event, exc)
            else:
                self.put_many(rows)
        elif cls is Outcome:
            try:
                self.put(outcome_row(event))  # type: ignore[arg-type]
            except (TypeError, ValueError) as exc:
                self._invalid(event, exc)
        elif cls in _ROW_TYPES:
            self.put(event)  # type: ignore[arg-type]

    def _invalid(self, event: object, exc: Exception) -> None:
        self.invalid_events += 1
        self._report(f"cannot store {type(event).__name__} {event!r}: {exc}")

    @property
    def pending(self) -> int:
        """Rows queued and not yet committed."""
        return len(self._queue)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every row put before this call is committed; False on timeout (for
        example while the disk is full: the rows are still held and will be retried)."""
        if not self._thread.is_alive():
            return not self._queue
        done = threading.Event()
        self._queue.append(done)
        self._wake.set()
        self._kick.set()
        return done.wait(timeout)

    def close(self, timeout: float = 10.0) -> int:
        """Write what is queued, stop the thread, close the database; idempotent.

        Returns the number of rows that could not be written within `timeout` (0 normally); they
        are reported through `on_problem` and lost.
        """
        atexit.unregister(self.close)
        if not self._thread.is_alive():
            return sum(1 for item in self._queue if type(item) in _ROW_TYPES)
        self._queue.append(_Stop())
        self._wake.set()
        self._kick.set()
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._give_up = True
            self._kick.set()
            self._thread.join()
        lost = sum(1 for item in self._queue if type(item) in _ROW_TYPES)
        if lost:
            self._report(
                f"database {self.path} could not be written before exit: {lost:,} rows lost"
                f" ({self.stats.problem or 'no more time'})"
            )
        return lost

    # --- writer thread ----------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._give_up:
                if self._retry_in:
                    self._kick.wait(self._retry_in)
                    self._kick.clear()
                else:
                    self._wake.wait(self.batch_seconds)
                    self._wake.clear()
                if self._drain():
                    break
        except Exception as exc:  # a bug: say so loudly rather than stop saving in silence
            log.exception("store writer stopped")
            self._report(f"store writer stopped ({exc!r}): rows are no longer saved; report this")
        finally:
            self._db.close()

    def _drain(self) -> bool:
        """Commit everything queued, batch by batch. True once the stop marker is reached."""
        queue = self._queue
        while queue and not self._give_up:
            taken: list[Row | threading.Event | _Stop] = []
            rows: list[Row] = []
            while len(rows) < self.batch_rows and queue:
                item = queue.popleft()
                taken.append(item)
                if type(item) in _ROW_TYPES:
                    rows.append(item)  # type: ignore[arg-type]
                elif type(item) is _Stop:
                    break
            if rows:
                try:
                    self._commit(rows)
                except sqlite3.Error as exc:
                    queue.extendleft(reversed(taken))
                    self._failed(exc)
                    self._trim()
                    return False
            for item in taken:
                if type(item) is threading.Event:
                    item.set()
                elif type(item) is _Stop:
                    return True
        return False

    def _commit(self, rows: list[Row]) -> None:
        """One transaction for `rows`; sqlite3.Error if the database cannot be written now."""
        conn = self._db.conn
        try:
            candles, signals = self._transaction(conn, rows)
            written = len(rows)
        except _REJECTABLE:
            written, candles, signals = self._commit_each(conn, rows)
        stats = self.stats
        stats.committed_rows += written
        stats.committed_batches += 1
        stats.candles += candles
        stats.signals += signals
        if self._retry_in:
            self._recovered()

    @staticmethod
    def _transaction(conn: sqlite3.Connection, rows: list[Row]) -> tuple[int, int]:
        conn.execute("BEGIN IMMEDIATE")
        try:
            counts = write_rows(conn, rows)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            for row in rows:
                if type(row) is SignalRow:
                    row.id = None  # the ids taken in the rolled-back transaction are void
            raise
        return counts

    def _commit_each(self, conn: sqlite3.Connection, rows: list[Row]) -> tuple[int, int, int]:
        """Write a batch that failed as a whole row by row, leaving out the rows the database
        refuses (each in a savepoint), so valid rows are not held back by an invalid one.
        Returns (rows, candles, signals) written."""
        rejected: list[str] = []
        candles = signals = 0
        conn.execute("BEGIN IMMEDIATE")
        try:
            for row in rows:
                conn.execute("SAVEPOINT row")
                try:
                    one_candle, one_signal = write_rows(conn, (row,))
                    candles += one_candle
                    signals += one_signal
                except _REJECTABLE as exc:
                    conn.execute("ROLLBACK TO row")
                    if type(row) is SignalRow:
                        row.id = None
                    rejected.append(f"{type(row).__name__}: {exc}")
                conn.execute("RELEASE row")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self.stats.rejected += len(rejected)
        self._report(
            f"database {self.path} refused {len(rejected)} invalid row(s), left out: "
            f"{rejected[0]}; the other {len(rows) - len(rejected)} were saved"
        )
        return len(rows) - len(rejected), candles, signals

    def _failed(self, exc: sqlite3.Error) -> None:
        """Back off, and say so once per episode (again only if the cause changes)."""
        self.stats.failures += 1
        self._retry_in = min(_RETRY_MAX, max(_RETRY_FIRST, self._retry_in * 2))
        text = str(exc)
        lowered = text.lower()
        if "full" in lowered:
            cause = f"is full ({text}): free disk space"
        elif "readonly" in lowered or "read-only" in lowered:
            cause = f"is read-only ({text}): fix the file's permissions or pass --db PATH"
        elif "locked" in lowered or "busy" in lowered:
            cause = f"is locked by another program ({text}): close it"
        else:
            cause = f"cannot be written ({text}): check the disk and the file"
        if cause != self.stats.problem:
            self.stats.problem = cause
            held = sum(1 for item in self._queue if type(item) in _ROW_TYPES)
            self._report(
                f"database {self.path} {cause}; {held:,} rows held in memory, retrying "
                f"(up to {self.max_pending:,} rows, then the oldest candles are dropped)"
            )

    def _recovered(self) -> None:
        self._retry_in = 0.0
        if self.stats.problem:
            self.stats.problem = ""
            text = f"database {self.path} is writable again; held rows are being saved"
            log.info("%s", text)
            if self.on_recovered is not None:
                try:
                    self.on_recovered(text)
                except Exception:
                    log.exception("store on_recovered callback failed")

    def _trim(self) -> None:
        """Keep the queue under `max_pending` by dropping its oldest candles (to 90 % of the
        bound, so a stuck writer does not rescan the queue on every retry)."""
        excess = len(self._queue) - self.max_pending
        if excess <= 0:
            return
        excess += self.max_pending // 10
        queue = self._queue
        kept: list[Row | threading.Event | _Stop] = []
        dropped = 0
        while dropped < excess and queue:
            item = queue.popleft()
            if type(item) is Candle:
                dropped += 1
            else:
                kept.append(item)
        queue.extendleft(reversed(kept))
        self.stats.dropped += dropped
        self._report(
            f"database {self.path} still cannot be written: dropped the {dropped:,} oldest "
            f"candles ({self.stats.dropped:,} so far) to stay under {self.max_pending:,} held "
            "rows; refetch them later with `cryptotui backfill`"
        )

    def _report(self, text: str) -> None:
        log.warning("%s", text)
        if self.on_problem is not None:
            try:
                self.on_problem(text)
            except Exception:
                log.exception("store on_problem callback failed")
