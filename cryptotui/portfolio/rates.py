"""Prices the accounting needs: of a quote or fee asset at a trade's time, and of every held
asset now.

A past price is the close of the candle holding the trade time: a stored candle when the store
has one (`cryptotui.store.holdings.stored_rates`), else klines from the exchange, 1m first, then
1h and 1d where the exchange has no minutes that far back. Trades close together share a page of
up to 1000 candles, so a year of trades with BNB fees costs a few calls, not one per trade.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from cryptotui.intervals import INTERVAL_MS
from cryptotui.portfolio.ledger import Book
from cryptotui.portfolio.pairs import markets, price_in

if TYPE_CHECKING:
    from cryptotui.binance.rest import Rest

FETCH_INTERVALS = ("1m", "1h", "1d")
"""Finest first: the close of a minute is the trade's price within that minute."""

RateKey = tuple[str, int]
"""(asset, ms UTC)."""


async def fetched_rates(
    rest: Rest, needs: Iterable[RateKey], currency: str
) -> dict[RateKey, float]:
    """The needs the exchange's klines answer; an asset with neither market is left out."""
    from cryptotui.binance.rest import UnknownSymbol

    times: dict[str, list[int]] = defaultdict(list)
    for asset, time in needs:
        times[asset].append(time)
    found = {}
    for asset, wanted in times.items():
        for symbol, inverse in zip(markets(asset, currency), (False, True), strict=True):
            try:
                closes = await _closes(rest, symbol, sorted(set(wanted)))
            except UnknownSymbol:
                continue
            found.update(
                {(asset, t): 1.0 / c if inverse else c for t, c in closes.items() if c > 0}
            )
            break
    return found


async def _closes(rest: Rest, symbol: str, times: list[int]) -> dict[int, float]:
    """time → the close of the candle holding it, paging forward through each interval."""
    found: dict[int, float] = {}
    for interval in FETCH_INTERVALS:
        step = INTERVAL_MS[interval]
        left = [t for t in times if t not in found]
        i = 0
        while i < len(left):
            page = await rest.klines(symbol, interval, start=left[i] - left[i] % step, limit=1000)
            if not page:
                break  # nothing from here on in this interval: a coarser one may have it
            opens = [c.open_time for c in page]
            end = opens[-1] + step  # > left[i]: the page starts at its candle's open
            while i < len(left) and left[i] < end:
                k = bisect.bisect_right(opens, left[i]) - 1
                if k >= 0 and left[i] < opens[k] + step:
                    found[left[i]] = page[k].close
                i += 1
    return found


def asset_prices(book: Book, prices: Mapping[str, float]) -> dict[str, float | None]:
    """Each asset of the book in its currency, from market prices by symbol."""
    return {asset: price_in(asset, book.currency, prices) for asset in book.positions}
