"""`cryptotui ticker` and `cryptotui movers` against the simulator over real HTTP: tables, JSON,
exit codes; and they never import Textual."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest

from cryptotui.sim import SimExchange
from tests.ui.market import START_MS, UNIVERSE


@pytest.fixture
async def sim():
    async with SimExchange(symbols=UNIVERSE, seed=7, speed=0, start_time_ms=START_MS) as sim:
        yield sim


@pytest.fixture
def run(sim, run_cli, capsys, monkeypatch):
    """`await run("ticker", "BTCUSDT")` → (code, stdout, stderr), the command line talking to
    the simulator of this test's loop from a worker thread (the command runs its own loop)."""
    monkeypatch.setenv("COLUMNS", "120")

    async def go(*argv: str) -> tuple[int, str, str]:
        code = await asyncio.to_thread(run_cli, *argv, "--rest-url", sim.rest_url)
        out = capsys.readouterr()
        return code, out.out, out.err

    return go


async def test_ticker_table_json_and_unknown_symbol(run):
    code, out, _ = await run("ticker", "ethusdt", "BTCUSDT")
    assert code == 0
    lines = out.splitlines()
    assert "symbol" in lines[0] and "24h %" in lines[0]
    assert lines[1].startswith("ETHUSDT") and lines[2].startswith("BTCUSDT")
    assert "3,400.00" in lines[1]  # tick size 0.01 → two decimals
    code, out, _ = await run("ticker", "BTCUSDT", "--json")
    row = json.loads(out)
    assert code == 0 and row["symbol"] == "BTCUSDT" and row["last"] == 97000.0
    code, out, err = await run("ticker", "BTCUSDT", "NOPEUSDT")
    assert code == 2 and out == ""
    assert err.startswith("cryptotui: unknown symbol NOPEUSDT on http://127.0.0.1:")
    assert err.count("\n") == 1 and "BTCUSDT" not in err.split(";")[0]


async def test_movers_lists_and_breadth(run):
    code, out, _ = await run("movers", "--limit", "3")
    assert code == 0
    assert "breadth" in out and "USDT pairs" in out
    for title in ("Top gainers", "Top losers", "Volume leaders"):
        assert title in out
    code, out, _ = await run("movers", "--limit", "2", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["list"] for r in rows] == ["gainers"] * 2 + ["losers"] * 2 + ["volume"] * 2
    assert rows[0]["change_pct"] >= rows[1]["change_pct"]


async def test_a_ban_is_a_runtime_failure_exit_1(sim, run):
    sim.faults.rest_errors(418, 1, retry_after=60)
    code, out, err = await run("movers")
    assert code == 1 and out == ""
    assert err.startswith("cryptotui: Binance banned this IP") and err.count("\n") == 1


def test_demo_ticker_refuses_a_symbol_the_simulator_does_not_list(run_cli, capsys):
    assert run_cli("--demo", "ticker", "FOOBAR") == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # no invented price
    assert captured.err == (
        "cryptotui: unknown symbol FOOBAR on the simulated exchange; check the spelling "
        "(e.g. BTCUSDT)\n"
    )


def test_unreachable_exchange_exits_1(run_cli, capsys, monkeypatch):
    monkeypatch.setattr("cryptotui.binance.rest.RetryPolicy.delay", lambda self, attempt: 0.0)
    code = run_cli("ticker", "BTCUSDT", "--rest-url", "http://127.0.0.1:9")
    assert code == 1 and "kept failing" in capsys.readouterr().err


def test_one_shots_do_not_import_textual():
    probe = (
        "import sys\n"
        "from cryptotui.commands import build_parser, command\n"
        "build_parser(); command('ticker'); command('movers')\n"
        "print(any(m.startswith('textual') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
