"""`cryptotui --log` as a user runs it: a real process against the sim, stopped with SIGINT."""

from __future__ import annotations

import asyncio
import signal
import sys

from cryptotui.sim import SimExchange

T0 = 1_767_225_600_000


async def test_log_prints_closed_candles_and_exits_cleanly_on_sigint(tmp_path):
    empty = tmp_path / "config.toml"
    empty.write_text("")  # hermetic: no user config from the machine running the test
    async with SimExchange(
        symbols=["BTCUSDT", "ETHUSDT"], seed=2, speed=300, start_time_ms=T0
    ) as sim:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "cryptotui",
            "--log",
            "--config",
            str(empty),
            "--symbols",
            "BTCUSDT,ETHUSDT",
            "--intervals",
            "1m",
            "--rest-url",
            sim.rest_url,
            "--ws-url",
            sim.ws_url,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        lines: list[str] = []
        try:
            async with asyncio.timeout(20):
                while len(lines) < 6:
                    line = (await proc.stdout.readline()).decode()
                    assert line, (await proc.stderr.read()).decode()
                    lines.append(line)
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGINT)
            async with asyncio.timeout(10):
                rest_out, err = await proc.communicate()
        assert proc.returncode == 0, err.decode()
    lines += rest_out.decode().splitlines(keepends=True)
    btc = [ln.split() for ln in lines if " BTCUSDT 1m " in ln]
    assert btc and {ln.split()[1] for ln in lines} <= {"BTCUSDT", "ETHUSDT"}
    first = btc[0]
    assert first[0].endswith(":00Z") and first[3] == "O" and first[5] == "H"
    assert len(first[4].split(".")[1]) == 2  # BTCUSDT tick size 0.01 → 2 decimals
    times = [row[0] for row in btc]
    assert times == sorted(set(times))  # each closed candle once, in order
    stderr = err.decode()
    assert "streaming BTCUSDT, ETHUSDT 1m" in stderr and "stopped after" in stderr


async def test_broken_config_file_names_file_line_and_key(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[watchlist]\nsymbols = ["BTCUSDT"]\nintervals = ["2m"]\n')
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cryptotui",
        "--log",
        "--config",
        str(cfg),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(20):
        _, err = await proc.communicate()
    assert proc.returncode == 2
    message = err.decode().strip()
    assert message.count("\n") == 0, message
    assert "config.toml:3" in message and "watchlist.intervals" in message and "'2m'" in message
