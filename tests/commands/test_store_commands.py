"""`cryptotui history | export | db`: output, exit codes, and messages."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from cryptotui.intervals import DAY, MINUTE
from cryptotui.store.schema import SCHEMA_VERSION, connect, migrate, open_db, schema_version
from cryptotui.store.writer import Writer
from tests.commands.conftest import threaded_sim
from tests.store.helpers import T0, candle, signal


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "store.db"
    w = Writer(path)
    w.put_many(candle("BTCUSDT", "1m", i) for i in range(100))
    for i in range(8):
        w.put(
            signal(
                i,
                symbol="ETHUSDT" if i % 2 else "BTCUSDT",
                direction="bearish" if i % 4 == 3 else "bullish",
                confidence=0.1 * i,
                message=f"[bold]markup stays text[/bold] \x1b[31m{i}",
            )
        )
    assert w.close() == 0
    return path


def test_history_table_newest_first_without_markup_or_escapes(
    db, run_cli, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    assert run_cli("history", "--db", str(db), "--limit", "3") == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if "markup" in line]
    assert len(lines) == 3
    assert lines[0].rstrip().endswith("[/bold] [31m7")  # signal 7 first; ESC removed
    assert "[bold]markup stays text[/bold]" in out  # shown literally, not rendered
    assert "\x1b" not in out
    assert lines[0].startswith("2023-11-14T22:21Z")  # T0 + 7 min
    assert "bearish" in lines[0] and "0.70" in lines[0]


def test_history_filters_and_machine_formats(db, run_cli, capsys) -> None:
    argv = ["history", "--db", str(db), "--symbol", "ethusdt", "--min-confidence", "0.3"]
    assert run_cli(*argv, "--format", "jsonl") == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["time"] for r in records] == [T0 + i * 60_000 for i in (7, 5, 3)]
    assert records[0]["factors"] == {"body": 0.3, "volume_z": 1.5}
    assert run_cli(*argv, "--format", "csv", "--direction", "bearish") == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [int(r["time"]) for r in rows] == [T0 + i * 60_000 for i in (7, 3)]


def test_history_says_when_nothing_matches(db, tmp_path: Path, run_cli, capsys) -> None:
    assert run_cli("history", "--db", str(db), "--name", "doji") == 0
    assert capsys.readouterr().out.strip() == "no stored signals match"
    open_db(tmp_path / "empty.db").close()
    assert run_cli("history", "--db", str(tmp_path / "empty.db")) == 0
    assert capsys.readouterr().out.strip() == "no signals stored yet"


def test_a_missing_database_is_one_line_and_exit_1(tmp_path: Path, run_cli, capsys) -> None:
    missing = tmp_path / "nowhere.db"
    for argv in (
        ["history"],
        ["export", "candles", "-o", str(tmp_path / "x.csv")],
        ["db", "stats"],
    ):
        assert run_cli(*argv, "--db", str(missing)) == 1
        err = capsys.readouterr().err
        assert err.startswith("cryptotui: no database at") and err.count("\n") == 1
    assert not missing.exists()


def _not_ours(tmp_path: Path) -> dict[str, Path]:
    """Files that are no cryptotui database: named by mistake, they must stay as they were."""
    empty = tmp_path / "empty.db"
    empty.touch()
    foreign = tmp_path / "places.sqlite"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    conn.close()
    text = tmp_path / "notes.db"
    text.write_text("my notes, not SQLite\n" * 200)
    return {"it is empty": empty, "other tables: moz_places": foreign, "not an SQLite": text}


READERS = [
    ["history"],
    ["db", "stats"],
    ["export", "candles", "-o", "OUT"],
    ["analyze", "--symbol", "BTCUSDT", "--interval", "1m"],
]


@pytest.mark.parametrize("argv", READERS, ids=lambda argv: " ".join(argv[:2]))
def test_reading_commands_refuse_a_file_that_is_not_a_cryptotui_database(
    tmp_path: Path, run_cli, capsys, argv: list[str]
) -> None:
    out = tmp_path / "out.csv"
    for why, path in _not_ours(tmp_path).items():
        before = path.read_bytes()
        code = run_cli(*[str(out) if a == "OUT" else a for a in argv], "--db", str(path))
        err = capsys.readouterr().err
        assert code == 2, err
        assert err.count("\n") == 1 and f"{path} is not a cryptotui database" in err
        assert why in err
        assert path.read_bytes() == before  # no schema written into it
        assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "config.toml", "empty.db", "notes.db", "places.sqlite"
    ]  # fmt: skip


def test_maintenance_commands_refuse_them_too(tmp_path: Path, run_cli, capsys) -> None:
    for path in _not_ours(tmp_path).values():
        before = path.read_bytes()
        for action in ("prune", "vacuum"):
            assert run_cli("db", action, "--db", str(path)) == 2
            assert "is not a cryptotui database" in capsys.readouterr().err
        assert path.read_bytes() == before


def test_a_database_from_an_older_cryptotui_is_upgraded_and_read(
    tmp_path: Path, run_cli, capsys
) -> None:
    old = tmp_path / "v1.db"
    db = connect(old)
    migrate(db, target=1)
    db.execute("INSERT INTO signals (time, symbol, kind, name, direction, confidence) "
               "VALUES (1, 'BTCUSDT', 'pattern', 'hammer', 'bullish', 0.5)")  # fmt: skip
    db.conn.commit()
    db.close()
    assert run_cli("history", "--db", str(old), "--format", "jsonl") == 0
    assert json.loads(capsys.readouterr().out)["name"] == "hammer"
    db = open_db(old, readonly=True)
    assert schema_version(db) == SCHEMA_VERSION
    db.close()


def test_db_flag_before_the_subcommand_is_kept(db, run_cli, capsys) -> None:
    assert run_cli("--db", str(db), "history", "--format", "jsonl", "--limit", "1") == 0
    assert json.loads(capsys.readouterr().out)["id"] == 8


def test_a_bad_config_is_exit_2(db, tmp_path: Path, run_cli, capsys, monkeypatch) -> None:
    monkeypatch.setenv("CRYPTOTUI_STORE_RETENTION_DAYS", "forever")
    assert run_cli("db", "prune", "--db", str(db)) == 2
    assert "store.retention_days" in capsys.readouterr().err


def test_export_command(db, tmp_path: Path, run_cli, capsys) -> None:
    out = tmp_path / "btc.csv"
    assert run_cli("export", "candles", "--symbol", "BTCUSDT", "-o", str(out), "--db", str(db)) == 0
    assert capsys.readouterr().out.strip() == f"wrote 100 candles to {out}"
    assert len(out.read_text().splitlines()) == 101
    assert run_cli("export", "signals", "-o", str(tmp_path / "s.txt"), "--db", str(db)) == 2
    assert "unknown format '.txt'" in capsys.readouterr().err


def test_parquet_without_pyarrow_says_how_to_get_it(db, tmp_path: Path) -> None:
    """A runtime install has no pyarrow (it is the `parquet` extra): exit 2, the exact install
    command, nothing written. The import is blocked in a fresh process, as if uninstalled."""
    config = tmp_path / "config.toml"
    config.write_text("")
    out = tmp_path / "c.parquet"
    blocked = (
        "import sys; sys.modules['pyarrow'] = None; "
        "from cryptotui.commands import main; raise SystemExit(main(sys.argv[1:]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", blocked, "--config", str(config), "export", "candles",
         "--db", str(db), "-o", str(out)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "pip install 'cryptotui[parquet]'" in done.stderr
    assert ".venv/bin/pip install pyarrow" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml", "store.db"]


def test_parquet_is_a_named_extra() -> None:
    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    assert any(req.startswith("pyarrow") for req in extras["parquet"])
    assert any(req.startswith("pyarrow") for req in extras["dev"])  # tested, not skipped
    assert not any(req.startswith("pyarrow") for req in project["dependencies"])


def test_db_stats_vacuum_and_prune(db, sim_thread, run_cli, capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    assert run_cli("db", "stats", "--db", str(db)) == 0
    out = capsys.readouterr().out
    assert str(db) in out
    assert "candles 100" in out and "signals 8" in out
    assert "BTCUSDT" in out and "2023-11-14T22:14Z" in out
    conn = open_db(db)
    conn.execute("DELETE FROM candles WHERE open_time > ?", (candle(i=10).open_time,))
    conn.close()
    assert run_cli("db", "vacuum", "--db", str(db)) == 0
    assert "vacuumed" in capsys.readouterr().out
    # Retention defaults keep 1m candles 30 days: these are from 2023, so all go.
    url = sim_thread.rest_url  # the exchange's clock: today, frozen
    assert run_cli("db", "prune", "--db", str(db), "--rest-url", url) == 0
    assert "BTCUSDT 1m: deleted 11 candles" in capsys.readouterr().out
    assert run_cli("db", "prune", "--db", str(db), "--rest-url", url) == 0
    assert "nothing to prune" in capsys.readouterr().out


def test_prune_counts_days_back_from_the_exchange_clock(db, run_cli, capsys, monkeypatch) -> None:
    """The candles are from 2023, as is this exchange's clock: a day of 1m retention keeps the
    last day by that clock (counted from this machine's, it would delete them all)."""
    monkeypatch.setenv("CRYPTOTUI_STORE_RETENTION_DAYS", "1m=1")
    exchange_now = candle(i=100).open_time + DAY - 10 * MINUTE
    with threaded_sim(symbols=["BTCUSDT"], speed=0, start_time_ms=exchange_now) as sim:
        code = run_cli("db", "prune", "--db", str(db), "--rest-url", sim.rest_url)
    assert code == 0
    assert "BTCUSDT 1m: deleted 90 candles" in capsys.readouterr().out
    conn = open_db(db)
    assert conn.execute("SELECT COUNT(*) FROM candles").fetchone() == (10,)


def test_prune_without_the_exchange_clock_prunes_nothing(db, run_cli, capsys) -> None:
    with threaded_sim(symbols=["BTCUSDT"], speed=0) as sim:
        url = f"{sim.rest_url}/nope"
        assert run_cli("db", "prune", "--db", str(db), "--rest-url", url) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not answer like a Binance API" in err
    assert open_db(db).execute("SELECT COUNT(*) FROM candles").fetchone() == (100,)


def test_a_directory_as_database_is_exit_2(tmp_path: Path, run_cli, capsys) -> None:
    for argv in (["history"], ["db", "stats"], ["backfill", "BTCUSDT"]):
        assert run_cli(*argv, "--db", str(tmp_path)) == 2, argv
        err = capsys.readouterr().err
        assert "is a directory; name the database file" in err, argv


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("x.xlsx", "unknown format '.xlsx'"),
        ("missing/x.csv", "does not exist; create it"),
    ],
)
def test_export_refuses_what_it_cannot_write_exit_2(
    db, tmp_path: Path, run_cli, capsys, target: str, message: str
) -> None:
    before = sorted(tmp_path.iterdir())
    assert run_cli("export", "candles", "-o", str(tmp_path / target), "--db", str(db)) == 2
    assert message in capsys.readouterr().err
    assert sorted(tmp_path.iterdir()) == before


def test_export_of_nothing_says_so_and_writes_nothing(db, tmp_path: Path, run_cli, capsys):
    out = tmp_path / "nope.csv"
    argv = ["export", "candles", "--symbol", "NOPE", "-o", str(out), "--db", str(db)]
    assert run_cli(*argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "cryptotui: no stored candles match symbol NOPE; nothing written "
        "(`cryptotui db stats` shows what is stored)\n"
    )
    assert not out.exists()
    out.write_text("an earlier export\n")  # left as it was
    assert run_cli(*argv[:3], "BTCUSDT", "--since", "2030-01-01", *argv[4:]) == 2
    assert "match symbol BTCUSDT, since 2030-01-01T00:00:00Z" in capsys.readouterr().err
    assert out.read_text() == "an earlier export\n"
