"""`cryptotui [--demo] --log` refusals: what it cannot watch ends the run in one line, exit 2."""

from __future__ import annotations

from pathlib import Path

from cryptotui.sim import SimExchange


def test_demo_log_refuses_a_symbol_the_simulator_does_not_list(run_cli, capsys) -> None:
    assert run_cli("--demo", "--log", "--symbols", "BTCUSDT,FOOBAR", "--intervals", "1m") == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "cryptotui: unknown symbol FOOBAR on SIMULATED; check the spelling (e.g. BTCUSDT)\n"
    )


def test_live_log_refuses_an_unknown_symbol_and_records_nothing(
    sim_thread: SimExchange, tmp_path: Path, run_cli, capsys
) -> None:
    db = tmp_path / "store.db"
    code = run_cli("--log", "--symbols", "NOPEUSDT", "--rest-url", sim_thread.rest_url,
                   "--ws-url", sim_thread.ws_url, "--db", str(db))  # fmt: skip
    assert code == 2
    assert capsys.readouterr().err == (
        "cryptotui: unknown symbol NOPEUSDT on Binance; check the spelling (e.g. BTCUSDT)\n"
    )
    assert not db.exists()


def test_log_output_that_is_a_directory_is_refused(tmp_path: Path, run_cli, capsys) -> None:
    assert run_cli("--log", "--output", str(tmp_path)) == 2
    err = capsys.readouterr().err
    assert err == (
        f"cryptotui: error: argument --output: cannot write {tmp_path}: it is a directory; "
        "name a file in it (see cryptotui --help)\n"
    )
