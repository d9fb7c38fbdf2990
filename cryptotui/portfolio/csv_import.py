"""Read a file of trades: Binance's spot trade-history export, or a plain CSV.

Binance (Orders → Spot Order → Trade History → Export):

    Date(UTC),Pair,Side,Price,Executed,Amount,Fee
    2024-03-01 09:30:00,BTCUSDT,BUY,"61,000.00",0.5BTC,"30,500.00USDT",0.0005BNB

Numbers may carry thousands separators; Executed, Amount and Fee end with their asset. The pair
is split where Executed's asset ends (so `1INCHUSDT` and `1000SATSUSDT` split right), and
Amount must be Executed × Price: a shifted column is caught rather than imported.

Plain: `time,symbol,side,quantity,price,fee,fee_asset` and an optional `note` column; `time`
ISO (UTC unless it has an offset) or epoch milliseconds, `symbol` a pair (`BTCUSDT` or
`BTC/USDT`), fee and fee_asset may be empty (no fee; a fee without an asset is in the quote).

Parsing is all or nothing: the first bad cell raises `BadRow` naming its line and column, and
the caller writes nothing. Each row gets a content key (`Row.key`) so importing a file again,
or an export overlapping an earlier one, adds nothing twice; identical rows within one file
(two fills of the same size, price and second) stay distinct through their occurrence number.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptotui.portfolio.ledger import Transaction
from cryptotui.portfolio.pairs import split_pair
from cryptotui.validators import Invalid

BINANCE = ("Date(UTC)", "Pair", "Side", "Price", "Executed", "Amount", "Fee")
PLAIN = ("time", "symbol", "side", "quantity", "price", "fee", "fee_asset")
PLAIN_OPTIONAL = ("note",)
AMOUNT_TOLERANCE = 1e-3
"""Relative difference allowed between Binance's Amount and Executed × Price (rounding)."""
FUTURE_SLACK_MS = 86_400_000
"""A trade dated more than a day ahead of this machine's clock is a typo, not a trade."""

_ASSET = re.compile(r"[A-Z0-9]{1,20}")
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d*)?|\.\d+")
_WITH_ASSET = re.compile(r"(\d[\d,]*(?:\.\d*)?|\.\d+)([A-Z][A-Z0-9]*)")


class BadRow(Invalid):
    """A cell that cannot be imported: `line` (1-based, the header is line 1) and `column`
    (its header name) say where."""

    def __init__(self, line: int, column: str | None, problem: str) -> None:
        self.line = line
        self.column = column
        where = f"line {line}" + (f", column {column}" if column else "")
        super().__init__(f"{where}: {problem}")


@dataclass(slots=True, frozen=True)
class Row:
    line: int
    tx: Transaction
    key: str
    """Content key: the same trade read again (from either format) has the same key."""


@dataclass(slots=True, frozen=True)
class Parsed:
    kind: str
    """"Binance trade history" or "plain CSV"."""
    rows: list[Row]


def read_file(path: Path) -> str:
    """The file's text; `Invalid` saying why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise Invalid(f"{path} is not UTF-8 text; export the trades as CSV") from None
    except OSError as exc:
        raise Invalid(f"cannot read {path}: {exc.strerror or exc}") from None


def parse(text: str, *, now_ms: int | None = None) -> Parsed:
    """Every trade of the file's text, or `BadRow` for the first cell that is wrong."""
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header, line = next((r, reader.line_num) for r in reader if any(c.strip() for c in r))
    except StopIteration:
        raise BadRow(1, None, "the file is empty; export trades with a header line") from None
    except csv.Error as exc:
        raise BadRow(reader.line_num, None, f"not CSV ({exc})") from None
    names = [c.strip() for c in header]
    if [n.lower() for n in names[: len(BINANCE)]] == [n.lower() for n in BINANCE]:
        kind, read = "Binance trade history", _binance_row
    elif [n.lower() for n in names] in (list(PLAIN), [*PLAIN, *PLAIN_OPTIONAL]):
        kind, read = "plain CSV", _plain_row
        names = [n.lower() for n in names]
    else:
        raise BadRow(
            line,
            None,
            f"unknown columns {','.join(names)}; expected Binance's trade history "
            f"({','.join(BINANCE)}) or {','.join(PLAIN)}[,note]",
        )
    rows: list[Row] = []
    seen: Counter[str] = Counter()
    try:
        for record in reader:
            if not any(c.strip() for c in record):
                continue
            at = reader.line_num
            if len(record) != len(names):
                raise BadRow(at, None, f"{len(record)} fields, the header has {len(names)}")
            cells = Cells(at, dict(zip(names, (c.strip() for c in record), strict=True)))
            tx = read(cells, now_ms)
            content = _content(tx)
            rows.append(Row(at, tx, _key(content, seen[content])))
            seen[content] += 1
    except csv.Error as exc:
        raise BadRow(reader.line_num, None, f"not CSV ({exc})") from None
    return Parsed(kind, rows)


@dataclass(slots=True)
class Cells:
    """One row's cells by column name, with the checks that blame the column."""

    line: int
    values: dict[str, str]

    def bad(self, column: str, problem: str) -> BadRow:
        return BadRow(self.line, column, problem)

    def number(self, column: str, *, positive: bool = False) -> float:
        raw = self.values[column]
        value = _number(raw)
        if value is None or (positive and value <= 0):
            need = "a number above 0" if positive else "a number of 0 or more"
            raise self.bad(column, f"{raw!r} is not {need}, like 0.5 or 61,000.00")
        return value

    def side(self, column: str) -> str:
        side = self.values[column].lower()
        if side not in ("buy", "sell"):
            raise self.bad(column, f"{self.values[column]!r}: use BUY or SELL")
        return side

    def time(self, column: str, now_ms: int) -> int:
        raw = self.values[column]
        if raw.isdigit():
            at = int(raw)
            if at < 10**11:
                raise self.bad(column, f"{raw} looks like seconds; write epoch milliseconds")
        else:
            try:
                when = datetime.fromisoformat(raw)
            except ValueError:
                raise self.bad(
                    column, f"{raw!r} is not a time; write 2024-03-01 09:30:00 (UTC)"
                ) from None
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            at = int(when.timestamp() * 1000)
        if at > now_ms + FUTURE_SLACK_MS:
            raise self.bad(column, f"{raw} is in the future")
        return at

    def asset(self, column: str, text: str) -> str:
        name = text.strip().upper()
        if not _ASSET.fullmatch(name):
            raise self.bad(column, f"{text!r} is not an asset name, like BTC")
        return name


def _number(text: str) -> float | None:
    text = text.strip()
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text.replace(",", ""))
    return value if math.isfinite(value) else None


def _binance_row(cells: Cells, now_ms: int) -> Transaction:
    v = cells.values
    at = cells.time("Date(UTC)", now_ms)
    pair = cells.asset("Pair", v["Pair"])
    side = cells.side("Side")
    price = cells.number("Price")
    base, quantity = _with_pair_asset(cells, "Executed", pair, prefix=True)
    quote = pair[len(base) :]
    if not quote:
        raise cells.bad("Executed", f"{v['Executed']!r} is in {base}, all of the pair {pair}")
    _, amount = _with_pair_asset(cells, "Amount", quote, prefix=False)
    expected = quantity * price
    if abs(amount - expected) > AMOUNT_TOLERANCE * max(amount, expected) + 1e-8:
        raise cells.bad(
            "Amount",
            f"{v['Amount']!r} is not Executed × Price ({expected:.8g} {quote}); "
            "are the columns in Binance's order?",
        )
    fee, fee_asset = _fee(cells, (base, quote))
    return _transaction(cells, at, base, side, quantity, price, quote, fee, fee_asset, "Fee")


def _with_pair_asset(cells: Cells, column: str, pair: str, *, prefix: bool) -> tuple[str, float]:
    """A cell like `0.5BTC`: its asset must be the start (`prefix`) or the end of `pair`."""
    raw = cells.values[column].upper()
    ends = [pair[:i] for i in range(len(pair), 0, -1)] if prefix else [pair]
    for asset in ends:
        if raw.endswith(asset):
            value = _number(raw[: -len(asset)])
            if value is not None and value > 0:
                return asset, value
    what = "the pair's base asset" if prefix else "the quote asset"
    example = f"0.5{pair[:3]}" if prefix else f"30,500.00{pair}"
    raise cells.bad(column, f"{cells.values[column]!r} is not an amount of {what}, like {example}")


def _fee(cells: Cells, known: tuple[str, str]) -> tuple[float, str]:
    raw = cells.values["Fee"].upper()
    if _number(raw) == 0:
        return 0.0, known[1]
    for asset in known:
        if raw.endswith(asset) and (value := _number(raw[: -len(asset)])) is not None:
            return value, asset
    if found := _WITH_ASSET.fullmatch(raw):
        value = _number(found[1])
        if value is not None:
            return value, found[2]
    raise cells.bad("Fee", f"{cells.values['Fee']!r} is not a fee with its asset, like 0.0005BNB")


def _plain_row(cells: Cells, now_ms: int) -> Transaction:
    v = cells.values
    at = cells.time("time", now_ms)
    pair = split_pair(v["symbol"].upper())
    if pair is None:
        raise cells.bad("symbol", f"{v['symbol']!r} is not a pair; write BTCUSDT or BTC/USDT")
    base, quote = (cells.asset("symbol", part) for part in pair)
    side = cells.side("side")
    quantity = cells.number("quantity", positive=True)
    price = cells.number("price")
    fee = cells.number("fee") if v["fee"] else 0.0
    fee_asset = cells.asset("fee_asset", v["fee_asset"]) if v["fee_asset"] else quote
    note = v.get("note", "")
    return _transaction(cells, at, base, side, quantity, price, quote, fee, fee_asset, "fee", note)


def _transaction(
    cells: Cells,
    at: int,
    base: str,
    side: str,
    quantity: float,
    price: float,
    quote: str,
    fee: float,
    fee_asset: str,
    fee_column: str,
    note: str = "",
) -> Transaction:
    if side == "buy" and fee_asset == base and fee >= quantity:
        raise cells.bad(fee_column, f"the fee takes all of the {quantity:g} {base} bought")
    return Transaction(at, base, side, quantity, price, quote, fee, fee_asset if fee else quote,
                       note)  # fmt: skip


def _content(tx: Transaction) -> str:
    return "|".join(
        map(str, (tx.time, tx.asset, tx.quote, tx.side, tx.quantity, tx.price, tx.fee,
                  tx.fee_asset))
    )  # fmt: skip


def _key(content: str, occurrence: int) -> str:
    return hashlib.sha256(f"{content}|{occurrence}".encode()).hexdigest()[:32]
