"""The `transactions` table: the user's trades, read whole and changed only as a consistent
ledger.

Every change (add, import, remove) runs in one `BEGIN IMMEDIATE` transaction that reads the
ledger, checks that the result still never sells more than is held (`ledger.Oversold`), and
writes; so two processes editing at once cannot together make a ledger neither would allow,
and a refused change leaves the table exactly as it was. Ledgers are small (thousands of
trades), so reading all of it per change costs milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

import sqlite_utils

from cryptotui.portfolio.ledger import Transaction, account
from cryptotui.portfolio.pairs import markets
from cryptotui.store.queries import close_at

COLUMNS = (
    "id", "time", "asset", "side", "quantity", "price", "quote_asset", "fee", "fee_asset", "note",
)  # fmt: skip
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM transactions"

T = TypeVar("T")


class UnknownTransaction(LookupError):
    """`remove` of an id the table does not hold."""


def load_transactions(db: sqlite_utils.Database) -> list[Transaction]:
    """Every stored transaction, in time order (ties by entry order)."""
    rows = db.execute(_SELECT + " ORDER BY time, id").fetchall()
    return [
        Transaction(time, asset, side, quantity, price, quote, fee, fee_asset, note, tid)
        for (tid, time, asset, side, quantity, price, quote, fee, fee_asset, note) in rows
    ]


def _in_transaction(db: sqlite_utils.Database, change: Callable[[], T]) -> T:
    db.execute("BEGIN IMMEDIATE")
    try:
        result = change()
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return result


def add_transactions(
    db: sqlite_utils.Database, entries: Sequence[tuple[Transaction, str | None]]
) -> list[Transaction]:
    """Insert `(transaction, dedupe key)` pairs, all or none; return those inserted (with their
    ids). Entries whose key is stored already are skipped. Raises `Oversold` (naming the
    offending transaction object, one of `entries` or a stored one) and inserts nothing if
    the ledger would sell more than it holds."""

    def change() -> list[Transaction]:
        keys = [key for _, key in entries if key is not None]
        known = _stored_keys(db, keys)
        fresh = [(tx, key) for tx, key in entries if key is None or key not in known]
        new_keys = [key for _, key in fresh if key is not None]
        if len(set(new_keys)) != len(new_keys):
            raise ValueError("two entries share a dedupe key")
        account([*load_transactions(db), *(tx for tx, _ in fresh)])
        added = []
        for tx, key in fresh:
            cursor = db.execute(
                "INSERT INTO transactions (time, asset, side, quantity, price, quote_asset, fee, "
                "fee_asset, note, dedupe_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (tx.time, tx.asset, tx.side, tx.quantity, tx.price, tx.quote, tx.fee,
                 tx.fee_asset, tx.note, key),
            )  # fmt: skip
            added.append(_with_id(tx, cursor.lastrowid))
        return added

    return _in_transaction(db, change)


def remove_transaction(db: sqlite_utils.Database, tid: int) -> Transaction:
    """Delete transaction `tid` and return it. Raises `UnknownTransaction`, or `Oversold` when a
    later sell needs what it bought (nothing is deleted then)."""

    def change() -> Transaction:
        ledger = load_transactions(db)
        gone = next((tx for tx in ledger if tx.id == tid), None)
        if gone is None:
            raise UnknownTransaction(tid)
        account(tx for tx in ledger if tx.id != tid)
        db.execute("DELETE FROM transactions WHERE id = ?", (tid,))
        return gone

    return _in_transaction(db, change)


def _stored_keys(db: sqlite_utils.Database, keys: Iterable[str]) -> set[str]:
    found: set[str] = set()
    batch: list[str] = []
    for key in [*keys, None]:
        if key is not None:
            batch.append(key)
        if batch and (key is None or len(batch) == 500):  # under SQLite's variable limit
            marks = ", ".join("?" * len(batch))
            rows = db.execute(
                f"SELECT dedupe_key FROM transactions WHERE dedupe_key IN ({marks})", batch
            ).fetchall()
            found.update(k for (k,) in rows)
            batch = []
    return found


def _with_id(tx: Transaction, tid: int | None) -> Transaction:
    return Transaction(
        tx.time, tx.asset, tx.side, tx.quantity, tx.price, tx.quote, tx.fee, tx.fee_asset,
        tx.note, tid,
    )  # fmt: skip


def stored_rates(
    db: sqlite_utils.Database, needs: Iterable[tuple[str, int]], currency: str
) -> dict[tuple[str, int], float]:
    """The (asset, time) prices the store's candles answer, in `currency`: the close of the
    shortest stored candle holding the time, on the direct market, else one over the inverse
    market's. What they do not answer is asked of the exchange (`portfolio.rates`)."""
    found = {}
    for asset, time in needs:
        direct, inverse = markets(asset, currency)
        price = close_at(db, direct, time)
        if price:
            found[asset, time] = price
        elif price := close_at(db, inverse, time):
            found[asset, time] = 1.0 / price
    return found
