"""The Portfolio view's data: the ledger valued once per change, then marked to the live
tickers every second.

`load` runs on a worker thread: it reads the trades through `UiStore.read`, finds the past
prices the accounting needs (the store's candles first; the rest asked of the exchange on the
feed's loop, through its REST client and weight budget), runs the ledger, and replays it over
the stored candles for the value-over-time chart. `mark` is cheap and runs on the UI thread:
the book at the tickers the feed keeps in `MarketState` (the whole market's, from
`!miniTicker@arr`), so the view moves with the market without asking the exchange again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from cryptotui.feed import Feed
from cryptotui.intervals import INTERVAL_MS
from cryptotui.portfolio.history import POINTS, ValuePoint, value_history
from cryptotui.portfolio.ledger import Book, Holding, Transaction, account, holdings, needed_rates
from cryptotui.portfolio.rates import RateKey, asset_prices, fetched_rates
from cryptotui.state import MarketState
from cryptotui.store.holdings import load_transactions, stored_closes, stored_rates
from cryptotui.ui.feed_thread import FeedRunner
from cryptotui.ui.services.store import UiStore

log = logging.getLogger(__name__)

FetchRates = Callable[[set[RateKey], str], Mapping[RateKey, float]]
"""Ask the exchange for past prices (blocking; called on a worker thread)."""
FETCH_TIMEOUT = 60.0
"""Seconds a valuation waits for the exchange's klines (they queue behind the weight budget)."""


def feed_rates(thread: FeedRunner) -> FetchRates:
    """Past prices through the running feed's REST client (its loop, its weight budget);
    none while the feed has not started."""

    def fetch(needs: set[RateKey], currency: str) -> Mapping[RateKey, float]:
        done = thread.submit(_rates, needs, currency)
        return {} if done is None else done.result(timeout=FETCH_TIMEOUT)

    return fetch


async def _rates(feed: Feed, needs: set[RateKey], currency: str) -> Mapping[RateKey, float]:
    return await fetched_rates(feed.rest, needs, currency)


@dataclass(slots=True)
class Loaded:
    """The ledger valued: what `mark` needs, and what the chart shows."""

    currency: str
    method: str
    ledger: list[Transaction] = field(default_factory=list)
    book: Book | None = None
    history: list[ValuePoint] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Lines for the user: rates not found, the exchange not answering."""


def market_now(state: MarketState) -> int:
    """The market's clock: the newest ticker's event time (a simulator or replay runs on its
    own), else this machine's."""
    newest = max((t.event_time for t in state.tickers.values()), default=0)
    return newest or int(time.time() * 1000)


def state_closes(state: MarketState, currency: str) -> dict[str, list[tuple[int, float]]]:
    """(close time, close) of every asset the state has candles of in `currency` (its shortest
    interval): the watched symbols' recent history, before the store has recorded it. Read on
    the UI thread, like every snapshot."""
    found: dict[str, tuple[int, list[tuple[int, float]]]] = {}
    for (symbol, interval), candles in list(state.candles.items()):
        length = INTERVAL_MS.get(interval)
        if length is None or not symbol.endswith(currency) or symbol == currency:
            continue
        asset = symbol[: -len(currency)]
        if asset not in found or length < found[asset][0]:
            found[asset] = (length, [(c.close_time, c.close) for c in list(candles)])
    return {asset: series for asset, (_, series) in found.items()}


def load(
    store: UiStore,
    fetch: FetchRates | None,
    *,
    currency: str,
    method: str,
    now: int,
    recent: Mapping[str, list[tuple[int, float]]] | None = None,
    history: bool = True,
) -> Loaded:
    """`recent`: `state_closes`, merged into the stored candles for the chart; without
    `history` no chart is computed (the watchlist's positions need only the book)."""
    loaded = Loaded(currency, method)
    ledger = store.read(load_transactions)
    loaded.ledger = ledger
    needs = needed_rates(ledger, currency)
    rates = dict(store.read(lambda db: stored_rates(db, needs, currency)))
    missing = needs - rates.keys()
    if missing and fetch is not None:
        try:
            rates.update(fetch(missing, currency))
        except Exception as exc:  # the network: say so, value what can be valued
            log.info("fetching rates failed", exc_info=True)
            loaded.problems.append(f"past prices not fetched ({exc})")

    def rate(asset: str, at: int) -> float | None:
        return rates.get((asset, at))

    book = account(ledger, currency=currency, method=method, rate=rate)
    loaded.book = book
    if book.unvalued:
        assets = sorted({asset for _, asset in book.unvalued})
        loaded.problems.append(
            f"{len(book.unvalued)} amount(s) in {', '.join(assets)} counted as 0 (no price at "
            "their trade times)"
        )
    if ledger and history:
        start = min(tx.time for tx in ledger)
        step = max(1, (now - start) // POINTS)
        stored = store.read(
            lambda db: {
                asset: stored_closes(db, asset, currency, start, now, step)
                for asset in book.positions
            }
        )
        closes = {
            asset: sorted(dict([*series, *(recent or {}).get(asset, [])]).items())
            for asset, series in stored.items()
        }
        loaded.history = value_history(
            ledger, closes, end=now, currency=currency, method=method, rate=rate
        )
    return loaded


def market_prices(state: MarketState) -> dict[str, float]:
    return {symbol: t.last for symbol, t in state.tickers.items()}


def mark(loaded: Loaded, state: MarketState) -> list[Holding]:
    """The book at the live tickers."""
    if loaded.book is None:
        return []
    return holdings(loaded.book, asset_prices(loaded.book, market_prices(state)))


def live_point(rows: list[Holding], now: int) -> ValuePoint | None:
    """The chart's newest point: the value and total P&L at the tickers (None while an asset
    held has no price: a partial sum would draw a false drop)."""
    held = [r for r in rows if r.quantity > 0]
    if any(r.value is None for r in held):
        return None
    value = sum(r.value or 0.0 for r in held)
    pnl = sum(r.unrealized_pnl or 0.0 for r in held) + sum(r.realized_pnl for r in rows)
    return ValuePoint(now, value, pnl)


def held_of(loaded: Loaded) -> dict[str, tuple[float, float]]:
    """Symbol (asset + currency) → (quantity, cost basis) of every asset held: the watchlist
    shows the position and its P&L on the rows of those symbols."""
    if loaded.book is None:
        return {}
    return {
        asset + loaded.currency: (p.quantity, p.cost_basis)
        for asset, p in loaded.book.positions.items()
        if p.quantity > 0
    }
