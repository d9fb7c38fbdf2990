"""Pre-start candle history, generated at candle level with numpy (milliseconds per symbol).

A client's first REST call asks for hundreds of candles before "now", so the simulator needs a
past. Generating it trade by trade would be far too slow, so it is built in nested tiers, each a
random walk of candles generated *backwards* from the price where the finer tier begins:

    tier 3: 1d candles  [start - 5 d - 3000 h - 1500 d, ...)
    tier 2: 1h candles  [... , start - 5 d)           + the 1h aggregates of tier 1
    tier 1: 1m candles  [start - 5 d, start - 20 min) + the 1m aggregates of tier 0
    tier 0: 1s candles  [start - 20 min, start)

Every interval is then aggregated from the finest tier that covers it (1s←0; 1m…30m←1;
1h…12h←2; 1d, 3d, 1w, 1M←3), so overlapping intervals agree exactly, and the last, partial
group of each interval seeds the live open candle. History candles always contain trades.
The 5 days of 1m candles are `minute_days` (a backfill benchmark asks for a year).
"""

from __future__ import annotations

import math
import random
import zlib
from dataclasses import dataclass

import numpy as np

from cryptotui.intervals import DAY, HOUR, MINUTE, SECOND, candle_open
from cryptotui.models import AggTrade
from cryptotui.sim.bars import INTERVALS, Bar, BarStore, bounds, bucket_close, bucket_open
from cryptotui.sim.symbols import SymbolSpec

Cols = dict[str, np.ndarray]

TIER0_SECONDS = 20 * 60
MINUTE_HISTORY_DAYS = 5.0
"""Default depth of 1m history; a backfill benchmark asks for a year."""
TIER2_HOURS = 3000
TIER3_DAYS = 1500
STORE_CAP = 1500
"""Closed candles kept per (symbol, interval) beyond the initial history."""

TRADES_PER_AGG = 1.0 + 1.0 / (math.e - 1.0)
"""Mean trades merged into one aggTrade (`1 + floor(Exp(1))`, see market.py)."""

_TIER_OF = {
    "1s": 0,
    **dict.fromkeys(("1m", "3m", "5m", "15m", "30m"), 1),
    **dict.fromkeys(("1h", "2h", "4h", "6h", "8h", "12h"), 2),
    **dict.fromkeys(("1d", "3d", "1w", "1M"), 3),
}


Path = tuple[float, np.ndarray]
"""A tier's price path: the open of its first candle and the close of every candle."""


@dataclass(slots=True)
class History:
    stores: dict[str, BarStore]
    open_bars: dict[str, Bar]
    """The open candle of every interval at the start, holding the pre-start part of its period."""
    next_trade_id: int
    paths: tuple[Path, ...]
    """Each tier's price path, finest first: a cross's history is its legs' ratio."""


def ratio_paths(base: tuple[Path, ...], quote: tuple[Path, ...] | None) -> tuple[Path, ...]:
    """A cross's price paths from its legs' (every symbol's tiers share one time grid): base /
    quote, or base alone for a stablecoin quote."""
    if quote is None:
        return base
    return tuple(
        (a_first / b_first, a_close / b_close)
        for (a_first, a_close), (b_first, b_close) in zip(base, quote, strict=True)
    )


def _walk(
    rng: np.random.Generator,
    spec: SymbolSpec,
    count: int,
    base_ms: int,
    first_open: int,
    end_price: float,
    agg_rate: float,
    path: Path | None = None,
) -> Cols:
    """`count` candles of `base_ms` whose last close is `end_price` (ids assigned later); with
    `path`, along that path instead of a random walk (a cross following its legs)."""
    seconds = base_ms / SECOND
    sigma = spec.sigma_s * math.sqrt(seconds)
    steps = rng.standard_normal(count) * sigma
    suffix = np.cumsum(steps[::-1])[::-1]  # suffix[i] = sum(steps[i:])
    log_close = math.log(end_price) - np.concatenate((suffix[1:], [0.0]))
    tick = spec.tick
    close = np.maximum(np.round(np.exp(log_close) / tick), 1.0) * tick
    first = max(round(math.exp(log_close[0] - steps[0]) / tick), 1) * tick
    if path is not None:
        close = np.maximum(np.round(path[1] / tick), 1.0) * tick
        first = max(round(path[0] / tick), 1) * tick
    open_ = np.concatenate(([first], close[:-1]))
    wick = np.abs(rng.standard_normal((2, count))) * sigma * 0.6
    top = np.maximum(open_, close)
    bottom = np.minimum(open_, close)
    high = np.maximum(np.round(top * np.exp(wick[0]) / tick) * tick, top)
    low = np.maximum(np.minimum(np.round(bottom * np.exp(-wick[1]) / tick) * tick, bottom), tick)
    mean_qty = spec.median_notional * math.exp(0.5) / spec.price
    volume = mean_qty * agg_rate * seconds * rng.lognormal(-0.06, 0.35, count)
    typical = (open_ + high + low + close) / 4.0
    taker = volume * rng.uniform(0.35, 0.65, count)
    trades = np.maximum(rng.poisson(agg_rate * TRADES_PER_AGG * seconds, count), 1)
    return {
        "t": first_open + np.arange(count, dtype=np.int64) * base_ms,
        "o": open_,
        "h": high,
        "l": low,
        "c": close,
        "v": volume,
        "q": volume * typical,
        "V": taker,
        "Q": taker * typical,
        "n": trades.astype(np.int64),
    }


def aggregate(cols: Cols, interval: str) -> Cols:
    """Group candles by the `interval` bucket of their open time (all groups, even partial)."""
    keys = bucket_open(cols["t"], interval)
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    ends = np.concatenate((starts[1:], [len(keys)])) - 1
    opens = keys[starts]
    return {
        "t": opens,
        "T": bucket_close(opens, interval),
        "o": cols["o"][starts],
        "h": np.maximum.reduceat(cols["h"], starts),
        "l": np.minimum.reduceat(cols["l"], starts),
        "c": cols["c"][ends],
        "v": np.add.reduceat(cols["v"], starts),
        "q": np.add.reduceat(cols["q"], starts),
        "V": np.add.reduceat(cols["V"], starts),
        "Q": np.add.reduceat(cols["Q"], starts),
        "n": np.add.reduceat(cols["n"], starts),
        "f": cols["f"][starts],
        "L": cols["L"][ends],
    }


def _concat(a: Cols, b: Cols) -> Cols:
    return {k: np.concatenate((a[k], b[k])) for k in a}


def _slice(cols: Cols, sl: slice) -> Cols:
    return {k: v[sl] for k, v in cols.items()}


def build_history(
    spec: SymbolSpec,
    seed: int,
    start_ms: int,
    agg_rate: float,
    minute_days: float = MINUTE_HISTORY_DAYS,
    paths: tuple[Path, ...] | None = None,
) -> History:
    """History of `spec.symbol` ending at `start_ms` (a whole minute) at price `spec.price`,
    with `minute_days` of 1m candles (tier 1) before the 1s tier; `paths` (`ratio_paths`, finest
    tier first) set its prices, the rest (volumes, wicks, trades) is its own."""
    along = paths or (None, None, None, None)

    def rng(tier: int) -> np.random.Generator:
        return np.random.default_rng([seed, zlib.crc32(spec.symbol.encode()), tier])

    t1_start = (start_ms - int(minute_days * DAY)) // HOUR * HOUR
    t2_start = (t1_start - TIER2_HOURS * HOUR) // DAY * DAY
    t3_start = t2_start - TIER3_DAYS * DAY
    t0_start = start_ms - TIER0_SECONDS * SECOND

    raw0 = _walk(rng(0), spec, TIER0_SECONDS, SECOND, t0_start, spec.price, agg_rate, along[0])
    raw1 = _walk(
        rng(1), spec, (t0_start - t1_start) // MINUTE, MINUTE, t1_start, raw0["o"][0], agg_rate,
        along[1],
    )  # fmt: skip
    raw2 = _walk(
        rng(2), spec, (t1_start - t2_start) // HOUR, HOUR, t2_start, raw1["o"][0], agg_rate,
        along[2],
    )  # fmt: skip
    raw3 = _walk(rng(3), spec, TIER3_DAYS, DAY, t3_start, raw2["o"][0], agg_rate, along[3])
    own = tuple((float(r["o"][0]), r["c"]) for r in (raw0, raw1, raw2, raw3))

    # Trade ids run forward through time across all tiers, ending just before the live ones.
    raws = (raw3, raw2, raw1, raw0)
    counts = np.concatenate([r["n"] for r in raws])
    first_id = np.random.default_rng([seed, zlib.crc32(spec.symbol.encode()), 9]).integers(
        10**8, 10**9
    )
    last = first_id + np.cumsum(counts) - 1
    pos = 0
    for r in raws:
        size = len(r["n"])
        r["L"] = last[pos : pos + size]
        r["f"] = r["L"] - r["n"] + 1
        r["T"] = r["t"] + (r["t"][1] - r["t"][0] if size > 1 else 0) - 1
        pos += size

    tiers = [raw0]
    for raw, base in ((raw1, "1m"), (raw2, "1h"), (raw3, "1d")):
        tiers.append(_concat(raw, aggregate(tiers[-1], base)))

    stores: dict[str, BarStore] = {}
    open_bars: dict[str, Bar] = {}
    for interval in INTERVALS:
        tier = tiers[_TIER_OF[interval]]
        groups = aggregate(tier, interval)
        first = 1 if groups["t"][0] < tier["t"][0] else 0  # drop a leading partial period
        closed = len(groups["t"]) - (1 if groups["T"][-1] >= start_ms else 0)
        stores[interval] = BarStore(_slice(groups, slice(first, closed)), STORE_CAP)
        if closed < len(groups["t"]):
            g = _slice(groups, slice(closed, closed + 1))
            open_bars[interval] = Bar(
                *(v.item() for v in (g["t"], g["T"], g["o"], g["h"], g["l"], g["c"], g["v"])),
                *(v.item() for v in (g["q"], g["n"], g["V"], g["Q"], g["f"], g["L"])),
            )
        else:
            open_bars[interval] = Bar.empty(*bounds(start_ms, interval), spec.price)
    return History(stores, open_bars, int(last[-1]) + 1, own)


def past_trades(
    spec: SymbolSpec, seed: int, stores: dict[str, BarStore], before: int, next_agg: int, count: int
) -> list[AggTrade]:
    """The last `count` aggTrades before `before`, oldest first, ids ending at `next_agg - 1`.

    A client warms its trade detectors from REST `aggTrades` at start, so the past needs trades
    too. They are made up from the history candles (1s, then 1m before those), agreeing with
    them: each candle's trade ids f..L are cut into aggTrades (1 + Exp(1) trades each, as live)
    at times inside the candle, prices inside [low, high] from its open to its close, and its
    volume shared by trade count.
    """
    rng = random.Random(f"{seed}:{spec.symbol}:past")
    newest_first: list[AggTrade] = []
    for interval in ("1s", "1m"):
        store = stores[interval]
        i = store.index_ge(candle_open(before, interval)) - 1
        while i >= 0 and len(newest_first) < count:
            bar = store.bar(i)
            before = bar.open_time
            i -= 1
            if bar.trades <= 0 or bar.first_id < 0:
                continue
            sizes: list[int] = []
            while (left := bar.trades - sum(sizes)) > 0:
                sizes.append(min(left, 1 + int(rng.expovariate(1.0))))
            times = sorted(rng.randint(bar.open_time, bar.close_time) for _ in sizes)
            prices = [bar.open, *(rng.uniform(bar.low, bar.high) for _ in sizes[2:]), bar.close]
            prices = [spec.round_price(p) for p in prices[-len(sizes) :]]
            trades, first, previous = [], bar.first_id, prices[0]
            for k, t, price in zip(sizes, times, prices, strict=True):
                qty = spec.round_qty(bar.volume * k / bar.trades)
                sell = price < previous or (price == previous and rng.random() < 0.5)
                last = first + k - 1
                trades.append(AggTrade(spec.symbol, 0, price, qty, first, last, t, sell, t))
                first, previous = first + k, price
            newest_first.extend(reversed(trades))
    out = newest_first[:count][::-1]
    for n, trade in enumerate(out):
        trade.agg_id = next_agg - len(out) + n
    return out
