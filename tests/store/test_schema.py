"""Schema: created on an empty file, reopened unchanged, migrated from every earlier version."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
import sqlite_utils

from cryptotui.store.schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    NotADatabase,
    StoreError,
    connect,
    migrate,
    open_db,
    schema_version,
)
from cryptotui.store.settings import default_db_path

from .helpers import T0


def schema_sql(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    return db.execute(
        "SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall()


def test_empty_file_gets_latest_schema_and_pragmas(tmp_path: Path) -> None:
    db = open_db(tmp_path / "new" / "store.db")  # the directory is created too
    assert schema_version(db) == SCHEMA_VERSION
    assert {"candles", "signals", "alerts", "watchlists", "outcomes"} <= set(db.table_names())
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    indexes = {row[1] for row in db.execute("SELECT * FROM sqlite_master WHERE type = 'index'")}
    assert {"signals_symbol_time", "signals_name_time", "signals_time", "alerts_time"} <= indexes


def test_reopening_keeps_data_and_applies_nothing(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    db = open_db(path)
    db.execute("INSERT INTO watchlists (name, position, symbol) VALUES ('main', 0, 'BTCUSDT')")
    before = schema_sql(db)
    db.close()
    db = open_db(path)
    assert schema_sql(db) == before
    assert db.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("SELECT symbol FROM watchlists").fetchall() == [("BTCUSDT",)]


@pytest.mark.parametrize("start", range(SCHEMA_VERSION))
def test_migrates_from_every_earlier_version(tmp_path: Path, start: int) -> None:
    """A file left at any earlier version ends with exactly the schema of a fresh file."""
    old = connect(tmp_path / "old.db")
    assert migrate(old, target=start) == start
    assert schema_version(old) == start
    assert migrate(old) == SCHEMA_VERSION
    fresh = open_db(tmp_path / "fresh.db")
    assert schema_sql(old) == schema_sql(fresh)
    versions = [v for (v,) in old.execute("SELECT version FROM schema_version ORDER BY version")]
    assert versions == list(range(1, SCHEMA_VERSION + 1))


def test_a_failing_migration_leaves_the_file_at_its_old_version(tmp_path: Path) -> None:
    def broken(db: sqlite_utils.Database) -> None:
        db.execute("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("step failed")

    db = open_db(tmp_path / "store.db")
    before = schema_sql(db)
    with pytest.raises(RuntimeError, match="step failed"):
        migrate(db, [*MIGRATIONS, broken])
    assert schema_version(db) == SCHEMA_VERSION
    assert schema_sql(db) == before  # half_done rolled back with the version row
    assert not db.conn.in_transaction


def test_a_file_from_a_newer_cryptotui_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    db = open_db(path)
    db.execute("INSERT INTO schema_version VALUES (?, 0)", (SCHEMA_VERSION + 1,))
    db.close()
    with pytest.raises(StoreError, match=r"newer than this cryptotui.*upgrade cryptotui"):
        open_db(path)


def test_two_connections_creating_the_same_file_at_once(tmp_path: Path) -> None:
    """The app and a backfill starting together: one migrates, the other sees it done."""
    path = tmp_path / "store.db"
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def opener() -> None:
        barrier.wait()
        try:
            open_db(path).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db = open_db(path)
    assert db.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == SCHEMA_VERSION


def test_readers_can_refuse_to_create_a_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.db"
    with pytest.raises(StoreError, match=r"no database at .*absent\.db.*--db"):
        open_db(path, create=False)
    assert not path.exists()


def test_a_read_only_connection_cannot_write(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    open_db(path).close()
    db = open_db(path, readonly=True)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.execute("INSERT INTO watchlists VALUES ('x', 0, 'BTCUSDT')")
    db.close()


def test_a_file_with_other_tables_is_never_given_ours(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    conn.close()
    for options in ({}, {"create": False}, {"readonly": True}):
        with pytest.raises(NotADatabase, match=r"other\.sqlite is not a cryptotui .*notes"):
            open_db(path, **options)
    with sqlite3.connect(path) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["notes"]
    conn.close()


def test_a_file_that_is_not_a_database_gets_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not SQLite\n" * 100)
    with pytest.raises(StoreError, match=r"notes\.db.*not a cryptotui database"):
        open_db(path)


def test_constraints_reject_bad_rows(tmp_path: Path) -> None:
    db = open_db(tmp_path / "store.db")
    insert = (
        "INSERT INTO signals (time, symbol, kind, name, direction, confidence) "
        "VALUES (?, 'BTCUSDT', ?, 'x', ?, ?)"
    )
    db.execute(insert, (T0, "pattern", "bullish", 0.5))
    for kind, direction, confidence in (
        ("guess", "bullish", 0.5),
        ("rule", "up", 0.5),
        ("rule", "neutral", 1.5),
    ):
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            db.execute(insert, (T0, kind, direction, confidence))
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        db.execute("INSERT INTO alerts (signal_id, time, rule) VALUES (999, ?, 'r')", (T0,))
    # Deleting a signal removes its outcomes and detaches its alerts.
    db.execute("INSERT INTO alerts (signal_id, time, rule) VALUES (1, ?, 'r')", (T0,))
    db.execute(
        "INSERT INTO outcomes (signal_id, horizon, forward_return, hit) VALUES (1, 5, 0.01, 1)"
    )
    db.execute("DELETE FROM signals WHERE id = 1")
    assert db.execute("SELECT COUNT(*) FROM outcomes").fetchone()[0] == 0
    assert db.execute("SELECT signal_id FROM alerts").fetchall() == [(None,)]


def test_default_location_is_the_user_data_dir() -> None:
    import platformdirs

    expected = platformdirs.user_data_path("cryptotui", appauthor=False) / "cryptotui.db"
    assert default_db_path() == expected
