"""The seeded market generator: trades → aggTrades → klines → tickers → book, in simulated time.

Determinism: every symbol has its own `random.Random` seeded from (seed, symbol), events are
processed in time order (scheduled scenario events, then trades, at equal times; sim-time ticks
every 100 ms close candles and push updates), and nothing depends on how `advance` is chunked or
on who is subscribed. So a given (seed, start time, injections) yields the same frames whether the
server ticks every 20 ms of wall time or a test jumps ahead an hour at once.

`wanted` only decides which frames are *built*: payload dicts are made for subscribed streams
alone, which is what keeps 100× speed cheap.

Cadence (sim time): aggTrade/trade/bookTicker per trade; kline `x:false` every 2000 ms (at odd
seconds, so never on a candle boundary) and every 1000 ms for 1s (at +500 ms); kline `x:true`
once per candle at the tick after its close time (E = T + 1); tickers, avgPrice and partial
depth every 1000 ms; `depth<N>@100ms` every 100 ms.
"""

from __future__ import annotations

import heapq
import math
import random
import re
import time
from collections import deque
from collections.abc import Container, Iterable
from dataclasses import dataclass
from typing import Any

from cryptotui.intervals import DAY, MINUTE
from cryptotui.models import AggTrade, BookTicker, Trade
from cryptotui.sim import wire
from cryptotui.sim.bars import INTERVALS, Bar, bounds
from cryptotui.sim.history import (
    MINUTE_HISTORY_DAYS,
    Path,
    build_history,
    past_trades,
    ratio_paths,
)
from cryptotui.sim.scenarios import SCENARIOS, Forced, GroundTruth, Plan, Steer
from cryptotui.sim.symbols import DEFAULT_SYMBOLS, SymbolSpec, legs, spec_for

Frame = tuple[str, Any]
"""(stream name, payload as a JSON-ready dict or list)."""

MINI_TICKER_ARR = "!miniTicker@arr"
RECENT_TRADES = 2000
"""aggTrades kept per symbol for REST `aggTrades`/`trades`."""
MIDS_KEPT_MS = 1000
"""A leg's mids kept for its followers: they trail it by at most one 100 ms step."""
SYMBOL_RE = re.compile(r"^[A-Z0-9\-_.]{1,20}$")


class _Everything:
    def __contains__(self, item: object) -> bool:
        return True


ALL: Container[str] = _Everything()
"""`wanted` value that builds every frame (generator-level tests)."""


@dataclass(slots=True)
class _Window:
    """24 h statistics of the closed 1m candles, recomputed whenever a 1m candle closes."""

    prev_close: float
    open: float
    high: float
    low: float
    volume: float
    quote: float
    count: int
    first_id: int


def split_trades(agg: AggTrade, step: float) -> list[Trade]:
    """The individual trades behind an aggTrade (same price, quantities summing to its qty)."""
    k = agg.last_trade_id - agg.first_trade_id + 1
    part = math.floor(agg.qty / k / step) * step
    qtys = [part] * (k - 1) + [round((agg.qty - part * (k - 1)) / step) * step]
    return [
        Trade(
            agg.symbol, agg.first_trade_id + i, agg.price, q, agg.time, agg.buyer_is_maker, agg.time
        )
        for i, q in enumerate(qtys)
    ]


class SymbolSim:
    """Live state of one symbol: price walk, trade ids, candles, book, recent trades."""

    def __init__(
        self,
        spec: SymbolSpec,
        seed: int,
        start_ms: int,
        trade_rate: float,
        minute_days: float = MINUTE_HISTORY_DAYS,
        legs: tuple[SymbolSim, SymbolSim | None] | None = None,
    ) -> None:
        """With `legs` the symbol is a cross that follows them (`follow`), its history too."""
        self.spec = spec
        self.symbol = spec.symbol
        self.seed = seed
        self.rng = random.Random(f"{seed}:{spec.symbol}:live")
        self.agg_rate = max(trade_rate * spec.activity, 1e-6)
        """Mean aggTrades per sim second."""
        paths = None
        if legs is not None:
            paths = ratio_paths(legs[0].paths, legs[1].paths if legs[1] else None)
        history = build_history(spec, seed, start_ms, self.agg_rate, minute_days, paths)
        self.paths: tuple[Path, ...] = history.paths
        """Kept for the crosses that follow this symbol (`ratio_paths`)."""
        self.stores = history.stores
        self.cur = history.open_bars.pop("1s")
        self.open_bars = history.open_bars
        self.next_id = history.next_trade_id
        self.agg_id = self.next_id // 3
        self.mid = self.last_price = spec.price
        self.last_qty = 0.0
        self.last_time = start_ms
        self.median_qty = spec.median_notional / spec.price
        self.book = BookTicker(
            self.symbol,
            self.next_id * 2,
            spec.price,
            spec.round_qty(self.median_qty * 2),
            spec.price + spec.tick,
            spec.round_qty(self.median_qty * 2),
        )
        self.recent: deque[AggTrade] = deque(maxlen=RECENT_TRADES)
        self.start_ms = start_ms
        self.first_live_agg = self.agg_id
        self._past: list[AggTrade] | None = None
        self.changed = False
        """Traded since the last ticker push (for `!miniTicker@arr`)."""
        self.steer: Steer | None = None
        self.legs: tuple[SymbolSim, SymbolSim | None] | None = None
        """The USDT pairs this cross follows (`follow`), when both are simulated."""
        self.basis = 1.0
        """Price / legs' ratio: 1 until a scenario moves the cross off its legs."""
        self.mids: deque[tuple[int, float]] | None = None
        """(time, mid) after each trade, while a cross follows this symbol (`mid_at`)."""
        self.pending: list[tuple[int, int, Plan | Forced]] = []
        self._seq = 0
        self.next_t = start_ms + self._gap(1.0)
        low = self.symbol.lower()
        self.s_agg = f"{low}@aggTrade"
        self.s_trade = f"{low}@trade"
        self.s_book = f"{low}@bookTicker"
        self.s_ticker = f"{low}@ticker"
        self.s_mini = f"{low}@miniTicker"
        self.s_kline = {iv: f"{low}@kline_{iv}" for iv in INTERVALS}
        self.s_avg = f"{low}@avgPrice"
        self.s_depth_1s = [
            (n, name) for n in (5, 10, 20) for name in (f"{low}@depth{n}", f"{low}@depth{n}@1000ms")
        ]
        self.s_depth_100 = [(n, f"{low}@depth{n}@100ms") for n in (5, 10, 20)]
        self.window = self._window()
        if legs is not None:
            self.follow(*legs)

    # ------------------------------------------------------------------ crosses

    def follow(self, base_leg: SymbolSim, quote_leg: SymbolSim | None) -> None:
        """Price every trade from the legs' mids at its time: base / quote (quote 1 for a
        stablecoin). The market runs legs before followers within each step, so a leg has
        always reached the follower's trade time, however `advance` is chunked."""
        self.legs = (base_leg, quote_leg)
        for leg in (base_leg, quote_leg):
            if leg is not None and leg.mids is None:
                leg.mids = deque([(self.start_ms, leg.mid)])

    def mid_at(self, t: int) -> float:
        """The mid as of sim time `t` (its last trade at or before `t`)."""
        mids = self.mids
        assert mids is not None, "mid_at needs follow() first"
        for when, mid in reversed(mids):
            if when <= t:
                return mid
        return mids[0][1]

    def _ratio(self, t: int) -> float:
        assert self.legs is not None
        base, quote = self.legs
        return base.mid_at(t) / (quote.mid_at(t) if quote is not None else 1.0)

    # ------------------------------------------------------------------ trades

    def _gap(self, rate_mult: float) -> int:
        return int(self.rng.expovariate(self.agg_rate * rate_mult) * 1000.0)

    def schedule(self, when: int, item: Plan | Forced) -> None:
        self._seq += 1
        heapq.heappush(self.pending, (when, self._seq, item))

    def run_until(self, t_end: int, out: list[Frame], wanted: Container[str]) -> None:
        """Process every scheduled event and trade up to and including `t_end`."""
        pending = self.pending
        while True:
            if pending and pending[0][0] <= self.next_t:
                if pending[0][0] > t_end:
                    return
                item = heapq.heappop(pending)[2]
                if isinstance(item, Forced):
                    qty = item.qty if item.qty is not None else self._typical_qty(item.price)
                    price = item.price if item.price is not None else self.mid
                    self.mid = price
                    self._execute(item.time, price, qty, item.sell, 1, out, wanted)
                else:
                    self.steer = item.activate(self.mid, self.rng)
                    for forced in self.steer.forced:
                        self.schedule(forced.time, forced)
            elif self.next_t <= t_end:
                self._random_trade(self.next_t, out, wanted)
            else:
                return

    def _typical_qty(self, price: float | None) -> float:
        return self.spec.median_notional / (price or self.mid) * math.exp(self.rng.gauss(0.0, 1.0))

    def _random_trade(self, t: int, out: list[Frame], wanted: Container[str]) -> None:
        rng = self.rng
        steer = self.steer
        if steer is not None and t > steer.end_ms:
            steer = self.steer = None
        price = steer.price_at(t, rng) if steer is not None else None
        if price is None and self.legs is not None:
            price = self.mid = self.basis * self._ratio(t)
        elif price is None:
            dt = t - self.last_time
            if dt > 0:
                self.mid *= math.exp(self.spec.sigma_s * math.sqrt(dt / 1000.0) * rng.gauss(0, 1))
            price = self.mid
        else:
            self.mid = price
            if self.legs is not None:  # a scenario on the cross: it continues from there
                self.basis = price / self._ratio(t)
        qty = self._typical_qty(price)
        if steer is not None:
            qty *= steer.qty_mult
        self._execute(t, price, qty, None, 1 + int(rng.expovariate(1.0)), out, wanted)
        self.next_t = t + self._gap(steer.rate_mult if steer is not None else 1.0)

    def _execute(
        self,
        t: int,
        price: float,
        qty: float,
        sell: bool | None,
        k: int,
        out: list[Frame],
        wanted: Container[str],
    ) -> None:
        spec = self.spec
        price = spec.round_price(price)
        qty = spec.round_qty(qty, k)
        u = self.rng.random()
        if sell is None:
            sell = price < self.last_price or (price == self.last_price and u < 0.5)
        first = self.next_id
        self.next_id = first + k
        trade = AggTrade(self.symbol, self.agg_id, price, qty, first, first + k - 1, t, sell, t)
        self.agg_id += 1
        self.cur.add_trade(price, qty, sell, first, first + k - 1)
        self.recent.append(trade)
        self.last_price, self.last_qty, self.last_time = price, qty, t
        self.changed = True
        book = self.book
        if sell:  # the taker sold into the bid
            book.bid, book.ask = price, price + spec.tick
        else:
            book.bid, book.ask = max(price - spec.tick, spec.tick), price
        book.bid_qty = spec.round_qty(self.median_qty * (0.2 + 3.0 * u))
        book.ask_qty = spec.round_qty(self.median_qty * (3.2 - 3.0 * u))
        book.update_id += 1 + int(u * 4)
        if self.mids is not None:
            self.mids.append((t, self.mid))
            while len(self.mids) > 1 and self.mids[1][0] <= t - MIDS_KEPT_MS:
                self.mids.popleft()
        if self.steer is not None and self.steer.observer is not None:
            self.steer.observer(trade)
        if self.s_agg in wanted:
            out.append((self.s_agg, wire.agg_trade_event(trade)))
        if self.s_trade in wanted:
            out.extend((self.s_trade, wire.trade_event(x)) for x in split_trades(trade, spec.step))
        if self.s_book in wanted:
            out.append((self.s_book, wire.book_ticker_event(book)))

    def trade_log(self) -> list[AggTrade]:
        """The last `RECENT_TRADES` aggTrades, oldest first, for REST: the live ones, after
        those made before the start (generated on first use) while the live ones have not yet
        pushed any out."""
        recent = self.recent
        if recent and recent[0].agg_id != self.first_live_agg:
            return list(recent)
        if self._past is None:
            self._past = past_trades(
                self.spec, self.seed, self.stores, self.start_ms, self.first_live_agg, RECENT_TRADES
            )
        return [*self._past, *recent][-RECENT_TRADES:]

    # ------------------------------------------------------------------ candles

    def tick(self, tk: int, out: list[Frame], wanted: Container[str]) -> None:
        """Sim-time tick at a multiple of 100 ms: close candles, push periodic updates."""
        if tk % 1000 == 0:
            self._roll(tk, out, wanted)
            if tk % 2000 == 1000:
                for iv, bar in self.open_bars.items():
                    name = self.s_kline[iv]
                    if name in wanted:
                        out.append((name, wire.kline_event(self.symbol, iv, bar, False, tk)))
            if self.s_avg in wanted:
                price, last_time = self.avg_price(tk)
                out.append((self.s_avg, wire.avg_price_event(self.symbol, price, last_time, tk)))
            self._depth_frames(self.s_depth_1s, out, wanted)
        elif tk % 1000 == 500 and self.s_kline["1s"] in wanted:
            out.append(
                (self.s_kline["1s"], wire.kline_event(self.symbol, "1s", self.cur, False, tk))
            )
        self._depth_frames(self.s_depth_100, out, wanted)

    def _depth_frames(
        self, streams: list[tuple[int, str]], out: list[Frame], wanted: Container[str]
    ) -> None:
        chosen = [(n, name) for n, name in streams if name in wanted]
        if chosen:
            update_id, bids, asks = self.depth(max(n for n, _ in chosen))
            for n, name in chosen:
                out.append((name, wire.depth_partial(update_id, bids[:n], asks[:n])))

    def _roll(self, tk: int, out: list[Frame], wanted: Container[str]) -> None:
        cur = self.cur
        if cur.trades:
            for bar in self.open_bars.values():
                bar.merge(cur)
        self._close("1s", cur, tk, out, wanted)
        self.cur = Bar.empty(tk, tk + 999, cur.close)
        for iv, bar in self.open_bars.items():
            if bar.close_time < tk:
                self._close(iv, bar, tk, out, wanted)
                self.open_bars[iv] = Bar.empty(*bounds(tk, iv), bar.close)
                if iv == "1m":
                    self.window = self._window()

    def _close(self, iv: str, bar: Bar, tk: int, out: list[Frame], wanted: Container[str]) -> None:
        self.stores[iv].append(bar)
        name = self.s_kline[iv]
        if name in wanted:
            out.append((name, wire.kline_event(self.symbol, iv, bar, True, tk)))

    def open_bar(self, interval: str) -> Bar:
        """The still-open candle of `interval` as of the last processed trade."""
        if interval == "1s":
            return self.cur.copy()
        return self.open_bars[interval].merged(self.cur)

    # ------------------------------------------------------------------ statistics

    def _window(self) -> _Window:
        s = self.stores["1m"]
        i0 = max(0, len(s) - 1439)  # 1439 closed + the open one ≈ 24 h
        return _Window(
            prev_close=s.c[i0 - 1] if i0 else s.o[i0],
            open=s.o[i0],
            high=max(s.h[i0:]),
            low=min(s.l[i0:]),
            volume=sum(s.v[i0:]),
            quote=sum(s.q[i0:]),
            count=sum(s.n[i0:]),
            first_id=next((f for f in s.f[i0:] if f >= 0), -1),
        )

    def stats(self, now: int) -> wire.Stats24h:
        w = self.window
        live = self.open_bar("1m")
        high, low = w.high, w.low
        if live.trades:
            high, low = max(high, live.high), min(low, live.low)
        first_id = w.first_id if w.first_id >= 0 else live.first_id
        return wire.Stats24h(
            self.symbol,
            now - DAY,
            now,
            w.prev_close,
            w.open,
            high,
            low,
            self.last_price,
            self.last_qty,
            w.volume + live.volume,
            w.quote + live.quote_volume,
            first_id,
            self.next_id - 1,
            w.count + live.trades,
            BookTicker(*(getattr(self.book, f) for f in BookTicker.__slots__)),
        )

    def avg_price(self, now: int) -> tuple[float, int]:
        """Binance's 5-minute average price (volume weighted) and the last trade time."""
        s = self.stores["1m"]
        i0 = s.index_ge(now - 5 * MINUTE)
        live = self.open_bar("1m")
        volume = sum(s.v[i0:]) + live.volume
        quote = sum(s.q[i0:]) + live.quote_volume
        return (quote / volume if volume else self.last_price), self.last_time

    def depth(self, limit: int) -> tuple[int, list[tuple[float, float]], list[tuple[float, float]]]:
        """A synthetic order book around the current best bid/ask (own RNG: no effect on trades)."""
        book, spec = self.book, self.spec
        rng = random.Random(f"{self.seed}:{self.symbol}:{book.update_id}")
        bids, asks = [(book.bid, book.bid_qty)], [(book.ask, book.ask_qty)]
        for side, sign in ((bids, -1.0), (asks, 1.0)):
            price = side[0][0]
            while len(side) < limit:
                price += sign * spec.tick * (1 + int(rng.expovariate(0.7)))
                if price <= 0:
                    break
                qty = spec.round_qty(self.median_qty * rng.lognormvariate(0.0, 1.0))
                side.append((spec.round_price(price), qty))
        return book.update_id, bids[:limit], asks[:limit]


class Market:
    """All symbols, advanced together in simulated time; the source of every frame and REST body."""

    def __init__(
        self,
        symbols: Iterable[str] = DEFAULT_SYMBOLS,
        *,
        seed: int = 7,
        start_time_ms: int | None = None,
        trade_rate: float = 5.0,
        minute_days: float = MINUTE_HISTORY_DAYS,
    ) -> None:
        """`start_time_ms` is rounded down to a whole minute (default: now); `trade_rate` is the
        mean number of BTCUSDT aggTrades per sim second (other symbols scale from it);
        `minute_days` is how far back REST serves 1m candles (coarser intervals go further)."""
        if start_time_ms is None:
            start_time_ms = int(time.time() * 1000)
        start = start_time_ms // MINUTE * MINUTE
        names = [s.upper() for s in dict.fromkeys(symbols)]
        bad = [s for s in names if not SYMBOL_RE.fullmatch(s)]
        if bad or not names:
            raise ValueError(f"invalid symbols: {bad or 'none given'}")
        self.seed = seed
        self.start_ms = start
        self.now = start
        self.specs = {s: spec_for(s, seed) for s in names}
        pairs = {s: legs(s) for s in names}
        crosses = {
            s: (p[0], p[1]) for s, p in pairs.items()
            if p is not None and p[0] in self.specs and p[1] in (None, *self.specs)
        }  # fmt: skip
        sims: dict[str, SymbolSim] = {}
        for s in sorted(names, key=lambda s: s in crosses):  # legs first
            pair = crosses.get(s)
            followed = (sims[pair[0]], sims[pair[1]] if pair[1] else None) if pair else None
            sims[s] = SymbolSim(self.specs[s], seed, start, trade_rate, minute_days, followed)
        self.sims = {s: sims[s] for s in names}
        self.truth: list[GroundTruth] = []
        # Legs before their followers (otherwise in the order given): see `SymbolSim.follow`.
        self._order = sorted(self.sims.values(), key=lambda s: s.legs is not None)
        self._next_tick = start + 100

    def advance(self, to_ms: int, wanted: Container[str] = ALL) -> list[Frame]:
        """Run sim time forward to `to_ms`; return the frames of the `wanted` streams, in order."""
        out: list[Frame] = []
        sims = self._order
        while self._next_tick <= to_ms:
            tk = self._next_tick
            for s in sims:
                s.run_until(tk - 1, out, wanted)
            for s in sims:
                s.tick(tk, out, wanted)
            if tk % 1000 == 0:
                self._tickers(tk, out, wanted)
            self._next_tick = tk + 100
        for s in sims:
            s.run_until(to_ms, out, wanted)
        self.now = max(self.now, to_ms)
        return out

    def _tickers(self, tk: int, out: list[Frame], wanted: Container[str]) -> None:
        arr_wanted = MINI_TICKER_ARR in wanted
        minis = []
        for s in self._order:
            want_full, want_mini = s.s_ticker in wanted, s.s_mini in wanted
            in_arr = arr_wanted and s.changed
            s.changed = False
            if not (want_full or want_mini or in_arr):
                continue
            stats = s.stats(tk)
            if want_full:
                out.append((s.s_ticker, wire.ticker_event(stats, tk)))
            if want_mini or in_arr:
                mini = wire.mini_ticker_event(stats, tk)
                if want_mini:
                    out.append((s.s_mini, mini))
                if in_arr:
                    minis.append(mini)
        if minis:
            out.append((MINI_TICKER_ARR, minis))

    # ------------------------------------------------------------------ queries (REST)

    def klines(
        self,
        symbol: str,
        interval: str,
        start: int | None = None,
        end: int | None = None,
        limit: int = 500,
    ) -> list[list]:
        """REST kline rows with Binance's selection rules; the last may be the open candle."""
        sim = self.sims[symbol]
        store = sim.stores[interval]
        lo = store.index_ge(start) if start is not None else 0
        hi = store.index_gt(end) if end is not None else len(store)
        current = sim.open_bar(interval)
        with_open = (start is None or current.open_time >= start) and (
            end is None or current.open_time <= end
        )
        count = max(0, hi - lo) + with_open
        first = lo if start is not None else lo + max(0, count - limit)
        last = min(first + limit, lo + count)  # exclusive, in the closed-then-open sequence
        rows = store.rows(first, min(last, hi))
        if with_open and last > hi:
            rows.append(current.row())
        return rows

    def inject(
        self, scenario: str, symbol: str, at_ms: int | None = None, **params: Any
    ) -> GroundTruth:
        """Schedule `scenario` for `symbol` at sim time `at_ms` (default: now)."""
        if scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {scenario!r}; choose from {', '.join(SCENARIOS)}")
        sim = self.sims.get(symbol.upper())
        if sim is None:
            raise ValueError(f"symbol {symbol!r} is not simulated")
        at = self.now if at_ms is None else at_ms
        if at < self.now:
            raise ValueError(f"at_ms {at} is in the past (sim time is {self.now})")
        plan = SCENARIOS[scenario](sim.spec, at, **params)
        sim.schedule(plan.start_ms, plan)
        self.truth.append(plan.truth)
        return plan.truth

    def ground_truth(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "start_time_ms": self.start_ms,
            "scenarios": [t.to_json() for t in self.truth],
        }
