"""`cryptotui holdings`: recording trades, importing files all-or-nothing and only once, and
the valuation against the simulator over real HTTP (prices now, a BNB fee at its trade time
from fetched klines or from the store's candles)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cryptotui.models import Candle
from cryptotui.store.writer import Writer
from tests.commands.conftest import threaded_sim
from tests.ui.market import START_MS

KEYS = [
    "asset", "quantity", "cost_basis", "avg_cost", "price", "value", "unrealized_pnl",
    "realized_pnl", "share",
]  # fmt: skip
TRADE_MS = START_MS - 2 * 3_600_000 + 17_000  # inside the simulator's minute history
TRADE_TIME = "2025-12-31T22:00:17Z"
MINUTE = 60_000


@pytest.fixture(scope="module")
def sim():
    with threaded_sim(
        symbols=["BTCUSDT", "ETHUSDT", "BNBUSDT"], seed=7, speed=0, start_time_ms=START_MS
    ) as sim:
        yield sim


@pytest.fixture
def cli(run_cli, capsys, tmp_path):
    """`cli("holdings", ...)` → (code, stdout, stderr) on this test's database."""
    db = str(tmp_path / "h.db")

    def go(*argv: str) -> tuple[int, str, str]:
        code = run_cli(*argv, "--db", db)
        out = capsys.readouterr()
        return code, out.out, out.err

    go.db = Path(db)  # type: ignore[attr-defined]
    return go


def rows(out: str) -> dict[str, dict]:
    return {r["asset"]: r for r in map(json.loads, out.splitlines())}


def last(sim, symbol: str) -> float:
    return sim.market.sims[symbol].last_price


def close_at(sim, symbol: str, time: int) -> float:
    (row,) = sim.market.klines(symbol, "1m", start=time - time % MINUTE, limit=1)
    return float(row[4])


def test_json_keys_and_values_against_the_simulator(sim, cli):
    assert cli("holdings", "add", "BTC", "0.5", "--price", "61000", "--fee", "0.0005",
               "--fee-asset", "BNB", "--date", TRADE_TIME)[0] == 0  # fmt: skip
    assert cli("holdings", "add", "eth", "2", "--price", "3000", "--fee", "3", "--date",
               "2025-12-31T20:00")[0] == 0  # fmt: skip
    code, out, _ = cli("holdings", "sell", "ETH", "0.5", "--price", "3500", "--fee", "1",
                       "--date", "2025-12-31T21:00")  # fmt: skip
    assert code == 0 and out.startswith("#3 sell 0.5 ETH at 3,500.00 USDT on 2025-12-31T21:00")
    code, out, err = cli("holdings", "--json", "--rest-url", sim.rest_url)
    assert code == 0, err
    assert [list(r) for r in map(json.loads, out.splitlines())] == [KEYS, KEYS]
    found = rows(out)
    btc, eth = found["BTC"], found["ETH"]
    bnb = close_at(sim, "BNBUSDT", TRADE_MS)
    assert btc["quantity"] == 0.5
    assert btc["cost_basis"] == pytest.approx(30_500 + 0.0005 * bnb)
    assert btc["avg_cost"] == pytest.approx(61_000 + 0.001 * bnb)
    assert btc["price"] == pytest.approx(last(sim, "BTCUSDT"), rel=1e-6)
    assert btc["value"] == pytest.approx(0.5 * btc["price"])
    assert btc["unrealized_pnl"] == pytest.approx(btc["value"] - btc["cost_basis"])
    assert btc["realized_pnl"] == 0
    # ETH: 2 for 6003; 0.5 sold for 1750 - 1 against 0.5 × 3001.5 → realised 248.25
    assert eth["quantity"] == 1.5
    assert eth["cost_basis"] == pytest.approx(4502.25)
    assert eth["realized_pnl"] == pytest.approx(248.25)
    assert eth["value"] == pytest.approx(1.5 * last(sim, "ETHUSDT"), rel=1e-6)
    assert btc["share"] + eth["share"] == pytest.approx(1.0)
    assert btc["share"] == pytest.approx(btc["value"] / (btc["value"] + eth["value"]), abs=1e-6)

    code, out, _ = cli("holdings", "--rest-url", sim.rest_url)  # the table
    assert code == 0 and "Holdings in USDT (fifo)" in out
    assert [line.split()[0] for line in out.splitlines()[2:5]] == ["BTC", "ETH", "total"]


def test_a_stored_candle_prices_the_fee_before_the_exchange(sim, cli):
    minute = TRADE_MS - TRADE_MS % MINUTE
    writer = Writer(cli.db)
    writer.put(Candle("BNBUSDT", "1m", minute, minute + MINUTE - 1, 123.0, 123.0, 123.0, 123.0, 1))
    assert writer.close() == 0
    cli("holdings", "add", "BTC", "1", "--price", "100", "--fee", "2", "--fee-asset", "BNB",
        "--date", TRADE_TIME)  # fmt: skip
    code, out, _ = cli("holdings", "--json", "--rest-url", sim.rest_url)
    assert code == 0 and rows(out)["BTC"]["cost_basis"] == pytest.approx(100 + 2 * 123.0)


def test_average_cost_and_another_currency(sim, cli):
    for argv in (
        ("add", "ETH", "1", "--price", "0.03", "--quote", "BTC", "--date", TRADE_TIME),
        ("add", "ETH", "1", "--price", "3000", "--date", "2025-12-31T23:00"),
        ("sell", "ETH", "1", "--price", "3300", "--date", "2025-12-31T23:30"),
    ):
        assert cli("holdings", *argv)[0] == 0
    btc_then = close_at(sim, "BTCUSDT", TRADE_MS)
    first = 0.03 * btc_then  # the ETHBTC buy, valued in USDT at its time
    code, out, _ = cli("holdings", "--json", "--method", "average", "--rest-url", sim.rest_url)
    eth = rows(out)["ETH"]
    assert code == 0
    assert eth["realized_pnl"] == pytest.approx(3300 - (first + 3000) / 2)
    _, out, _ = cli("holdings", "--json", "--method", "fifo", "--rest-url", sim.rest_url)
    assert rows(out)["ETH"]["realized_pnl"] == pytest.approx(3300 - first)
    _, out, _ = cli("holdings", "--json", "--currency", "BTC", "--rest-url", sim.rest_url)
    eth = rows(out)["ETH"]  # no ETHBTC market in this simulator: no price, still a cost
    assert eth["price"] is None and eth["value"] is None and eth["share"] is None


def test_demo_prices(cli):
    cli("holdings", "add", "BTC", "0.1", "--price", "50000")
    code, out, err = cli("holdings", "--json", "--demo")
    assert code == 0, err
    assert rows(out)["BTC"]["price"] > 0


def test_edits_that_would_break_the_ledger_are_refused(cli):
    assert cli("holdings", "add", "BTC", "1", "--price", "100", "--date", "2025-01-01")[0] == 0
    assert cli("holdings", "sell", "BTC", "0.6", "--price", "120", "--date", "2025-02-01")[0] == 0
    code, _, err = cli("holdings", "sell", "BTC", "0.5", "--price", "130", "--date", "2025-03-01")
    assert code == 2 and "sells 0.5 BTC but only 0.4 is held then" in err
    code, _, err = cli("holdings", "sell", "BTC", "0.1", "--price", "130", "--date", "2024-12-01")
    assert code == 2 and "only 0 is held" in err
    code, _, err = cli("holdings", "remove", "1")
    assert code == 2 and err.count("\n") == 1
    assert "cannot remove #1: then #2 on 2025-02-01T00:00:00Z sells 0.6 BTC" in err
    code, _, err = cli("holdings", "remove", "7")
    assert code == 2 and "no trade #7" in err
    assert cli("holdings", "remove", "2") == (0, "removed #2 sell 0.6 BTC at 120.00 USDT on "
                                              "2025-02-01T00:00:00Z\n", "")  # fmt: skip
    code, _, err = cli("holdings", "add", "BTC", "1", "--price", "1", "--quote", "BTC")
    assert code == 2 and "priced in itself" in err
    code, _, err = cli("holdings", "add", "BTC", "-1", "--price", "1")
    assert code == 2
    code, out, _ = cli("holdings", "list", "--json")
    assert [json.loads(line)["id"] for line in out.splitlines()] == [1]


BINANCE = """\
Date(UTC),Pair,Side,Price,Executed,Amount,Fee
2025-03-02 10:00:00,BTCUSDT,SELL,"65,000.00",0.2BTC,"13,000.00USDT",13USDT
2025-03-01 09:30:00,BTCUSDT,BUY,"61,000.00",0.5BTC,"30,500.00USDT",0.0005BNB
2025-03-01 09:30:00,ETHUSDT,BUY,"3,000.00",1ETH,"3,000.00USDT",0.001ETH
"""


def test_import_is_all_or_nothing_and_only_once(cli, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(BINANCE.replace('"3,000.00",1ETH', '"3,0O0.00",1ETH'))
    code, out, err = cli("holdings", "import", str(bad))
    assert code == 2 and out == ""
    assert err == (
        f"cryptotui: {bad} line 4, column Price: '3,0O0.00' is not a number of 0 or more, "
        "like 0.5 or 61,000.00; fix it and import again (nothing was imported)\n"
    )
    assert cli("holdings", "list", "--json")[1] == ""

    short = tmp_path / "short.csv"  # sells before anything was bought
    short.write_text(BINANCE.replace("0.2BTC", "0.6BTC").replace("13,000.00USDT", "39,000USDT"))
    code, _, err = cli("holdings", "import", str(short))
    assert code == 2 and f"{short} line 2, column Executed: on 2025-03-02" in err
    assert "sells 0.6 BTC but only 0.5 is held then" in err and "nothing was imported" in err
    assert cli("holdings", "list", "--json")[1] == ""

    good = tmp_path / "trades.csv"
    good.write_text(BINANCE)
    code, out, _ = cli("holdings", "import", str(good))
    assert (code, out) == (0, f"imported 3 trades from {good} (Binance trade history)\n")
    before = cli("holdings", "list", "--json")[1]
    assert len(before.splitlines()) == 3
    code, out, _ = cli("holdings", "import", str(good))
    assert (code, out) == (0, f"nothing new in {good}: 3 trades, all imported already\n")
    assert cli("holdings", "list", "--json")[1] == before

    plain = tmp_path / "more.csv"  # one trade already imported from Binance's file, one new
    plain.write_text(
        "time,symbol,side,quantity,price,fee,fee_asset,note\n"
        "2025-03-01 09:30:00,BTCUSDT,buy,0.5,61000,0.0005,BNB,\n"
        "2025-03-03T00:00:00Z,ETH/USDT,sell,0.5,3100,,,took profit\n"
    )
    code, out, _ = cli("holdings", "import", str(plain))
    assert out == f"imported 1 trade from {plain} (plain CSV); 1 trade imported already\n"
    listed = [json.loads(line) for line in cli("holdings", "list", "--json")[1].splitlines()]
    assert (listed[-1]["asset"], listed[-1]["side"], listed[-1]["note"]) == (
        "ETH", "sell", "took profit"
    )  # fmt: skip


def test_import_file_problems(cli, tmp_path):
    code, _, err = cli("holdings", "import", str(tmp_path / "missing.csv"))
    assert code == 2 and "cannot read" in err
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"time,symbol\n\xe9\n")
    code, _, err = cli("holdings", "import", str(latin))
    assert code == 2 and "not UTF-8" in err


def test_nothing_recorded_yet(cli):
    assert cli("holdings") == (
        0, "no trades yet; add one with `cryptotui holdings add BTC 0.5 --price 61000`\n", ""
    )  # fmt: skip
    assert cli("holdings", "--json") == (0, "", "")


def test_the_configured_currency_is_the_default_quote(cli, monkeypatch):
    monkeypatch.setenv("CRYPTOTUI_PORTFOLIO_CURRENCY", "eur")
    code, out, _ = cli("holdings", "add", "BTC", "1", "--price", "50000", "--date", "2025-01-01")
    assert (code, out) == (0, "#1 buy 1 BTC at 50,000.00 EUR on 2025-01-01T00:00:00Z\n")
