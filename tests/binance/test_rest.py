"""REST client against the simulated exchange: paging, weight, 429/418/5xx, unknown symbols."""

from __future__ import annotations

import asyncio
import time
from itertools import pairwise

import pytest

from cryptotui.binance.errors import ExchangeError
from cryptotui.binance.limits import IpBanned, WeightBudget
from cryptotui.binance.rest import BinanceError, Rest, RestUnavailable, RetryPolicy, UnknownSymbol
from cryptotui.sim import SimExchange

T0 = 1_767_225_600_000  # 2026-01-01T00:00Z
M = 60_000


@pytest.fixture
async def sim():
    async with SimExchange(symbols=["BTCUSDT", "DOGEUSDT"], seed=5, speed=1, start_time_ms=T0) as s:
        yield s


@pytest.fixture
async def rest(sim):
    async with Rest(sim.rest_url, retry=RetryPolicy(attempts=4, initial=0.02, maximum=0.05)) as r:
        yield r


async def test_ping_time_and_clock_offset(rest):
    await rest.ping()
    server = await rest.server_time()
    assert abs(server - T0) < 60_000
    assert rest.server_now() is None  # not measured yet: no guess passes for the exchange's clock
    offset = await rest.sync_time()
    assert abs(offset - (server - time.time() * 1000)) < 60_000
    assert abs(rest.server_now() - server) < 60_000  # the sim's clock, not this machine's


async def test_exchange_info_gives_tick_decimals(rest):
    info = await rest.exchange_info(["BTCUSDT", "DOGEUSDT"])
    assert set(info) == {"BTCUSDT", "DOGEUSDT"}
    assert info["BTCUSDT"].price_decimals == 2
    assert info["DOGEUSDT"].price_decimals > info["BTCUSDT"].price_decimals
    assert rest.budget.limit == 6000


async def test_klines_page_past_1000_rows_contiguously(rest):
    start = T0 - 2500 * M
    pages = [p async for p in rest.klines_range("BTCUSDT", "1m", start, T0 - 1)]
    candles = [c for p in pages for c in p]
    assert [len(p) for p in pages] == [1000, 1000, 500]
    assert candles[0].open_time == start and candles[-1].open_time == T0 - M
    assert all(b.open_time - a.open_time == M for a, b in pairwise(candles))
    assert all(c.close_time == c.open_time + M - 1 for c in candles)
    assert rest.requests == 3


async def test_weight_header_is_tracked(rest):
    await rest.klines("BTCUSDT", "1m", limit=10)
    first = rest.budget.used
    await rest.exchange_info()
    assert rest.budget.used == first + 20  # the server's count, adopted from the header


async def test_unknown_symbol_is_a_clear_error(rest):
    with pytest.raises(UnknownSymbol) as err:
        await rest.klines("NOPEUSDT", "1m")
    assert err.value.code == -1121 and "'NOPEUSDT' is not a Binance spot symbol" in str(err.value)


async def test_bad_interval_is_rejected_before_sending(rest):
    with pytest.raises(ValueError, match="unknown interval '2m'"):
        await rest.klines("BTCUSDT", "2m")
    assert rest.requests == 0


async def test_server_side_4xx_is_not_retried(rest):
    with pytest.raises(BinanceError) as err:
        await rest.get("klines", {"symbol": "BTCUSDT"}, weight=2)  # interval missing
    assert err.value.code == -1102 and rest.requests == 1


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            '{"code":-1100,"msg":"Illegal \\u001b[2J\\u0007chars\\u202e; see\\nhttps://x"}',
            "(HTTP 400, code -1100): Illegal [2Jchars; see https://x",
        ),
        (
            "<html>\r\n<head><title>400 Bad Request</title></head>\r\n<body>\x07"
            + "<center>nginx</center>" * 40
            + "</body>\r\n</html>",
            "(HTTP 400, code 0): <html> <head><title>400 Bad Request</title></head> <body>",
        ),
    ],
    ids=["binance-json", "html-page"],
)
async def test_exchange_error_text_reaches_the_user_as_one_safe_line(sim, rest, body, expected):
    """A refusal's `msg`, or the start of a page that is not Binance's JSON, is untrusted:
    no escape sequence, bell, bidi override or line break gets through, and it stays short."""
    sim.faults.rest_reply(400, body.encode())
    with pytest.raises(BinanceError) as err:
        await rest.server_time()
    text = str(err.value)
    assert expected in text
    assert text.isprintable() and len(err.value.msg) <= 200


async def test_429_waits_for_retry_after_then_succeeds(sim, rest):
    sim.faults.rest_errors(429, 1, retry_after=1)
    started = time.monotonic()
    assert await rest.server_time() > 0
    assert time.monotonic() - started >= 0.95  # obeyed Retry-After instead of hammering
    assert rest.requests == 2


async def test_requests_held_by_a_429_retry_one_by_one(sim, rest):
    """Five requests in flight all get 429: after Retry-After they go again one at a time, not
    in one burst that would earn the next 429 (or a ban)."""
    sim.faults.rest_errors(429, 5, retry_after=1)
    done: list[float] = []

    async def one() -> None:
        await rest.server_time()
        done.append(time.monotonic())

    started = time.monotonic()
    await asyncio.gather(*(one() for _ in range(5)))
    assert rest.requests == 10
    assert min(done) - started >= 0.95
    assert all(b - a >= 0.05 for a, b in pairwise(sorted(done)))


async def test_418_stops_all_rest_until_the_ban_ends(sim, rest):
    sim.faults.rest_errors(418, 1, retry_after=120)
    with pytest.raises(IpBanned, match="120 s"):
        await rest.ping()
    sent = rest.requests
    with pytest.raises(IpBanned):
        await rest.server_time()
    assert rest.requests == sent  # the second call never reached the network


async def test_5xx_is_retried_with_backoff(sim, rest):
    sim.faults.rest_errors(500, 2)
    assert await rest.server_time() > 0
    assert rest.requests == 3


async def test_refused_banned_and_unreachable_are_all_one_exchange_error(sim, rest):
    """Callers that report and carry on catch `ExchangeError` and miss none of the three."""
    errors = []
    with pytest.raises(ExchangeError) as refused:
        await rest.klines("NOPEUSDT", "1m")
    errors.append(refused.value)
    sim.faults.rest_errors(418, 1, retry_after=120)
    with pytest.raises(ExchangeError) as banned:
        await rest.ping()
    errors.append(banned.value)
    nowhere = Rest("http://127.0.0.1:9", retry=RetryPolicy(attempts=2, initial=0.01, maximum=0.01))
    async with nowhere:
        with pytest.raises(ExchangeError) as unreachable:
            await nowhere.ping()
    errors.append(unreachable.value)
    assert [type(e) for e in errors] == [UnknownSymbol, IpBanned, RestUnavailable]


class Waited(Exception):
    pass


async def test_client_slows_down_before_the_servers_weight_limit():
    async with SimExchange(symbols=["BTCUSDT"], seed=1, start_time_ms=T0, weight_limit=60) as sim:

        async def sleep(seconds: float) -> None:
            raise Waited(seconds)  # stop the test where the client decided to wait

        budget = WeightBudget(sleep=sleep)
        async with Rest(sim.rest_url, budget=budget) as rest:
            await rest.exchange_info()  # learns the sim's limit (60) from rateLimits
            assert budget.limit == 60
            with pytest.raises(Waited):
                for _ in range(40):
                    await rest.klines("BTCUSDT", "1m", limit=5)
            assert budget.used <= budget.soft_limit < 60  # waited before the server said 429
            assert rest.requests == 1 + (budget.soft_limit - 20) // 2
