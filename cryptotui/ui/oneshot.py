"""One-shot views for scripts: `cryptotui ticker BTCUSDT ETHUSDT` and `cryptotui movers`.

Each makes one or two REST calls, prints a Rich table (plain text when piped; `--json` for one
JSON object per line) and exits: 0 on success, 1 when the exchange cannot be reached, 2 for bad
usage (an unknown symbol, a broken config). No Textual import, so they start fast. `--demo`
asks the built-in simulated exchange instead (offline).

`SUBCOMMANDS` maps each name to its help line, `add_arguments(parser)` and `run(args) -> int`,
the same shape as `cryptotui.store.commands`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from cryptotui import fmt
from cryptotui.binance.limits import IpBanned
from cryptotui.binance.rest import BinanceError, Rest, RestUnavailable
from cryptotui.config import Config, ConfigError, load_config
from cryptotui.models import SymbolInfo, Ticker
from cryptotui.subcommand import Subcommand
from cryptotui.ui.services.overview import MIN_QUOTE_VOLUME, overview

T = TypeVar("T")


def _symbol(text: str) -> str:
    symbol = text.strip().upper()
    if not symbol.isalnum():
        raise argparse.ArgumentTypeError(f"{text!r} is not a Binance symbol; write e.g. BTCUSDT")
    return symbol


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("use 1 or more")
    return value


def _config(args: argparse.Namespace) -> Config:
    return load_config(
        getattr(args, "config", None),
        overrides={"exchange": {"rest_url": getattr(args, "rest_url", None)}},
    )


def _fetch(args: argparse.Namespace, call: Callable[[Rest], Awaitable[T]], symbols: list[str]) -> T:
    """Run `call` against the configured exchange, or a simulated one with --demo."""
    config = _config(args)

    async def go() -> T:
        if getattr(args, "demo", False):
            from cryptotui.sources import simulated

            sim = simulated(config, symbols or list(config.demo.symbols))
            async with sim as ep, Rest(ep.rest_url) as rest:
                return await call(rest)
        async with Rest(config.exchange.rest_url) as rest:
            return await call(rest)

    return asyncio.run(go())


def _guarded(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Expected failures become one line on stderr and an exit code."""

    def guarded(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except ConfigError as exc:
            print(f"cryptotui: {exc}", file=sys.stderr)
            return 2
        except BinanceError as exc:
            print(f"cryptotui: {exc}", file=sys.stderr)
            return 2 if exc.status == 400 else 1
        except (RestUnavailable, IpBanned) as exc:
            print(f"cryptotui: {exc}", file=sys.stderr)
            return 1

    guarded.__doc__ = run.__doc__
    return guarded


def _colour(change: float) -> str:
    return "green" if change > 0 else "red" if change < 0 else ""


def _record(t: Ticker) -> dict:
    return {
        "symbol": t.symbol,
        "last": t.last,
        "change_pct": round(t.change_pct, 4),
        "high": t.high,
        "low": t.low,
        "volume": t.volume,
        "quote_volume": t.quote_volume,
    }


def _print_json(rows: list[dict]) -> None:
    for row in rows:
        print(json.dumps(row, separators=(",", ":")))


# --- ticker ----------------------------------------------------------------------------------


def add_ticker_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("symbols", nargs="+", type=_symbol, metavar="SYMBOL", help="e.g. BTCUSDT")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")


@_guarded
def run_ticker(args: argparse.Namespace) -> int:
    """24 h statistics of the named symbols, in the order given."""
    symbols = list(dict.fromkeys(args.symbols))

    async def call(rest: Rest) -> tuple[list[Ticker], dict[str, SymbolInfo]]:
        info = await rest.exchange_info(symbols)
        return await rest.tickers_24h(symbols), info

    tickers, info = _fetch(args, call, symbols)
    by_symbol = {t.symbol: t for t in tickers}
    ordered = [by_symbol[s] for s in symbols if s in by_symbol]
    if args.json:
        _print_json([_record(t) for t in ordered])
        return 0
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False)
    for title, justify in (("symbol", "left"), ("last", "right"), ("24h %", "right"),
                           ("24h high", "right"), ("24h low", "right"),
                           ("volume (quote)", "right")):  # fmt: skip
        table.add_column(title, justify=justify, no_wrap=True)
    for t in ordered:
        si = info.get(t.symbol)
        d = si.price_decimals if si else None
        table.add_row(
            Text(fmt.safe(t.symbol), "bold"),
            Text(fmt.price(t.last, d)),
            Text(fmt.pct(t.change_pct), _colour(t.change_pct)),
            Text(fmt.price(t.high, d)),
            Text(fmt.price(t.low, d)),
            Text(fmt.volume(t.quote_volume)),
        )
    Console().print(table)
    return 0


# --- movers ----------------------------------------------------------------------------------


def add_movers_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quote", default="USDT", help="quote asset (default USDT; '' for all)")
    parser.add_argument("--limit", type=_positive, default=10, help="rows per list (default 10)")
    parser.add_argument(
        "--min-volume",
        type=float,
        default=MIN_QUOTE_VOLUME,
        metavar="QUOTE",
        help=f"ignore gainers/losers below this 24 h quote volume (default {MIN_QUOTE_VOLUME:g})",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per line")


@_guarded
def run_movers(args: argparse.Namespace) -> int:
    """Top gainers, losers and volume leaders over 24 h, and the market's breadth."""
    tickers = _fetch(args, lambda rest: rest.tickers_24h(), [])
    quote = args.quote.upper()
    ov = overview(tickers, {}, quote=quote, n=args.limit, min_quote_volume=args.min_volume)
    sections = (("gainers", ov.gainers), ("losers", ov.losers), ("volume", ov.volume))
    if args.json:
        _print_json([{"list": name, **_record(t)} for name, rows in sections for t in rows])
        return 0
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
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
                Text(fmt.pct(t.change_pct), _colour(t.change_pct)),
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


SUBCOMMANDS: dict[str, Subcommand] = {
    "ticker": Subcommand(
        "24 h price, change and volume of symbols, printed once", add_ticker_arguments, run_ticker
    ),
    "movers": Subcommand(
        "top gainers, losers and volume leaders across the market, printed once",
        add_movers_arguments,
        run_movers,
    ),
}
