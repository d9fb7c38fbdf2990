"""Exactly-once, in-order closed candles across reconnects and missed frames.

Binance sends one `x:true` frame per candle and never resends it. A dropped connection, a stall
or a lost frame therefore leaves holes that only REST can fill. `CandleGate` sits between the
decoder and the consumers: for each (symbol, interval) it remembers the open time of the last
closed candle it delivered, and every kline frame is checked against it in O(1):

- a frame whose candle opens later than the next expected candle reveals a gap (after a
  reconnect this is simply the first frame on the new connection). The missing range is fetched
  from REST, bounded *below the frame's own open time*, so every row fetched is closed without
  consulting any clock; frames of that key arriving meanwhile are buffered and replayed after;
- a closed candle at or before the last delivered one is a duplicate (overlapping connections,
  REST and WS racing) and is dropped;
- the exchange may genuinely have no candle for a stretch (downtime): REST confirms it by
  returning nothing there; such holes are counted and reported, never synthesised.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptotui.intervals import INTERVAL_MS
from cryptotui.models import AggTrade, Candle, GapFill, Notice

log = logging.getLogger(__name__)

Fetch = Callable[[str, str, int, int], Awaitable[list[Candle]]]
"""fetch(symbol, interval, start_ms, end_ms) → closed candles with open_time in [start, end]."""
FetchTrades = Callable[[str, int], Awaitable[list[AggTrade]]]
"""fetch_trades(symbol, from_id) → up to 1000 aggTrades with agg_id ≥ from_id, oldest first."""


def next_open(open_time: int, interval: str) -> int:
    """Open time of the candle after the one opening at `open_time`."""
    step = INTERVAL_MS.get(interval)
    if step is not None:
        return open_time + step
    dt = datetime.fromtimestamp(open_time / 1000, tz=UTC)  # 1M: calendar months
    year, month = (dt.year + 1, 1) if dt.month == 12 else (dt.year, dt.month + 1)
    return int(datetime(year, month, 1, tzinfo=UTC).timestamp() * 1000)


def well_formed(c: Candle) -> bool:
    """Binance guarantees close_time = next open − 1 ms; anything else is a corrupt row."""
    return c.close_time == next_open(c.open_time, c.interval) - 1 and c.low <= c.high


@dataclass(slots=True)
class _KeyState:
    last: int | None = None
    filling: bool = False
    closed_buffer: list[Candle] = field(default_factory=list)
    open_preview: Candle | None = None


@dataclass(slots=True)
class GateStats:
    fills: int = 0
    filled: int = 0
    holes: int = 0
    duplicates: int = 0
    malformed: int = 0


class CandleGate:
    def __init__(
        self,
        deliver: Callable[[object], None],
        fetch: Fetch | None,
        *,
        retry_initial: float = 1.0,
        retry_max: float = 60.0,
    ) -> None:
        self._deliver = deliver
        self._fetch = fetch
        self._keys: dict[tuple[str, str], _KeyState] = {}
        self._tasks: set[asyncio.Task] = set()
        self._retry_initial = retry_initial
        self._retry_max = retry_max
        self.stats = GateStats()

    def seed(self, symbol: str, interval: str, last_open_time: int) -> None:
        """Start from history already held (e.g. a backfill), so the first frame fills the gap.
        Never moves backwards: candles already delivered must not be delivered again."""
        st = self._keys.setdefault((symbol, interval), _KeyState())
        st.last = last_open_time if st.last is None else max(st.last, last_open_time)

    def last_closed(self, symbol: str, interval: str) -> int | None:
        st = self._keys.get((symbol, interval))
        return st.last if st else None

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    def on_candle(self, c: Candle) -> None:
        key = (c.symbol, c.interval)
        st = self._keys.get(key)
        if st is None:
            st = self._keys[key] = _KeyState()
        if st.filling:
            if c.closed:
                st.closed_buffer.append(c)
            else:
                st.open_preview = c
            return
        if st.last is not None:
            expected = next_open(st.last, c.interval)
            if c.open_time < expected:
                if c.closed:
                    self.stats.duplicates += 1
                return
            if c.open_time > expected and self._fetch is not None:
                st.filling = True
                if c.closed:
                    st.closed_buffer.append(c)
                else:
                    st.open_preview = c
                task = asyncio.get_running_loop().create_task(
                    self._fill(st, c.symbol, c.interval, expected, c.open_time - 1)
                )
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
                return
        if c.closed:
            if not well_formed(c):
                self.stats.malformed += 1
                return
            st.last = c.open_time
        self._deliver(c)

    async def _fill(self, st: _KeyState, symbol: str, interval: str, start: int, end: int) -> None:
        assert self._fetch is not None
        delay = self._retry_initial
        while True:
            try:
                rows = await self._fetch(symbol, interval, start, end)
                break
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if delay == self._retry_initial:
                    self._deliver(
                        Notice(
                            "warning",
                            f"could not fetch missed {symbol} {interval} candles from REST ({exc});"
                            " retrying — live candles for it are held until it succeeds",
                            "gapfill",
                        )
                    )
                await asyncio.sleep(delay)
                delay = min(self._retry_max, delay * 2)
        got = 0
        expected_next = start
        for row in sorted(rows, key=lambda r: r.open_time):
            if row.open_time < expected_next or row.open_time > end:
                continue
            if not well_formed(row):
                self.stats.malformed += 1
                continue
            row.closed = True
            st.last = row.open_time
            expected_next = next_open(row.open_time, interval)
            self._deliver(row)
            got += 1
        holes = _count_between(start, end + 1, interval) - got
        self.stats.fills += 1
        self.stats.filled += got
        self.stats.holes += holes
        if holes:
            log.info(
                "%s %s: exchange has no candle for %d slot(s) in the gap", symbol, interval, holes
            )
        self._deliver(GapFill(symbol, interval, got, holes))
        # Everything up to the triggering frame is settled: anything REST still lacks is a hole.
        st.last = max(st.last or start, _last_slot_before(end + 1, start, interval))
        st.filling = False
        buffered, st.closed_buffer = st.closed_buffer, []
        preview, st.open_preview = st.open_preview, None
        for c in buffered:
            self.on_candle(c)
        if preview is not None:
            self.on_candle(preview)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def _count_between(start: int, stop: int, interval: str) -> int:
    n, t = 0, start
    step = INTERVAL_MS.get(interval)
    if step is not None:
        return max(0, (stop - start + step - 1) // step)
    while t < stop:
        n += 1
        t = next_open(t, interval)
    return n


def _last_slot_before(stop: int, start: int, interval: str) -> int:
    """Open time of the last candle slot starting in [start, stop)."""
    step = INTERVAL_MS.get(interval)
    if step is not None:
        return start + (max(1, _count_between(start, stop, interval)) - 1) * step
    t = start
    while next_open(t, interval) < stop:
        t = next_open(t, interval)
    return t


class TradeGate:
    """Each aggTrade once, in order, per symbol — the trade detectors' counterpart of CandleGate.

    aggTrade ids are consecutive per symbol, so a jump is a gap: trades missed while a connection
    was down are fetched from REST (`aggTrades?fromId=`) up to `max_pages` × 1000 trades, and live
    trades of that symbol wait meanwhile. A longer outage is reported, not fetched: minutes of
    old trades are no use to a whale detector that watches the present. Ids at or below the last
    delivered one are duplicates (overlapping connections) and dropped.
    """

    def __init__(
        self,
        deliver: Callable[[object], None],
        fetch: FetchTrades | None,
        *,
        max_pages: int = 5,
    ) -> None:
        self._deliver = deliver
        self._fetch = fetch
        self.max_pages = max_pages
        self._last: dict[str, int] = {}
        self._waiting: dict[str, list[AggTrade]] = {}
        self._tasks: set[asyncio.Task] = set()
        self.duplicates = 0
        self.filled = 0
        self.skipped = 0

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    def seed(self, symbol: str, last_id: int) -> None:
        """Continue after trades delivered another way (the REST warm-up): the first live trade
        fetches whatever came in between. Never moves backwards."""
        self._last[symbol] = max(self._last.get(symbol, last_id), last_id)

    def on_trade(self, t: AggTrade) -> None:
        waiting = self._waiting.get(t.symbol)
        if waiting is not None:
            waiting.append(t)
            return
        last = self._last.get(t.symbol)
        if last is not None and t.agg_id <= last:
            self.duplicates += 1
            return
        if last is not None and t.agg_id > last + 1 and self._fetch is not None:
            self._waiting[t.symbol] = [t]
            task = asyncio.get_running_loop().create_task(self._fill(t.symbol, last + 1, t.agg_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return
        self._last[t.symbol] = t.agg_id
        self._deliver(t)

    async def _fill(self, symbol: str, first: int, upto: int) -> None:
        """Fetch ids [first, upto) and deliver them, then replay what waited."""
        assert self._fetch is not None
        missing = upto - first
        try:
            if missing > self.max_pages * 1000:
                self.skipped += missing
                self._deliver(
                    Notice(
                        "warning",
                        f"{missing:,} {symbol} trades passed while disconnected; too many to "
                        "fetch, so trade detectors resume from now",
                        "gapfill",
                    )
                )
            else:
                next_id = first
                while next_id < upto:
                    page = await self._fetch(symbol, next_id)
                    fresh = [t for t in page if next_id <= t.agg_id < upto]
                    for t in fresh:
                        self._deliver(t)
                    self.filled += len(fresh)
                    if len(page) < 1000 or not fresh:
                        break
                    next_id = fresh[-1].agg_id + 1
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._deliver(
                Notice("warning", f"missed {symbol} trades could not be fetched: {exc}", "gapfill")
            )
        self._last[symbol] = upto - 1
        waiting = self._waiting.pop(symbol, [])
        for t in waiting:
            self.on_trade(t)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
