"""Which market prices an asset in the reporting currency, and how a pair splits into assets.

Only direct markets are used: BTC in USDT is BTCUSDT's price, USDT in EUR is one over
EURUSDT's. An asset without a direct market to the currency has no price (no cross rates
through a third asset: a silently chained price is worse than a visible gap).
"""

from __future__ import annotations

from collections.abc import Mapping

QUOTES: tuple[str, ...] = (
    "FDUSD", "USDT", "USDC", "TUSD", "BUSD", "USDP", "DAI", "EUR", "GBP", "TRY", "BRL", "JPY",
    "AUD", "BTC", "ETH", "BNB", "XRP", "TRX", "DOGE",
)  # fmt: skip
"""Quote assets of Binance spot markets, tried longest first when a pair like ETHBTC is split
(a pair's base never matters for the split: BTC in ETHBTC is the quote)."""

_BY_LENGTH = sorted(QUOTES, key=len, reverse=True)


def split_pair(pair: str) -> tuple[str, str] | None:
    """`BTC/USDT`, `BTC-USDT`, `BTC_USDT` or `BTCUSDT` → ("BTC", "USDT"); None if a joined
    pair ends in no known quote asset."""
    for sep in "/-_":
        if sep in pair:
            base, _, quote = pair.partition(sep)
            return (base, quote) if base and quote and sep not in quote else None
    for quote in _BY_LENGTH:
        if pair.endswith(quote) and len(pair) > len(quote):
            return pair[: -len(quote)], quote
    return None


def markets(asset: str, currency: str) -> tuple[str, str]:
    """The direct market and its inverse: ("BTCUSDT", "USDTBTC")."""
    return asset + currency, currency + asset


def price_in(asset: str, currency: str, prices: Mapping[str, float]) -> float | None:
    """One `asset` in `currency` from market prices by symbol; None when no market has it."""
    if asset == currency:
        return 1.0
    direct, inverse = markets(asset, currency)
    price = prices.get(direct)
    if price:
        return price
    price = prices.get(inverse)
    return 1.0 / price if price else None
