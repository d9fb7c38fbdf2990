"""The database file: where it lives, how a connection is opened, and versioned migrations.

Every connection (the live writer, a backfill running beside the app, `history`) goes through
`open_db`, so every one gets the same pragmas and brings the schema up to date before use:

- WAL: readers never block the writer and the writer never blocks readers, so `history` or a
  backfill can run while the app records; a process killed mid-transaction leaves the last
  committed state intact.
- `synchronous=NORMAL`: in WAL mode a commit survives the process dying (the OS has the pages);
  only a power cut can lose the last transactions, and even that never corrupts the file.
- `foreign_keys=ON`: SQLite leaves them off per connection unless asked.
- a busy timeout: two processes writing (app + backfill) wait for each other instead of failing.

Migrations are functions in `MIGRATIONS`; the one at index i takes the schema from version i to
i + 1 and is never edited once released (a user's file may be at any earlier version). Their DDL
is written out as SQL rather than generated: a migration must mean the same thing forever, and
`WITHOUT ROWID` and CHECK constraints have no sqlite-utils spelling. sqlite-utils runs them
(`Database.atomic`) and serves introspection and the query helpers.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import sqlite_utils

BUSY_TIMEOUT_MS = 10_000
"""How long a write waits for another connection's transaction before giving up."""


class StoreError(Exception):
    """A storage problem as one line that says what to do (printed as is by the CLI)."""


class NotADatabase(StoreError):
    """The file is not a cryptotui database: empty, another program's, or not SQLite at all.
    Apart from other storage problems because it is bad input (the wrong file was named), and
    because nothing may be written into such a file."""


def _v1(db: sqlite_utils.Database) -> None:
    """The first schema: candles, signals, alerts, watchlists, outcomes.

    `candles` is `WITHOUT ROWID`: its rows live in primary-key order, so a (symbol, interval)
    time range is one contiguous read and the table needs no second copy of the key as an index
    (half the size at 10 M rows). Signal and alert ids are ordinary rowids.
    """
    db.executescript(
        """
        CREATE TABLE candles (
            symbol TEXT NOT NULL,
            interval TEXT NOT NULL,
            open_time INTEGER NOT NULL,
            close_time INTEGER NOT NULL,
            open REAL NOT NULL,
            high REAL NOT NULL,
            low REAL NOT NULL,
            close REAL NOT NULL,
            volume REAL NOT NULL,
            quote_volume REAL NOT NULL DEFAULT 0,
            trades INTEGER NOT NULL DEFAULT 0,
            taker_buy_volume REAL NOT NULL DEFAULT 0,
            taker_buy_quote_volume REAL NOT NULL DEFAULT 0,
            PRIMARY KEY (symbol, interval, open_time)
        ) WITHOUT ROWID;

        CREATE TABLE signals (
            id INTEGER PRIMARY KEY,
            time INTEGER NOT NULL,
            symbol TEXT NOT NULL,
            interval TEXT,
            kind TEXT NOT NULL CHECK (kind IN ('pattern', 'rule')),
            name TEXT NOT NULL,
            direction TEXT NOT NULL CHECK (direction IN ('bullish', 'bearish', 'neutral')),
            confidence REAL NOT NULL CHECK (confidence BETWEEN 0 AND 1),
            price REAL,
            factors TEXT NOT NULL DEFAULT '{}',
            span_start INTEGER,
            span_end INTEGER,
            message TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX signals_symbol_time ON signals (symbol, time);
        CREATE INDEX signals_name_time ON signals (name, time);
        CREATE INDEX signals_time ON signals (time);

        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            signal_id INTEGER REFERENCES signals (id) ON DELETE SET NULL,
            time INTEGER NOT NULL,
            rule TEXT NOT NULL,
            channels TEXT NOT NULL DEFAULT '[]',
            message TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX alerts_time ON alerts (time);
        CREATE INDEX alerts_signal ON alerts (signal_id);

        CREATE TABLE watchlists (
            name TEXT NOT NULL,
            position INTEGER NOT NULL,
            symbol TEXT NOT NULL,
            PRIMARY KEY (name, position)
        ) WITHOUT ROWID;

        CREATE TABLE outcomes (
            signal_id INTEGER NOT NULL REFERENCES signals (id) ON DELETE CASCADE,
            horizon INTEGER NOT NULL CHECK (horizon > 0),
            forward_return REAL NOT NULL,
            hit INTEGER NOT NULL CHECK (hit IN (0, 1)),
            PRIMARY KEY (signal_id, horizon)
        ) WITHOUT ROWID;
        """
    )


def _v2(db: sqlite_utils.Database) -> None:
    """Outcomes with excursions and the as-of baseline, and the track record kept by a trigger.

    `outcomes.hit` becomes nullable (neutral signals have returns but no hit) and gains `mfe`,
    `mae`, `baseline` and the `interval` the horizon counts in (trade and ticker signals have
    none of their own). `track_record` holds running sums per (name, direction, symbol,
    interval, horizon); the trigger adds every inserted outcome in the same transaction, so
    start-up reads these few rows instead of aggregating every outcome ever stored, and the two
    can never disagree. An outcome written again for the same (signal, horizon) updates the row
    (an UPSERT's update path), which does not count twice.
    """
    db.executescript(
        """
        CREATE TABLE outcomes_v2 (
            signal_id INTEGER NOT NULL REFERENCES signals (id) ON DELETE CASCADE,
            horizon INTEGER NOT NULL CHECK (horizon > 0),
            interval TEXT,
            forward_return REAL NOT NULL,
            hit INTEGER CHECK (hit IN (0, 1)),
            mfe REAL,
            mae REAL,
            baseline REAL CHECK (baseline BETWEEN 0 AND 1),
            PRIMARY KEY (signal_id, horizon)
        ) WITHOUT ROWID;
        INSERT INTO outcomes_v2 (signal_id, horizon, interval, forward_return, hit)
            SELECT o.signal_id, o.horizon, s.interval, o.forward_return,
                   CASE WHEN s.direction = 'neutral' THEN NULL ELSE o.hit END
            FROM outcomes o JOIN signals s ON s.id = o.signal_id;
        DROP TABLE outcomes;
        ALTER TABLE outcomes_v2 RENAME TO outcomes;

        CREATE TABLE track_record (
            name TEXT NOT NULL,
            direction TEXT NOT NULL,
            symbol TEXT NOT NULL,
            interval TEXT NOT NULL,
            horizon INTEGER NOT NULL,
            n INTEGER NOT NULL,
            tested INTEGER NOT NULL,
            hits INTEGER NOT NULL,
            return_sum REAL NOT NULL,
            abs_return_sum REAL NOT NULL,
            baseline_sum REAL NOT NULL,
            last_time INTEGER NOT NULL,
            PRIMARY KEY (name, direction, symbol, interval, horizon)
        ) WITHOUT ROWID;

        CREATE TRIGGER outcomes_track_record AFTER INSERT ON outcomes BEGIN
            INSERT INTO track_record (name, direction, symbol, interval, horizon, n, tested,
                                      hits, return_sum, abs_return_sum, baseline_sum, last_time)
            SELECT s.name, s.direction, s.symbol, COALESCE(NEW.interval, s.interval, ''),
                   NEW.horizon, 1, t.tested, COALESCE(t.tested * NEW.hit, 0), NEW.forward_return,
                   abs(NEW.forward_return), COALESCE(t.tested * NEW.baseline, 0), s.time
            FROM signals s,
                 (SELECT NEW.hit IS NOT NULL AND NEW.baseline IS NOT NULL AS tested) t
            WHERE s.id = NEW.signal_id
            ON CONFLICT (name, direction, symbol, interval, horizon) DO UPDATE SET
                n = n + 1,
                tested = tested + excluded.tested,
                hits = hits + excluded.hits,
                return_sum = return_sum + excluded.return_sum,
                abs_return_sum = abs_return_sum + excluded.abs_return_sum,
                baseline_sum = baseline_sum + excluded.baseline_sum,
                last_time = max(last_time, excluded.last_time);
        END;

        INSERT INTO track_record
            SELECT s.name, s.direction, s.symbol, COALESCE(o.interval, ''), o.horizon, COUNT(*),
                   0, 0, SUM(o.forward_return), SUM(abs(o.forward_return)), 0, MAX(s.time)
            FROM outcomes o JOIN signals s ON s.id = o.signal_id
            GROUP BY 1, 2, 3, 4, 5;
        """
    )


def _v3(db: sqlite_utils.Database) -> None:
    """The user's trades, for the portfolio (`cryptotui.store.holdings`).

    Prices are in `quote_asset`; a fee is in `fee_asset` (the quote when there is none).
    `dedupe_key` is an imported row's content key: importing a file again inserts nothing
    twice. Entries typed in by hand have none (NULL: UNIQUE lets any number through).
    """
    db.executescript(
        """
        CREATE TABLE transactions (
            id INTEGER PRIMARY KEY,
            time INTEGER NOT NULL,
            asset TEXT NOT NULL,
            side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
            quantity REAL NOT NULL CHECK (quantity > 0),
            price REAL NOT NULL CHECK (price >= 0),
            quote_asset TEXT NOT NULL CHECK (quote_asset <> asset),
            fee REAL NOT NULL DEFAULT 0 CHECK (fee >= 0),
            fee_asset TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            dedupe_key TEXT UNIQUE
        );
        CREATE INDEX transactions_time ON transactions (time);
        """
    )


Migration = Callable[[sqlite_utils.Database], None]

MIGRATIONS: tuple[Migration, ...] = (_v1, _v2, _v3)
"""`MIGRATIONS[i]` upgrades version i to i + 1. Append only; never edit a released one."""

SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(db: sqlite_utils.Database) -> int:
    """The version the file is at; 0 for an empty file."""
    if not db["schema_version"].exists():
        return 0
    return db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]


def migrate(
    db: sqlite_utils.Database,
    migrations: Sequence[Migration] = MIGRATIONS,
    *,
    target: int | None = None,
) -> int:
    """Bring `db` to `target` (default: the latest) and return the version it is at.

    All pending steps run in one `BEGIN IMMEDIATE` transaction: two processes opening a fresh
    file at once (the app and a backfill) serialise here, the second sees the first's work, and a
    failing step leaves the file exactly at its old version. A file from a newer cryptotui is
    refused rather than written with an older idea of the schema.
    """
    target = len(migrations) if target is None else target
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute(
            "CREATE TABLE IF NOT EXISTS schema_version "
            "(version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)"
        )
        current = schema_version(db)
        if current > len(migrations):
            raise StoreError(
                f"database {_name(db)} has schema version {current}, newer than this cryptotui "
                f"knows ({len(migrations)}); upgrade cryptotui or use another --db"
            )
        for version in range(current, target):
            migrations[version](db)
            db.execute(
                "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                (version + 1, int(time.time() * 1000)),
            )
        db.execute("COMMIT")
    except BaseException:
        db.rollback()
        raise
    return max(current, target)


def connect(path: Path, *, readonly: bool = False) -> sqlite_utils.Database:
    """A connection with the store's pragmas, without touching the schema.

    `check_same_thread=False` because the writer opens its connection on the caller's thread (so
    a bad path fails at once, in the caller) and then uses it only on its own thread.
    With `readonly` SQLite refuses any change to the database (`PRAGMA query_only`), and the
    journal mode is left as the file has it. Not a `mode=ro` open: such a connection cannot
    remove the WAL files it finds or makes, so every read would leave two files behind.
    """
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    try:
        db = sqlite_utils.Database(conn, execute_plugins=False)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA foreign_keys = ON")
        if readonly:
            db.execute("PRAGMA query_only = ON")
        else:
            _writable(db)
    except sqlite3.Error:
        conn.close()
        raise
    return db


def _writable(db: sqlite_utils.Database) -> None:
    db.execute("PRAGMA query_only = OFF")
    db.enable_wal()
    db.execute("PRAGMA synchronous = NORMAL")


def open_db(
    path: Path | str, *, create: bool = True, readonly: bool = False
) -> sqlite_utils.Database:
    """Open (or create) the store at `path`, migrated to the latest schema.

    A file that holds other tables, or is not SQLite, is refused (NotADatabase) rather than
    given ours. With `create=False` the file must already be a cryptotui database: a missing
    file is an error instead of a new empty database, and so is an empty one. `readonly`
    (which implies `create=False`) is for the commands that only read (`history`, `export`,
    `db stats`, `analyze --symbol`): the connection cannot write. The one exception is a
    database from an older cryptotui, which is upgraded first, as any cryptotui would.
    Raises StoreError with a message that names the file and what to do.
    """
    path = Path(path).expanduser()
    if not path.exists():
        if not create or readonly:
            raise StoreError(
                f"no database at {path} yet; run cryptotui (it records closed candles) or "
                "`cryptotui backfill`, or point --db at an existing file"
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the directory for database {path}: {exc.strerror or exc}; "
                "fix its permissions or pass --db PATH"
            ) from None
    try:
        db = connect(path, readonly=True)  # writable only once it is known to be ours
    except sqlite3.Error as exc:
        if _not_sqlite(exc):
            raise _not_ours(path, "not an SQLite file") from None
        raise StoreError(f"cannot open database {path}: {exc}; {_advice(exc)}") from None
    try:
        version = _version_of_ours(db, path, empty_ok=create and not readonly)
        if readonly and version != SCHEMA_VERSION:
            db.close()
            return open_db(path, create=False)  # upgraded (older) or refused (newer)
        if not readonly:
            _writable(db)
            migrate(db)
    except sqlite3.Error as exc:
        db.close()
        raise StoreError(f"cannot prepare database {path}: {exc}; {_advice(exc)}") from None
    except StoreError:
        db.close()
        raise
    return db


def _version_of_ours(db: sqlite_utils.Database, path: Path, *, empty_ok: bool) -> int:
    """The schema version of a cryptotui database (0: an empty file, if `empty_ok`)."""
    try:
        version = schema_version(db)
        tables = [] if version else db.table_names()
    except sqlite3.DatabaseError as exc:
        if _not_sqlite(exc):
            raise _not_ours(path, "not an SQLite file") from None
        raise
    if tables:
        shown = ", ".join(tables[:3]) + (", …" if len(tables) > 3 else "")
        raise _not_ours(path, f"it holds other tables: {shown}")
    if not version and not empty_ok:
        raise _not_ours(path, "it is empty")
    return version


def _not_sqlite(exc: sqlite3.Error) -> bool:
    return "not a database" in str(exc)


def _not_ours(path: Path, why: str) -> NotADatabase:
    return NotADatabase(
        f"{path} is not a cryptotui database ({why}); name the file cryptotui records to "
        "with --db, or leave --db out for the default one"
    )


def _advice(exc: sqlite3.Error) -> str:
    text = str(exc).lower()
    if "full" in text:
        return "free disk space"
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return "fix the file's permissions or pass --db PATH"
    if "not a database" in text or "malformed" in text:
        return "the file is not a cryptotui database; move it away or pass --db PATH"
    if "locked" in text:
        return "another program holds a long write lock on it; try again"
    return "check the file or pass --db PATH"


def _name(db: sqlite_utils.Database) -> str:
    """The main database's file path, for messages."""
    for row in db.execute("PRAGMA database_list").fetchall():
        if row[1] == "main":
            return row[2] or ":memory:"
    return "?"
