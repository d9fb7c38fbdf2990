"""What a person types to change the ledger: the same words on the command line
(`cryptotui holdings add BTC 0.5 --price 61000 ...`) and in the TUI's Portfolio dialog
(`add BTC 0.5 --price 61000`, `sell ...`, `remove 7`, `import ~/trades.csv`), parsed by the
same argparse options, so both accept and refuse the same things in the same words.
"""

from __future__ import annotations

import argparse
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from cryptotui import fmt, validators
from cryptotui.portfolio.ledger import Transaction

SIDES = {"add": "buy", "sell": "sell"}
"""`add` records a buy and `sell` a sale: a quantity is never negative."""
EXAMPLES = "add BTC 0.5 --price 61000 · sell BTC 0.1 --price 65000 · remove 7 · import FILE.csv"


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


def trade_arguments(parser: argparse.ArgumentParser) -> None:
    """The words of `add` and `sell`."""
    parser.add_argument("asset", type=validators.asset, help="what was traded, e.g. BTC")
    parser.add_argument("quantity", type=validators.positive_float, help="how much, e.g. 0.5")
    parser.add_argument(
        "--price", type=validators.non_negative_float, required=True,
        help="price of one unit in the quote asset, e.g. 61000",
    )  # fmt: skip
    parser.add_argument(
        "--date", type=validators.moment, help="when (UTC unless it has an offset): "
        "2024-03-01, 2024-03-01T09:30, or an age like 3d; default now",
    )  # fmt: skip
    parser.add_argument("--fee", type=validators.non_negative_float, default=0.0)
    parser.add_argument(
        "--fee-asset", type=validators.asset, metavar="ASSET",
        help="what the fee was paid in (default: the quote asset), e.g. BNB",
    )  # fmt: skip
    parser.add_argument(
        "--quote", type=validators.asset, metavar="ASSET",
        help="asset the price is in (default: [portfolio] currency, USDT)",
    )  # fmt: skip
    parser.add_argument("--note", default="", help="free text kept with the trade")


def transaction_of(args: argparse.Namespace, side: str, currency: str) -> Transaction:
    """The trade `trade_arguments` parsed; its quote defaults to `currency`, its time to now.
    Raises `validators.Invalid`."""
    quote = args.quote or currency
    at = args.date.resolve() if args.date is not None else validators.Moment().resolve()
    fee_asset = (args.fee_asset or quote) if args.fee else quote
    try:
        return Transaction(at, args.asset, side, args.quantity, args.price, quote, args.fee,
                           fee_asset, args.note)  # fmt: skip
    except ValueError as exc:
        raise validators.Invalid(str(exc)) from None


@dataclass(slots=True, frozen=True)
class Entry:
    """One line of the dialog: a trade to record, an id to remove or a file to import."""

    trade: Transaction | None = None
    remove: int | None = None
    path: Path | None = None


class _Refusing(argparse.ArgumentParser):
    """argparse that raises its complaint instead of printing it and exiting the process."""

    def error(self, message: str) -> NoReturn:
        raise validators.Invalid(f"{message}; write e.g. {EXAMPLES}")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise validators.Invalid(f"write e.g. {EXAMPLES}")


def _dialog_parser() -> argparse.ArgumentParser:
    parser = _Refusing(prog="", add_help=False)
    sub = parser.add_subparsers(dest="action", required=True, metavar="add|sell|remove|import")
    for action in SIDES:
        trade_arguments(sub.add_parser(action, add_help=False))
    sub.add_parser("remove", add_help=False).add_argument("id", type=validators.positive_int)
    sub.add_parser("import", add_help=False).add_argument("file", type=Path)
    return parser


def parse_entry(line: str, currency: str) -> Entry:
    """A dialog line (words as on the command line after `cryptotui holdings`). Raises
    `validators.Invalid` saying what to write."""
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise validators.Invalid(f"{exc}; write e.g. {EXAMPLES}") from None
    args = _dialog_parser().parse_args(words)
    if args.action in SIDES:
        return Entry(trade=transaction_of(args, SIDES[args.action], currency))
    if args.action == "remove":
        return Entry(remove=args.id)
    return Entry(path=args.file.expanduser())
