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

if TYPE_CHECKING:
    import sqlite_utils

    from cryptotui.portfolio.ledger import Holding, Oversold, Transaction

START = "add one with `cryptotui holdings add BTC 0.5 --price 61000`"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    _valuation_options(parser)
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    after = [global_options(after_command=True)]
    for action, text in (("add", "record a buy"), ("sell", "record a sale")):
        trade = sub.add_parser(action, help=text, description=text, parents=after)
        trade.add_argument("asset", type=validators.asset, help="what was traded, e.g. BTC")
        trade.add_argument("quantity", type=validators.positive_float, help="how much, e.g. 0.5")
        trade.add_argument(
            "--price", type=validators.non_negative_float, required=True,
            help="price of one unit in the quote asset, e.g. 61000",
        )  # fmt: skip
        trade.add_argument(
            "--date", type=validators.moment, help="when (UTC unless it has an offset): "
            "2024-03-01, 2024-03-01T09:30, or an age like 3d; default now",
        )  # fmt: skip
        trade.add_argument("--fee", type=validators.non_negative_float, default=0.0)
        trade.add_argument(
            "--fee-asset", type=validators.asset, metavar="ASSET",
            help="what the fee was paid in (default: the quote asset), e.g. BNB",
        )  # fmt: skip
        trade.add_argument(
            "--quote", type=validators.asset, metavar="ASSET",
            help="asset the price is in (default: [portfolio] currency, USDT)",
        )  # fmt: skip
        trade.add_argument("--note", default="", help="free text kept with the trade")
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


def _valuation_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--method", type=validators.cost_method, metavar="fifo|average",
        help="cost of what is sold: oldest lots first, or the average (default: [portfolio])",
    )  # fmt: skip
    parser.add_argument(
        "--currency", type=validators.asset, metavar="ASSET",
        help="value everything in this asset (default: [portfolio] currency, USDT)",
    )  # fmt: skip


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
    from cryptotui.portfolio.ledger import Oversold, Transaction
    from cryptotui.store.holdings import add_transactions

    config = config_of(args)
    quote = args.quote or config.portfolio.currency
    at = args.date.resolve() if args.date is not None else validators.Moment().resolve()
    side = "buy" if args.action == "add" else "sell"
    try:
        tx = Transaction(at, args.asset, side, args.quantity, args.price, quote, args.fee,
                         (args.fee_asset or quote) if args.fee else quote, args.note)  # fmt: skip
    except ValueError as exc:
        raise validators.Invalid(f"{exc}") from None
    db = _writable(args)
    try:
        (added,) = add_transactions(db, [(tx, None)])
    except Oversold as exc:
        raise validators.Invalid(_refusal(exc, tx, "record this")) from None
    finally:
        db.close()
    print(f"#{added.id} {describe(added)}")
    return 0


def _remove(args: argparse.Namespace) -> int:
    from cryptotui.portfolio.ledger import Oversold
    from cryptotui.store.holdings import UnknownTransaction, remove_transaction

    db = _writable(args)
    try:
        gone = remove_transaction(db, args.id)
    except UnknownTransaction:
        raise validators.Invalid(
            f"no trade #{args.id}; `cryptotui holdings list` shows the ids"
        ) from None
    except Oversold as exc:
        raise validators.Invalid(
            f"cannot remove #{args.id}: then #{exc.tx.id} on {fmt.utc(exc.tx.time)} {exc}; "
            f"remove #{exc.tx.id} first"
        ) from None
    finally:
        db.close()
    print(f"removed #{gone.id} {describe(gone)}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from cryptotui.portfolio.csv_import import BadRow, parse
    from cryptotui.portfolio.ledger import Oversold
    from cryptotui.store.holdings import add_transactions

    path: Path = args.file
    nothing = "; fix it and import again (nothing was imported)"
    try:
        text = path.expanduser().read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise validators.Invalid(f"{path} is not UTF-8 text; export the trades as CSV") from None
    except OSError as exc:
        raise validators.Invalid(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        parsed = parse(text)
    except BadRow as exc:
        raise validators.Invalid(f"{path} {exc}{nothing}") from None
    lines = {id(row.tx): row.line for row in parsed.rows}
    db = _writable(args)
    try:
        added = add_transactions(db, [(row.tx, row.key) for row in parsed.rows])
    except Oversold as exc:
        line = lines.get(id(exc.tx))
        if line is None:  # a stored sell that an imported earlier sell would leave short
            where = f"{path}: with it, #{exc.tx.id} on {fmt.utc(exc.tx.time)}"
        else:
            column = "Executed" if parsed.kind.startswith("Binance") else "quantity"
            where = f"{path} line {line}, column {column}: on {fmt.utc(exc.tx.time)} it"
        raise validators.Invalid(
            f"{where} {exc}; import or add the earlier buys first (nothing was imported)"
        ) from None
    finally:
        db.close()
    known = len(parsed.rows) - len(added)
    if not added:
        print(f"nothing new in {path}: {_trades(known)}, all imported already")
    else:
        again = f"; {_trades(known)} imported already" if known else ""
        print(f"imported {_trades(len(added))} from {path} ({parsed.kind}){again}")
    return 0


def _trades(n: int) -> str:
    return f"{n} trade" if n == 1 else f"{n} trades"


def _refusal(exc: Oversold, tx: Transaction, what: str) -> str:
    if exc.tx is tx:
        return f"cannot {what}: it {exc}; add the earlier buys first"
    return f"cannot {what}: then #{exc.tx.id} on {fmt.utc(exc.tx.time)} {exc}"


def amount(x: float) -> str:
    """A quantity as typed: no exponent, no trailing zeros (`0.0000175`, `1,250.5`)."""
    return f"{x:,.10f}".rstrip("0").rstrip(".")


def describe(tx: Transaction) -> str:
    """`buy 0.5 BTC at 61,000.00 USDT on 2024-03-01T09:30:00Z (fee 0.0005 BNB)`."""
    text = (
        f"{tx.side} {amount(tx.quantity)} {tx.asset} at {fmt.price(tx.price)} {tx.quote} "
        f"on {fmt.utc(tx.time)}"
    )
    if tx.fee:
        text += f" (fee {amount(tx.fee)} {tx.fee_asset})"
    return text + (f" — {fmt.safe(tx.note)}" if tx.note else "")


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
