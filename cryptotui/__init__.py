"""cryptotui: a terminal dashboard and alert daemon for Binance market data."""

__version__ = "0.1.0"
