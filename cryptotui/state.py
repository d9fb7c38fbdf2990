"""MarketState: the latest picture of the market, written by the feed, read by the faces.

The feed thread applies events; the UI thread reads. Every mutation is a single dict/deque
operation on the writer side, so readers see each entry either before or after an update, never
half-made (CPython's GIL makes these operations atomic). Readers take copies (`rows`,
`connections`) and compare per-symbol `versions` to repaint only what changed.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from cryptotui.models import (
    Alert,
    Candle,
    ConnectionStatus,
    ConnState,
    GapFill,
    Notice,
    Signal,
    SymbolInfo,
    Ticker,
)

CANDLES_KEPT = 1000
ALERTS_KEPT = 500


@dataclass(slots=True, frozen=True)
class Row:
    """One watchlist line, as the UI needs it."""

    symbol: str
    last: float
    change_pct: float
    quote_volume: float
    high: float
    low: float
    version: int
    direction: int
    """+1 when the last update raised the price, -1 when it lowered it, 0 otherwise."""


@dataclass(slots=True)
class Health:
    messages: int = 0
    reconnects: int = 0
    gap_fills: int = 0
    gap_candles: int = 0
    holes: int = 0
    decode_errors: int = 0
    lag_ms: int = 0
    clock_offset_ms: int = 0
    """The exchange's clock minus ours, as last measured."""
    clock_rate: float = 1.0
    """The exchange's clock speed against ours (a replay or the simulator may run faster)."""
    rest_weight: int = 0
    rest_limit: int = 0
    signals: int = 0
    alerts: int = 0
    db_path: str = ""
    """'' when history is not recorded."""
    db_bytes: int = 0
    db_rows: int = 0
    db_pending: int = 0
    db_problem: str = ""


class MarketState:
    def __init__(self, symbols: list[str], *, candles_kept: int = CANDLES_KEPT) -> None:
        self.symbols = list(symbols)
        self.candles_kept = candles_kept
        """Closed candles held per (symbol, interval), for the charts; a state nobody draws
        from (headless) holds none, so a daemon's memory does not grow for weeks as each
        series fills up to the chart's history."""
        self.info: dict[str, SymbolInfo] = {}
        self.tickers: dict[str, Ticker] = {}
        self.versions: dict[str, int] = {}
        self._direction: dict[str, int] = {}
        self.candles: dict[tuple[str, str], deque[Candle]] = {}
        self.forming: dict[tuple[str, str], Candle] = {}
        self.conns: dict[int, ConnectionStatus] = {}
        self.notices: deque[Notice] = deque(maxlen=50)
        self.alerts: deque[Alert] = deque(maxlen=ALERTS_KEPT)
        self.health = Health()
        self.started = time.monotonic()
        self.indicators: Callable[[str, str], Mapping[str, float | None]] = lambda _s, _i: {}
        """Live indicator values of (symbol, interval), previews included (set by the feed)."""
        self.on_history: Callable[[str, str], None] | None = None
        """Told of every `load_history` (the snapshot channel forwards the candles)."""

    # ------------------------------------------------------------------ writer side

    def apply(self, ev: object) -> None:
        cls = type(ev)
        if cls is Ticker:
            self._ticker(ev)  # type: ignore[arg-type]
        elif cls is Candle:
            self._candle(ev)  # type: ignore[arg-type]
        elif cls is ConnectionStatus:
            self._connection(ev)  # type: ignore[arg-type]
        elif cls is GapFill:
            self.health.gap_fills += 1
            self.health.gap_candles += ev.count  # type: ignore[attr-defined]
            self.health.holes += ev.holes  # type: ignore[attr-defined]
        elif cls is Notice:
            self.notices.append(ev)  # type: ignore[arg-type]
        elif cls is Alert:
            self.alerts.append(ev)  # type: ignore[arg-type]
            self.health.alerts += 1
        elif cls is Signal:
            self.health.signals += 1

    def _connection(self, c: ConnectionStatus) -> None:
        if c.state is ConnState.CLOSED:
            self.conns.pop(c.conn_id, None)
        else:
            self.conns[c.conn_id] = c

    def _ticker(self, t: Ticker) -> None:
        if t.window != "24h":
            return
        old = self.tickers.get(t.symbol)
        if old is not None and old.event_time > t.event_time:
            return
        if old is not None and old.last != t.last:
            self._direction[t.symbol] = 1 if t.last > old.last else -1
        self.tickers[t.symbol] = t
        self.versions[t.symbol] = self.versions.get(t.symbol, 0) + 1

    def _candle(self, c: Candle) -> None:
        key = (c.symbol, c.interval)
        if c.closed:
            dq = self.candles.get(key)
            if dq is None:
                dq = self.candles[key] = deque(maxlen=self.candles_kept)
            dq.append(c)
            forming = self.forming.get(key)
            if forming is not None and forming.open_time <= c.open_time:
                del self.forming[key]
        else:
            self.forming[key] = c

    def load_history(self, symbol: str, interval: str, rows: list[Candle]) -> None:
        """Closed candles from REST or the store, merged by open time with what is held (the
        stream's copy wins where both have a candle), newest `candles_kept` kept."""
        key = (symbol, interval)
        merged = {c.open_time: c for c in rows}
        merged.update((c.open_time, c) for c in self.candles.get(key, ()))
        self.candles[key] = deque((merged[t] for t in sorted(merged)), maxlen=self.candles_kept)
        if self.on_history is not None:
            self.on_history(symbol, interval)

    # ------------------------------------------------------------------ reader side

    def rows(self, symbols: Sequence[str] | None = None) -> list[Row]:
        """One row per watched symbol, or per one of `symbols` (the UI's list, which the
        feed may not have caught up with yet: every ticker is kept, watched or not)."""
        out = []
        for sym in self.symbols if symbols is None else symbols:
            t = self.tickers.get(sym)
            if t is None:
                out.append(Row(sym, 0.0, 0.0, 0.0, 0.0, 0.0, 0, 0))
                continue
            out.append(
                Row(
                    sym,
                    t.last,
                    t.change_pct,
                    t.quote_volume,
                    t.high,
                    t.low,
                    self.versions.get(sym, 0),
                    self._direction.get(sym, 0),
                )
            )
        return out

    def price_decimals(self, symbol: str) -> int | None:
        info = self.info.get(symbol)
        return info.price_decimals if info else None

    def connection_summary(self) -> tuple[str, int]:
        """('open' | 'connecting' | 'backoff' | 'offline', open connection count)."""
        states = [c.state for c in list(self.conns.values())]
        n_open = sum(s is ConnState.OPEN for s in states)
        if states and n_open == len(states):
            return "open", n_open
        if any(s is ConnState.BACKOFF for s in states):
            return "backoff", n_open
        if states:
            return "connecting", n_open
        return "offline", 0
