"""Value and P&L over time against a hand-computed replay, and the dialog's words parsed as
the command line parses them."""

from __future__ import annotations

import pytest

from cryptotui.portfolio.entry import parse_entry
from cryptotui.portfolio.history import ValuePoint, value_history
from cryptotui.portfolio.ledger import Transaction
from cryptotui.validators import Invalid


def test_value_history_by_hand():
    ledger = [
        Transaction(0, "BTC", "buy", 1.0, 100.0, "USDT"),
        Transaction(10, "BTC", "sell", 0.5, 150.0, "USDT"),
        Transaction(3, "XYZ", "buy", 5.0, 1.0, "EUR"),  # its quote has no rate: never priced
    ]
    closes = {"BTC": [(5, 120.0), (12, 200.0)]}
    assert value_history(ledger, closes, end=20, points=5) == [
        ValuePoint(0, 100.0, 0.0),  # the buy's own price
        ValuePoint(5, 120.0, 20.0),  # the candle closing at 5
        ValuePoint(10, 75.0, 50.0),  # the sale at 150 is newer than that candle: 25 realised
        ValuePoint(15, 100.0, 75.0),  # 0.5 at the close of 12
        ValuePoint(20, 100.0, 75.0),
    ]
    assert value_history([], closes, end=20) == []


def test_entry_words():
    entry = parse_entry("add btc 0.5 --price 61000 --fee 0.0005 --fee-asset bnb "
                        "--date 2024-03-01T09:30 --note 'dip buy'", "USDT")  # fmt: skip
    assert entry.trade == Transaction(
        1_709_285_400_000, "BTC", "buy", 0.5, 61_000.0, "USDT", 0.0005, "BNB", "dip buy"
    )
    assert parse_entry("sell ETH 1 --price 0.05 --quote BTC --date 2024-03-01", "USDT").trade == (
        Transaction(1_709_251_200_000, "ETH", "sell", 1.0, 0.05, "BTC", 0.0, "BTC")
    )
    assert parse_entry("remove 7", "USDT").remove == 7
    assert str(parse_entry("import ~/t.csv", "USDT").path).endswith("/t.csv")
    for line, words in (
        ("", "add|sell|remove|import"),
        ("add BTC", "required"),
        ("add BTC 1 --price x", "'x': use a number of 0 or more"),
        ("add BTC 1 --price 1 --quote BTC", "priced in itself"),
        ("remove seven", "whole number"),
        ("add BTC 1 --price 1 --note 'open", "quotation"),
        ("--help", "write e.g. add BTC"),
    ):
        with pytest.raises(Invalid, match=words):
            parse_entry(line, "USDT")
