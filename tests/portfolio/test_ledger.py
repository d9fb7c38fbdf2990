"""The accounting against cases computed by hand: FIFO across lots with partial sells, average
cost, fees in the quote, the traded asset and a third asset, a quote other than the reporting
currency, oversells, and the rows `holdings` shows."""

from __future__ import annotations

import pytest

from cryptotui.portfolio.ledger import (
    Oversold,
    Transaction,
    account,
    holdings,
    needed_rates,
)

H = 3_600_000


def buy(t, asset, qty, price, quote="USDT", fee=0.0, fee_asset=""):
    return Transaction(t * H, asset, "buy", qty, price, quote, fee, fee_asset or quote)


def sell(t, asset, qty, price, quote="USDT", fee=0.0, fee_asset=""):
    return Transaction(t * H, asset, "sell", qty, price, quote, fee, fee_asset or quote)


# Three BTC lots, then two sells: the first takes lot A and a quarter of lot B, the second the
# rest of B and half of C.
#   A: 1 @ 100 + 1 fee      → cost 101
#   B: 2 @ 120 + 2.4 fee    → cost 242.4
#   C: 1 @ 150              → cost 150
#   sell 1.5 @ 200, fee 3   → proceeds 297
#   sell 2 @ 90             → proceeds 180
LEDGER = [
    buy(1, "BTC", 1, 100, fee=1),
    buy(2, "BTC", 2, 120, fee=2.4),
    buy(3, "BTC", 1, 150),
    sell(4, "BTC", 1.5, 200, fee=3),
    sell(5, "BTC", 2, 90),
]


def test_fifo_across_lots_with_partial_sells():
    book = account(LEDGER, method="fifo")
    btc = book.positions["BTC"]
    # sell 1: A (101) + 0.5 of B (242.4 / 4 = 60.6) = 161.6 → 297 - 161.6 = 135.4
    # sell 2: 1.5 of B (181.8) + 0.5 of C (75) = 256.8 → 180 - 256.8 = -76.8
    assert btc.realized == pytest.approx(135.4 - 76.8)
    assert [(lot.quantity, lot.cost) for lot in btc.lots] == [
        (pytest.approx(0.5), pytest.approx(75.0))
    ]
    assert btc.quantity == pytest.approx(0.5)
    assert btc.avg_cost == pytest.approx(150.0)
    assert btc.fees == pytest.approx(1 + 2.4 + 3)


def test_fifo_after_each_sell():
    book = account(LEDGER[:4], method="fifo")
    btc = book.positions["BTC"]
    assert btc.realized == pytest.approx(135.4)
    assert [(round(lot.quantity, 9), round(lot.cost, 9)) for lot in btc.lots] == [
        (1.5, 181.8),
        (1.0, 150.0),
    ]


def test_average_cost():
    book = account(LEDGER, method="average")
    btc = book.positions["BTC"]
    # 4 BTC for 493.4: 123.35 each.
    # sell 1: 297 - 1.5 × 123.35 = 111.975; sell 2: 180 - 2 × 123.35 = -66.7
    assert btc.realized == pytest.approx(111.975 - 66.7)
    assert btc.quantity == pytest.approx(0.5)
    assert btc.cost_basis == pytest.approx(61.675)
    assert btc.avg_cost == pytest.approx(123.35)


def test_total_pnl_does_not_depend_on_the_method():
    # value + proceeds - everything paid = 0.5 × 160 + 477 - 493.4 = 63.6 either way
    for method in ("fifo", "average"):
        (row,) = holdings(account(LEDGER, method=method), {"BTC": 160.0})
        assert row.realized_pnl + row.unrealized_pnl == pytest.approx(63.6)
    (fifo,) = holdings(account(LEDGER, method="fifo"), {"BTC": 160.0})
    assert fifo.unrealized_pnl == pytest.approx(80 - 75)


def test_fee_in_the_bought_asset_reduces_the_quantity_not_the_cost():
    # 1 BTC bought for 100 with 0.001 BTC fee: 0.999 BTC costing 100 (100.1001… each);
    # sold at 110 with 0.1 USDT fee: 0.999 × 110 - 0.1 = 109.79 → realised 9.79.
    book = account([buy(1, "BTC", 1, 100, fee=0.001, fee_asset="BTC")])
    btc = book.positions["BTC"]
    assert btc.quantity == pytest.approx(0.999)
    assert btc.cost_basis == pytest.approx(100.0)
    assert btc.avg_cost == pytest.approx(100 / 0.999)
    book = account(
        [buy(1, "BTC", 1, 100, fee=0.001, fee_asset="BTC"), sell(2, "BTC", 0.999, 110, fee=0.1)]
    )
    btc = book.positions["BTC"]
    assert btc.realized == pytest.approx(9.79)
    assert btc.quantity == 0 and btc.lots == []
    assert btc.fees == pytest.approx(0.001 * 100 + 0.1)


def test_fee_in_the_sold_asset_leaves_with_its_cost():
    # 2 BTC at 100 each; sell 1 at 150 paying 0.01 BTC: 1.01 BTC leave (cost 101),
    # proceeds 150 → realised 49; 0.99 BTC left costing 99.
    book = account([buy(1, "BTC", 2, 100), sell(2, "BTC", 1, 150, fee=0.01, fee_asset="BTC")])
    btc = book.positions["BTC"]
    assert btc.realized == pytest.approx(49.0)
    assert btc.quantity == pytest.approx(0.99)
    assert btc.cost_basis == pytest.approx(99.0)


def test_fee_in_a_third_asset_at_its_price_then():
    # 2 ETH at 3000 + 0.01 BNB when BNB was 500 → cost 6005;
    # sell 1 at 3500 - 0.005 BNB when BNB was 600 (3) → 3497 - 3002.5 = 494.5.
    ledger = [
        buy(1, "ETH", 2, 3000, fee=0.01, fee_asset="BNB"),
        sell(2, "ETH", 1, 3500, fee=0.005, fee_asset="BNB"),
    ]
    bnb = {1 * H: 500.0, 2 * H: 600.0}
    assert needed_rates(ledger, "USDT") == {("BNB", 1 * H), ("BNB", 2 * H)}
    book = account(ledger, rate=lambda asset, t: bnb[t] if asset == "BNB" else None)
    eth = book.positions["ETH"]
    assert eth.realized == pytest.approx(494.5)
    assert eth.cost_basis == pytest.approx(3002.5)
    assert eth.fees == pytest.approx(5 + 3)
    assert "BNB" not in book.positions  # a fee paid in BNB is money spent, not a BNB trade
    assert book.unvalued == []


def test_quote_other_than_the_currency_is_valued_at_the_trade_time():
    # 10 ETH at 0.05 BTC when BTC was 60000 → cost 30000 (fee 0.01 ETH: 9.99 ETH held);
    # sell 5 at 0.06 BTC when BTC was 50000, fee 0.0003 BTC (15) → 15000 - 15 = 14985,
    # cost 5 / 9.99 × 30000.
    ledger = [
        buy(1, "ETH", 10, 0.05, quote="BTC", fee=0.01, fee_asset="ETH"),
        sell(2, "ETH", 5, 0.06, quote="BTC", fee=0.0003),
    ]
    btc = {1 * H: 60_000.0, 2 * H: 50_000.0}
    assert needed_rates(ledger, "USDT") == {("BTC", 1 * H), ("BTC", 2 * H)}
    book = account(ledger, rate=lambda asset, t: btc[t] if asset == "BTC" else None)
    eth = book.positions["ETH"]
    assert eth.realized == pytest.approx(14985 - 5 / 9.99 * 30000)
    assert eth.quantity == pytest.approx(4.99)
    assert eth.cost_basis == pytest.approx(4.99 / 9.99 * 30000)


def test_a_missing_rate_counts_as_zero_and_is_listed():
    ledger = [buy(1, "ETH", 1, 3000, fee=0.01, fee_asset="XYZ")]
    book = account(ledger)
    assert book.positions["ETH"].cost_basis == 3000.0
    assert book.unvalued == [(ledger[0], "XYZ")]


def test_selling_more_than_held_is_refused():
    with pytest.raises(Oversold) as caught:
        account([buy(1, "BTC", 1, 100), sell(2, "BTC", 1.5, 100)])
    assert caught.value.held == pytest.approx(1.0)
    assert "only 1 is held" in str(caught.value)
    with pytest.raises(Oversold):  # the sell comes before the buy
        account([sell(1, "BTC", 1, 100), buy(2, "BTC", 1, 100)])
    with pytest.raises(Oversold):  # its fee in BTC makes it more than held
        account([buy(1, "BTC", 1, 100), sell(2, "BTC", 1, 100, fee=0.001, fee_asset="BTC")])


def test_float_sums_are_not_an_oversell():
    ledger = [buy(1, "BTC", 0.1, 100), buy(2, "BTC", 0.2, 100), sell(3, "BTC", 0.3, 100)]
    for method in ("fifo", "average"):
        btc = account(ledger, method=method).positions["BTC"]
        assert btc.quantity == 0 and btc.lots == []


def test_a_buy_and_a_sell_in_the_same_second_buy_first():
    book = account([sell(1, "BTC", 1, 110), buy(1, "BTC", 1, 100)])
    assert book.positions["BTC"].realized == pytest.approx(10.0)


def test_holdings_rows():
    ledger = [
        buy(1, "BTC", 1, 100),
        buy(1, "ETH", 10, 10),
        buy(2, "SOL", 5, 20),
        sell(3, "SOL", 5, 30),
        buy(4, "XYZ", 100, 1),
    ]
    rows = holdings(account(ledger), {"BTC": 300.0, "ETH": 10.0, "XYZ": None})
    assert [r.asset for r in rows] == ["BTC", "ETH", "XYZ", "SOL"]  # by value, closed last
    btc, eth, xyz, sol = rows
    assert (btc.value, btc.unrealized_pnl, btc.share) == (300.0, 200.0, 0.75)
    assert (eth.value, eth.unrealized_pnl, eth.share) == (100.0, 0.0, 0.25)
    assert (xyz.price, xyz.value, xyz.share, xyz.cost_basis) == (None, None, None, 100.0)
    assert (sol.quantity, sol.cost_basis, sol.avg_cost, sol.realized_pnl) == (0, 0, None, 50.0)
    assert set(btc.record()) == {
        "asset", "quantity", "cost_basis", "avg_cost", "price", "value", "unrealized_pnl",
        "realized_pnl", "share",
    }  # fmt: skip


def test_bad_transactions_are_refused():
    for bad in (
        dict(side="hold"),
        dict(quantity=0.0),
        dict(price=-1.0),
        dict(fee=-1.0),
        dict(quote="BTC"),
        dict(fee=1.0, fee_asset="BTC"),
    ):
        fields = dict(time=0, asset="BTC", side="buy", quantity=1.0, price=1.0, quote="USDT")
        with pytest.raises(ValueError):
            Transaction(**(fields | bad))
    with pytest.raises(ValueError, match="fifo or average"):
        account([], method="lifo")
