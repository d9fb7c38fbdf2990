"""The `transactions` table: the user's trades, read whole and changed only as a consistent
ledger; and the stored prices the portfolio is valued with.

Every change (add, import, remove) runs in one `BEGIN IMMEDIATE` transaction that reads the
ledger, checks that the result still never sells more than is held (`ledger.Oversold`), and
writes; so two processes editing at once cannot together make a ledger neither would allow,
and a refused change leaves the table exactly as it was. Ledgers are small (thousands of
trades), so reading all of it per change costs milliseconds. `record`, `remove` and
`import_file` are those changes as the command line and the TUI make them: a refusal is one
`validators.Invalid` line naming the trade (or the file's line and column) that falls short.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

import sqlite_utils

from cryptotui import fmt
from cryptotui.intervals import INTERVAL_MS
from cryptotui.portfolio.csv_import import BadRow, parse, read_file
from cryptotui.portfolio.ledger import Oversold, Transaction, account
from cryptotui.portfolio.pairs import markets
from cryptotui.store.queries import close_at
from cryptotui.validators import Invalid

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
            added.append(replace(tx, id=cursor.lastrowid))
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


def stored_closes(
    db: sqlite_utils.Database, asset: str, currency: str, since: int, until: int, step: int
) -> list[tuple[int, float]]:
    """(close time, price in `currency`) of `asset` over [since, until] from stored candles,
    oldest first: the longest stored interval not longer than `step` (else the shortest
    stored), so a chart of a year reads daily candles, not half a million minutes. Empty when
    neither market is stored."""
    for symbol, inverse in zip(markets(asset, currency), (False, True), strict=True):
        stored = _intervals(db, symbol)
        if not stored:
            continue
        fitting = [iv for iv in stored if INTERVAL_MS[iv] <= step]
        interval = max(fitting, key=INTERVAL_MS.__getitem__) if fitting else stored[0]
        length = INTERVAL_MS[interval]
        rows = db.execute(
            "SELECT open_time, close FROM candles WHERE symbol = ? AND interval = ? "
            "AND open_time BETWEEN ? AND ? ORDER BY open_time",
            (symbol, interval, since - length, until),
        ).fetchall()
        return [(t + length - 1, 1.0 / c if inverse else c) for t, c in rows if c > 0]
    return []


def _intervals(db: sqlite_utils.Database, symbol: str) -> list[str]:
    """The fixed intervals stored for `symbol`, shortest first (one index seek each)."""
    return [
        interval
        for interval in INTERVAL_MS
        if db.execute(
            "SELECT 1 FROM candles WHERE symbol = ? AND interval = ? LIMIT 1", (symbol, interval)
        ).fetchone()
    ]


# --- changes as the faces make them ------------------------------------------------------------


def _then(exc: Oversold) -> str:
    return f"#{exc.tx.id} on {fmt.utc(exc.tx.time)} {exc}"


def record(db: sqlite_utils.Database, tx: Transaction) -> Transaction:
    """Store one trade typed in; returns it with its id."""
    try:
        (added,) = add_transactions(db, [(tx, None)])
    except Oversold as exc:
        if exc.tx is tx:
            raise Invalid(f"cannot record this: it {exc}; add the earlier buys first") from None
        raise Invalid(f"cannot record this: then {_then(exc)}") from None
    return added


def remove(db: sqlite_utils.Database, tid: int) -> Transaction:
    """Delete trade `tid`; returns it."""
    try:
        return remove_transaction(db, tid)
    except UnknownTransaction:
        raise Invalid(f"no trade #{tid}; `cryptotui holdings list` shows the ids") from None
    except Oversold as exc:
        raise Invalid(
            f"cannot remove #{tid}: then {_then(exc)}; remove #{exc.tx.id} first"
        ) from None


@dataclass(slots=True, frozen=True)
class ImportReport:
    path: Path
    kind: str
    added: int
    known: int
    """Trades of the file stored already (by an earlier import)."""

    def summary(self) -> str:
        if not self.added:
            return f"nothing new in {self.path}: {_trades(self.known)}, all imported already"
        again = f"; {_trades(self.known)} imported already" if self.known else ""
        return f"imported {_trades(self.added)} from {self.path} ({self.kind}){again}"


def _trades(n: int) -> str:
    return f"{n} trade" if n == 1 else f"{n} trades"


def import_file(db: sqlite_utils.Database, path: Path) -> ImportReport:
    """Import every trade of a CSV file, or none: `Invalid` names the first bad line and
    column, or the sale that would then sell more than is held."""
    nothing = "(nothing was imported)"
    try:
        parsed = parse(read_file(path))
    except BadRow as exc:
        raise Invalid(f"{path} {exc}; fix it and import again {nothing}") from None
    lines = {id(row.tx): row.line for row in parsed.rows}
    try:
        added = add_transactions(db, [(row.tx, row.key) for row in parsed.rows])
    except Oversold as exc:
        line = lines.get(id(exc.tx))
        if line is None:  # a stored sale that an imported earlier one would leave short
            raise Invalid(f"{path}: with it, {_then(exc)} {nothing}") from None
        column = "Executed" if parsed.kind.startswith("Binance") else "quantity"
        raise Invalid(
            f"{path} line {line}, column {column}: on {fmt.utc(exc.tx.time)} it {exc}; "
            f"import or add the earlier buys first {nothing}"
        ) from None
    return ImportReport(path, parsed.kind, len(added), len(parsed.rows) - len(added))
