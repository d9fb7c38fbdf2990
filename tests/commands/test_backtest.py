"""`cryptotui backtest` as a user runs it: CSV or stored candles, rules, formats, saving, errors."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from cryptotui.sim import SimExchange
from cryptotui.store.writer import Writer
from tests.stats.candles import SAW, sawtooth, walk

REQUIRED = ("name", "direction", "horizon", "n", "hits", "hit_rate", "wilson_low", "wilson_high",
            "baseline", "edge", "p_value", "q_value", "mean_return")  # fmt: skip


def write_csv(path: Path, candles) -> Path:
    lines = ["open_time,open,high,low,close,volume"]
    lines += [f"{c.open_time},{c.open},{c.high},{c.low},{c.close},{c.volume}" for c in candles]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def saw_csv(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "SAWUSDT-1h.csv", sawtooth(25))


@pytest.fixture
def rules_toml(tmp_path: Path) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text('rules = [{ name = "up100", when = "price crosses above 100" }]\n')
    return path


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_rules_over_a_csv_with_known_closes(saw_csv, rules_toml, tmp_path, run_cli) -> None:
    out = tmp_path / "rows.jsonl"
    code = run_cli("backtest", str(saw_csv), "--rules", str(rules_toml), "--detectors", "none",
                   "--horizons", "1,4", "--format", "jsonl", "-o", str(out),
                   "--min-n", "1")  # fmt: skip
    assert code == 0
    got = {(r["name"], r["horizon"]): r for r in rows(out)}
    assert set(got) == {("up100", 1), ("up100", 4)}
    one = got[("up100", 1)]
    assert set(REQUIRED) <= set(one)
    assert (one["direction"], one["n"], one["hits"], one["hit_rate"]) == ("bullish", 25, 25, 1.0)
    assert one["baseline"] == pytest.approx(50 / 99)
    assert one["p_value"] == pytest.approx((50 / 99) ** 25)
    assert one["mean_return"] == pytest.approx(SAW[2] / SAW[1] - 1)
    assert got[("up100", 4)]["hits"] == 0


def test_the_progress_bar_counts_the_stored_candles(tmp_path, run_cli, capsys, monkeypatch):
    """On a terminal, the bar's total is every stored candle of the range; it is drawn
    without a thread of its own, so the workers are forked."""
    from cryptotui.stats import backtest

    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich draws as on a terminal
    chosen: list[str] = []
    real = backtest.start_method
    monkeypatch.setattr(backtest, "start_method", lambda: chosen.append(real()) or chosen[-1])
    db = tmp_path / "store.db"
    writer = Writer(db)
    for i, symbol in enumerate(("AAAUSDT", "BBBUSDT")):
        writer.put_many(walk(1200, seed=i, symbol=symbol))
    writer.close()
    out = tmp_path / "rows.json"
    code = run_cli("backtest", "--symbols", "AAAUSDT,BBBUSDT", "--interval", "1h", "--db",
                   str(db), "--workers", "2", "--format", "json", "-o", str(out))  # fmt: skip
    assert code == 0
    err = capsys.readouterr().err
    assert "backtest 2 series" in err and "1200/2400" in err
    assert chosen == ["fork"]


def test_stored_candles_match_the_same_csv_in_any_process_count(tmp_path, run_cli) -> None:
    db = tmp_path / "store.db"
    series = {s: walk(1200, seed=i, symbol=s) for i, s in enumerate(("AAAUSDT", "BBBUSDT"))}
    writer = Writer(db)
    for candles in series.values():
        writer.put_many(candles)
    writer.close()
    outputs = []
    for workers in ("1", "2"):
        out = tmp_path / f"stored-{workers}.json"
        code = run_cli("backtest", "--symbols", "AAAUSDT,BBBUSDT", "--interval", "1h",
                       "--db", str(db), "--format", "json", "-o", str(out), "--folds", "3",
                       "--workers", workers, "--by-symbol", "--min-n", "5")  # fmt: skip
        assert code == 0
        outputs.append(json.loads(out.read_text()))
    assert outputs[0]["rows"] == outputs[1]["rows"]
    assert outputs[0]["meta"]["candles"] == 2400 and len(outputs[0]["meta"]["folds"]) == 3
    # The stored AAAUSDT rows are what the same candles give from a CSV.
    csv_out = tmp_path / "csv.json"
    csv = write_csv(tmp_path / "AAAUSDT.csv", series["AAAUSDT"])
    assert run_cli("backtest", str(csv), "--format", "json", "-o", str(csv_out), "--folds", "3",
                   "--by-symbol", "--min-n", "5") == 0  # fmt: skip
    from_csv = [r for r in json.loads(csv_out.read_text())["rows"]]
    stored = [r for r in outputs[0]["rows"] if r["symbol"] == "AAAUSDT"]
    key = lambda r: (r["name"], r["direction"], r["horizon"])  # noqa: E731
    assert {key(r): r["hits"] for r in stored} == {key(r): r["hits"] for r in from_csv}


def test_save_seeds_the_track_record_once(saw_csv, rules_toml, tmp_path, run_cli, capsys) -> None:
    db = tmp_path / "store.db"
    args = ("backtest", str(saw_csv), "--rules", str(rules_toml), "--detectors", "none",
            "--horizons", "1,4", "--format", "csv", "-o", str(tmp_path / "x.csv"),
            "--save", "--db", str(db))  # fmt: skip
    assert run_cli(*args) == 0
    assert "saved 25 signal(s) and 49 outcome(s)" in capsys.readouterr().err
    assert run_cli(*args) == 0  # again: nothing new
    assert "saved 0 signal(s) and 0 outcome(s)" in capsys.readouterr().err
    conn = sqlite3.connect(db)
    record = conn.execute(
        "SELECT name, horizon, n, hits FROM track_record ORDER BY horizon"
    ).fetchall()
    assert record == [("up100", 1, 25, 25), ("up100", 4, 24, 0)]


def test_table_and_plot(saw_csv, rules_toml, tmp_path, run_cli) -> None:
    out = tmp_path / "table.txt"
    code = run_cli("backtest", str(saw_csv), "--rules", str(rules_toml), "--min-n", "1",
                   "--plot", "-o", str(out))  # fmt: skip
    text = out.read_text()
    assert code == 0
    assert "up100" in text and "95 % interval" in text and "equity" in text
    assert "\x1b[" not in text  # a file gets no colour codes


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--detectors", "whale_trade"], "needs trades or tickers"),
        (["--detectors", "astrology"], "unknown detector astrology"),
        (["--patterns", "hammerr"], "unknown candlestick pattern"),
        (["--horizons", "0"], "--horizons"),
        (["--fee-bps", "-1"], "--fee-bps"),
        (["--symbols", "BTCUSDT"], "either INPUT or --symbols"),
        (["--rules", "missing.toml"], "cannot read rules file"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    argv, message, saw_csv, tmp_path, run_cli, capsys
) -> None:
    out = tmp_path / "never.jsonl"
    code = run_cli("backtest", str(saw_csv), *argv, "--format", "jsonl", "-o", str(out))
    err = capsys.readouterr().err
    assert code == 2
    # One line says what is wrong (argparse shows the usage above its own line).
    assert message in err.strip().splitlines()[-1], err
    assert "Traceback" not in err
    assert not out.exists()


def test_bad_rule_and_bad_rows_name_the_place(saw_csv, tmp_path, run_cli, capsys) -> None:
    bad_rule = tmp_path / "bad.toml"
    bad_rule.write_text('rules = [{ name = "x", when = "price crosses" }]\n')
    assert run_cli("backtest", str(saw_csv), "--rules", str(bad_rule)) == 2
    assert "bad.toml" in capsys.readouterr().err
    broken = tmp_path / "broken.csv"
    broken.write_text(saw_csv.read_text().replace(",101.0,", ",oops,", 1))
    assert run_cli("backtest", str(broken)) == 2
    err = capsys.readouterr().err
    assert "broken.csv" in err and "row" in err


def test_nothing_stored_and_no_input(tmp_path, run_cli, capsys) -> None:
    db = tmp_path / "store.db"
    Writer(db).close()
    assert run_cli("backtest", "--symbols", "NOPEUSDT", "--interval", "1h", "--db", str(db)) == 2
    assert "no stored NOPEUSDT 1h candles" in capsys.readouterr().err
    assert run_cli("backtest") == 2
    assert "name a candle CSV" in capsys.readouterr().err


def test_backfill_then_backtest(sim_thread: SimExchange, tmp_path, run_cli, capsys) -> None:
    db = tmp_path / "store.db"
    out = tmp_path / "rows.jsonl"
    code = run_cli("--rest-url", sim_thread.rest_url, "backtest", "--symbols", "BTCUSDT",
                   "--interval", "1h", "--days", "30", "--backfill", "--db", str(db),
                   "--format", "jsonl", "-o", str(out), "--min-n", "1")  # fmt: skip
    assert code == 0, capsys.readouterr().err
    stored = sqlite3.connect(db).execute("SELECT COUNT(*) FROM candles").fetchone()[0]
    assert stored >= 30 * 24 - 1
    assert rows(out) and all(set(REQUIRED) <= set(r) for r in rows(out))


def test_demo_ground_truth_report(tmp_path, run_cli) -> None:
    out = tmp_path / "truth.json"
    code = run_cli("backtest", "--demo", "--hours", "0.5", "--seed", "3", "--symbols", "BTCUSDT",
                   "--format", "json", "-o", str(out))  # fmt: skip
    assert code == 0
    report = json.loads(out.read_text())
    assert report["meta"] == {"hours": 0.5, "seed": 3, "symbols": ["BTCUSDT"]}
    assert report["rows"] and all("detector" in r for r in report["rows"])
