"""Cost basis, realised and unrealised P&L from a list of transactions: the accounting, pure.

Everything is valued in one reporting currency (USDT unless configured). A transaction buys or
sells `quantity` of `asset` at `price` in its `quote` asset; the quote side is money paid or
received, valued in the reporting currency at the trade time (`rate`), and is not itself
tracked as a holding. Fees:

- in the reporting currency, the quote or a third asset (BNB): money, valued at the trade
  time; a buy's fee adds to the cost of what it bought, a sell's fee comes off its proceeds;
- in the traded asset itself (what Binance does on a buy without BNB): a quantity, so a buy
  of 1 BTC with a 0.001 BTC fee leaves 0.999 BTC carrying the whole cost, and a sell's fee in
  the asset leaves the holding too, its cost going with the sold quantity.

Sold quantities leave by FIFO lots (the oldest bought first) or at the average cost of
everything held; realised P&L is proceeds less the cost that left. Selling more than is held
at that moment is refused (`Oversold`): the ledger would have no cost for the difference.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from cryptotui.validators import COST_METHODS

METHODS = COST_METHODS
SIDES = ("buy", "sell")
EPSILON = 1e-9
"""Relative slack on quantities: float sums of lots must not turn 0.3 - 0.1 - 0.2 into an
oversell, nor leave 1e-17 BTC behind as a holding."""


@dataclass(slots=True, frozen=True)
class Transaction:
    """One trade as entered or imported. `time` is ms UTC; `fee_asset` is the quote when the
    fee is 0. `id` is the store's row id (None before it is stored)."""

    time: int
    asset: str
    side: str
    quantity: float
    price: float
    quote: str
    fee: float = 0.0
    fee_asset: str = ""
    note: str = ""
    id: int | None = None

    def __post_init__(self) -> None:
        if self.side not in SIDES:
            raise ValueError(f"side {self.side!r}: use buy or sell")
        if not (math.isfinite(self.quantity) and self.quantity > 0):
            raise ValueError(f"quantity {self.quantity}: must be above 0")
        if not (math.isfinite(self.price) and self.price >= 0):
            raise ValueError(f"price {self.price}: must be 0 or more")
        if not (math.isfinite(self.fee) and self.fee >= 0):
            raise ValueError(f"fee {self.fee}: must be 0 or more")
        if self.asset == self.quote:
            raise ValueError(f"{self.asset} is priced in itself; name another quote asset")
        if self.side == "buy" and self.fee_asset == self.asset and self.fee >= self.quantity:
            raise ValueError(
                f"the fee ({self.fee} {self.asset}) takes all of the {self.quantity} bought"
            )

    @property
    def fee_in_asset(self) -> float:
        """The fee when it is paid in the traded asset (a quantity), else 0."""
        return self.fee if self.fee_asset == self.asset else 0.0


class Oversold(ValueError):
    """A sell of more than was held at its time; `held` is what was."""

    def __init__(self, tx: Transaction, held: float) -> None:
        self.tx = tx
        self.held = held
        super().__init__(
            f"sells {tx.quantity + tx.fee_in_asset:g} {tx.asset} but only {held:g} is held then"
        )


Rate = Callable[[str, int], float | None]
"""`rate(asset, time)`: the value of one `asset` in the reporting currency at `time`, or None
when it cannot be found (what it would have counted is then 0, and listed in `unvalued`)."""


@dataclass(slots=True)
class Lot:
    """Quantity bought together and what it cost, fees included."""

    time: int
    quantity: float
    cost: float


@dataclass(slots=True)
class Position:
    """One asset: what is held and what it cost, and what sells made so far."""

    asset: str
    lots: list[Lot] = field(default_factory=list)
    """FIFO: open lots oldest first. Average cost: one lot holding everything."""
    realized: float = 0.0
    fees: float = 0.0
    """Fees paid, in the reporting currency (those paid in the asset at the trade's price)."""

    @property
    def quantity(self) -> float:
        return sum(lot.quantity for lot in self.lots)

    @property
    def cost_basis(self) -> float:
        return sum(lot.cost for lot in self.lots)

    @property
    def avg_cost(self) -> float | None:
        quantity = self.quantity
        return self.cost_basis / quantity if quantity > 0 else None


@dataclass(slots=True)
class Book:
    """Every asset's position after the ledger, and what could not be valued."""

    currency: str
    method: str
    positions: dict[str, Position] = field(default_factory=dict)
    unvalued: list[tuple[Transaction, str]] = field(default_factory=list)
    """(transaction, asset) whose rate was missing: that part counted as 0."""


def ordered(transactions: Iterable[Transaction]) -> list[Transaction]:
    """Time order; at one instant buys first (an export lists same-second fills in any order,
    and a sell must not look like an oversell because its buy came later in the file)."""
    return sorted(transactions, key=lambda t: (t.time, t.side != "buy"))


def needed_rates(transactions: Iterable[Transaction], currency: str) -> set[tuple[str, int]]:
    """The (asset, time) pairs `account` will ask `rate` for: quotes other than the reporting
    currency, and fees paid in a third asset."""
    needs = set()
    for tx in transactions:
        if tx.quote != currency:
            needs.add((tx.quote, tx.time))
        if tx.fee and tx.fee_asset not in (currency, tx.quote, tx.asset):
            needs.add((tx.fee_asset, tx.time))
    return needs


class Accounts:
    """The ledger applied one transaction at a time, in time order: `account` runs it over a
    whole list; the value-over-time chart reads `book` between transactions."""

    def __init__(self, *, currency: str = "USDT", method: str = "fifo", rate: Rate) -> None:
        if method not in METHODS:
            raise ValueError(f"cost method {method!r}: use fifo or average")
        self.book = Book(currency, method)
        self.rate = rate

    def _value(self, asset: str, tx: Transaction) -> float:
        if asset == self.book.currency:
            return 1.0
        found = self.rate(asset, tx.time)
        if found is None:
            self.book.unvalued.append((tx, asset))
            return 0.0
        return found

    def unit_price(self, tx: Transaction) -> float | None:
        """One unit of the traded asset at `tx`'s price in the reporting currency (None when
        its quote has no rate then): the asset's last known price where no candle says more."""
        if tx.quote == self.book.currency:
            return tx.price
        rate = self.rate(tx.quote, tx.time)
        return None if rate is None else tx.price * rate

    def apply(self, tx: Transaction) -> None:
        """Raises `Oversold` for a sell of more than is held."""
        book = self.book
        position = book.positions.setdefault(tx.asset, Position(tx.asset))
        quote_rate = self._value(tx.quote, tx)
        gross = tx.quantity * tx.price * quote_rate
        fee = 0.0  # the fee as money
        if tx.fee and tx.fee_asset != tx.asset:
            fee = tx.fee * (
                quote_rate if tx.fee_asset == tx.quote else self._value(tx.fee_asset, tx)
            )
        position.fees += fee + tx.fee_in_asset * tx.price * quote_rate
        if tx.side == "buy":
            _buy(position, Lot(tx.time, tx.quantity - tx.fee_in_asset, gross + fee), book.method)
        else:
            cost = _sell(position, tx, book.method)
            position.realized += gross - fee - cost


def account(
    transactions: Iterable[Transaction],
    *,
    currency: str = "USDT",
    method: str = "fifo",
    rate: Rate = lambda asset, time: None,
) -> Book:
    """Run the ledger in time order (see `ordered`). Raises `Oversold` for a sell of more than
    is held; `ValueError` for an unknown method."""
    accounts = Accounts(currency=currency, method=method, rate=rate)
    for tx in ordered(transactions):
        accounts.apply(tx)
    return accounts.book


def _buy(position: Position, lot: Lot, method: str) -> None:
    if method == "fifo" or not position.lots:
        position.lots.append(lot)
    else:
        pool = position.lots[0]
        pool.quantity += lot.quantity
        pool.cost += lot.cost


def _sell(position: Position, tx: Transaction, method: str) -> float:
    """Take the sold quantity (and a fee paid in the asset) out of the lots; return its cost."""
    wanted = tx.quantity + tx.fee_in_asset
    held = position.quantity
    if wanted > held * (1 + EPSILON) + EPSILON * 1e-3:
        raise Oversold(tx, held)
    if method == "average":
        pool = position.lots[0]
        if wanted >= pool.quantity * (1 - EPSILON):
            position.lots.clear()
            return pool.cost
        cost = pool.cost * wanted / pool.quantity
        pool.quantity -= wanted
        pool.cost -= cost
        return cost
    cost = 0.0
    while wanted > 0 and position.lots:
        lot = position.lots[0]
        if lot.quantity <= wanted * (1 + EPSILON):
            cost += lot.cost
            wanted -= lot.quantity
            position.lots.pop(0)
        else:
            part = lot.cost * wanted / lot.quantity
            cost += part
            lot.quantity -= wanted
            lot.cost -= part
            wanted = 0.0
    return cost


@dataclass(slots=True, frozen=True)
class Holding:
    """One line of `cryptotui holdings` and the Portfolio view. `price` is None when no market
    prices the asset in the reporting currency; then `value`, `unrealized_pnl` and `share` are
    None too."""

    asset: str
    quantity: float
    cost_basis: float
    avg_cost: float | None
    price: float | None
    value: float | None
    unrealized_pnl: float | None
    realized_pnl: float
    share: float | None

    def record(self) -> dict[str, object]:
        """The JSON object (`holdings --json`), rounded so float noise does not show."""

        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 10) + 0.0  # + 0.0: no -0.0

        return {
            "asset": self.asset,
            "quantity": r(self.quantity),
            "cost_basis": r(self.cost_basis),
            "avg_cost": r(self.avg_cost),
            "price": r(self.price),
            "value": r(self.value),
            "unrealized_pnl": r(self.unrealized_pnl),
            "realized_pnl": r(self.realized_pnl),
            "share": None if self.share is None else round(self.share, 6) + 0.0,
        }


def holdings(book: Book, prices: Mapping[str, float | None]) -> list[Holding]:
    """The book at `prices` (asset → price in the reporting currency): held assets by value,
    then closed positions (their realised P&L) by name. `share` is of the valued total."""
    rows = []
    for asset, p in book.positions.items():
        quantity = p.quantity
        if quantity <= EPSILON * 1e-3:
            quantity = 0.0
        price = prices.get(asset)
        value = None if price is None else quantity * price
        cost = p.cost_basis if quantity else 0.0
        rows.append((asset, quantity, cost, p, price, value))
    total = sum(v for *_, v in rows if v is not None)
    out = [
        Holding(
            asset=asset,
            quantity=quantity,
            cost_basis=cost,
            avg_cost=cost / quantity if quantity else None,
            price=price,
            value=value,
            unrealized_pnl=None if value is None else value - cost,
            realized_pnl=p.realized,
            share=None if value is None else (value / total if total > 0 else 0.0),
        )
        for asset, quantity, cost, p, price, value in rows
    ]
    out.sort(key=lambda h: (h.quantity == 0, -(h.value or 0.0), h.asset))
    return out
