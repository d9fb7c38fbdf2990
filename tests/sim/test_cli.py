"""`python -m cryptotui.sim` as a separate process: port line, scenarios, faults, clean exit."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from cryptotui.sim.__main__ import parse_fault, parse_scenario
from tests.sim.conftest import START

LINE = re.compile(r"listening on 127\.0\.0\.1:(\d+) rest=(\S+) ws=(\S+)")


def start(*args: str) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "cryptotui.sim", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # printed and flushed right after binding
    match = LINE.search(line)
    if match is None:
        proc.kill()
        pytest.fail(f"no port line: {line!r} {proc.communicate(timeout=5)}")
    assert match.group(2) == f"http://127.0.0.1:{match.group(1)}"
    return proc, int(match.group(1))


def stop(proc: subprocess.Popen[str], sig: int = signal.SIGINT) -> int:
    proc.send_signal(sig)
    try:
        return proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_prints_port_serves_and_exits_zero_on_sigint(tmp_path: Path) -> None:
    truth = tmp_path / "truth.json"
    proc, port = start(
        "--speed", "50", "--seed", "3", "--symbols", "BTCUSDT,ethusdt",
        "--start-time-ms", str(START), "--weight-limit", "100",
        "--ground-truth", str(truth),
        "--scenario", "whale_trade:BTCUSDT:5",
        "--scenario", "candle_formation:ETHUSDT:0:pattern=doji,interval=1m",
        "--fault", "rest_errors:500:1@0",
    )  # fmt: skip
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
            deadline = time.monotonic() + 5
            while http.get("/api/v3/ping").status_code == 500:  # the armed fault
                assert time.monotonic() < deadline
            info = http.get("/api/v3/exchangeInfo").json()
            assert [s["symbol"] for s in info["symbols"]] == ["BTCUSDT", "ETHUSDT"]
            assert info["rateLimits"][0]["limit"] == 100
            while http.get("/api/v3/time").json()["serverTime"] < START + 6_000:
                assert time.monotonic() < deadline
                time.sleep(0.05)
    finally:
        code = stop(proc)
    assert code == 0
    scenarios = json.loads(truth.read_text())["scenarios"]
    assert [s["scenario"] for s in scenarios] == ["whale_trade", "candle_formation"]
    assert scenarios[0]["start_ms"] == START + 5_000 and "agg_id" in scenarios[0]["details"]
    assert scenarios[1]["details"]["pattern"] == "doji"


def test_sigterm_also_exits_zero() -> None:
    proc, _ = start("--symbols", "DOGEUSDT")
    assert stop(proc, signal.SIGTERM) == 0


def test_refuses_a_non_loopback_host() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cryptotui.sim", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert result.returncode == 2 and "non-loopback" in result.stderr


def test_flag_parsers() -> None:
    assert parse_scenario("volume_spike:btcusdt:30:mult=8,interval=5m") == (
        "volume_spike",
        "BTCUSDT",
        30.0,
        {"mult": 8, "interval": "5m"},
    )
    assert parse_fault("rest_errors:429:3:30@5") == ("rest_errors", ["429", "3", "30"], 5.0)
    assert parse_fault("server_shutdown") == ("server_shutdown", [], 0.0)


def test_a_bad_symbol_is_named_alone(capsys) -> None:
    from cryptotui.sim.__main__ import build_parser

    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["--symbols", "BTCUSDT,FOO-BAR,ETHUSDT"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.splitlines()[-1]
    assert err.endswith("argument --symbols: 'FOO-BAR' is not a Binance symbol; use letters "
                        "and digits, like BTCUSDT")  # fmt: skip
    assert build_parser().parse_args(["--symbols", "btcusdt, ETHUSDT"]).symbols == (
        "BTCUSDT",
        "ETHUSDT",
    )
