"""The generator on its own: determinism, candle invariants, history, tickers, memory bounds."""

from __future__ import annotations

import bisect
import itertools
import math
from collections import defaultdict

import orjson
import pytest

from cryptotui.intervals import INTERVAL_MS, MINUTE
from cryptotui.sim import ALL, Market
from cryptotui.sim.bars import bounds
from cryptotui.sim.history import STORE_CAP
from cryptotui.sim.market import MINI_TICKER_ARR
from tests.sim.conftest import START, core_streams


def by_stream(frames: list) -> dict[str, list[bytes]]:
    out: dict[str, list[bytes]] = defaultdict(list)
    for stream, data in frames:
        out[stream].append(orjson.dumps(data))
    return dict(out)


def kline_frames(frames: list) -> dict[tuple[str, str], list[dict]]:
    out: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for stream, data in frames:
        if "@kline_" in stream:
            out[(data["s"], data["k"]["i"])].append(data)
    return out


@pytest.fixture(scope="module")
def ten_minutes() -> tuple[Market, list]:
    """Ten sim minutes of every stream of the six default symbols (shared: generation is pure)."""
    market = Market(seed=7, start_time_ms=START)
    return market, market.advance(START + 10 * MINUTE, core_streams(market))


def run(seed: int, until: int, chunk: int | None = None) -> list:
    """Frames of every core stream plus the periodic extras, advancing `chunk` ms at a time."""
    market = Market(seed=seed, start_time_ms=START)
    wanted = core_streams(market) | {"btcusdt@depth20@100ms", "ethusdt@avgPrice"}
    frames: list = []
    t = START
    while t < until:
        t = min(t + (chunk or until), until)
        frames += market.advance(t, wanted)
    return frames


def test_same_seed_same_frames_and_other_seed_differs() -> None:
    a, b, c = run(7, START + 20_000), run(7, START + 20_000), run(8, START + 20_000)
    assert orjson.dumps(a) == orjson.dumps(b)
    assert len(a) > 500
    assert by_stream(a)["btcusdt@aggTrade"] != by_stream(c)["btcusdt@aggTrade"]
    assert Market(seed=8, start_time_ms=START).klines("BTCUSDT", "1h", limit=5) != Market(
        seed=7, start_time_ms=START
    ).klines("BTCUSDT", "1h", limit=5)


def test_chunking_and_subscriptions_do_not_change_the_market() -> None:
    whole = by_stream(run(7, START + 30_000))
    assert by_stream(run(7, START + 30_000, chunk=137)) == whole
    narrow = Market(seed=7, start_time_ms=START).advance(START + 30_000, {"ethusdt@kline_1s"})
    assert by_stream(narrow) == {"ethusdt@kline_1s": whole["ethusdt@kline_1s"]}


def test_kline_invariants(ten_minutes: tuple[Market, list]) -> None:
    _, frames = ten_minutes
    klines = kline_frames(frames)
    assert len(klines) == 6 * 16
    for (symbol, interval), events in klines.items():
        closed_times = [e["k"]["t"] for e in events if e["k"]["x"]]
        assert len(closed_times) == len(set(closed_times)), (symbol, interval)
        finished: set[int] = set()
        updates: list[int] = []
        for e in events:
            k = e["k"]
            assert (k["t"], k["T"]) == bounds(k["t"], interval)
            assert k["t"] not in finished, "frame for a candle after its x:true"
            o, h, low, c = (float(k[x]) for x in "ohlc")
            assert low <= min(o, c) <= max(o, c) <= h
            assert 0 <= float(k["V"]) <= float(k["v"])
            assert 0 <= float(k["Q"]) <= float(k["q"])
            if k["n"]:
                assert k["n"] == k["L"] - k["f"] + 1
            else:
                assert k["f"] == k["L"] == -1 and o == h == low == c and float(k["v"]) == 0
            if k["x"]:
                finished.add(k["t"])
                assert e["E"] == k["T"] + 1
            else:
                assert k["t"] <= e["E"] <= k["T"]
                updates.append(e["E"])
        cadence = 1000 if interval == "1s" else 2000
        assert {b - a for a, b in itertools.pairwise(updates)} == {cadence}
    assert len([e for e in klines[("BTCUSDT", "1m")] if e["k"]["x"]]) == 10
    assert len([e for e in klines[("BTCUSDT", "1s")] if e["k"]["x"]]) == 600


def test_closed_candles_are_contiguous_and_continue_history(
    ten_minutes: tuple[Market, list],
) -> None:
    market, frames = ten_minutes
    closed = [e["k"] for e in kline_frames(frames)[("SOLUSDT", "5m")] if e["k"]["x"]]
    # START is 1 minute into a 5m candle: the first live close is that candle, seeded by history
    assert closed[0]["t"] == START - MINUTE
    history = market.klines("SOLUSDT", "5m", end=closed[0]["t"] - 1, limit=3)
    assert history[-1][6] + 1 == closed[0]["t"]
    for a, b in itertools.pairwise(closed):
        assert b["t"] == a["T"] + 1


def _aggregate(children: list[dict]) -> tuple[tuple, float]:
    """(o, h, l, c, n) of the aggregate, which must match exactly, and the volume sum."""
    traded = [k for k in children if k["n"]]
    exact = (
        float(traded[0]["o"]),
        max(float(k["h"]) for k in traded),
        min(float(k["l"]) for k in traded),
        float(children[-1]["c"]),
        sum(k["n"] for k in children),
    )
    return exact, sum(float(k["v"]) for k in children)


def test_higher_intervals_aggregate_lower_ones_live(ten_minutes: tuple[Market, list]) -> None:
    _, frames = ten_minutes
    klines = kline_frames(frames)
    for lower, higher in (("1s", "1m"), ("1m", "5m")):
        children = [e["k"] for e in klines[("ETHUSDT", lower)] if e["k"]["x"]]
        parents = [e["k"] for e in klines[("ETHUSDT", higher)] if e["k"]["x"]]
        for p in parents:
            kids = [k for k in children if p["t"] <= k["t"] <= p["T"]]
            if len(kids) * INTERVAL_MS[lower] != INTERVAL_MS[higher]:
                continue  # the first 5m candle began before the start
            exact, volume = _aggregate(kids)
            assert (float(p["o"]), float(p["h"]), float(p["l"]), float(p["c"]), p["n"]) == exact
            traded = [k for k in kids if k["n"]]
            assert (p["f"], p["L"]) == (traded[0]["f"], traded[-1]["L"])
            assert math.isclose(float(p["v"]), volume, rel_tol=1e-9)


@pytest.mark.parametrize(("lower", "higher"), [("1s", "1m"), ("1m", "1h"), ("1h", "1d")])
def test_history_intervals_aggregate_each_other(lower: str, higher: str) -> None:
    market = Market(["BNBUSDT"], seed=3, start_time_ms=START)
    parents = market.klines("BNBUSDT", higher, end=START - 1, limit=3)[:-1]
    for p in parents:
        rows = market.klines("BNBUSDT", lower, start=p[0], end=p[6], limit=1000)
        assert rows[0][0] == p[0] and rows[-1][6] == p[6]
        kids = [{"o": r[1], "h": r[2], "l": r[3], "c": r[4], "n": r[8], "v": r[5]} for r in rows]
        exact, volume = _aggregate(kids)
        assert (float(p[1]), float(p[2]), float(p[3]), float(p[4]), p[8]) == exact
        assert math.isclose(float(p[5]), volume, rel_tol=1e-6)


def test_history_reaches_back_and_the_last_row_is_the_open_candle() -> None:
    market = Market(["BTCUSDT"], seed=7, start_time_ms=START)
    market.advance(START + 90_000, wanted={})
    rows = market.klines("BTCUSDT", "1m", limit=1000)
    assert len(rows) == 1000
    assert rows[-1][0] == START + 60_000 and rows[-1][6] > market.now  # still open
    assert all(b[0] == a[6] + 1 for a, b in itertools.pairwise(rows))
    assert market.klines("BTCUSDT", "1m", start=START - 3 * 86_400_000, limit=1)[0][0] == (
        START - 3 * 86_400_000
    )
    for interval, at_least in (("1s", 1000), ("30m", 200), ("4h", 500), ("1d", 1000), ("1w", 200)):
        assert len(market.klines("BTCUSDT", interval, limit=1000)) >= at_least, interval
    assert len(market.klines("BTCUSDT", "1M", limit=1000)) >= 40


def test_klines_selection_rules() -> None:
    market = Market(["XRPUSDT"], seed=1, start_time_ms=START)
    market.advance(START + 5 * MINUTE + 30_000, wanted={})
    everything = market.klines("XRPUSDT", "1m", limit=1000)
    opens = [r[0] for r in everything]
    # startTime: oldest from there; endTime: newest up to it; both: from start, not past end
    assert [r[0] for r in market.klines("XRPUSDT", "1m", start=opens[10] - 1, limit=3)] == opens[
        10:13
    ]
    assert [r[0] for r in market.klines("XRPUSDT", "1m", end=opens[10], limit=3)] == opens[8:11]
    both = market.klines("XRPUSDT", "1m", start=opens[-4], end=opens[-2], limit=10)
    assert [r[0] for r in both] == opens[-4:-1]
    assert market.klines("XRPUSDT", "1m", start=market.now + MINUTE) == []
    assert len(market.klines("XRPUSDT", "1m")) == 500
    assert market.klines("XRPUSDT", "1m", limit=2)[-1][0] == START + 5 * MINUTE


def test_store_memory_is_bounded_and_stays_contiguous() -> None:
    market = Market(["DOGEUSDT"], seed=2, start_time_ms=START, trade_rate=1.0)
    market.advance(START + 2 * STORE_CAP * 1000, wanted={})
    store = market.sims["DOGEUSDT"].stores["1s"]
    assert len(store) <= STORE_CAP + STORE_CAP // 8
    assert all(b == a + 1000 for a, b in zip(store.t, store.t[1:], strict=False))
    assert store.t[-1] == market.now // 1000 * 1000 - 1000


def test_quiet_market_emits_no_trade_candles() -> None:
    market = Market(["DOGEUSDT"], seed=5, start_time_ms=START, trade_rate=0.5)
    frames = market.advance(START + 60_000, {"dogeusdt@kline_1s"})
    closed = [d["k"] for _, d in frames if d["k"]["x"]]
    assert len(closed) == 60
    empty = [(a, b) for a, b in itertools.pairwise(closed) if b["n"] == 0]
    assert empty, "expected some seconds without trades at 0.2 trades/s"
    for prev, k in empty:
        assert (k["f"], k["L"], k["v"], k["q"]) == (-1, -1, "0.00000000", "0.00000000")
        assert k["o"] == k["h"] == k["l"] == k["c"] == prev["c"]


def test_trade_ids_are_contiguous_and_match_klines(ten_minutes: tuple[Market, list]) -> None:
    _, frames = ten_minutes
    aggs = [d for s, d in frames if s == "bnbusdt@aggTrade"]
    trades = [d for s, d in frames if s == "bnbusdt@trade"]
    assert all(b["a"] == a["a"] + 1 and b["f"] == a["l"] + 1 for a, b in itertools.pairwise(aggs))
    assert all(b["T"] >= a["T"] for a, b in itertools.pairwise(aggs))
    assert [t["t"] for t in trades] == list(range(aggs[0]["f"], aggs[-1]["l"] + 1))
    by_id = {a["a"]: a for a in aggs}
    for agg in list(by_id.values())[:50]:
        parts = [t for t in trades if agg["f"] <= t["t"] <= agg["l"]]
        assert math.isclose(sum(float(t["q"]) for t in parts), float(agg["q"]), abs_tol=1e-9)
        assert {t["p"] for t in parts} == {agg["p"]}
    candles = [d["k"] for s, d in frames if s == "bnbusdt@kline_1m" and d["k"]["x"]]
    for k in candles:
        inside = [a for a in aggs if k["t"] <= a["T"] <= k["T"]]
        assert (k["f"], k["L"]) == (inside[0]["f"], inside[-1]["l"])
        assert math.isclose(float(k["v"]), sum(float(a["q"]) for a in inside), rel_tol=1e-9)


def test_tickers(ten_minutes: tuple[Market, list]) -> None:
    market, frames = ten_minutes
    tickers = [d for s, d in frames if s == "btcusdt@ticker"]
    assert len(tickers) == 600
    assert [t["E"] for t in tickers] == list(range(START + 1000, START + 600_001, 1000))
    for t in tickers:
        assert float(t["l"]) <= float(t["c"]) <= float(t["h"])
        assert t["n"] == t["L"] - t["F"] + 1
        assert t["C"] - t["O"] == 86_400_000
    last = tickers[-1]
    stats = market.sims["BTCUSDT"].stats(last["E"])
    assert last["c"] == f"{stats.last:.8f}" and last["n"] == stats.count
    arrays = [d for s, d in frames if s == "!miniTicker@arr"]
    assert len(arrays) == 600 and all(1 <= len(a) <= 6 for a in arrays)
    minis = [d for s, d in frames if s == "ethusdt@miniTicker"]
    assert len(minis) == 600


def test_unknown_symbol_gets_a_seeded_market() -> None:
    a = Market(["FOOUSDT"], seed=4, start_time_ms=START)
    b = Market(["FOOUSDT"], seed=4, start_time_ms=START)
    assert a.specs["FOOUSDT"] == b.specs["FOOUSDT"]
    assert a.specs["FOOUSDT"].quote == "USDT" and a.specs["FOOUSDT"].price > 0
    assert len(a.advance(START + 5000, ALL)) > 0
    with pytest.raises(ValueError):
        Market(["bad symbol!"], start_time_ms=START)


CROSSES = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "SOLBTC", "ETHBTC", "ETHFDUSD"]


def test_cross_pairs_start_at_the_ratio_of_their_usdt_prices() -> None:
    specs = Market(CROSSES, seed=7, start_time_ms=START).specs
    btc, eth, sol = specs["BTCUSDT"], specs["ETHUSDT"], specs["SOLUSDT"]
    for cross, ratio in (("SOLBTC", sol.price / btc.price), ("ETHBTC", eth.price / btc.price)):
        spec = specs[cross]
        assert abs(spec.price - ratio) <= spec.tick / 2, (cross, spec.price, ratio)
        assert spec.quote == "BTC" and spec.price < 0.1  # not a USDT-sized price
        assert spec.median_notional * btc.price == pytest.approx(200.0)  # in BTC, ~200 USDT
    assert specs["ETHFDUSD"].price == eth.price and specs["ETHFDUSD"].tick == eth.tick
    alone = Market(["SOLBTC"], seed=7, start_time_ms=START).specs["SOLBTC"]
    assert alone == specs["SOLBTC"]  # derived from the legs' specs, simulated or not


def test_cross_pairs_trade_at_the_ratio_of_their_legs_as_they_move() -> None:
    market = Market(CROSSES, seed=7, start_time_ms=START)
    frames = market.advance(START + 20 * MINUTE, {f"{s.lower()}@aggTrade" for s in CROSSES})
    trades: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for _stream, data in frames:
        trades[data["s"]].append((data["T"], float(data["p"])))

    def price_at(symbol: str, t: int) -> float:
        """The leg's last trade price at or before `t` (its start price before any)."""
        series = trades[symbol]
        i = bisect.bisect_right(series, (t, math.inf))
        return series[i - 1][1] if i else market.specs[symbol].price

    for cross, base, quote in (("SOLBTC", "SOLUSDT", "BTCUSDT"), ("ETHFDUSD", "ETHUSDT", None)):
        assert len(trades[cross]) > 200
        for t, price in trades[cross]:
            ratio = price_at(base, t) / (price_at(quote, t) if quote else 1.0)
            assert price == pytest.approx(ratio, rel=2e-4), (cross, t)
    sol, btc = market.sims["SOLUSDT"], market.sims["BTCUSDT"]
    assert abs(sol.mid / btc.mid / market.specs["SOLBTC"].price - 1) > 1e-3  # they moved


def test_cross_history_and_24h_change_follow_their_legs() -> None:
    """Before the start too: a cross's candles close at its legs' ratio, so its 24 h change
    agrees with theirs (ETHBTC fell 6 % while ETH and BTC both rose, before)."""
    market = Market(CROSSES, seed=7, start_time_ms=START)
    market.advance(START + 5 * MINUTE, ())
    for interval in ("1s", "1m", "1h", "1d"):  # the candles before the start
        eth, btc, cross = (
            [
                float(row[4])
                for row in market.klines(s, interval, end=START - 1, limit=300)
                if row[6] < START
            ]
            for s in ("ETHUSDT", "BTCUSDT", "ETHBTC")
        )
        assert len(cross) > 10
        assert cross == pytest.approx([e / b for e, b in zip(eth, btc, strict=True)], rel=5e-5)
    change = {s: market.sims[s].stats(market.now) for s in ("ETHUSDT", "BTCUSDT", "ETHBTC")}
    ratio = {s: st.last / st.open for s, st in change.items()}
    assert ratio["ETHBTC"] == pytest.approx(ratio["ETHUSDT"] / ratio["BTCUSDT"], rel=1e-3)


def test_crosses_leave_the_usdt_pairs_as_they_were_and_do_not_depend_on_chunking() -> None:
    def run_in(symbols: list[str], chunk: int) -> dict[str, list[bytes]]:
        market = Market(symbols, seed=7, start_time_ms=START)
        out: list = []
        t = START
        while t < START + 30_000:
            t = min(t + chunk, START + 30_000)
            out += market.advance(t, core_streams(market))
        return by_stream(out)

    whole = run_in(CROSSES, 30_000)
    assert run_in(CROSSES, 137) == whole
    plain = run_in(["BTCUSDT", "ETHUSDT", "SOLUSDT"], 30_000)
    del plain[MINI_TICKER_ARR]  # lists every symbol that traded: the crosses too
    assert {stream: whole[stream] for stream in plain} == plain
