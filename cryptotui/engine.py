"""The engine: per (symbol, interval) indicators → detectors → scoring → alerts.

It is fed events one at a time, synchronously, on the feed's loop (`on_event`), and emits what it
derives (scored `Signal`s, `Alert`s) to `emit`. Everything here is O(1) or O(rules) per event,
so an alert leaves within microseconds of its frame. The same class runs live, on `--demo`, in
tests and in backtests, which is what makes offline results mean something live.

Live, a candle boundary closes every watched series at once: the alert of the last series would
wait for all the work on the others. So a feed sets `after_burst`, and the work no alert
depends on (outcome tracking, publishing signals that raised no alert) waits, in order, until
the frames already received have been read (`flush`). Only when a signal is scored are the
outcomes resolved by the candles before it counted first; so every value, and the order of the
alerts, are those of the engine doing everything at once: a replay prints the live run's.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from cryptotui.alerts.delivery import Dispatcher
from cryptotui.alerts.router import AlertRouter
from cryptotui.alerts.rules import indicator_for, parse_rules
from cryptotui.config import Config
from cryptotui.hotpath import mypyc_attr
from cryptotui.indicators import Indicator, IndicatorBase, build
from cryptotui.intervals import INTERVAL_MS
from cryptotui.models import AggTrade, Candle, Signal, Ticker
from cryptotui.patterns import (
    CANDLE_DETECTORS,
    MARKET_DETECTORS,
    build_candle_detectors,
    build_market_detectors,
)
from cryptotui.patterns.base import CandleDetector, ValueDetector
from cryptotui.scoring import Context, Scorer
from cryptotui.stats.outcomes import OutcomeTracker

BASE_SPEC = "ema:20,rsi:14,volume_spike:20"
"""Always computed: EMA 20 (trend for the timeframe factor), RSI 14 (watchlist), volume z."""


def _spec_for(columns: Iterable[str], extra: str) -> str:
    """The base spec, the user's extra indicators, and whatever the alert rules read."""
    items = [i.strip() for i in f"{BASE_SPEC},{extra}".split(",") if i.strip()]
    have = {c for ind in build(",".join(dict.fromkeys(items))) for c in ind.columns}
    items += [item for c in sorted(set(columns) - have) if (item := indicator_for(c))]
    return ",".join(dict.fromkeys(items))


class _Output:
    """An indicator with its column names: read next to every update, and as a property of the
    indicator they would be a generic attribute lookup and a call each time."""

    __slots__ = ("columns", "indicator")

    def __init__(self, indicator: Indicator) -> None:
        # Every indicator `build` makes is one: compiled, its `update` is then a native call.
        self.indicator = cast(IndicatorBase, indicator)
        self.columns: tuple[str, ...] = indicator.columns


@dataclass(slots=True)
class _Key:
    symbol: str
    interval: str
    indicators: list[_Output]
    detectors: list[tuple[CandleDetector, str | None]]
    """Each detector with the indicator column it takes its first step from (`ValueDetector`),
    or None when it computes everything itself."""
    values: dict[str, float | None] = field(default_factory=dict)
    """Committed: as of the last closed candle."""
    live: dict[str, float | None] = field(default_factory=dict)
    """As of the forming candle (`preview`), or the committed values when none is forming."""
    trend: int = 0
    trending: bool = False
    """Whether `trend` counts (EMA 20 known), for the timeframe factor of shorter intervals."""
    last_open: int = -1
    trends: tuple[int, ...] | None = None
    """The timeframe factor's input for this key's signals: the trends of the symbol's longer
    intervals, kept until one of them changes (None: to be counted again)."""
    shorter: tuple[_Key, ...] = ()
    """The symbol's keys whose `trends` read this one's."""


def _reads(detector: object, columns: set[str]) -> str | None:
    """The column a `ValueDetector` takes from the engine's indicators (None: it computes its
    own, as every other detector does)."""
    reads = getattr(detector, "reads", None)
    return reads if reads in columns else None


def _store(values: dict, cols: tuple[str, ...], result: Any) -> None:
    if len(cols) == 1:
        values[cols[0]] = result if result is None else float(result)
    elif result is None:
        for col in cols:
            values[col] = None
    else:
        for col, v in zip(cols, result, strict=True):
            values[col] = v


@mypyc_attr(allow_interpreted_subclasses=True)  # a test subclasses it to record what it is fed
class Engine:
    def __init__(
        self,
        symbols: Sequence[str],
        intervals: Sequence[str],
        *,
        emit: Callable[[object], None],
        router: AlertRouter | None = None,
        scorer: Scorer | None = None,
        detectors: Iterable[str] | None = None,
        indicators: str = "",
        dispatcher: Dispatcher | None = None,
        detector_options: Mapping[str, dict] | None = None,
        tracker: OutcomeTracker | None = None,
    ) -> None:
        self.symbols = list(symbols)
        self.intervals = sorted(intervals, key=lambda iv: INTERVAL_MS.get(iv, 1 << 62))
        self.emit = emit
        self.router = router or AlertRouter()
        self.scorer = scorer or Scorer()
        self.dispatcher = dispatcher
        self.tracker = tracker
        """Resolves every signal's outcomes as candles close and keeps the track record the
        historical-success factor reads; emits `Outcome`s. None: no outcome tracking."""
        if tracker is not None and tracker.market_interval is None and self.intervals:
            tracker.market_interval = self.intervals[0]
        names = list(detectors) if detectors is not None else [*CANDLE_DETECTORS, *MARKET_DETECTORS]
        self.detector_names = names
        self.detector_options = dict(detector_options or {})
        self.spec = _spec_for(self.router.columns, indicators)
        self.keys: dict[tuple[str, str], _Key] = {}
        self._longer: dict[tuple[str, str | None], tuple[_Key, ...]] = {}
        """The symbol's keys of longer intervals than a signal's, by (symbol, interval)."""
        self.market: dict[str, list] = {}
        self.changes: dict[str, float] = {}
        self.signals = 0
        self.alerts = 0
        self._muted = False
        self.after_burst: Callable[[Callable[[], None]], object] | None = None
        """Schedules `flush` once the frames already received are read (a live feed sets the
        loop's `call_soon`). None (backtests, analyze, tests): bookkeeping is done at once."""
        self._later: list[tuple[Callable[..., None], tuple]] = []
        self._untracked: dict[tuple[str, str], Candle] = {}
        """Closed candles whose outcome tracking waits for the end of the burst."""
        self._boundary = -1
        """Close time of the candles closed since the last `flush`: a burst is one boundary."""
        self._breadth: float | None = None
        self._breadth_stale = False
        for sym in self.symbols:
            self.add_symbol(sym)

    def add_symbol(self, symbol: str) -> None:
        self._longer.clear()
        for iv in self.intervals:
            indicators = [_Output(ind) for ind in build(self.spec)]
            columns = {c for out in indicators for c in out.columns}
            detectors = build_candle_detectors(
                self.detector_names, symbol, iv, self.detector_options
            )
            self.keys[(symbol, iv)] = _Key(
                symbol, iv, indicators, [(d, _reads(d, columns)) for d in detectors]
            )
        for iv in self.intervals:
            key = self.keys[(symbol, iv)]
            for longer in self._longer_keys(symbol, iv):
                longer.shorter += (key,)
        self.market[symbol] = build_market_detectors(self.detector_names, symbol)

    @property
    def wants_trades(self) -> bool:
        """Whether aggTrade streams are needed (whale detection or whale rules)."""
        return "whale_trade" in self.detector_names or any(
            r.condition.subject == "whale" for r in self.router.rules
        )

    def values(self, symbol: str, interval: str) -> dict[str, float | None]:
        key = self.keys.get((symbol, interval))
        return key.values if key else {}

    def live_values(self, symbol: str, interval: str) -> dict[str, float | None]:
        """What the UI shows: values including the forming candle (a dict never mutated after
        publication, so another thread may read it)."""
        key = self.keys.get((symbol, interval))
        return key.live if key else {}

    def warm_up(self, history: Iterable[Candle | AggTrade]) -> None:
        """Commit history (oldest first: klines, or recent aggTrades for the trade detectors) so
        indicators and detectors start warm: nothing is emitted — a pattern in last week's
        candles, or a whale among the last thousand trades, is not news."""
        self._muted = True
        try:
            for ev in history:
                self.on_event(ev)
        finally:
            self._muted = False

    # ------------------------------------------------------------------ events

    def on_event(self, ev: object, received_ns: int = 0) -> None:
        cls = type(ev)
        if cls is Candle:
            self.on_candle(ev, received_ns)  # type: ignore[arg-type]
        elif cls is AggTrade:
            self.on_trade(ev, received_ns)  # type: ignore[arg-type]
        elif cls is Ticker:
            self.on_ticker(ev, received_ns)  # type: ignore[arg-type]

    def on_candle(self, c: Candle, received_ns: int = 0) -> None:
        key = self.keys.get((c.symbol, c.interval))
        if key is None:
            return
        if not c.closed:
            if c.open_time <= key.last_open:
                return
            preview = dict(key.values)
            for out in key.indicators:
                _store(preview, out.columns, out.indicator.preview(c))
            key.live = preview
            if self.router.needs_previews:
                self._rules(c, preview, False, received_ns)
            return
        if c.open_time <= key.last_open:
            return  # already committed (replay, REST/WS overlap)
        key.last_open = c.open_time
        burst = self.after_burst is not None and not self._muted
        if burst and c.close_time != self._boundary:
            # Another boundary (a gap-fill's next candle): the last one's work first, so no
            # signal sees a later candle, as offline.
            self.flush()
            self._boundary = c.close_time
        if self.tracker is not None:
            if burst:
                series = (c.symbol, c.interval)
                self._untracked[series] = c
                self._defer(self._track_later, series)
            else:
                self._track(c)
        values = dict(key.values)  # a new dict: readers on other threads keep a consistent one
        for out in key.indicators:
            _store(values, out.columns, out.indicator.update(c))
        key.values = key.live = values
        ema = values.get("ema_20")
        trend, trending = key.trend, ema is not None
        if ema is not None:
            trend = 1 if c.close > ema else -1 if c.close < ema else 0
        if trend != key.trend or trending != key.trending:
            key.trend, key.trending = trend, trending
            for shorter in key.shorter:
                shorter.trends = None
        for det, column in key.detectors:
            if column is None:
                found = det.on_candle(c)
            else:
                found = cast(ValueDetector, det).on_value(c, values[column])
            for s in found:
                self._signal(s, values.get("volume_spike_20"), received_ns, c, key)
        self._rules(c, values, True, received_ns)

    def on_trade(self, t: AggTrade, received_ns: int = 0) -> None:
        for det in self.market.get(t.symbol, ()):
            for s in det.on_trade(t):
                self._signal(s, None, received_ns)
        if self._muted:
            return
        for alert in self.router.on_trade(t):
            self._alert(alert, received_ns)

    def on_ticker(self, t: Ticker, received_ns: int = 0) -> None:
        if t.window == "24h":
            self.changes[t.symbol] = t.change_pct
            self._breadth_stale = True
        for det in self.market.get(t.symbol, ()):
            for s in det.on_ticker(t):
                self._signal(s, None, received_ns)

    # ------------------------------------------------------------------ internals

    def _longer_keys(self, symbol: str, interval: str | None) -> tuple[_Key, ...]:
        """The symbol's keys of longer intervals than `interval` (all of them for None)."""
        longer = self._longer.get((symbol, interval))
        if longer is None:
            step = INTERVAL_MS.get(interval or "", 0)
            longer = self._longer[(symbol, interval)] = tuple(
                key
                for iv in self.intervals
                if INTERVAL_MS.get(iv, 0) > step
                and (key := self.keys.get((symbol, iv))) is not None
            )
        return longer

    def _context(self, s: Signal, volume_z: float | None, key: _Key | None) -> Context:
        """What `s` is scored against; `key` is the series of a candle signal (None: a trade's or
        a ticker's), whose longer intervals' trends it keeps until one changes."""
        trends = None if key is None else key.trends
        if trends is None:
            longer = self._longer_keys(s.symbol, s.interval)
            trends = tuple(k.trend for k in longer if k.trending)
            if key is not None:
                key.trends = trends
        if self._breadth_stale:  # tickers outnumber signals: recount only when one is scored
            self._breadth_stale = False
            changes = list(self.changes.values())
            self._breadth = sum(ch > 0 for ch in changes) / len(changes) if changes else None
        breadth = self._breadth
        if volume_z is None and s.interval is None and self.intervals:
            volume_z = self.keys[(s.symbol, self.intervals[0])].values.get("volume_spike_20")
        if volume_z is not None and math.isnan(volume_z):
            volume_z = None
        history = None
        if self.tracker is not None:
            if self._untracked:
                # Outcomes resolved by the candles before count for this signal, as offline.
                untracked, self._untracked = self._untracked, {}
                for c in untracked.values():
                    self._track(c)
            interval = s.interval or self.tracker.market_interval
            history = self.tracker.record.evidence(s.name, s.direction, s.symbol, interval)
        return Context(volume_z, trends, breadth, history)

    def _signal(
        self,
        s: Signal,
        volume_z: float | None,
        received_ns: int,
        entry: Candle | None = None,
        key: _Key | None = None,
    ) -> None:
        """Score, publish and track one signal; `entry` is the closed candle that completed it
        and `key` its series (None for trade and ticker signals)."""
        if self._muted:
            return
        self.scorer.score(s, self._context(s, volume_z, key))
        self.signals += 1
        alert = self.router.on_signal(s)
        if alert is None:
            self._defer(self.emit, s)
        else:
            self.emit(s)  # before its alert: the store links an alert to the signal before it
            self._alert(alert, received_ns)
        if self.tracker is not None:
            self._defer(
                self.tracker.add, s, s.name, s.direction, s.symbol, s.interval, s.time, entry
            )

    def _rules(self, c: Candle, values, closed: bool, received_ns: int) -> None:
        if not self.router.rules or self._muted:
            return
        for alert in self.router.on_values(
            c.symbol, c.interval, c.event_time or c.close_time, c.open_time, c.close, values, closed
        ):
            self._alert(alert, received_ns, c if closed else None)

    def _alert(self, alert, received_ns: int, entry: Candle | None = None) -> None:
        alert.received_ns = received_ns or time.perf_counter_ns()
        self.alerts += 1
        self.emit(alert)
        if alert.kind == "rule" and self.tracker is not None:
            # A rule firing is a signal too: its outcomes answer "would this alert have paid?"
            a = alert
            self._defer(
                self.tracker.add, a, a.name, a.direction, a.symbol, a.interval, a.time, entry
            )
        if self.dispatcher is not None:
            self.dispatcher.submit(alert)

    def _track(self, c: Candle) -> None:
        assert self.tracker is not None
        outcomes = self.tracker.on_candle(c)
        if outcomes:
            self._defer(self._emit_all, outcomes)

    def _emit_all(self, events: list) -> None:
        for ev in events:
            self.emit(ev)

    def _track_later(self, series: tuple[str, str]) -> None:
        c = self._untracked.pop(series, None)
        if c is not None:
            self._track(c)

    def _defer(self, fn: Callable[..., None], *args) -> None:
        """Run `fn(*args)` now, or after the burst when a feed asked for that (`after_burst`)."""
        if self.after_burst is None or self._muted:
            fn(*args)
            return
        if not self._later:
            self.after_burst(self.flush)
        self._later.append((fn, args))

    def flush(self) -> None:
        """Do the bookkeeping deferred so far, in the order it was deferred."""
        self._boundary = -1
        while self._later:
            later, self._later = self._later, []
            for fn, args in later:
                fn(*args)


def _router(config: Config, decimals: Callable[[str], int | None]) -> AlertRouter:
    alerts = config.alerts
    return AlertRouter(
        parse_rules(alerts.rules),
        min_confidence=alerts.min_confidence,
        cooldown_s=alerts.cooldown_seconds,
        decimals=decimals,
    )


def _dispatcher(config: Config) -> Dispatcher:
    alerts = config.alerts
    return Dispatcher(
        jsonl_path=alerts.jsonl_path,
        bell=alerts.bell,
        desktop=alerts.desktop,
        command=alerts.command,
        webhook_url=alerts.webhook_url,
    )


def _scorer(config: Config) -> Scorer:
    return Scorer(config.scoring.weights())


def engine_from_config(
    config: Config,
    symbols: Sequence[str],
    intervals: Sequence[str],
    *,
    decimals: Callable[[str], int | None] = lambda _s: None,
) -> Engine:
    """The engine the config describes: detectors, weights, rules and delivery channels."""
    engine_cfg = config.engine
    return Engine(
        symbols,
        intervals,
        emit=lambda _ev: None,
        router=_router(config, decimals),
        scorer=_scorer(config),
        detectors=engine_cfg.detectors,
        indicators=engine_cfg.indicators,
        dispatcher=_dispatcher(config),
        detector_options={"candlestick": {"patterns": engine_cfg.candlestick_patterns}},
        tracker=OutcomeTracker(),
    )


async def reconfigure(engine: Engine, config: Config) -> str:
    """Apply a reloaded config's alert rules, thresholds, weights and delivery channels.

    Detectors, intervals and symbols need a restart (they own warmed-up state); everything that
    only decides what reaches the user takes effect at once. Indicators the new rules read are
    added for every (symbol, interval) and warm up from the next candle.
    """
    router = _router(config, engine.router.decimals)
    first = next(iter(engine.keys.values()), None)
    have = {c for out in first.indicators for c in out.columns} if first else set()
    if router.columns - have:
        engine.spec = _spec_for(router.columns, engine.spec)
        for key in engine.keys.values():
            key.indicators += [_Output(i) for i in build(engine.spec) if not set(i.columns) & have]
    old = engine.dispatcher
    engine.router = router
    engine.scorer = _scorer(config)
    engine.dispatcher = _dispatcher(config)
    if old is not None:
        await old.drain()
    return f"configuration reloaded: {len(router.rules)} alert rule(s)"
