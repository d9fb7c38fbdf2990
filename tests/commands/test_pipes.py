"""A reader that closes the pipe early (`cryptotui history | head -3`) ends every command
quietly with exit 141: no BrokenPipeError, no traceback, nothing on stderr."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cryptotui.sim import SimExchange
from cryptotui.store.writer import Writer
from tests.store.helpers import candle, signal
from tests.ui.market import START_MS, UNIVERSE


@contextlib.contextmanager
def closed_stdout() -> Iterator[None]:
    """stdout is a pipe whose reader has already gone: the first write fails with EPIPE.
    (Entered inside the test: pytest's capture sets sys.stdout again when the test starts.)"""
    read, write = os.pipe()
    os.close(read)
    saved = sys.stdout
    sys.stdout = out = open(write, "w", encoding="utf-8")  # noqa: SIM115  (closed below)
    try:
        yield
    finally:
        sys.stdout = saved
        with contextlib.suppress(BrokenPipeError):
            out.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "store.db"
    writer = Writer(path)
    writer.put_many(candle("BTCUSDT", "1m", i) for i in range(50))
    writer.put_many(signal(i) for i in range(50))
    assert writer.close() == 0
    return path


@pytest.mark.parametrize(
    "argv",
    [
        ["history", "--format", "csv"],
        ["history", "--format", "jsonl"],
        ["history"],
        ["db", "stats"],
    ],
    ids=["csv", "jsonl", "table", "db-stats"],
)
def test_store_commands(argv, db: Path, run_cli, capsys) -> None:
    with closed_stdout():
        assert run_cli(*argv, "--db", str(db)) == 141
    assert capsys.readouterr().err == ""


def test_analyze(tmp_path: Path, run_cli, capsys) -> None:
    source = tmp_path / "c.csv"
    source.write_text("open_time,open,high,low,close,volume\n0,1,2,0.5,1.5,3\n")
    with closed_stdout():
        assert run_cli("analyze", str(source), "--indicators", "sma:2") == 141
    assert capsys.readouterr().err == ""


async def test_movers_json(run_cli, capsys) -> None:
    async with SimExchange(symbols=UNIVERSE, seed=7, speed=0, start_time_ms=START_MS) as sim:
        with closed_stdout():
            code = await asyncio.to_thread(run_cli, "movers", "--json", "--rest-url", sim.rest_url)
    assert code == 141
    assert capsys.readouterr().err == ""


async def test_log_stops_when_its_reader_goes_away(tmp_path: Path) -> None:
    """`cryptotui --log | head -1`: the daemon ends with 141 instead of taking the closed pipe
    for a network fault and reconnecting forever."""
    config = tmp_path / "config.toml"
    config.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRYPTOTUI_")}
    env["CRYPTOTUI_DEMO_SPEED"] = "120"
    read, write = os.pipe()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cryptotui", "--demo", "--log", "--candles", "--config", str(config),
        "--symbols", "BTCUSDT", "--intervals", "1m",
        stdout=write, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    os.close(write)
    assert proc.stderr is not None
    try:
        async with asyncio.timeout(60):
            with os.fdopen(read, "rb") as reader:  # what `head -1` does: one line, then gone
                first = await asyncio.to_thread(reader.readline)
            assert b" BTCUSDT 1m O " in first
            err = (await proc.stderr.read()).decode()
            await proc.wait()
    finally:
        if proc.returncode is None:
            proc.kill()
    assert proc.returncode == 141, err
    assert "Traceback" not in err and "reconnecting" not in err, err
