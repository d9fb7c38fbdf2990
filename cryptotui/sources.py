"""Where market data comes from: live Binance endpoints, the simulator started in-process, or a
recording played back (`--replay`).

All yield the same `Endpoints`; everything downstream runs the same code either way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from cryptotui.config import Config
from cryptotui.feed import Endpoints

if TYPE_CHECKING:
    from cryptotui.replay.recording import Recording

SIMULATED = "SIMULATED"
REPLAY = "REPLAY"

DEMO_MARKET: tuple[str, ...] = (
    "ADAUSDT", "AVAXUSDT", "LINKUSDT", "DOTUSDT", "TRXUSDT", "LTCUSDT", "BCHUSDT", "ATOMUSDT",
    "NEARUSDT", "UNIUSDT", "APTUSDT", "ARBUSDT", "OPUSDT", "FILUSDT", "SUIUSDT", "PEPEUSDT",
    "SHIBUSDT", "ETHBTC", "BNBBTC", "SOLBTC", "ETHFDUSD", "BTCFDUSD", "BTCUSDC", "ETHUSDC",
)  # fmt: skip
"""Listed beside `[demo] symbols` in --demo, so `/` search and the market overview have a
market to show (the simulator streams all of them; only the watchlist's are subscribed)."""


@asynccontextmanager
async def live(config: Config) -> AsyncIterator[Endpoints]:
    yield Endpoints(config.exchange.rest_url, config.exchange.ws_url, "Binance")


@asynccontextmanager
async def simulated(config: Config) -> AsyncIterator[Endpoints]:
    """A seeded simulated exchange on 127.0.0.1 for as long as the context is open.

    It lists a fixed market, `[demo] symbols` and `DEMO_MARKET`, like a real exchange: a symbol
    outside it is refused as unknown, exactly as Binance would refuse it, rather than invented.
    """
    from cryptotui.sim import SimExchange

    listed = list(dict.fromkeys([*config.demo.symbols, *DEMO_MARKET]))
    async with SimExchange(symbols=listed, seed=config.demo.seed, speed=config.demo.speed) as sim:
        yield Endpoints(sim.rest_url, sim.ws_url, SIMULATED, speed=config.demo.speed)


@asynccontextmanager
async def replay(recording: Recording, speed: float) -> AsyncIterator[Endpoints]:
    """The recording served in place of the network: its frames and REST answers, in their
    recorded order, at `speed`× their recorded pace (0: as fast as they are taken)."""
    from cryptotui.replay.player import Player

    async with Player(recording, speed) as player:
        yield Endpoints(
            "http://replay.invalid", "ws://replay.invalid", REPLAY, player=player, speed=speed
        )
