"""The command line as a whole: global options anywhere, every command's help, exit codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cryptotui.commands import COMMANDS, build_parser, main
from cryptotui.sim import SimExchange

GLOBAL = ["--config", "--rest-url", "--ws-url", "--db", "--demo", "--seed", "--speed", "-v"]


def help_text(argv: list[str], capsys) -> str:
    assert main([*argv, "--help"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_shows_the_global_options_and_exit_codes(name: str, capsys) -> None:
    text = help_text([name], capsys)
    for option in GLOBAL:
        assert re.search(rf"^\s+{option}\b", text, re.M), (name, option)
    assert "exit codes: 0 done; 1 runtime failure" in text


def test_main_help_documents_exit_codes_and_what_log_prints(capsys) -> None:
    text = help_text([], capsys)
    assert "130 interrupted" in text and "2 bad input" in text
    example = text.split("cryptotui --log --symbols BTCUSDT,ETHUSDT --intervals 1m,5m\n")[1]
    said = example.splitlines()[:2]  # it prints alerts only, candles only with --candles
    assert [line.strip() for line in said] == [
        "headless: one line per alert on stdout",
        "(add --candles for a line per closed candle too)",
    ]


def test_global_options_parse_before_or_after_the_command(tmp_path: Path) -> None:
    values = [
        "--config", str(tmp_path / "c.toml"), "--rest-url", "http://127.0.0.1:1/",
        "--ws-url", "ws://127.0.0.1:2", "--db", str(tmp_path / "x.db"), "--demo",
        "--seed", "3", "--speed", "2.5", "-v",
    ]  # fmt: skip
    expected = {
        "config": tmp_path / "c.toml",
        "rest_url": "http://127.0.0.1:1",
        "ws_url": "ws://127.0.0.1:2",
        "db": tmp_path / "x.db",
        "demo": True,
        "seed": 3,
        "speed": 2.5,
        "verbose": True,
    }
    parser = build_parser()
    for argv in (
        [*values, "backfill", "BTCUSDT"],
        ["backfill", "BTCUSDT", *values],
        ["history", *values],
    ):
        args = vars(parser.parse_args(argv))
        assert {key: args[key] for key in expected} == expected, argv
    # Given before the command and not after it: the command's parser leaves it alone.
    args = parser.parse_args(["--seed", "9", "ticker", "BTCUSDT", "--speed", "4"])
    assert (args.seed, args.speed, args.demo) == (9, 4.0, False)


def test_rest_url_after_the_command(sim_thread: SimExchange, tmp_path: Path, run_cli, capsys):
    db = tmp_path / "store.db"
    code = run_cli("backfill", "BTCUSDT", "--interval", "1h", "--days", "1",
                   "--rest-url", sim_thread.rest_url, "--db", str(db))  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert re.search(r"BTCUSDT 1h: (\d+)/\1 candles stored", capsys.readouterr().out)


def test_a_config_error_is_one_line_exit_2(tmp_path: Path, run_cli, capsys) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[demo]\nspeed = -1\n")
    for argv in (["config", "validate"], ["history"], ["ticker", "BTCUSDT"]):
        assert run_cli(*argv, "--config", str(bad)) == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "demo.speed" in err


def test_config_path_is_the_file_settings_are_read_from(tmp_path, capsys, monkeypatch) -> None:
    """The file `--config`, else CRYPTOTUI_CONFIG, names (it printed the default location even
    when the variable named another file, where the Rules view saves)."""
    named = tmp_path / "named.toml"
    monkeypatch.setenv("CRYPTOTUI_CONFIG", str(named))
    assert main(["config", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(named)
    assert main(["config", "path", "--config", str(tmp_path / "flag.toml")]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "flag.toml")


def test_a_url_with_an_empty_port_is_refused(run_cli, capsys, monkeypatch) -> None:
    """`http://127.0.0.1:` used to be taken as port 80."""
    assert run_cli("ticker", "BTCUSDT", "--rest-url", "http://127.0.0.1:") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the port must be a number from 1 to 65535" in err
    monkeypatch.setenv("CRYPTOTUI_EXCHANGE_REST_URL", "http://127.0.0.1:")
    assert run_cli("ticker", "BTCUSDT") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "exchange.rest_url" in err and "port" in err
