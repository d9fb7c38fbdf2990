"""cryptotui: a terminal dashboard and alert daemon for Binance market data."""

from cryptotui import hotpath

__version__ = "0.1.0"

hotpath.select()
