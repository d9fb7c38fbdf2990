"""`cryptotui ticker SYMBOL...`: 24 h statistics of the named symbols, printed once.

One or two REST calls, a Rich table (plain text when piped) or `--json` lines, then exit; no
Textual import, so it starts fast. `--demo` asks the built-in simulated exchange (offline).
"""

from __future__ import annotations

import argparse

from cryptotui import fmt, validators
from cryptotui.commands.base import Command
from cryptotui.commands.market import colour, fetch, listed, print_json, record


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "symbols", nargs="+", type=validators.symbol, metavar="SYMBOL", help="e.g. BTCUSDT"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per line")


def run(args: argparse.Namespace) -> int:
    symbols = list(dict.fromkeys(args.symbols))

    async def call(rest, where):
        info = await listed(rest, symbols, where)
        return await rest.tickers_24h(symbols), info

    tickers, info = fetch(args, call)
    by_symbol = {t.symbol: t for t in tickers}
    ordered = [by_symbol[s] for s in symbols if s in by_symbol]
    if args.json:
        print_json([record(t) for t in ordered])
        return 0
    from rich.console import JustifyMethod
    from rich.table import Table
    from rich.text import Text

    from cryptotui.commands.output import PipeConsole

    table = Table(box=None, header_style="bold", pad_edge=False)
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("symbol", "left"), ("last", "right"), ("24h %", "right"), ("24h high", "right"),
        ("24h low", "right"), ("volume (quote)", "right"),
    )  # fmt: skip
    for title, justify in columns:
        table.add_column(title, justify=justify, no_wrap=True)
    for t in ordered:
        si = info.get(t.symbol)
        d = si.price_decimals if si else None
        table.add_row(
            Text(fmt.safe(t.symbol), "bold"),
            Text(fmt.price(t.last, d)),
            Text(fmt.pct(t.change_pct), colour(t.change_pct)),
            Text(fmt.price(t.high, d)),
            Text(fmt.price(t.low, d)),
            Text(fmt.volume(t.quote_volume)),
        )
    PipeConsole().print(table)
    return 0


COMMAND = Command("24 h price, change and volume of symbols, printed once", add_arguments, run)
