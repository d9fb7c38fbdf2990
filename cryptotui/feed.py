"""Connects a source to the state and the consumers; shared by the TUI and headless mode.

`Feed.start()` validates the symbols against exchangeInfo (unknown ones are dropped with one
clear notice, or refused with `strict_symbols`), estimates the clock offset, seeds tickers from
REST, warms up the recent history, then opens the streams; with a store, the history missed
since the last run is caught up in the background (`store.catchup`). Every event goes to
`MarketState.apply` and to the optional `on_event` consumer callback; consumers must return
quickly (they run on the receive path). REST trouble at start-up is reported, never fatal:
the stream still runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import sqlite3
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from cryptotui import validators
from cryptotui.binance.errors import ExchangeError
from cryptotui.binance.rest import Rest
from cryptotui.binance.stream import Stream, StreamOptions
from cryptotui.config import Config
from cryptotui.engine import Engine, engine_from_config
from cryptotui.intervals import INTERVAL_MS, candle_open
from cryptotui.intro import intro
from cryptotui.models import AggTrade, Candle, Notice
from cryptotui.state import MarketState

if TYPE_CHECKING:
    from cryptotui.binance.tap import Tap
    from cryptotui.replay.player import Player
    from cryptotui.store import StoreConfig, Writer
    from cryptotui.store.catchup import ResumePoint

log = logging.getLogger(__name__)

CLOCK_SYNC_SECONDS = 60.0
"""How often the server-minus-local clock offset (stream lag, health view) is re-measured."""
WARM_UP_CANDLES = 500
"""Closed candles fetched per (symbol, interval) at start: enough for every default indicator
to converge (docs/indicators.md: ~400) and for a chart screen, at weight 2 each."""
WARM_UP_TRADES = 1000
"""Recent aggTrades fetched per symbol at start when trade detectors run (one request, weight
4): the whale detector scores a trade only once its baseline window (1000 trades) is full."""


@dataclass(slots=True, frozen=True)
class Endpoints:
    rest_url: str
    ws_url: str
    label: str = "Binance"
    tap: Tap | None = None
    """Records every frame and REST answer (`cryptotui record`)."""
    player: Player | None = None
    """Serves a recording in place of the network (`--replay`)."""
    speed: float = 1.0
    """Exchange-clock seconds per wall second: the simulator's or a replay's `--speed` (0: as
    fast as possible)."""


def stream_names(
    symbols: Sequence[str], intervals: Sequence[str], trades: bool = False, book: bool = False
) -> list[str]:
    names = []
    for sym in symbols:
        s = sym.lower()
        names.append(f"{s}@ticker")
        names.extend(f"{s}@kline_{iv}" for iv in intervals)
        if trades:
            names.append(f"{s}@aggTrade")
        if book:
            names.append(f"{s}@bookTicker")
    return names


class Feed:
    def __init__(
        self,
        endpoints: Endpoints,
        symbols: Sequence[str],
        intervals: Sequence[str],
        *,
        options: StreamOptions | None = None,
        on_event: Callable[[object], None] | None = None,
        state: MarketState | None = None,
        engine: Engine | None = None,
        overview: bool = False,
        store: StoreConfig | None = None,
        strict_symbols: bool = False,
        trades: bool | None = None,
        book: bool = False,
    ) -> None:
        self.endpoints = endpoints
        self.strict_symbols = strict_symbols
        """Refuse to start (`validators.Invalid`) on a symbol the exchange does not list,
        instead of dropping it with a notice: a daemon must not run watching less than asked."""
        self.trades = trades
        """Stream aggTrades: None when the engine's detectors or rules want them."""
        self.book = book
        """Also stream each symbol's best bid/ask (`@bookTicker`; recorded, not analysed)."""
        self.intervals = list(intervals)
        self.state = state or MarketState(list(dict.fromkeys(symbols)))
        self.engine = engine
        self.overview = overview
        """Also stream `!miniTicker@arr` (every symbol's 24 h stats) for the market overview."""
        self.store = store
        """Record closed candles, signals and alerts to SQLite (`[store]`), when set."""
        self.writer: Writer | None = None
        self._prune: asyncio.Task | None = None
        self._background: set[asyncio.Task] = set()
        self._edits: asyncio.Lock | None = None
        """Start-up catch-ups still running (cancelled at close)."""
        if engine is not None:
            engine.emit = self._emit
            self.state.indicators = engine.live_values
        player = endpoints.player
        if player is not None:
            # A recording carries its own stalls and connection ends; wall-clock silence is only
            # this machine pausing (a repaint, a loaded CI), never the recorded market's.
            options = replace(options or StreamOptions(), stall_timeout=math.inf, max_age=math.inf)
        self.rest = Rest(
            endpoints.rest_url,
            transport=player.transport() if player else None,
            tap=endpoints.tap,
        )
        self.rest.clock_rate = endpoints.speed
        self.consumers: list[Callable[[object], None]] = [on_event] if on_event else []
        self.stream = Stream(
            endpoints.ws_url,
            self._on_event,
            fetch=self._fetch_closed,
            fetch_trades=self._fetch_trades,
            options=options,
            connect=player.connect if player else None,
            tap=endpoints.tap,
        )

    def _on_event(self, ev: object) -> None:
        """Every event from the stream (and REST seeding): state, engine, consumers."""
        self._emit(ev)
        if self.engine is not None:
            self.engine.on_event(ev, self.stream.stats.frame_ns)

    def _emit(self, ev: object) -> None:
        self.state.apply(ev)
        for consumer in self.consumers:
            consumer(ev)

    def notice(self, level: str, text: str, kind: str = "feed") -> None:
        self._on_event(Notice(level, text, kind))

    async def _fetch_closed(self, symbol: str, interval: str, start: int, end: int) -> list[Candle]:
        out: list[Candle] = []
        async for page in self.rest.klines_range(symbol, interval, start, end):
            out.extend(page)
        return out

    async def _fetch_trades(self, symbol: str, from_id: int) -> list[AggTrade]:
        return await self.rest.agg_trades(symbol, from_id=from_id)

    async def start(self) -> None:
        if self.engine is not None:
            # A candle boundary's alerts first, then its bookkeeping (see `cryptotui.engine`).
            self.engine.after_burst = asyncio.get_running_loop().call_soon
        player = self.endpoints.player
        if player is not None and player.finished is not None:
            player.finished.add_done_callback(self._replayed)
        # Symbols first: one refused leaves no trace (no database opened); this also measures
        # the exchange's clock, which resuming the track record needs.
        await self._load_symbols()
        if self.store is not None and self.store.enabled:
            self._open_store(self.store)
        await self._resume_tracking()
        if not self.state.symbols:
            self.notice("error", "no valid symbols to watch — fix the watchlist and restart")
            return
        await self._add(self.state.symbols, ["!miniTicker@arr"] if self.overview else [])
        await self._announce()

    async def _announce(self) -> None:
        """Say which detectors run and when the first candles close (`cryptotui.intro`): at
        1× nothing else is heard for minutes."""
        if self.engine is None:
            return
        try:
            now = await self.rest.server_time()
        except ExchangeError:
            return  # the intro is a courtesy; the stream runs without it
        names = self.engine.detector_names
        self.notice("info", intro(names, self.intervals, now, self.endpoints.speed), "intro")

    def _replayed(self, done: asyncio.Future) -> None:
        """The replay reached the end of its recording, or the damage that ends it."""
        if not done.cancelled():
            outcome = done.result()
            self.notice("warning" if outcome.damaged else "info", outcome.message, "replay")

    async def _add(self, symbols: Sequence[str], extra_streams: Sequence[str] = ()) -> None:
        """Tickers, warm history and streams of `symbols`; then, in the background, the stored
        history they missed while the app was stopped (`store.catchup`)."""
        resume = await self._resume_points(symbols)
        await self._best_effort(self._seed_tickers(symbols))
        await self._warm_up(symbols)
        names = stream_names(symbols, self.intervals, self._trades, self.book)
        await self.stream.subscribe([*names, *extra_streams])
        if resume:
            task = asyncio.get_running_loop().create_task(self._catch_up(resume))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _warm_up(self, symbols: Sequence[str]) -> None:
        """Recent closed history of every watched (symbol, interval), and the recent trades of
        every symbol when trade detectors run: indicators and detectors start warm, charts have
        candles, and the stream's gates continue from the last candle and trade."""
        try:
            server_now = await self.rest.server_time()
        except ExchangeError as exc:
            self.notice("warning", f"no history to warm up from ({exc}); indicators start cold")
            return
        limit = asyncio.Semaphore(8)

        async def one(symbol: str, interval: str) -> None:
            end = candle_open(server_now, interval) - 1 if interval in INTERVAL_MS else None
            async with limit:
                rows = await self.rest.klines(symbol, interval, end=end, limit=WARM_UP_CANDLES)
            self.state.load_history(symbol, interval, rows)
            if self.writer is not None:
                self.writer.put_many(rows)
            if self.engine is not None:
                self.engine.warm_up(rows)
            if rows:
                self.stream.gate.seed(symbol, interval, rows[-1].open_time)

        async def trades(symbol: str) -> None:
            async with limit:
                rows = await self.rest.agg_trades(symbol, limit=WARM_UP_TRADES)
            if self.engine is not None:
                self.engine.warm_up(rows)
            if rows:
                self.stream.trades.seed(symbol, rows[-1].agg_id)

        jobs = [one(s, iv) for s in symbols for iv in self.intervals]
        if self._trades:
            jobs += [trades(s) for s in symbols]
        for result in await asyncio.gather(*jobs, return_exceptions=True):
            if isinstance(result, ExchangeError):
                self.notice("warning", f"history for warm-up incomplete: {result}")
            elif isinstance(result, BaseException):
                raise result

    def _open_store(self, settings: StoreConfig) -> None:
        """The batched writer as a consumer, and periodic retention; a database that cannot be
        opened costs the history, never the stream (one notice says why)."""
        from cryptotui.store import StoreError, keep_pruned, open_writer

        loop = asyncio.get_running_loop()

        def problem(text: str) -> None:  # called from the writer's thread
            loop.call_soon_threadsafe(self.notice, "error", text, "store")

        def recovered(text: str) -> None:  # called from the writer's thread
            loop.call_soon_threadsafe(self.notice, "info", text, "store")

        try:
            self.writer = open_writer(settings, on_problem=problem, on_recovered=recovered)
        except StoreError as exc:
            self.notice("warning", f"history not recorded: {exc}", "store")
            return
        self.consumers.append(self.writer)
        self._prune = loop.create_task(
            keep_pruned(settings, self.rest.server_now, on_problem=problem)
        )

    async def _resume_points(self, symbols: Sequence[str]) -> list[ResumePoint]:
        """Where the stored history of `symbols` stopped, read before the warm-up adds to it."""
        if self.writer is None or self.store is None:
            return []
        from cryptotui.store import StoreError
        from cryptotui.store.catchup import resume_points

        try:
            return await asyncio.to_thread(resume_points, self.store.path, symbols, self.intervals)
        except (StoreError, sqlite3.Error) as exc:
            self.notice("warning", f"missed history not checked: {exc}", "store")
            return []

    async def _catch_up(self, points: list[ResumePoint]) -> None:
        from cryptotui.store import StoreError
        from cryptotui.store.catchup import catch_up

        assert self.store is not None
        try:
            await catch_up(
                self.store.path,
                self.rest,
                points,
                skip_recent=WARM_UP_CANDLES,
                max_days=self.store.catch_up_days,
                say=lambda level, text: self.notice(level, text, "store"),
            )
        except (StoreError, sqlite3.Error) as exc:
            self.notice("warning", f"missed history not stored: {exc}", "store")

    async def _resume_tracking(self) -> None:
        """Continue the stored track record, and store the outcomes of signals whose horizons
        closed while the app was off (before any stream opens: the tracker is not shared yet).
        Which signals are recent enough is judged by the exchange's clock, measured by now."""
        tracker = self.engine.tracker if self.engine is not None else None
        if tracker is None or self.writer is None or self.store is None:
            return
        from cryptotui.stats.tracking import resume_tracking
        from cryptotui.store import StoreError

        now = self.rest.server_time_at(int(time.time() * 1000))
        try:
            outcomes = await asyncio.to_thread(resume_tracking, self.store.path, tracker, now)
        except (StoreError, sqlite3.Error) as exc:
            self.notice("warning", f"track record not loaded ({exc}); it restarts empty", "store")
            return
        for outcome in outcomes:
            self._emit(outcome)

    @property
    def _trades(self) -> bool:
        if self.trades is not None:
            return self.trades
        return self.engine is not None and self.engine.wants_trades

    async def watch(self, symbol: str) -> bool:
        """Add a symbol while running (watchlist edits). False, with a notice, if unknown."""
        symbol = symbol.upper()
        state = self.state
        if state.info and symbol not in state.info:
            self.notice("error", f"unknown symbol {symbol} on {self.endpoints.label}")
            return False
        if symbol in state.symbols:
            return True
        state.symbols = [*state.symbols, symbol]
        if self.engine is not None:
            self.engine.add_symbol(symbol)
        await self._add([symbol])
        return True

    async def set_symbols(self, symbols: Sequence[str]) -> None:
        """Watch exactly `symbols`, in this order (watchlist edits and switches); those the
        exchange does not list are dropped with a notice. Edits are applied one at a time."""
        wanted = list(dict.fromkeys(s.upper() for s in symbols))
        if self._edits is None:
            self._edits = asyncio.Lock()
        async with self._edits:
            for sym in [s for s in self.state.symbols if s not in wanted]:
                await self.unwatch(sym)
            for sym in wanted:
                if sym not in self.state.symbols:
                    await self.watch(sym)
            have = set(self.state.symbols)
            self.state.symbols = [s for s in wanted if s in have]

    async def unwatch(self, symbol: str) -> None:
        symbol = symbol.upper()
        self.state.symbols = [s for s in self.state.symbols if s != symbol]
        await self.stream.unsubscribe(stream_names([symbol], self.intervals, True, True))

    async def load_candles(self, symbol: str, interval: str, limit: int = 500) -> int:
        """Closed history of (symbol, interval) from REST into the state (charts), and its
        kline stream from then on, gap-free: the gate continues from the last row."""
        server_now = await self.rest.server_time()
        end = candle_open(server_now, interval) - 1 if interval in INTERVAL_MS else None
        rows = await self.rest.klines(symbol, interval, end=end, limit=limit)
        self.state.load_history(symbol, interval, rows)
        if rows:
            self.stream.gate.seed(symbol, interval, rows[-1].open_time)
        await self.stream.subscribe([f"{symbol.lower()}@kline_{interval}"])
        return len(rows)

    async def _load_symbols(self) -> None:
        state = self.state
        try:
            # All symbols (weight 20, once): validation, tick sizes, and the `/` symbol search.
            state.info = await self.rest.exchange_info()
            unknown = [s for s in state.symbols if s not in state.info]
            halted = [s for s in state.symbols if s in state.info and not state.info[s].trading]
            if unknown and self.strict_symbols:
                raise validators.unlisted(unknown, self.endpoints.label)
            if unknown:
                self.notice(
                    "error",
                    f"unknown symbol(s) {', '.join(unknown)} on {self.endpoints.label}: removed "
                    "from the watchlist — check the spelling (e.g. BTCUSDT)",
                )
            if halted:
                self.notice(
                    "warning",
                    f"{', '.join(halted)} not trading now "
                    f"({', '.join(state.info[s].status for s in halted)}): no live data expected",
                )
            state.symbols = [s for s in state.symbols if s not in unknown]
        except ExchangeError as exc:
            self.notice("warning", f"exchangeInfo unavailable, symbols not validated: {exc}")
        await self._best_effort(self.rest.sync_time())

    async def _seed_tickers(self, symbols: Sequence[str]) -> None:
        for t in await self.rest.tickers_24h(symbols):
            self._on_event(t)

    async def _best_effort(self, coro) -> None:
        try:
            await coro
        except ExchangeError as exc:
            self.notice("warning", str(exc))

    def refresh_health(self) -> None:
        """Copy the clients' counters into the state's health view (called on a timer)."""
        h, st = self.state.health, self.stream.stats
        h.messages = st.messages
        h.reconnects = st.reconnects
        h.decode_errors = sum(self.stream.decoder.errors.values())
        h.clock_offset_ms = self.rest.clock_offset_ms
        h.clock_rate = self.rest.clock_rate
        h.lag_ms = self.rest.lag_ms(st.last_receive_ms, st.last_event_time)
        h.rest_weight = self.rest.budget.used
        h.rest_limit = self.rest.budget.limit
        if self.writer is not None and self.store is not None:
            ws = self.writer.stats
            h.db_path = str(self.store.path)
            h.db_rows, h.db_problem = ws.committed_rows, ws.problem
            h.db_pending = self.writer.pending
            files = (self.store.path, self.store.path.with_name(self.store.path.name + "-wal"))
            with contextlib.suppress(OSError):
                h.db_bytes = sum(f.stat().st_size for f in files if f.exists())

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Start, then refresh the health view 4× a second and re-measure the clock offset every
        `CLOCK_SYNC_SECONDS` (1 weight each) until `stop` is set."""
        await self.start()
        loop = asyncio.get_running_loop()
        next_sync = loop.time() + CLOCK_SYNC_SECONDS
        while not stop.is_set():
            self.refresh_health()
            if loop.time() >= next_sync:
                next_sync = loop.time() + CLOCK_SYNC_SECONDS
                await self._best_effort(self.rest.sync_time())
            try:
                async with asyncio.timeout(0.25):
                    await stop.wait()
            except TimeoutError:
                pass

    async def aclose(self) -> None:
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        await self.stream.close()
        if self.engine is not None:
            self.engine.flush()  # the last burst's outcomes and signals reach the store
            if self.engine.dispatcher is not None:
                await self.engine.dispatcher.drain()
        if self._prune is not None:
            self._prune.cancel()
        if self.writer is not None:
            await asyncio.to_thread(self.writer.close)
        await self.rest.aclose()


async def serve(
    source: AbstractAsyncContextManager[Endpoints],
    make: Callable[[Endpoints], Feed],
    stop: asyncio.Event,
) -> None:
    """Open the source (live endpoints or an in-process simulator), run a feed on it until
    `stop` is set, then close both. The one run loop shared by the TUI thread and headless."""
    async with source as endpoints:
        feed = make(endpoints)
        try:
            await feed.run_forever(stop)
        finally:
            await feed.aclose()


def stream_options(config: Config) -> StreamOptions:
    s = config.stream
    return StreamOptions(
        stall_factor=s.stall_factor,
        max_age=s.max_connection_age_hours * 3600,
        backoff_initial=s.backoff_initial,
        backoff_max=s.backoff_max,
    )


def feed_factory(
    config: Config,
    symbols: Sequence[str],
    intervals: Sequence[str],
    *,
    state: MarketState | None = None,
    overview: bool = False,
    store: StoreConfig | None = None,
    strict_symbols: bool = False,
    trades: bool | None = None,
    book: bool = False,
) -> Callable[[Endpoints], Feed]:
    """Builds the feed and engine the configuration describes, once a source has endpoints.
    Without a `state` (the UI passes the one it draws from) nothing reads candle history, so
    none is kept."""

    def make(endpoints: Endpoints) -> Feed:
        state_ = state or MarketState(list(symbols), candles_kept=0)
        engine = engine_from_config(config, symbols, intervals, decimals=state_.price_decimals)
        if endpoints.player is not None:
            engine.dispatcher = None  # a replay's alerts are shown, not delivered again
        return Feed(
            endpoints,
            symbols,
            intervals,
            options=stream_options(config),
            state=state_,
            engine=engine,
            overview=overview,
            store=store,
            strict_symbols=strict_symbols,
            trades=trades,
            book=book,
        )

    return make
