"""Past prices from the simulator's klines: the candle holding each time, trades close together
sharing one page, coarser intervals where minutes run out, the inverse market, no market."""

from __future__ import annotations

import pytest

from cryptotui.binance.rest import Rest
from cryptotui.intervals import DAY, HOUR, MINUTE
from cryptotui.portfolio.rates import fetched_rates
from cryptotui.sim import SimExchange
from tests.ui.market import START_MS


@pytest.fixture
async def sim():
    async with SimExchange(
        symbols=["BTCUSDT", "BNBUSDT"], seed=7, speed=0, start_time_ms=START_MS
    ) as sim:
        yield sim


def close(sim, symbol: str, interval: str, step: int, time: int) -> float:
    rows = sim.market.klines(symbol, interval, start=time - time % step, limit=1)
    assert rows[0][0] <= time < rows[0][0] + step
    return float(rows[0][4])


async def test_closes_of_the_candles_holding_each_time(sim):
    t1 = START_MS - 2 * HOUR + 17_000
    t2 = t1 + 30 * MINUTE  # same page as t1
    t3 = START_MS - 2 * DAY
    t4 = START_MS - 10 * DAY  # before the simulator's minutes: an hour candle
    t5 = START_MS - 5000 * DAY  # before any history
    needs = {("BNB", t) for t in (t1, t2, t3, t4, t5)} | {("XYZ", t1)}
    async with Rest(sim.rest_url) as rest:
        found = await fetched_rates(rest, needs, "USDT")
        pages = rest.requests
    assert found == {
        ("BNB", t1): close(sim, "BNBUSDT", "1m", MINUTE, t1),
        ("BNB", t2): close(sim, "BNBUSDT", "1m", MINUTE, t2),
        ("BNB", t3): close(sim, "BNBUSDT", "1m", MINUTE, t3),
        ("BNB", t4): close(sim, "BNBUSDT", "1h", HOUR, t4),
    }
    # BNB: minutes from t5 (nothing there), t3, t1 and t2 together; hours from t5, t4; days
    # from t5. XYZ: XYZUSDT and USDTXYZ both unknown.
    assert pages == 3 + 2 + 1 + 2


async def test_the_inverse_market(sim):
    t = START_MS - HOUR
    async with Rest(sim.rest_url) as rest:
        found = await fetched_rates(rest, {("USDT", t)}, "BNB")
    assert found == {("USDT", t): pytest.approx(1 / close(sim, "BNBUSDT", "1m", MINUTE, t))}
