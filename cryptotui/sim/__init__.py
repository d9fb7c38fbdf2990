"""A simulated Binance exchange on 127.0.0.1: seeded market, REST + WebSocket, scenarios, faults.

    async with SimExchange(seed=7, speed=50) as sim:
        client = StreamClient(rest_base=sim.rest_url, ws_base=sim.ws_url)
        sim.inject("whale_trade", "BTCUSDT")
        sim.faults.drop_after(100)

`python -m cryptotui.sim --help` runs it standalone.
"""

from cryptotui.sim.faults import Faults
from cryptotui.sim.market import ALL, Frame, Market
from cryptotui.sim.scenarios import PATTERNS, SCENARIOS, GroundTruth
from cryptotui.sim.server import SimExchange
from cryptotui.sim.symbols import DEFAULT_SYMBOLS

__all__ = [
    "ALL",
    "DEFAULT_SYMBOLS",
    "PATTERNS",
    "SCENARIOS",
    "Faults",
    "Frame",
    "GroundTruth",
    "Market",
    "SimExchange",
]
