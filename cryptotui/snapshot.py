"""The snapshot channel: a `MarketState` kept in another process, coalesced into compact deltas.

The TUI runs the feed (decoding, gap-filling, the engine, the store writer) in a process of its
own (`cryptotui.ui.feed_process`), so painting never waits for the feed's interpreter. There a
`Publisher` listens to the feed like any consumer and, every `FLUSH_SECONDS` (at once for
alerts), sends what changed since the last delta: the latest ticker and forming candle of each
series (intermediate ones are dropped: the screen repaints at 5 Hz), every closed candle,
alert, notice and connection change in order, the indicator values of the series that moved,
histories loaded for charts, the watched symbols and the health counters. On the UI's side
`apply` writes the delta into the UI's `MarketState` with the same `MarketState.apply` the feed
uses, so the widgets read exactly what they read when the feed ran in-process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from cryptotui.engine import Engine
from cryptotui.models import Alert, Candle, ConnectionStatus, GapFill, Notice, SymbolInfo, Ticker
from cryptotui.state import Health, MarketState

FLUSH_SECONDS = 0.05
"""Deltas per second: 20, four per UI frame at the UI's 5 Hz; alerts do not wait for it."""

Series = tuple[str, str]
_IN_ORDER = (Candle, Alert, Notice, ConnectionStatus, GapFill)
"""Events the state keeps or counts, delivered one by one in order (forming candles and
tickers excepted: only the latest of each matters)."""


@dataclass(slots=True)
class Delta:
    """What changed in the feed's state since the previous delta."""

    events: list[object] = field(default_factory=list)
    """Closed candles, alerts, notices, connection changes and gap-fills, in arrival order."""
    forming: dict[Series, Candle] = field(default_factory=dict)
    tickers: dict[str, Ticker] = field(default_factory=dict)
    values: dict[Series, Mapping[str, float | None]] = field(default_factory=dict)
    histories: dict[Series, list[Candle]] = field(default_factory=dict)
    symbols: list[str] | None = None
    info: dict[str, SymbolInfo] | None = None
    health: Health | None = None


class Publisher:
    """The feed's side: a consumer collecting a `Delta`, and the task that sends it.

    `send` must return at once; while `ready()` says the last delta is still on its way, the
    next one keeps collecting (a busy reader gets fewer, larger deltas, and never blocks the
    feed)."""

    def __init__(
        self,
        state: MarketState,
        engine: Engine | None,
        send: Callable[[Delta], None],
        ready: Callable[[], bool] = lambda: True,
    ) -> None:
        self.state = state
        self.engine = engine
        self.send = send
        self.ready = ready
        self.delta = Delta()
        self._moved: set[Series] = set()
        self._symbols: list[str] = []
        self._info: dict[str, SymbolInfo] | None = None
        self._urgent = False
        state.on_history = self._history

    def __call__(self, ev: object) -> None:
        cls = type(ev)
        d = self.delta
        if cls is Ticker:
            t: Ticker = ev  # type: ignore[assignment]
            if t.window == "24h":
                d.tickers[t.symbol] = t
        elif cls is Candle:
            c: Candle = ev  # type: ignore[assignment]
            key = (c.symbol, c.interval)
            self._moved.add(key)
            if not c.closed:
                d.forming[key] = c
                return
            forming = d.forming.get(key)
            if forming is not None and forming.open_time <= c.open_time:
                del d.forming[key]
            d.events.append(c)
        elif cls in _IN_ORDER:
            d.events.append(ev)
            if cls is Alert and not self._urgent:
                self._urgent = True  # to the screen now, not at the next tick
                asyncio.get_running_loop().call_soon(self.flush)

    def _history(self, symbol: str, interval: str) -> None:
        self.delta.histories[(symbol, interval)] = list(self.state.candles[(symbol, interval)])
        self._moved.add((symbol, interval))

    def flush(self) -> None:
        self._urgent = False
        if not self.ready():
            return
        d, state = self.delta, self.state
        if state.symbols != self._symbols:
            d.symbols = self._symbols = list(state.symbols)
        if state.info is not self._info:
            d.info = self._info = state.info
        d.health = replace(state.health)
        if self.engine is not None:
            live = self.engine.live_values
            d.values = {key: live(*key) for key in self._moved}
        self._moved = set()
        self.delta = Delta()
        self.send(d)

    async def run(self) -> None:
        """Send a delta every `FLUSH_SECONDS` until cancelled."""
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            self.flush()


class Mirror:
    """The UI's side: applies each `Delta` to the UI's state (the state's only writer)."""

    def __init__(self, state: MarketState) -> None:
        self.state = state
        self.values: dict[Series, Mapping[str, float | None]] = {}
        state.indicators = self.indicators

    def indicators(self, symbol: str, interval: str) -> Mapping[str, float | None]:
        return self.values.get((symbol, interval), {})

    def apply(self, d: Delta) -> None:
        state = self.state
        if d.info is not None:
            state.info = d.info
        if d.symbols is not None:
            state.symbols = d.symbols
        for (symbol, interval), rows in d.histories.items():
            state.load_history(symbol, interval, rows)
        for ev in d.events:
            state.apply(ev)
        for c in d.forming.values():
            state.apply(c)
        for t in d.tickers.values():
            state.apply(t)
        self.values.update(d.values)
        if d.health is not None:
            state.health = d.health  # the feed's counters, signals and stream lag included
