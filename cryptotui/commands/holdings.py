"""`cryptotui holdings`: the user's trades and what they are worth, without any API key.

    cryptotui holdings [--json] [--method fifo|average] [--currency USDT]
    cryptotui holdings add ASSET QUANTITY --price P [--date] [--fee] [--fee-asset] [--quote]
    cryptotui holdings sell ASSET QUANTITY --price P [same options]
    cryptotui holdings remove ID
    cryptotui holdings list [--json]
    cryptotui holdings import FILE.csv

`add` records a buy and `sell` a sale: one word per side, so a quantity is never negative.
Trades live in the history database (`--db`), and every change keeps the ledger consistent:
nothing may sell more than is held at its time. The valuation asks the exchange (`--rest-url`,
or the simulator with `--demo`) for the last prices, and for the prices at trade times that
the store's candles do not have (a quote other than the currency, a fee paid in BNB).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from cryptotui import fmt, validators
from cryptotui.commands.base import Command, config_of, global_options, say, store_of
from cryptotui.portfolio.entry import SIDES, amount, describe, trade_arguments, transaction_of

if TYPE_CHECKING:
    import sqlite_utils

    from cryptotui.portfolio.ledger import Holding, Transaction

START = "add one with `cryptotui holdings add BTC 0.5 --price 61000`"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument(
        "--method", type=validators.cost_method, metavar="fifo|average",
        help="cost of what is sold: oldest lots first, or the average (default: [portfolio])",
    )  # fmt: skip
    parser.add_argument(
        "--currency", type=validators.asset, metavar="ASSET",
        help="value everything in this asset (default: [portfolio] currency, USDT)",
    )  # fmt: skip
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    after = [global_options(after_command=True)]
    for action, text in (("add", "record a buy"), ("sell", "record a sale")):
        trade_arguments(sub.add_parser(action, help=text, description=text, parents=after))
    remove = sub.add_parser("remove", help="delete a trade", description="delete a trade",
                            parents=after)  # fmt: skip
    remove.add_argument("id", type=validators.positive_int, help="its id (`holdings list`)")
    listing = sub.add_parser("list", help="every trade with its id", parents=after)
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    imports = sub.add_parser(
        "import",
        help="add the trades of a CSV file (Binance's spot trade history or plain CSV)",
        description="Binance (Orders > Spot Order > Trade History > Export): "
        "Date(UTC),Pair,Side,Price,Executed,Amount,Fee. Plain: "
        "time,symbol,side,quantity,price,fee,fee_asset[,note]. All or nothing; importing "
        "the same trades again adds nothing.",
        parents=after,
    )
    imports.add_argument("file", type=Path, metavar="FILE.csv")


def run(args: argparse.Namespace) -> int:
    action = args.action
    if action in ("add", "sell"):
        return _trade(args)
    if action == "remove":
        return _remove(args)
    if action == "import":
        return _import(args)
    if action == "list":
        return _list(args)
    return _show(args)


# --- changes ---------------------------------------------------------------------------------


def _writable(args: argparse.Namespace) -> sqlite_utils.Database:
    from cryptotui.store.schema import open_db

    _, settings = store_of(args)
    return open_db(settings.path)


def _trade(args: argparse.Namespace) -> int:
    from cryptotui.store.holdings import record

    tx = transaction_of(args, SIDES[args.action], config_of(args).portfolio.currency)
    db = _writable(args)
    try:
        added = record(db, tx)
    finally:
        db.close()
    print(f"#{added.id} {describe(added)}")
    return 0


def _remove(args: argparse.Namespace) -> int:
    from cryptotui.store.holdings import remove

    db = _writable(args)
    try:
        gone = remove(db, args.id)
    finally:
        db.close()
    print(f"removed #{gone.id} {describe(gone)}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from cryptotui.store.holdings import import_file

    db = _writable(args)
    try:
        report = import_file(db, args.file.expanduser())
    finally:
        db.close()
    print(report.summary())
    return 0


# --- reading ---------------------------------------------------------------------------------


def _ledger(args: argparse.Namespace) -> tuple[list[Transaction], sqlite_utils.Database] | None:
    """The stored trades and the read-only database; None when there is no database yet."""
    from cryptotui.store.holdings import load_transactions
    from cryptotui.store.schema import open_db

    _, settings = store_of(args)
    if not settings.path.exists():
        return None
    db = open_db(settings.path, readonly=True)
    return load_transactions(db), db


def _list(args: argparse.Namespace) -> int:
    found = _ledger(args)
    ledger = [] if found is None else found[0]
    if found is not None:
        found[1].close()
    if args.json:
        from cryptotui.commands.market import print_json

        print_json([_tx_record(tx) for tx in ledger])
    elif not ledger:
        print(f"no trades yet; {START}")
    else:
        for tx in ledger:
            print(f"#{tx.id:<5} {describe(tx)}")
    return 0


def _tx_record(tx: Transaction) -> dict[str, object]:
    return {
        "id": tx.id, "time": tx.time, "asset": tx.asset, "side": tx.side,
        "quantity": tx.quantity, "price": tx.price, "quote_asset": tx.quote, "fee": tx.fee,
        "fee_asset": tx.fee_asset, "note": tx.note,
    }  # fmt: skip


def _show(args: argparse.Namespace) -> int:
    from cryptotui.commands.market import fetch, print_json
    from cryptotui.portfolio.ledger import Oversold, account, holdings, needed_rates
    from cryptotui.portfolio.rates import asset_prices, fetched_rates
    from cryptotui.store.holdings import stored_rates

    config = config_of(args)
    currency = args.currency or config.portfolio.currency
    method = args.method or config.portfolio.method
    found = _ledger(args)
    if found is None or not found[0]:
        if found is not None:
            found[1].close()
        if not args.json:
            print(f"no trades yet; {START}")
        return 0
    ledger, db = found
    try:
        needs = needed_rates(ledger, currency)
        rates = stored_rates(db, needs, currency)
    finally:
        db.close()

    async def call(rest, _where):
        rates.update(await fetched_rates(rest, needs - rates.keys(), currency))
        return await rest.prices()

    prices = fetch(args, call)
    try:
        book = account(
            ledger, currency=currency, method=method, rate=lambda a, t: rates.get((a, t))
        )
    except Oversold as exc:
        raise validators.Invalid(
            f"the stored trades do not add up: #{exc.tx.id} on {fmt.utc(exc.tx.time)} {exc}; "
            f"remove it (`cryptotui holdings remove {exc.tx.id}`) or add the missing buys"
        ) from None
    _warn_unvalued(book.unvalued, currency)
    rows = holdings(book, asset_prices(book, prices))
    if args.json:
        print_json([row.record() for row in rows])
    else:
        _print_table(rows, currency, method)
    return 0


def _warn_unvalued(unvalued: list[tuple[Transaction, str]], currency: str) -> None:
    counts: dict[str, int] = {}
    for _, asset in unvalued:
        counts[asset] = counts.get(asset, 0) + 1
    for asset, n in sorted(counts.items()):
        say(
            f"{n} amount(s) in {asset} counted as 0: no {asset}{currency} or {currency}{asset} "
            "price at their trade times"
        )


def _print_table(rows: list[Holding], currency: str, method: str) -> None:
    from rich.table import Table
    from rich.text import Text

    from cryptotui.commands.output import PipeConsole

    def money(x: float | None) -> str:
        return "–" if x is None else fmt.price(x)

    def pnl(x: float | None) -> Text:
        if x is None:
            return Text("–")
        return Text(f"{x:+,.2f}", "green" if x > 0 else "red" if x < 0 else "")

    table = Table(box=None, header_style="bold", padding=(0, 1, 0, 0), pad_edge=False,
                  title=f"Holdings in {currency} ({method})", title_justify="left")  # fmt: skip
    for title in ("asset", "quantity", "avg cost", "cost", "price", "value", "unrealised",
                  "realised", "share"):  # fmt: skip
        table.add_column(title, justify="left" if title == "asset" else "right", no_wrap=True)
    for r in rows:
        table.add_row(
            Text(fmt.safe(r.asset), "bold"),
            amount(r.quantity),
            money(r.avg_cost),
            money(r.cost_basis),
            money(r.price),
            money(r.value),
            pnl(r.unrealized_pnl),
            pnl(r.realized_pnl),
            "–" if r.share is None else f"{r.share:.1%}",
        )
    valued = [r for r in rows if r.value is not None]
    table.add_section()
    table.add_row(
        Text("total", "bold"),
        "",
        "",
        money(sum(r.cost_basis for r in valued)),
        "",
        money(sum(r.value or 0.0 for r in valued)),
        pnl(sum(r.unrealized_pnl or 0.0 for r in valued)),
        pnl(sum(r.realized_pnl for r in rows)),
        "",
    )
    PipeConsole().print(table)


COMMAND = Command("your trades: cost basis, P&L and value (add, sell, import)", add_arguments, run)
