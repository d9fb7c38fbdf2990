"""`cryptotui record` against the simulator, with a dropped connection mid-recording, then
`cryptotui --replay`: the alerts JSONL of every replay equals the one the live run printed."""

from __future__ import annotations

import gzip
import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from cryptotui.commands import main
from cryptotui.replay.recording import Answer, Closed, Frame, Opened, Recording
from tests.commands.conftest import threaded_sim
from tests.conftest import until

T0 = 1_767_225_600_000
CONFIG = """\
[alerts]
min_confidence = 0.0
cooldown_seconds = 0
rules = [
  { name = "rsi-50", when = "rsi_14 crosses 50", frequency = "once_per_bar_close", cooldown = 0 },
  { name = "big-trade", when = "whale >= 5000", cooldown = 0 },
]
"""
"""Detectors alert at any confidence without cooldown, beside a rule on indicators and one on
trades: hundreds of alerts whose scores read other series (trend, breadth, track record), so
any event out of order in a replay changes the output."""


class Recorded:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.config = root / "config.toml"
        self.file = root / "market.jsonl.gz"
        self.alerts = root / "live.jsonl"

    def run(self, *argv: str) -> int:
        return main(["--config", str(self.config), *argv])

    def replay(self, path: Path, speed: str, out: Path) -> int:
        return self.run(
            "--replay", str(path), "--log", "--speed", speed, "--format", "jsonl",
            "--output", str(out),
        )  # fmt: skip


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    rec = Recorded(tmp_path_factory.mktemp("record"))
    rec.config.write_text(CONFIG)
    symbols = ["BTCUSDT", "ETHUSDT"]
    with threaded_sim(symbols=symbols, seed=5, speed=60, start_time_ms=T0) as sim:
        done = threading.Event()
        conductor = threading.Thread(target=_cut_then_stop, args=(sim, done), daemon=True)
        conductor.start()
        code = rec.run(
            "record", str(rec.file), "--rest-url", sim.rest_url, "--ws-url", sim.ws_url,
            "--symbols", ",".join(symbols), "--intervals", "1s,1m", "--duration", "30s",
            "--format", "jsonl", "--output", str(rec.alerts),
        )  # fmt: skip
        done.set()
        conductor.join(5)
    assert code == 0
    return rec


def _cut_then_stop(sim, done: threading.Event) -> None:
    """Cut the connection half a second into streaming (the client reconnects within 0.5 s,
    missing ~20 1s candles and some trades, which it fetches from REST), then stop the
    recording like Ctrl-C a second after the reconnect."""
    deadline = time.monotonic() + 20
    while sim.connections_accepted < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.5)
    sim.faults.drop_after(0)
    while sim.connections_accepted < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    if not done.wait(1.0):  # still recording: stop it
        os.kill(os.getpid(), signal.SIGINT)


def test_the_recording_holds_the_reconnect_and_its_gap_fill(recorded: Recorded) -> None:
    recording = Recording(recorded.file)
    assert recording.header.symbols == ["BTCUSDT", "ETHUSDT"]
    assert recording.header.intervals == ["1s", "1m"] and recording.header.version == 1
    lines = list(recording.lines())
    opens = [i for i, line in enumerate(lines) if isinstance(line, Opened)]
    closes = [i for i, line in enumerate(lines) if isinstance(line, Closed)]
    assert len(opens) >= 2 and closes[0] < opens[1], "no reconnect inside the recording"
    fills = [
        line for line in lines[opens[1] :]
        if isinstance(line, Answer) and line.path == "klines" and dict(line.params).get("startTime")
    ]  # fmt: skip
    assert fills, "the reconnect's gap was not filled from REST"
    warm_up = {line.path for line in lines[: opens[0]] if isinstance(line, Answer)}
    assert {"exchangeInfo", "time", "klines", "aggTrades", "ticker/24hr"} <= warm_up
    alerts = recorded.alerts.read_text().splitlines()
    assert len(alerts) > 100
    gap_start = int(dict(fills[0].params)["startTime"])  # exchange time
    assert any(json.loads(a)["time"] >= gap_start for a in alerts), "nothing after the gap"


@pytest.mark.parametrize("speed", ["0", "5"])
def test_a_replay_prints_the_alerts_of_the_live_run(
    recorded: Recorded, speed: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "replayed.jsonl"
    assert recorded.replay(recorded.file, speed, out) == 0
    assert out.read_text() == recorded.alerts.read_text()
    err = capsys.readouterr().err
    assert "on REPLAY" in err and "gap-fill" in err and "replay finished" in err


def test_a_replay_is_not_judged_by_the_wall_clock_watchdog(
    recorded: Recorded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A stall watchdog of a fraction of a millisecond fires at every pause of a busy machine
    (a TUI repainting, a loaded CI): a replay must not let it close the recorded connection
    and fetch candles out of the recording's order (the TUI replay lost its alerts that way)."""
    cfg = tmp_path / "config.toml"
    cfg.write_text(CONFIG + "[stream]\nstall_factor = 0.0001\n")
    out = tmp_path / "replayed.jsonl"
    argv = ["--replay", str(recorded.file), "--log", "--speed", "0", "--format", "jsonl"]
    assert main(["--config", str(cfg), *argv, "--output", str(out)]) == 0
    assert out.read_text() == recorded.alerts.read_text()
    assert "stalled" not in capsys.readouterr().err


def test_a_truncated_recording_replays_up_to_the_damage_and_names_the_line(
    recorded: Recorded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = gzip.decompress(recorded.file.read_bytes()).splitlines(keepends=True)
    cut = len(lines) * 2 // 3
    damaged = tmp_path / "cut.jsonl"
    damaged.write_bytes(b"".join(lines[: cut - 1]) + lines[cut - 1][:40])  # cut mid-line
    out = tmp_path / "replayed.jsonl"
    assert recorded.replay(damaged, "0", out) == 2
    err = capsys.readouterr().err
    assert f"replay stopped at {damaged}:{cut}: line cut short" in err
    replayed = out.read_text().splitlines()
    live = recorded.alerts.read_text().splitlines()
    assert 0 < len(replayed) < len(live) and replayed == live[: len(replayed)]


def test_a_recording_of_a_newer_format_is_refused_in_one_line(
    recorded: Recorded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, rest = gzip.decompress(recorded.file.read_bytes()).split(b"\n", 1)
    header = json.loads(first)
    header["version"] = 99
    newer = tmp_path / "newer.jsonl"
    newer.write_bytes(json.dumps(header).encode() + b"\n" + rest)
    assert recorded.replay(newer, "0", tmp_path / "out.jsonl") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "format version 99 is newer" in err
    assert not (tmp_path / "out.jsonl").exists()


def test_what_the_recording_decides_is_not_asked_for_twice(
    recorded: Recorded, capsys: pytest.CaptureFixture[str]
) -> None:
    assert recorded.run("--replay", str(recorded.file), "--demo", "--log") == 2
    assert capsys.readouterr().err == "cryptotui: --replay plays a recording; leave out --demo\n"
    assert recorded.run("--replay", str(recorded.file), "--symbols", "BTCUSDT", "--log") == 2
    assert "leave out --symbols and --intervals" in capsys.readouterr().err


def test_backtest_runs_on_the_recorded_candles(
    recorded: Recorded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.json"
    code = recorded.run(
        "backtest", "--replay", str(recorded.file), "--interval", "1s", "--min-n", "1",
        "--workers", "1", "--format", "json", "--output", str(out),
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    meta = json.loads(out.read_text())["meta"]
    assert meta["series"] == ["BTCUSDT 1s", "ETHUSDT 1s"]
    assert meta["candles"] > 150  # warm-up pages, closed frames and the gap-fill, merged


def test_the_tui_replays_the_same_alerts(recorded: Recorded, monkeypatch) -> None:
    from tests.ui.test_launch import drive

    seen: dict = {}

    async def session(app, pilot) -> None:
        await until(
            lambda: any(n.kind == "replay" for n in app.state.notices), timeout=30, what="the end"
        )
        seen["alerts"] = [json.dumps(a.to_json()) for a in app.state.alerts]
        seen["store"] = app.store.path
        seen["label"] = app.source_label

    drive(monkeypatch, session)
    assert recorded.run("--replay", str(recorded.file), "--speed", "0") == 0
    live = [json.dumps(json.loads(line)) for line in recorded.alerts.read_text().splitlines()]
    assert seen["alerts"] and seen["alerts"] == live[-len(seen["alerts"]) :]
    assert seen["label"] == "REPLAY" and seen["store"].name == "demo.db"  # a throwaway one


def test_record_demo_for_a_duration_with_the_stream_kinds_asked(
    tmp_path: Path, run_cli, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "demo.jsonl"
    started = time.monotonic()
    code = run_cli(
        "record", str(path), "--demo", "--speed", "60", "--symbols", "BTCUSDT",
        "--intervals", "1m", "--streams", "kline,bookTicker", "--duration", "4s",
    )  # fmt: skip
    assert code == 0 and time.monotonic() - started < 15
    assert f"REST answers to {path}" in capsys.readouterr().err
    recording = Recording(path)
    assert recording.header.source == "SIMULATED"
    assert recording.header.streams == ["kline", "bookTicker"]
    lines = list(recording.lines())
    url = next(line.url for line in lines if isinstance(line, Opened))
    streams = set(url.partition("streams=")[2].split("/"))
    assert streams == {"btcusdt@kline_1m", "btcusdt@bookTicker", "btcusdt@ticker"}
    assert any(isinstance(line, Frame) and "bookTicker" in line.raw for line in lines)
