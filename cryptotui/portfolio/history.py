"""The portfolio's value and P&L over time: the ledger replayed along a time grid, each
holding marked at the newest price known at each point — a stored candle's close, or the
asset's own last trade price when that is newer (so the line exists even where no candles were
recorded, and a trade's own price shows the moment it was made).
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cryptotui.portfolio.ledger import EPSILON, Accounts, Rate, Transaction, ordered

POINTS = 240
"""Grid points: about one per column of a wide chart."""


@dataclass(slots=True, frozen=True)
class ValuePoint:
    """The portfolio at `time`: its value, and its P&L so far (unrealised + realised)."""

    time: int
    value: float
    pnl: float


def value_history(
    ledger: Sequence[Transaction],
    closes: Mapping[str, Sequence[tuple[int, float]]],
    *,
    end: int,
    currency: str = "USDT",
    method: str = "fifo",
    rate: Rate = lambda asset, time: None,
    points: int = POINTS,
) -> list[ValuePoint]:
    """`points` evenly spaced from the first trade to `end` (ms). `closes[asset]` holds
    (time, price in the currency) in time order; `rate` values other quotes and fees as in
    `ledger.account`. Empty without trades."""
    txs = ordered(ledger)
    if not txs:
        return []
    start = txs[0].time
    end = max(end, start + 1)
    accounts = Accounts(currency=currency, method=method, rate=rate)
    traded: dict[str, tuple[int, float]] = {}
    times = {asset: [t for t, _ in series] for asset, series in closes.items()}
    out = []
    k = 0
    for i in range(points):
        at = start + (end - start) * i // (points - 1)
        while k < len(txs) and txs[k].time <= at:
            tx = txs[k]
            accounts.apply(tx)
            unit = accounts.unit_price(tx)
            if unit:
                traded[tx.asset] = (tx.time, unit)
            k += 1
        value = pnl = 0.0
        for asset, position in accounts.book.positions.items():
            pnl += position.realized
            quantity = position.quantity
            if quantity <= EPSILON * 1e-3:
                continue
            mark = traded.get(asset)
            series = closes.get(asset, ())
            j = bisect.bisect_right(times.get(asset, ()), at) - 1
            if j >= 0 and (mark is None or series[j][0] >= mark[0]):
                mark = series[j]
            if mark is None:
                continue  # never priced: left out of value and P&L alike
            value += quantity * mark[1]
            pnl += quantity * mark[1] - position.cost_basis
        out.append(ValuePoint(at, value, pnl))
    return out
