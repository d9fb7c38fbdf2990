"""What the simulator knows about each symbol: start price, tick and step, how it moves and trades.

Known pairs get plausible parameters; any other well-formed symbol gets parameters derived from
its name and the seed, so `--symbols FOOUSDT` works without a table entry. A pair quoted in a
coin or another stablecoin (SOLBTC, ETHFDUSD) is priced from the USDT prices of its two assets
(`legs`): SOLBTC starts at SOLUSDT / BTCUSDT, and moves with them when both are simulated.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

DEFAULT_SYMBOLS: tuple[str, ...] = (
    "BTCUSDT",
    "ETHUSDT",
    "BNBUSDT",
    "SOLUSDT",
    "XRPUSDT",
    "DOGEUSDT",
)

_QUOTES = ("USDT", "USDC", "FDUSD", "TUSD", "BTC", "ETH", "BNB", "EUR", "TRY")
_COIN_QUOTES = ("BTC", "ETH", "BNB")
"""Quotes priced by their own USDT pair: SOLBTC = SOLUSDT / BTCUSDT."""
_STABLE_QUOTES = ("USDC", "FDUSD", "TUSD")
"""Quotes worth one USDT: ETHFDUSD follows ETHUSDT."""
_CROSS_CORRELATION = 0.5
"""Assumed correlation of the two legs' returns, for a cross's volatility."""

# symbol: (start price, tick, step, daily volatility, activity vs BTC, median aggTrade notional)
_KNOWN: dict[str, tuple[float, float, float, float, float, float]] = {
    "BTCUSDT": (97_000.0, 0.01, 0.00001, 0.030, 1.0, 800.0),
    "ETHUSDT": (3_400.0, 0.01, 0.0001, 0.040, 0.8, 600.0),
    "BNBUSDT": (650.0, 0.01, 0.001, 0.035, 0.3, 300.0),
    "SOLUSDT": (180.0, 0.01, 0.001, 0.050, 0.5, 400.0),
    "XRPUSDT": (2.3, 0.0001, 0.1, 0.050, 0.4, 300.0),
    "DOGEUSDT": (0.32, 0.00001, 1.0, 0.060, 0.4, 250.0),
}


@dataclass(slots=True, frozen=True)
class SymbolSpec:
    symbol: str
    base: str
    quote: str
    price: float
    """Price at the simulation start; history is generated backwards from it."""
    tick: float
    step: float
    daily_vol: float
    activity: float
    """Trade-rate multiplier relative to BTCUSDT (the `trade_rate` knob is BTC's rate)."""
    median_notional: float

    @property
    def sigma_s(self) -> float:
        """Log-price volatility per sqrt(second)."""
        return self.daily_vol / math.sqrt(86_400.0)

    def round_price(self, price: float) -> float:
        return max(self.tick, round(price / self.tick) * self.tick)

    def round_qty(self, qty: float, minimum_steps: int = 1) -> float:
        return max(minimum_steps, round(qty / self.step)) * self.step


def split_symbol(symbol: str) -> tuple[str, str]:
    for quote in _QUOTES:
        if symbol.endswith(quote) and len(symbol) > len(quote):
            return symbol[: -len(quote)], quote
    return symbol[:-3] or symbol, symbol[-3:]


def legs(symbol: str) -> tuple[str, str | None] | None:
    """The USDT pairs a symbol's price is derived from: (BASEUSDT, QUOTEUSDT) for a coin quote,
    (BASEUSDT, None) for a stablecoin quote, None for a USDT pair or a fiat quote."""
    base, quote = split_symbol(symbol)
    if not base or base in (*_STABLE_QUOTES, "USDT") or base == quote:
        return None
    if quote in _COIN_QUOTES:
        return f"{base}USDT", f"{quote}USDT"
    if quote in _STABLE_QUOTES:
        return f"{base}USDT", None
    return None


def _tick_for(price: float) -> float:
    return 10.0 ** max(-8, min(-2, math.floor(math.log10(price)) - 4))


def _derived(symbol: str, seed: int, base_leg: str, quote_leg: str | None) -> SymbolSpec:
    """A cross priced by its legs at the start; volume in the quote asset's units."""
    base, quote = split_symbol(symbol)
    a = spec_for(base_leg, seed)
    b = spec_for(quote_leg, seed) if quote_leg is not None else None
    quote_usdt = b.price if b is not None else 1.0
    price = a.price / quote_usdt
    tick = _tick_for(price)
    vol = a.daily_vol
    if b is not None:
        rho = _CROSS_CORRELATION
        vol = math.sqrt(a.daily_vol**2 + b.daily_vol**2 - 2 * rho * a.daily_vol * b.daily_vol)
    return SymbolSpec(
        symbol,
        base,
        quote,
        max(tick, round(price / tick) * tick),
        tick,
        a.step,
        daily_vol=vol,
        activity=0.3,
        median_notional=200.0 / quote_usdt,
    )


def spec_for(symbol: str, seed: int) -> SymbolSpec:
    base, quote = split_symbol(symbol)
    known = _KNOWN.get(symbol)
    if known is not None:
        return SymbolSpec(symbol, base, quote, *known)
    derived = legs(symbol)
    if derived is not None:
        return _derived(symbol, seed, *derived)
    rng = random.Random(f"{seed}:{symbol}:spec")
    price_exp = rng.uniform(-2.0, 3.0)
    magnitude = math.floor(price_exp)
    tick = 10.0 ** max(-8, min(-2, magnitude - 4))
    step = 10.0 ** max(-5, min(0, -magnitude - 1))
    price = round(10.0**price_exp / tick) * tick
    return SymbolSpec(
        symbol,
        base,
        quote,
        price,
        tick,
        step,
        daily_vol=rng.uniform(0.03, 0.08),
        activity=0.3,
        median_notional=200.0,
    )
