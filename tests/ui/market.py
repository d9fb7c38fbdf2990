"""A fixed-seed simulated market turned into a `MarketState` without any network or clock.

The simulator's `Market` is deterministic for a (seed, start time); its REST bodies go through
the real codec, so the state holds exactly what the feed would have loaded at start-up. Alerts
are built by hand on real candles (what the engine emits depends on minutes of streaming).
Snapshot tests and `screenshots/make_screenshots.py` both use this.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from cryptotui.binance import codec
from cryptotui.indicators import RSI
from cryptotui.models import Alert, ConnectionStatus, ConnState, Direction
from cryptotui.sim import Market, wire
from cryptotui.state import MarketState

START_MS = 1_767_225_600_000
"""2026-01-01T00:00:00Z."""
SEED = 7
WATCHED: tuple[str, ...] = ("BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT")
UNIVERSE: tuple[str, ...] = (
    *WATCHED,
    "ETHBTC",
    "ETHFDUSD",
    "ETHFIUSDT",
    "ADAUSDT",
    "LINKUSDT",
    "AVAXUSDT",
    "TRXUSDT",
    "DOTUSDT",
    "BNBBTC",
    "SOLBTC",
    "PEPEUSDT",
    "WIFUSDT",
    "SUIUSDT",
    "NEARUSDT",
)


RUN_MS = 7 * 60_000 + 31_000
"""Sim time run after the start, so the forming candle and the tickers have moved."""


@cache
def build_market(seed: int = SEED) -> Market:
    """Built once per process (~0.5 s): states are read from it, never written to it."""
    market = Market(UNIVERSE, seed=seed, start_time_ms=START_MS)
    market.advance(START_MS + RUN_MS, wanted=())
    return market


def sim_state(
    watched: Sequence[str] = WATCHED,
    *,
    seed: int = SEED,
    intervals: Sequence[str] = ("1m",),
    with_alerts: bool = True,
    market: Market | None = None,
) -> MarketState:
    """The state a feed would hold a moment after start: exchangeInfo for the whole universe,
    every 24 h ticker (the overview stream), and `intervals` candles of the watched symbols
    (the last one forming). RSI 14 of the first interval stands in for the engine's."""
    market = market or build_market(seed)
    now = market.now
    state = MarketState(list(watched))
    state.info = codec.exchange_info(wire.exchange_info(list(market.specs.values()), now, 6000))
    for sym in UNIVERSE:
        state.apply(codec.ticker_rest(wire.ticker_rest(market.sims[sym].stats(now))))
    for sym in watched:
        for iv in intervals:
            rows = market.klines(sym, iv, limit=500)
            candles = [codec.kline_row(r, sym, iv) for r in rows]
            candles[-1].closed = False
            state.load_history(sym, iv, candles[:-1])
            state.apply(candles[-1])
    rsi = {}
    for sym in watched:
        ind = RSI(14)
        value = None
        for c in state.candles[(sym, intervals[0])]:
            value = ind.update(c)
        rsi[sym] = value
    state.indicators = lambda s, iv: {"rsi_14": rsi.get(s)} if iv == intervals[0] else {}
    state.apply(ConnectionStatus(1, ConnState.OPEN, len(watched) * 2 + 1))
    state.health.messages = 12_345
    state.health.lag_ms = 42
    state.health.rest_weight, state.health.rest_limit = 64, 6000
    if with_alerts:
        for alert in sample_alerts(state):
            state.apply(alert)
    return state


def scores(**values: float) -> dict[str, float]:
    return {f"score_{k}": v for k, v in values.items()}


def sample_alerts(state: MarketState) -> list[Alert]:
    """Three alerts on real candles of the state: a bullish pattern, a bearish volume spike, a
    user rule."""
    btc = list(state.candles[("BTCUSDT", "1m")])
    eth = list(state.candles[("ETHUSDT", "1m")])
    a = btc[-12]
    b = eth[-5]
    c = btc[-2]
    return [
        Alert(
            time=a.close_time + 1, symbol="BTCUSDT", interval="1m", kind="pattern",
            name="bullish_engulfing", direction=Direction.BULLISH, confidence=0.74, price=a.close,
            factors={"z": 3.1, "volume_z": 2.4, **scores(
                significance=0.71, history=0.5, volume=0.55, timeframes=1.0, market=0.62
            )},
            message="BTCUSDT 1m bullish_engulfing", span_start=btc[-13].open_time,
            span_end=a.close_time,
        ),
        Alert(
            time=b.close_time + 1, symbol="ETHUSDT", interval="1m", kind="pattern",
            name="volume_spike", direction=Direction.BEARISH, confidence=0.66, price=b.close,
            factors={"z": 6.0, "volume_z": 6.0, **scores(
                significance=0.91, history=0.5, volume=0.86, timeframes=0.0, market=0.38
            )},
            message="ETHUSDT 1m volume spike on a falling candle",
        ),
        Alert(
            time=c.close_time + 1, symbol="BTCUSDT", interval="1m", kind="rule",
            name="btc-watch", direction=Direction.NEUTRAL, confidence=1.0, price=c.close,
            factors={"value": c.close, "threshold": round(c.close, -2)},
            message="BTCUSDT crossed a round number", rule="price crosses 97000",
        ),
    ]  # fmt: skip
