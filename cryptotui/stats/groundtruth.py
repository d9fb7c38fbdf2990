"""Ground truth: recall and false alerts of every detector against the simulator's injections.

`ground_truth(hours, seed)` generates `hours` of the seeded simulated market in process (the
`Market` generator, no sockets), injects scenarios on a fixed schedule, sends every aggTrade,
24 h ticker and kline frame through the real codec into one `Engine` (the class the live app
runs, warmed up as the live app's feed does it: from the 500 closed candles and the 1000
aggTrades before the start), in time order, and matches the Signals it emits against the
injected ground truth. Same seed, same report.

Schedule. Per symbol, scenarios follow each other from 5 minutes after the start, cycling
through the chosen kinds with a candle formation between any two others (formations rotate
through the simulator's nine textbook patterns). After each one the symbol stays calm for
`SETTLE[kind]` = (candles of the interval, minutes), whichever is longer, plus a seeded jitter
of 0–3 minutes, so every injection meets armed detectors with clean baselines: 40 candles after
a pump-and-dump (that detector re-arms 38 candles after a report), 15 minutes after trade-size
surges (a pump, a volume spike) so they have left the whale detector's 1000-trade window.
Scenarios that would end (with tolerance) after the run are not injected.

Matching rule (quoted by docs/validation.md). Every scenario kind has a target: the detector
built for it and the signal names that count as detecting it —

| scenario           | detector           | detected by              | also matched | onset    |
|--------------------|--------------------|--------------------------|--------------|----------|
| whale_trade        | whale_trade        | whale_trade              |              | start    |
| volume_spike       | volume_spike       | volume_spike             |              | end      |
| pump_and_dump      | pump_and_dump      | pump_and_dump            | pump, dump   | start    |
| round_number_cross | round_number_cross | round_number_cross       | (any level)  | cross_ms |
|                    |                    | at the injected level    |              |          |
| candle_formation:P | candlestick        | cdl_<TA-Lib name of P>   |              | end      |
|                    |                    | with P's direction       |              |          |
| chart_formation:P  | chart              | chart_<P> with the       |              | breakout |
|                    |                    | formation's direction    |              |          |
| trend_change       | trend_reversal     | trend_reversal with the  |              | turn     |
|                    |                    | second leg's direction   |              |          |

A signal *matches* a scenario when it is on the same symbol, is one of the target's names (for
formations and trend changes: also has the planted direction, since bullish and bearish
engulfing are one TA-Lib pattern) and its time lies in the window [start_ms, end_ms + tolerance]
(a trend change: [turn, end_ms + tolerance], a reversal before the turn is not one), where the
tolerance is 1 s for a whale trade (the detector fires on the trade itself) and one candle of
the interval for everything else (a closed-candle detector speaks at the close; a ticker-based
one within a second, so one candle is generous). A scenario is *detected* when a matching
signal has the detection name (a round-number cross: and names the level the simulator drove
the price across; crossing 95 000 on the way to 90 000 matches but does not detect);
recall = detected / injected. The *delay* is the first detecting signal's time minus the
scenario's onset: its start, its end (the close of the last injected candle: the earliest a
closed-candle detector can know), the close of a chart formation's breakout candle, a trend
change's turn or, for a round-number cross, the first trade at or beyond the level.
Its median is reported in seconds.

Signals that match nothing are split in two. *Collateral*: inside some scenario's influence
window on the same symbol ([context start or start_ms, end_ms + one candle]) — a volume spike
on the candle of a whale trade or inside a pump-and-dump is real, only not what was injected
there; these are counted apart and are not false alerts. *Unmatched*: everything else, reported
per symbol-hour (symbols × hours of the whole run, injected or calm). For the crypto detectors
an unmatched signal is a **false alert**, with one caveat: a random walk does cross round levels
by itself (and lingers near a level an injection drove it to), which the ground truth cannot
know about. Candlestick patterns are different by nature: random-walk candles form engulfings,
dojis and spinning tops all the time, and TA-Lib is right to report them — there is no injected
truth to be false against. So unmatched candlestick signals are reported as the pattern's
**background** rate (fired per symbol-hour on the calm market), not as false alerts; a pattern
is only judged on recall where a formation was injected.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from rich.table import Table

from cryptotui.binance.codec import Decoder, agg_trade_rest, encode, kline_row
from cryptotui.engine import Engine
from cryptotui.feed import WARM_UP_CANDLES, WARM_UP_TRADES
from cryptotui.intervals import HOUR, INTERVAL_MS, MINUTE, SECOND
from cryptotui.models import Signal
from cryptotui.patterns import check_names
from cryptotui.sim import DEFAULT_SYMBOLS, PATTERNS, SCENARIOS, GroundTruth, Market, wire
from cryptotui.sim.scenarios import CHART_PATTERNS

START_MS = 1_767_225_600_000
"""2026-01-01T00:00Z: a fixed sim start, so a seed alone decides the market."""
FIRST_MS = 5 * MINUTE
SETTLE: dict[str, tuple[int, int]] = {
    "whale_trade": (0, 5),
    "volume_spike": (5, 15),
    "pump_and_dump": (40, 15),
    "round_number_cross": (5, 5),
    "candle_formation": (3, 5),
    "chart_formation": (30, 10),
    "trend_change": (50, 10),
}
"""Calm time after each kind on its symbol: (candles of the interval, minutes), the longer."""
JITTER_S = 180
WHALE_TOLERANCE_MS = SECOND

FORMATION_SIGNAL: dict[str, tuple[str, str]] = {
    "bullish_engulfing": ("cdl_engulfing", "bullish"),
    "bearish_engulfing": ("cdl_engulfing", "bearish"),
    "hammer": ("cdl_hammer", "bullish"),
    "shooting_star": ("cdl_shootingstar", "bearish"),
    "morning_star": ("cdl_morningstar", "bullish"),
    "evening_star": ("cdl_eveningstar", "bearish"),
    "three_white_soldiers": ("cdl_3whitesoldiers", "bullish"),
    "three_black_crows": ("cdl_3blackcrows", "bearish"),
    "doji": ("cdl_doji", "neutral"),
}
"""Signal name and direction the candlestick detector gives each of the simulator's formations."""

_CRYPTO = ("whale_trade", "volume_spike", "pump_and_dump", "round_number_cross")
_TREND = "trend_reversal"
_ALSO_MATCHED = {"pump_and_dump": ("pump", "dump")}


_EMITTED_BY = (
    ("cdl_", "candlestick"),
    ("chart_", "chart"),
    ("sr_", "sr_levels"),
    ("trendline_", "trendlines"),
    ("divergence_", "divergence"),
)
_NAMED = {
    "pump": "pump_and_dump",
    "dump": "pump_and_dump",
    "accumulation": "ad_phase",
    "distribution": "ad_phase",
}


def detector_of(signal_name: str) -> str:
    """The detector that emits signals called `signal_name` (a detector with one kind of
    signal names it after itself)."""
    for prefix, detector in _EMITTED_BY:
        if signal_name.startswith(prefix):
            return detector
    return _NAMED.get(signal_name, signal_name)


@dataclass(slots=True, frozen=True)
class _Target:
    """What detects one injected scenario, and when."""

    key: str
    """Row key: the scenario kind, or `candle_formation:<pattern>`."""
    detects: str
    accepts: frozenset[str]
    lo: int
    hi: int
    influence: tuple[int, int]
    onset: int
    direction: str | None = None
    level: float | None = None

    def matches(self, s: Signal) -> bool:
        return (
            s.name in self.accepts
            and self.lo <= s.time <= self.hi
            and (self.direction is None or s.direction.value == self.direction)
        )

    def detected_by(self, s: Signal) -> bool:
        """A matching signal that detects the scenario (a cross: of the injected level)."""
        return s.name == self.detects and (
            self.level is None or math.isclose(s.factors.get("level", math.nan), self.level)
        )


def _target(t: GroundTruth, interval: str) -> _Target:
    step = INTERVAL_MS[interval]
    d = t.details
    if t.scenario == "candle_formation":
        name, direction = FORMATION_SIGNAL[d["pattern"]]
        return _Target(
            f"candle_formation:{d['pattern']}",
            name,
            frozenset((name,)),
            t.start_ms,
            t.end_ms + step,
            (d["context_start_ms"], t.end_ms + step),
            t.end_ms,
            direction=direction,
        )
    if t.scenario == "chart_formation":
        name = f"chart_{d['pattern']}"
        return _Target(
            f"chart_formation:{d['pattern']}",
            name,
            frozenset((name,)),
            t.start_ms,
            t.end_ms + step,
            (t.start_ms, t.end_ms + step),
            d["breakout_open_time"] + step - 1,
            direction=d["direction"],
        )
    if t.scenario == "trend_change":
        return _Target(
            "trend_change",
            _TREND,
            frozenset((_TREND,)),
            d["turn_ms"],
            t.end_ms + step,
            (t.start_ms, t.end_ms + step),
            d["turn_ms"],
            direction=d["direction"],
        )
    kind = t.scenario
    tolerance = WHALE_TOLERANCE_MS if kind == "whale_trade" else step
    onset = {"volume_spike": t.end_ms, "round_number_cross": d.get("cross_ms", t.start_ms)}
    return _Target(
        kind,
        kind,
        frozenset((kind, *_ALSO_MATCHED.get(kind, ()))),
        t.start_ms,
        t.end_ms + tolerance,
        (t.start_ms, t.end_ms + step),
        onset.get(kind, t.start_ms),
        level=d.get("level") if kind == "round_number_cross" else None,
    )


@dataclass(slots=True)
class GroundTruthRow:
    """One detector against one scenario kind (or one candlestick pattern's background)."""

    detector: str
    scenario: str | None
    """Scenario kind (`candle_formation:<pattern>` for formations); None: nothing injectable."""
    signal: str
    """The signals this row counts: a name, with a direction for a formation's pattern."""
    injected: int
    detected: int
    recall: float | None
    median_delay_s: float | None
    signals: int
    matched: int
    collateral: int
    unmatched: int
    unmatched_per_symbol_hour: float
    unmatched_kind: str
    """`false_alert` for the crypto detectors, `background` for candlestick patterns."""


@dataclass(slots=True)
class GroundTruthReport:
    seed: int
    hours: float
    interval: str
    symbols: list[str]
    symbol_hours: float
    injected: list[GroundTruth]
    signals: int
    rows: list[GroundTruthRow] = field(default_factory=list)

    def to_rows(self) -> list[dict[str, Any]]:
        """JSON-ready rows, one dict per table row (the keys are `GroundTruthRow`'s fields)."""
        return [asdict(r) for r in self.rows]

    def table(self) -> Table:
        table = Table(
            title=f"Ground truth: {len(self.symbols)} symbols × {self.hours:g} h of "
            f"{self.interval} candles, seed {self.seed}",
            caption=f"{self.symbol_hours:g} symbol-hours, {len(self.injected)} injections, "
            f"{self.signals} signals. Unmatched = false alerts for crypto detectors, "
            "background rate for candlestick patterns (not false alerts).",
        )
        for name in ("detector", "scenario", "signal"):
            table.add_column(name)
        for name in ("inj", "det", "recall", "delay s", "signals", "matched", "collat."):
            table.add_column(name, justify="right")
        table.add_column("false /sym·h", justify="right")
        table.add_column("backgr. /sym·h", justify="right")
        for r in self.rows:
            rate = f"{r.unmatched} ({r.unmatched_per_symbol_hour:.3f})"
            false_alert = r.unmatched_kind == "false_alert"
            table.add_row(
                r.detector,
                r.scenario or "",
                r.signal,
                str(r.injected),
                str(r.detected),
                "—" if r.recall is None else f"{r.recall:.2f}",
                "—" if r.median_delay_s is None else f"{r.median_delay_s:.0f}",
                str(r.signals),
                str(r.matched),
                str(r.collateral),
                rate if false_alert else "",
                "" if false_alert else rate,
            )
        return table


# ------------------------------------------------------------------------------ the run


def ground_truth(
    hours: float,
    seed: int,
    symbols: Sequence[str] | None = None,
    interval: str = "1m",
    progress: Callable[[float], None] | None = None,
    *,
    scenarios: Iterable[str] | None = None,
    detectors: Iterable[str] | None = None,
) -> GroundTruthReport:
    """Simulate, detect and score; see the module docstring for the schedule and the matching.

    `scenarios`: the kinds to inject (default all; empty: a calm market). `detectors`: the
    engine's detectors (default all). `progress(fraction)` is called after every simulated
    minute. ValueError names a bad argument (hours, interval, scenario, detector or symbol).
    """
    if not hours > 0:
        raise ValueError(f"hours must be positive, not {hours}")
    if interval not in INTERVAL_MS or interval == "1s":
        raise ValueError(f"interval must be one of {', '.join(list(INTERVAL_MS)[1:])}")
    kinds = list(SCENARIOS) if scenarios is None else list(dict.fromkeys(scenarios))
    unknown = [k for k in kinds if k not in SCENARIOS]
    if unknown:
        raise ValueError(
            f"unknown scenario(s) {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}"
        )
    if detectors is not None:
        detectors = check_names(detectors)
    names = [s.upper() for s in dict.fromkeys(DEFAULT_SYMBOLS if symbols is None else symbols)]
    market = Market(names, seed=seed, start_time_ms=START_MS)
    end = START_MS + int(hours * HOUR)
    _inject(market, kinds, interval, end, random.Random(f"{seed}:groundtruth"))
    out: list[object] = []
    engine = Engine(names, [interval], emit=out.append, detectors=detectors)
    _warm_up(market, engine, interval)
    stream_market(market, names, interval, end, engine.on_event, progress)
    signals = [s for s in out if isinstance(s, Signal)]
    report = GroundTruthReport(
        seed, hours, interval, names, len(names) * hours, list(market.truth), len(signals)
    )
    report.rows = match_signals(
        report.injected, signals, interval, report.symbol_hours, engine.detector_names
    )
    return report


def _cycle(kinds: list[str]) -> list[str]:
    """The chosen kinds in order, with a candle formation between any two others."""
    others = [k for k in kinds if k != "candle_formation"]
    if "candle_formation" not in kinds:
        return others
    return [k for other in others for k in (other, "candle_formation")] or ["candle_formation"]


def _inject(market: Market, kinds: list[str], interval: str, end: int, rng: random.Random) -> None:
    cycle = _cycle(kinds)
    if not cycle:
        return
    step = INTERVAL_MS[interval]
    patterns, charts = list(PATTERNS), list(CHART_PATTERNS)
    formations = drawn = 0
    for i, sym in enumerate(market.sims):
        at = START_MS + FIRST_MS + rng.randrange(JITTER_S) * SECOND
        n = i  # symbols start at different points of the cycle
        while True:
            kind = cycle[n % len(cycle)]
            params: dict[str, Any] = {}
            if kind == "candle_formation":
                params = {"pattern": patterns[formations % len(patterns)], "interval": interval}
            elif kind == "chart_formation":
                params = {
                    "pattern": charts[drawn % len(charts)],
                    "interval": interval,
                    "direction": rng.choice(("up", "down")),
                }
            elif kind == "trend_change":
                params = {"direction": rng.choice(("up", "down")), "interval": interval}
            elif kind == "volume_spike":
                params = {"interval": interval}
            elif kind == "round_number_cross":
                params = {"direction": rng.choice(("up", "down"))}
            plan = SCENARIOS[kind](market.specs[sym], at, **params)
            if plan.truth.end_ms + step > end:
                break
            market.inject(kind, sym, at, **params)
            formations += kind == "candle_formation"
            drawn += kind == "chart_formation"
            candles, minutes = SETTLE[kind]
            settle = max(candles * step, minutes * MINUTE)
            at = plan.truth.end_ms + 1 + settle + rng.randrange(JITTER_S) * SECOND
            n += 1


def _warm_up(market: Market, engine: Engine, interval: str) -> None:
    """What the live app's feed fetches from REST before it subscribes, through the REST codec."""
    for sym, sim in market.sims.items():
        rows = market.klines(sym, interval, end=START_MS - 1, limit=WARM_UP_CANDLES)
        engine.warm_up(kline_row(r, sym, interval) for r in rows)
        if engine.wants_trades:
            trades = sim.trade_log()[-WARM_UP_TRADES:]
            engine.warm_up(agg_trade_rest(wire.agg_trade_rest(t), sym) for t in trades)


def stream_market(
    market: Market,
    symbols: Sequence[str],
    interval: str,
    end: int,
    on_event: Callable[[object], None],
    progress: Callable[[float], None] | None = None,
) -> None:
    """Every frame the live app would subscribe to for `symbols` (aggTrades, 24 h tickers,
    `interval` klines), from the market's now to `end`, through the wire codec into
    `on_event`, in time order: a live run without sockets. `progress(fraction)` after every
    simulated minute; RuntimeError if the codec refuses a frame."""
    wanted = set()
    for sym in symbols:
        low = sym.lower()
        wanted |= {f"{low}@aggTrade", f"{low}@ticker", f"{low}@kline_{interval}"}
    decoder = Decoder()
    start = t = market.now
    while t < end:
        t = min(t + MINUTE, end)
        for stream, payload in market.advance(t, wanted):
            for ev in decoder.decode(encode({"stream": stream, "data": payload})):
                on_event(ev)
        if progress is not None:
            progress((t - start) / (end - start))
    if decoder.errors:  # the simulator and the codec disagree: no report can be trusted
        raise RuntimeError(f"simulator frames the codec could not read: {dict(decoder.errors)}")


# ------------------------------------------------------------------------------ matching


@dataclass(slots=True)
class _Tally:
    detector: str
    scenario: str | None
    signal: str
    injected: int = 0
    delays: list[float] = field(default_factory=list)
    signals: int = 0
    matched: int = 0
    collateral: int = 0

    def row(self, symbol_hours: float) -> GroundTruthRow:
        unmatched = self.signals - self.matched - self.collateral
        return GroundTruthRow(
            self.detector,
            self.scenario,
            self.signal,
            self.injected,
            len(self.delays),
            len(self.delays) / self.injected if self.injected else None,
            statistics.median(self.delays) if self.delays else None,
            self.signals,
            self.matched,
            self.collateral,
            unmatched,
            unmatched / symbol_hours,
            "background" if self.detector == "candlestick" else "false_alert",
        )


def _planted(t: GroundTruth, kind: str, pattern: str) -> bool:
    return t.scenario == kind and t.details.get("pattern") == pattern


def match_signals(
    injected: Sequence[GroundTruth],
    signals: Iterable[Signal],
    interval: str,
    symbol_hours: float,
    detectors: Iterable[str],
) -> list[GroundTruthRow]:
    """The report's rows: `signals` matched against `injected` by the module's rule.

    Rows: each crypto detector (run or injected for), each candlestick formation, each chart
    formation, the trend change, then every other signal kind that fired (the background of the
    other candlestick patterns, most frequent first).
    """
    detectors = set(detectors)
    tallies: dict[str, _Tally] = {}
    for kind in _CRYPTO:
        if kind in detectors or any(t.scenario == kind for t in injected):
            tallies[kind] = _Tally(kind, kind, kind)
    formation_key: dict[tuple[str, str], str] = {}
    for pattern, (name, direction) in FORMATION_SIGNAL.items():
        key = f"candle_formation:{pattern}"
        if "candlestick" in detectors or any(
            _planted(t, "candle_formation", pattern) for t in injected
        ):
            tallies[key] = _Tally("candlestick", key, f"{name} {direction}")
            formation_key[(name, direction)] = key
    for pattern in CHART_PATTERNS:
        key = f"chart_formation:{pattern}"
        if "chart" in detectors or any(_planted(t, "chart_formation", pattern) for t in injected):
            tallies[key] = _Tally("chart", key, f"chart_{pattern}")
    if _TREND in detectors or any(t.scenario == "trend_change" for t in injected):
        tallies["trend_change"] = _Tally(_TREND, "trend_change", _TREND)

    by_symbol: dict[str, list[_Target]] = {}
    for t in injected:
        target = _target(t, interval)
        by_symbol.setdefault(t.symbol, []).append(target)
        tallies[target.key].injected += 1
    detected: set[int] = set()
    background: dict[str, _Tally] = {}
    for s in sorted(signals, key=lambda s: s.time):
        det = detector_of(s.name)
        if det == "candlestick":
            formation = formation_key.get((s.name, s.direction.value))
            if formation is not None:
                tally = tallies[formation]
            else:
                tally = background.setdefault(s.name, _Tally(det, None, s.name))
        elif det == "chart" and f"chart_formation:{s.name[6:]}" in tallies:
            tally = tallies[f"chart_formation:{s.name[6:]}"]
        elif det == _TREND:
            tally = tallies.setdefault("trend_change", _Tally(det, "trend_change", det))
        else:  # a crypto detector, or signals no scenario plants (a gap, an S/R break, ...)
            tally = tallies.setdefault(det, _Tally(det, det if det in _CRYPTO else None, det))
        tally.signals += 1
        targets = by_symbol.get(s.symbol, [])
        hit = next((g for g in targets if g.matches(s)), None)
        if hit is None:
            if any(g.influence[0] <= s.time <= g.influence[1] for g in targets):
                tally.collateral += 1
            continue
        tally.matched += 1
        if hit.detected_by(s) and id(hit) not in detected:
            detected.add(id(hit))
            tallies[hit.key].delays.append((s.time - hit.onset) / SECOND)
    ordered = list(tallies.values()) + sorted(
        background.values(), key=lambda t: (-(t.signals - t.matched - t.collateral), t.signal)
    )
    return [t.row(symbol_hours) for t in ordered]
