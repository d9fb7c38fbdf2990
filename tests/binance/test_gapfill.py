"""CandleGate logic: exactly once, in order, holes reported, duplicates dropped.

The fetch here serves candles from an in-memory "exchange history"; the same gate runs over
real sockets against the simulator in test_stream.py.
"""

from __future__ import annotations

import asyncio

from cryptotui.binance.gapfill import CandleGate, TradeGate, next_open
from cryptotui.models import AggTrade, Candle, GapFill, Notice

M = 60_000
T0 = 1_700_000_000_000 // M * M


def candle(i: int, closed: bool = True, interval: str = "1m") -> Candle:
    t = T0 + i * M
    return Candle(
        "BTCUSDT", interval, t, t + M - 1, 100 + i, 101 + i, 99 + i, 100.5 + i, 1.0, closed=closed
    )


class History:
    def __init__(self, have: set[int]) -> None:
        self.have = have
        self.calls: list[tuple[int, int]] = []
        self.fail = 0

    async def __call__(self, symbol, interval, start, end):
        self.calls.append((start, end))
        if self.fail:
            self.fail -= 1
            raise ConnectionError("REST down")
        await asyncio.sleep(0)
        return [candle(i) for i in sorted(self.have) if start <= T0 + i * M <= end]


def closed_times(events):
    return [(e.open_time - T0) // M for e in events if isinstance(e, Candle) and e.closed]


async def settle(gate: CandleGate) -> None:
    for _ in range(100):
        if not gate.busy:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("gap-fill did not finish")


async def test_gap_is_filled_in_order_and_buffered_frames_follow():
    out: list = []
    hist = History(set(range(0, 20)))
    gate = CandleGate(out.append, hist)
    gate.on_candle(candle(0))
    gate.on_candle(candle(5, closed=False))  # first frame after an outage: 1..4 are missing
    gate.on_candle(candle(5))  # arrives while the fill is running: buffered
    gate.on_candle(candle(6, closed=False))
    await settle(gate)
    assert closed_times(out) == [0, 1, 2, 3, 4, 5]
    assert hist.calls == [(T0 + M, T0 + 5 * M - 1)]  # bounded below the live candle
    fills = [e for e in out if isinstance(e, GapFill)]
    assert fills == [GapFill("BTCUSDT", "1m", 4, 0)]
    assert out[-1].open_time == T0 + 6 * M and not out[-1].closed  # the newest preview last


async def test_duplicates_and_stale_frames_are_dropped():
    out: list = []
    gate = CandleGate(out.append, History(set()))
    for i in (0, 1, 1, 0, 2):
        gate.on_candle(candle(i))
    gate.on_candle(candle(1, closed=False))
    assert closed_times(out) == [0, 1, 2]
    assert gate.stats.duplicates == 2
    assert len(out) == 3


async def test_exchange_holes_are_counted_not_synthesised():
    out: list = []
    gate = CandleGate(out.append, History({0, 1, 4}))  # exchange was down for 2 and 3
    gate.on_candle(candle(0))
    gate.on_candle(candle(5))
    await settle(gate)
    assert closed_times(out) == [0, 1, 4, 5]
    assert gate.stats.holes == 2
    gate.on_candle(candle(6))  # no new gap check is triggered by the holes
    assert closed_times(out)[-1] == 6 and gate.stats.fills == 1


async def test_rest_failure_is_retried_and_reported_once():
    out: list = []
    hist = History(set(range(10)))
    hist.fail = 3
    gate = CandleGate(out.append, hist, retry_initial=0.001, retry_max=0.004)
    gate.on_candle(candle(0))
    gate.on_candle(candle(3))
    await settle(gate)
    assert closed_times(out) == [0, 1, 2, 3]
    assert len(hist.calls) == 4
    notices = [e for e in out if isinstance(e, Notice)]
    assert len(notices) == 1 and "BTCUSDT 1m" in notices[0].text


async def test_malformed_close_time_is_rejected():
    out: list = []
    gate = CandleGate(out.append, None)
    bad = candle(0)
    bad.close_time += 1
    gate.on_candle(bad)
    assert out == [] and gate.stats.malformed == 1


def test_next_open_handles_calendar_months():
    jan = 1_704_067_200_000  # 2024-01-01T00:00Z
    feb = next_open(jan, "1M")
    assert feb == 1_706_745_600_000  # 2024-02-01
    assert next_open(feb, "1M") == 1_709_251_200_000  # 2024-03-01 (leap year February)
    assert next_open(jan, "1h") == jan + 3_600_000


def trade(i: int) -> AggTrade:
    return AggTrade("BTCUSDT", i, 100.0, 1.0, i, i, i, False)


async def test_trade_gate_fills_small_gaps_and_skips_huge_ones():
    out: list = []
    calls: list[int] = []

    async def fetch(symbol, from_id):
        calls.append(from_id)
        return [trade(i) for i in range(from_id, min(from_id + 1000, 10_000))]

    gate = TradeGate(out.append, fetch, max_pages=2)
    for i in (1, 2, 2, 1):
        gate.on_trade(trade(i))
    assert [t.agg_id for t in out] == [1, 2] and gate.duplicates == 2
    gate.on_trade(trade(1500))  # 3..1499 missing: two pages
    gate.on_trade(trade(1501))  # waits behind the fill
    while gate.busy:
        await asyncio.sleep(0.001)
    assert [t.agg_id for t in out] == list(range(1, 1502))
    assert calls == [3, 1003]
    gate.on_trade(trade(9000))  # 7,498 missing > 2 pages: reported, not fetched
    while gate.busy:
        await asyncio.sleep(0.001)
    assert isinstance(out[-2], Notice) and "7,498" in out[-2].text
    assert out[-1].agg_id == 9000 and gate.skipped == 7498


async def test_seed_never_moves_the_gate_backwards():
    out: list = []
    gate = CandleGate(out.append, None)
    gate.on_candle(candle(5))
    gate.seed("BTCUSDT", "1m", T0 + 2 * M)  # older history loaded later (a chart reload)
    gate.on_candle(candle(5))
    assert closed_times(out) == [5] and gate.last_closed("BTCUSDT", "1m") == T0 + 5 * M
