"""`cryptotui ticker` and `cryptotui movers` against the simulator over real HTTP: tables, JSON,
exit codes; and they never import Textual."""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys

import pytest

from cryptotui.sim import SimExchange
from cryptotui.ui.oneshot import SUBCOMMANDS
from tests.ui.market import START_MS, UNIVERSE


def parse(command: str, argv: list[str], rest_url: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rest-url")
    parser.add_argument("--config")
    parser.add_argument("--demo", action="store_true")
    SUBCOMMANDS[command].add_arguments(parser)
    return parser.parse_args(["--rest-url", rest_url, *argv])


@pytest.fixture
async def sim():
    async with SimExchange(symbols=UNIVERSE, seed=7, speed=0, start_time_ms=START_MS) as sim:
        yield sim


def run(command: str, argv: list[str], sim, capsys, monkeypatch) -> tuple[int, str, str]:
    monkeypatch.setenv("COLUMNS", "120")
    args = parse(command, argv, sim.rest_url)
    code = SUBCOMMANDS[command].run(args)
    out = capsys.readouterr()
    return code, out.out, out.err


async def test_ticker_table_json_and_unknown_symbol(sim, capsys, monkeypatch):
    code, out, _ = await asyncio.to_thread(
        run, "ticker", ["ethusdt", "BTCUSDT"], sim, capsys, monkeypatch
    )
    assert code == 0
    lines = out.splitlines()
    assert "symbol" in lines[0] and "24h %" in lines[0]
    assert lines[1].startswith("ETHUSDT") and lines[2].startswith("BTCUSDT")
    assert "3,400.00" in lines[1]  # tick size 0.01 → two decimals
    code, out, _ = await asyncio.to_thread(
        run, "ticker", ["BTCUSDT", "--json"], sim, capsys, monkeypatch
    )
    row = json.loads(out)
    assert code == 0 and row["symbol"] == "BTCUSDT" and row["last"] == 97000.0
    code, out, err = await asyncio.to_thread(run, "ticker", ["NOPEUSDT"], sim, capsys, monkeypatch)
    assert code == 2 and "NOPEUSDT" in err


async def test_movers_lists_and_breadth(sim, capsys, monkeypatch):
    code, out, _ = await asyncio.to_thread(
        run, "movers", ["--limit", "3"], sim, capsys, monkeypatch
    )
    assert code == 0
    assert "breadth" in out and "USDT pairs" in out
    for title in ("Top gainers", "Top losers", "Volume leaders"):
        assert title in out
    code, out, _ = await asyncio.to_thread(
        run, "movers", ["--limit", "2", "--json"], sim, capsys, monkeypatch
    )
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["list"] for r in rows] == ["gainers"] * 2 + ["losers"] * 2 + ["volume"] * 2
    assert rows[0]["change_pct"] >= rows[1]["change_pct"]


def test_unreachable_exchange_exits_1(capsys, monkeypatch):
    monkeypatch.setattr("cryptotui.binance.rest.RetryPolicy.delay", lambda self, attempt: 0.0)
    args = parse("ticker", ["BTCUSDT"], "http://127.0.0.1:9")
    code = SUBCOMMANDS["ticker"].run(args)
    assert code == 1 and "kept failing" in capsys.readouterr().err


def test_one_shots_do_not_import_textual():
    probe = (
        "import sys, cryptotui.ui.oneshot; print(any(m.startswith('textual') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
