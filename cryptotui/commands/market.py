"""What the commands that ask the exchange share: one REST conversation with the configured
exchange (or the simulator with `--demo`), the check that it lists the symbols named, and the
JSON records of `ticker` and `movers`."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from cryptotui import validators
from cryptotui.commands.base import config_of

if TYPE_CHECKING:
    from cryptotui.binance.rest import Rest
    from cryptotui.models import SymbolInfo, Ticker

T = TypeVar("T")


def fetch(args: argparse.Namespace, call: Callable[[Rest, str], Awaitable[T]]) -> T:
    """Run `call(rest, where)` against the configured exchange, or a simulated one with --demo;
    `where` names it for messages."""
    from cryptotui.binance.rest import Rest

    config = config_of(args)

    async def go() -> T:
        if args.demo:
            from cryptotui.sources import simulated

            async with simulated(config) as ep, Rest(ep.rest_url) as rest:
                return await call(rest, "the simulated exchange")
        async with Rest(config.exchange.rest_url) as rest:
            return await call(rest, config.exchange.rest_url)

    return asyncio.run(go())


async def listed(rest: Rest, symbols: Sequence[str], where: str) -> dict[str, SymbolInfo]:
    """exchangeInfo of `symbols`; `validators.Invalid` naming each one the exchange (`where`)
    does not list. Binance refuses the whole request for one unknown symbol without saying which, so
    only then is the full list (same weight, far longer) fetched to name them."""
    from cryptotui.binance.rest import UnknownSymbol

    try:
        return await rest.exchange_info(symbols)
    except UnknownSymbol:
        known = await rest.exchange_info()
        unknown = [s for s in symbols if s not in known]
        if not unknown:
            raise
        raise validators.unlisted(unknown, where) from None


def colour(change: float) -> str:
    return "green" if change > 0 else "red" if change < 0 else ""


def record(t: Ticker) -> dict:
    return {
        "symbol": t.symbol,
        "last": t.last,
        "change_pct": round(t.change_pct, 4),
        "high": t.high,
        "low": t.low,
        "volume": t.volume,
        "quote_volume": t.quote_volume,
    }


def print_json(rows: list[dict]) -> None:
    for row in rows:
        print(json.dumps(row, separators=(",", ":")))
