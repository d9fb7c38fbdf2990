"""What `ticker` and `movers` share: one REST conversation with the configured exchange (or the
simulator with `--demo`), and their JSON records."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from cryptotui.commands.base import config_of

if TYPE_CHECKING:
    from cryptotui.binance.rest import Rest
    from cryptotui.models import Ticker

T = TypeVar("T")


def fetch(args: argparse.Namespace, call: Callable[[Rest], Awaitable[T]], symbols: list[str]) -> T:
    """Run `call` against the configured exchange, or a simulated one with --demo."""
    from cryptotui.binance.rest import Rest

    config = config_of(args)

    async def go() -> T:
        if args.demo:
            from cryptotui.sources import simulated

            sim = simulated(config, symbols or list(config.demo.symbols))
            async with sim as ep, Rest(ep.rest_url) as rest:
                return await call(rest)
        async with Rest(config.exchange.rest_url) as rest:
            return await call(rest)

    return asyncio.run(go())


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
