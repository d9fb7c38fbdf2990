"""`cryptotui backfill` as a user runs it, against the simulator on 127.0.0.1."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from cryptotui.sim import SimExchange
from tests.commands.conftest import threaded_sim


def test_backfill_command(sim_thread: SimExchange, tmp_path: Path, capsys, run_cli) -> None:
    db, url = tmp_path / "store.db", sim_thread.rest_url
    code = run_cli("--rest-url", url, "backfill", "btcusdt,ETHUSDT", "--interval", "1h",
                   "--days", "3", "--db", str(db))  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert re.search(r"BTCUSDT 1h: (\d+)/\1 candles stored, \1 fetched", out), out
    assert re.search(r"ETHUSDT 1h: (\d+)/\1 candles stored, \1 fetched", out), out
    assert "requests (weight" in out
    code = run_cli("--rest-url", url, "backfill", "BTCUSDT", "--interval", "1h",
                   "--days", "3", "--db", str(db))  # fmt: skip
    assert code == 0
    assert ", 0 fetched" in capsys.readouterr().out  # nothing left to fetch
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(DISTINCT symbol) FROM candles").fetchone() == (2,)


def test_backfill_command_stops_on_a_ban(
    sim_thread: SimExchange, tmp_path: Path, capsys, run_cli
) -> None:
    sim_thread.faults.rest_errors(418, 1, retry_after=60)
    code = run_cli("--rest-url", sim_thread.rest_url, "backfill", "BTCUSDT", "--days", "1",
                   "--db", str(tmp_path / "store.db"))  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1
    assert "banned" in err and "rerun the same command to resume" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--since", "2024-02-01", "--until", "2024-01-01"], "is not before the end"),
        (["--days", "0"], "argument --days: '0': use a number above 0"),
        (["--interval", "1M"], None),
    ],
)
def test_backfill_command_usage_errors(tmp_path: Path, capsys, run_cli, argv, message) -> None:
    assert run_cli("backfill", "BTCUSDT", *argv, "--db", str(tmp_path / "store.db")) == 2
    err = capsys.readouterr().err
    assert message is None or message in err
    assert "1M" not in argv or "cannot be backfilled" in err
    assert not (tmp_path / "store.db").exists()


def test_days_count_back_from_the_exchange_clock(tmp_path: Path, capsys, run_cli) -> None:
    """A simulator two years in the past: `--days 2` is its last two days, not the local
    clock's (which would ask for candles it cannot have yet)."""
    past = 1_717_200_000_000  # 2024-06-01T00:00Z
    with threaded_sim(symbols=["BTCUSDT"], seed=7, speed=0, start_time_ms=past) as sim:
        code = run_cli("backfill", "BTCUSDT", "--interval", "1h", "--days", "2",
                       "--rest-url", sim.rest_url, "--db", str(tmp_path / "s.db"))  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "BTCUSDT 1h: 48/48 candles stored" in out, out


def test_a_url_that_is_not_a_binance_api_is_one_line_exit_2(
    sim_thread: SimExchange, tmp_path: Path, capsys, run_cli
) -> None:
    code = run_cli("backfill", "BTCUSDT", "--rest-url", f"{sim_thread.rest_url}/nope",
                   "--db", str(tmp_path / "s.db"))  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "does not answer like a Binance API" in err
    assert "--rest-url" in err and not (tmp_path / "s.db").exists()


def test_an_unknown_symbol_is_named_exit_2(
    sim_thread: SimExchange, tmp_path: Path, capsys, run_cli
) -> None:
    db = tmp_path / "s.db"
    code = run_cli("backfill", "BTCUSDT,FOOBAR", "--days", "1",
                   "--rest-url", sim_thread.rest_url, "--db", str(db))  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert (
        err == f"cryptotui: unknown symbol FOOBAR on {sim_thread.rest_url}; check the "
        "spelling (e.g. BTCUSDT)\n"
    )
    assert not db.exists()  # refused before anything was stored
