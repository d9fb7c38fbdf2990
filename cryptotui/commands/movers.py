"""`cryptotui movers`: top gainers, losers and volume leaders over 24 h, and the market's
breadth, printed once (`--json`: one object per line)."""

from __future__ import annotations

import argparse

from cryptotui import fmt, validators
from cryptotui.commands.base import Command
from cryptotui.commands.market import colour, fetch, print_json, record
from cryptotui.ui.services.overview import MIN_QUOTE_VOLUME


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quote", default="USDT", help="quote asset (default USDT; '' for all)")
    parser.add_argument(
        "--limit", type=validators.positive_int, default=10, help="rows per list (default 10)"
    )
    parser.add_argument(
        "--min-volume",
        type=float,
        default=MIN_QUOTE_VOLUME,
        metavar="QUOTE",
        help=f"ignore gainers/losers below this 24 h quote volume (default {MIN_QUOTE_VOLUME:g})",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per line")


def run(args: argparse.Namespace) -> int:
    from cryptotui.ui.services.overview import overview

    tickers = fetch(args, lambda rest, _: rest.tickers_24h())
    quote = args.quote.upper()
    ov = overview(tickers, {}, quote=quote, n=args.limit, min_quote_volume=args.min_volume)
    sections = (("gainers", ov.gainers), ("losers", ov.losers), ("volume", ov.volume))
    if args.json:
        print_json([{"list": name, **record(t)} for name, rows in sections for t in rows])
        return 0
    from rich.table import Table
    from rich.text import Text

    from cryptotui.commands.output import PipeConsole

    console = PipeConsole()
    share = f"{ov.breadth:.0%}" if ov.breadth is not None else "–"
    console.print(
        Text.assemble(
            ("breadth ", "bold"),
            f"{share} up ({ov.up:,} up, {ov.down:,} down of {ov.total:,} {quote or 'all'} pairs)",
        )
    )
    tables = []
    for title, rows in (("Top gainers", ov.gainers), ("Top losers", ov.losers),
                        ("Volume leaders", ov.volume)):  # fmt: skip
        table = Table(title=title, title_justify="left", title_style="bold", box=None)
        table.add_column("symbol", no_wrap=True)
        table.add_column("24h %", justify="right", no_wrap=True)
        table.add_column("volume", justify="right", no_wrap=True)
        for t in rows:
            table.add_row(
                Text(fmt.safe(t.symbol)),
                Text(fmt.pct(t.change_pct), colour(t.change_pct)),
                Text(fmt.volume(t.quote_volume)),
            )
        tables.append(table)
    if console.width >= 100:
        grid = Table.grid(padding=(0, 4))
        grid.add_row(*tables)
        console.print(grid)
    else:
        for table in tables:
            console.print(table)
    return 0


COMMAND = Command(
    "top gainers, losers and volume leaders across the market, printed once", add_arguments, run
)
