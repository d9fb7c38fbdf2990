"""Reading trade files: Binance's spot trade-history export (thousands separators, assets
glued to the amounts, pairs like 1INCHUSDT and ETHBTC), the plain CSV, every refusal naming
its line and column, and the content keys that make a second import add nothing."""

from __future__ import annotations

import pytest

from cryptotui.portfolio.csv_import import BadRow, parse
from cryptotui.portfolio.ledger import Transaction

NOW = 1_767_225_600_000  # 2026-01-01T00:00:00Z
T0 = 1_709_285_400_000  # 2024-03-01T09:30:00Z

# As Binance writes it (a BOM, CRLF, quoted numbers with thousands separators), newest first.
BINANCE = (
    "\ufeffDate(UTC),Pair,Side,Price,Executed,Amount,Fee\r\n"
    "2024-03-02 10:00:00,ETHBTC,SELL,0.0500000,2ETH,0.1BTC,0.0001BTC\r\n"
    '2024-03-01 09:30:00,BTCUSDT,BUY,"61,000.00",0.5BTC,"30,500.00USDT",0.0005BNB\r\n'
    "2024-03-01 09:30:00,1INCHUSDT,BUY,0.5,100.51INCH,50.25USDT,0.11INCH\r\n"
    '2024-03-01 09:30:00,ETHUSDT,BUY,"3,000",1ETH,"3,000USDT",0\r\n'
)


def test_binance_export():
    parsed = parse(BINANCE, now_ms=NOW)
    assert parsed.kind == "Binance trade history"
    assert [row.line for row in parsed.rows] == [2, 3, 4, 5]
    assert [row.tx for row in parsed.rows] == [
        Transaction(T0 + 86_400_000 + 1_800_000, "ETH", "sell", 2.0, 0.05, "BTC", 0.0001, "BTC"),
        Transaction(T0, "BTC", "buy", 0.5, 61_000.0, "USDT", 0.0005, "BNB"),
        Transaction(T0, "1INCH", "buy", 100.5, 0.5, "USDT", 0.1, "1INCH"),
        Transaction(T0, "ETH", "buy", 1.0, 3_000.0, "USDT", 0.0, "USDT"),
    ]


def test_plain_csv():
    text = (
        "time,symbol,side,quantity,price,fee,fee_asset,note\n"
        "2024-03-01T09:30:00Z,BTCUSDT,buy,0.5,61000,0.0005,BNB,first\n"
        "1709285400000,ETH/BTC,SELL,2,0.05,,,\n"
        "2024-03-01 10:30:00+01:00,SOLUSDT,Buy,10,100,1,,\n"
    )
    parsed = parse(text, now_ms=NOW)
    assert parsed.kind == "plain CSV"
    assert [row.tx for row in parsed.rows] == [
        Transaction(T0, "BTC", "buy", 0.5, 61_000.0, "USDT", 0.0005, "BNB", "first"),
        Transaction(T0, "ETH", "sell", 2.0, 0.05, "BTC", 0.0, "BTC"),
        Transaction(T0, "SOL", "buy", 10.0, 100.0, "USDT", 1.0, "USDT"),  # fee in the quote
    ]


def test_the_same_trade_has_the_same_key_in_both_formats():
    binance = parse(
        "Date(UTC),Pair,Side,Price,Executed,Amount,Fee\n"
        "2024-03-01 09:30:00,BTCUSDT,BUY,61000,0.5BTC,30500USDT,0.0005BNB\n",
        now_ms=NOW,
    )
    plain = parse(
        "time,symbol,side,quantity,price,fee,fee_asset\n"
        "2024-03-01T09:30:00,BTC/USDT,buy,0.5,61000,0.0005,BNB\n",
        now_ms=NOW,
    )
    assert binance.rows[0].key == plain.rows[0].key


def test_identical_fills_in_one_file_stay_two():
    row = "2024-03-01 09:30:00,BTCUSDT,BUY,61000,0.1BTC,6100USDT,0.0001BNB\n"
    text = "Date(UTC),Pair,Side,Price,Executed,Amount,Fee\n" + row + row
    first, second = parse(text, now_ms=NOW).rows
    assert first.tx == second.tx and first.key != second.key
    assert [r.key for r in parse(text, now_ms=NOW).rows] == [first.key, second.key]


HEAD = "Date(UTC),Pair,Side,Price,Executed,Amount,Fee\n"
GOOD = '2024-03-01 09:30:00,BTCUSDT,BUY,"61,000.00",0.5BTC,"30,500.00USDT",0.0005BNB\n'


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        ('2024-03-01 09:30:00,BTCUSDT,BUY,"61,0x0.00",0.5BTC,30500USDT,0\n', "Price", "number"),
        ("2024-03-01 09:30:00,BTCUSDT,HOLD,61000,0.5BTC,30500USDT,0\n", "Side", "BUY or SELL"),
        ("01/03/2024,BTCUSDT,BUY,61000,0.5BTC,30500USDT,0\n", "Date(UTC)", "not a time"),
        ("2027-03-01 09:30:00,BTCUSDT,BUY,61000,0.5BTC,30500USDT,0\n", "Date(UTC)", "future"),
        ("2024-03-01 09:30:00,BTCUSDT,BUY,61000,0.5ETH,30500USDT,0\n", "Executed", "base asset"),
        ("2024-03-01 09:30:00,BTCUSDT,BUY,61000,0BTC,0USDT,0\n", "Executed", "base asset"),
        ("2024-03-01 09:30:00,BTCUSDT,BUY,61000,0.5BTC,30500EUR,0\n", "Amount", "quote asset"),
        ("2024-03-01 09:30:00,BTCUSDT,BUY,61000,0.5BTC,3050USDT,0\n", "Amount", "Executed ×"),
        ("2024-03-01 09:30:00,BTCUSDT,BUY,61000,0.5BTC,30500USDT,0.1\n", "Fee", "its asset"),
        ("2024-03-01 09:30:00,BTCUSDT,BUY,61000,0.5BTC,30500USDT,0.5BTC\n", "Fee", "takes all"),
        ("2024-03-01 09:30:00,BTC-USDT,BUY,61000,0.5BTC,30500USDT,0\n", "Pair", "asset name"),
    ],
)
def test_a_bad_binance_cell_names_line_and_column(row, column, words):
    with pytest.raises(BadRow) as caught:
        parse(HEAD + GOOD + GOOD + row + GOOD, now_ms=NOW)
    assert (caught.value.line, caught.value.column) == (4, column)
    assert str(caught.value).startswith(f"line 4, column {column}: ")
    assert words in str(caught.value)


PLAIN = "time,symbol,side,quantity,price,fee,fee_asset\n"


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        ("1709285400,BTCUSDT,buy,1,1,,\n", "time", "seconds"),
        ("2024-03-01,BTCXYZ,buy,1,1,,\n", "symbol", "not a pair"),
        ("2024-03-01,BTCUSDT,buy,-1,1,,\n", "quantity", "above 0"),
        ("2024-03-01,BTCUSDT,buy,1,nan,,\n", "price", "number"),
        ("2024-03-01,BTCUSDT,buy,1,1,1,B-N-B\n", "fee_asset", "asset name"),
    ],
)
def test_a_bad_plain_cell_names_line_and_column(row, column, words):
    with pytest.raises(BadRow) as caught:
        parse(PLAIN + "2024-03-01,BTCUSDT,buy,1,1,,\n" + row, now_ms=NOW)
    assert (caught.value.line, caught.value.column) == (3, column)
    assert words in str(caught.value)


def test_file_level_refusals():
    for text, words in (
        ("", "empty"),
        ("\n\n", "empty"),
        ("a,b,c\n1,2,3\n", "unknown columns a,b,c"),
        (HEAD + "2024-03-01 09:30:00,BTCUSDT,BUY\n", "3 fields, the header has 7"),
    ):
        with pytest.raises(BadRow, match=words):
            parse(text, now_ms=NOW)
