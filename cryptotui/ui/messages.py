"""Messages more than one widget posts to the app."""

from __future__ import annotations

from textual.message import Message


class AlertAtPrice(Message):
    """`c` on a watchlist row or on the chart: offer a rule for when `symbol` crosses `price`
    (the row's last price, or the close of the candle the chart's legend shows)."""

    def __init__(self, symbol: str, price: float) -> None:
        self.symbol = symbol
        self.price = price
        super().__init__()
