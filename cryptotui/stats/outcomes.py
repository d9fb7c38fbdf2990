"""Outcomes: what the price did h candles after each signal, tracked incrementally.

For a signal completed by candle t (entry = close[t]) and a horizon of h candles of the same
interval:

    r_h  = close[t+h] / close[t] − 1
    hit  = r_h > 0 (bullish), r_h < 0 (bearish), none for neutral signals (r_h = 0 is a miss)
    up   = max(high[t+1..t+h]) / close[t] − 1,   down = min(low[t+1..t+h]) / close[t] − 1
    MFE, MAE = (up, down) for bullish and neutral signals, (−down, −up) for bearish ones

so the maximum favourable excursion is the best move in the signal's direction and the maximum
adverse excursion the worst, both as returns of a position taken at the entry. A signal that
does not come from a closed candle (a whale trade, a ticker crossing, a rule firing while a
candle forms) enters at the close of the first candle of its interval that closes at or after
it, i.e. the candle that contains it; trade and ticker signals have no interval of their own and
use the tracker's (the engine's shortest watched interval).

`OutcomeTracker` keeps, per (symbol, interval), the last closes needed for every horizon and the
signals still waiting for their horizons. It runs inside the `Engine`, on the same candles,
live and in `backtest --save`; a backtest that scores no history factor resolves the same
outcomes after its run with numpy (`stats.resolved`, tested equal to this). Each resolved
outcome also updates the `TrackRecord`, from which the historical-success factor of later
signals is built: an outcome enters the record only when candle t+h has closed, so a signal's
factor can never contain its own future (or anybody's).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cryptotui.intervals import INTERVAL_MS
from cryptotui.models import Candle, Direction
from cryptotui.stats.record import RecordKey, TrackRecord

HORIZONS: tuple[int, ...] = (1, 5, 10, 20)
"""Candles after the signal at which outcomes are measured (live tracking and the default of
`backtest --horizons`)."""


@dataclass(slots=True, init=False)  # a compiled __init__: `cryptotui.hotpath` says why
class Outcome:
    """One resolved (signal, horizon): emitted by the engine, stored by the writer."""

    signal: Any  # not `object`: mypyc resolves a dataclass's annotations in this module
    """What it is the outcome of: the engine's `Signal` or rule `Alert` (live, backtest), or a
    stored signal's id (outcomes resolved at start-up for signals recorded earlier)."""
    key: RecordKey
    time: int
    """The signal's time (ms)."""
    horizon: int
    forward_return: float
    hit: bool | None
    mfe: float
    mae: float
    baseline: float | None
    """As of the signal: share of the series' earlier candles whose h-candle forward return had
    the signal's sign (None for neutral signals or before any candle had an outcome)."""

    def __init__(
        self,
        signal: Any,
        key: RecordKey,
        time: int,
        horizon: int,
        forward_return: float,
        hit: bool | None,
        mfe: float,
        mae: float,
        baseline: float | None,
    ) -> None:
        self.signal = signal
        self.key = key
        self.time = time
        self.horizon = horizon
        self.forward_return = forward_return
        self.hit = hit
        self.mfe = mfe
        self.mae = mae
        self.baseline = baseline


def direction_sign(direction: str) -> int:
    return 1 if direction == Direction.BULLISH else -1 if direction == Direction.BEARISH else 0


def is_hit(sign: int, r: float) -> bool | None:
    return None if sign == 0 else (r > 0.0 if sign > 0 else r < 0.0)


@dataclass(slots=True, init=False)  # a compiled __init__: `cryptotui.hotpath` says why
class _Pending:
    signal: Any
    key: RecordKey
    time: int
    sign: int
    baselines: tuple[float | None, ...]
    entry: float | None = None
    """close[t]; None until the candle containing the signal has closed."""
    last_open: int = -1
    count: int = 0
    high: float = float("-inf")
    low: float = float("inf")

    def __init__(
        self,
        signal: Any,
        key: RecordKey,
        time: int,
        sign: int,
        baselines: tuple[float | None, ...],
    ) -> None:
        self.signal = signal
        self.key = key
        self.time = time
        self.sign = sign
        self.baselines = baselines
        self.entry = None
        self.last_open = -1
        self.count = 0
        self.high = float("-inf")
        self.low = float("inf")


@dataclass(slots=True)
class _Series:
    step: int
    """Candle length in ms (0 for calendar months: no gap check)."""
    closes: deque[float]
    up: list[int]
    down: list[int]
    total: list[int]
    pending: list[_Pending] = field(default_factory=list)
    last_open: int = -1


class OutcomeTracker:
    """Resolves every registered signal's outcomes as candles close; see the module docstring.

    `on_candle` must see each closed candle of a series once, in order (the feed's gate and the
    backtest guarantee it; repeats are ignored by open time).
    """

    def __init__(
        self,
        horizons: Iterable[int] = HORIZONS,
        record: TrackRecord | None = None,
        market_interval: str | None = None,
    ) -> None:
        self.horizons = tuple(sorted(set(horizons)))
        if not self.horizons or self.horizons[0] < 1:
            raise ValueError("outcome horizons must be whole numbers of candles ≥ 1")
        self.max_h = self.horizons[-1]
        self.record = record if record is not None else TrackRecord()
        self.market_interval = market_interval
        """Interval whose candles measure trade/ticker signals (they have none of their own)."""
        self.series: dict[tuple[str, str], _Series] = {}

    def _series(self, symbol: str, interval: str) -> _Series:
        s = self.series.get((symbol, interval))
        if s is None:
            n = len(self.horizons)
            step = INTERVAL_MS.get(interval, 0)
            s = _Series(step, deque(maxlen=self.max_h), [0] * n, [0] * n, [0] * n)
            self.series[(symbol, interval)] = s
        return s

    def baseline(self, symbol: str, interval: str, horizon: int, sign: int) -> float | None:
        """Share of the series' candles so far whose `horizon` forward return has `sign`."""
        s = self.series.get((symbol, interval))
        i = self.horizons.index(horizon)
        if s is None or sign == 0 or s.total[i] == 0:
            return None
        return (s.up[i] if sign > 0 else s.down[i]) / s.total[i]

    def on_candle(self, c: Candle) -> list[Outcome]:
        """Commit a closed candle: baseline counts, then every pending signal's next step."""
        s = self._series(c.symbol, c.interval)
        if c.open_time <= s.last_open:
            return []
        if s.step and s.last_open >= 0 and c.open_time != s.last_open + s.step:
            s.closes.clear()  # forward returns restart after a hole, never span it
        s.last_open = c.open_time
        close = c.close
        closes = s.closes
        have = len(closes)
        for i, h in enumerate(self.horizons):
            if have >= h:
                r = close / closes[-h] - 1.0
                s.total[i] += 1
                if r > 0.0:
                    s.up[i] += 1
                elif r < 0.0:
                    s.down[i] += 1
        closes.append(close)
        if not s.pending:
            return []
        out: list[Outcome] = []
        keep: list[_Pending] = []
        for p in s.pending:
            if self._step(p, c, s.step, out):
                keep.append(p)
        s.pending = keep
        for o in out:
            self.record.add(o)
        return out

    def _step(self, p: _Pending, c: Candle, step: int, out: list[Outcome]) -> bool:
        """Advance one pending signal by candle `c`; False once it needs no more candles.

        A hole before `c` (the app was stopped and the history is still being filled) ends
        its tracking here: counting on would measure the wrong candles. A later start-up
        resolves it from the stored candles once the hole is filled (`stats.tracking`)."""
        if c.open_time <= p.last_open:
            return True
        if p.entry is not None and step and c.open_time != p.last_open + step:
            return False
        p.last_open = c.open_time
        if p.entry is None:
            if c.close_time >= p.time:
                p.entry = c.close
            return True
        p.count += 1
        if c.high > p.high:
            p.high = c.high
        if c.low < p.low:
            p.low = c.low
        if p.count in self.horizons and p.entry:
            entry = p.entry
            r = c.close / entry - 1.0
            up, down = p.high / entry - 1.0, p.low / entry - 1.0
            mfe, mae = (-down, -up) if p.sign < 0 else (up, down)
            i = self.horizons.index(p.count)
            out.append(
                Outcome(
                    p.signal, p.key, p.time, p.count, r, is_hit(p.sign, r), mfe, mae, p.baselines[i]
                )
            )
        return p.count < self.max_h

    def add(
        self,
        signal: object,
        name: str,
        direction: str,
        symbol: str,
        interval: str | None,
        time: int,
        entry: Candle | None = None,
    ) -> None:
        """Track a new signal. `entry` is the closed candle that completed it, if any; otherwise
        the entry is the close of the first candle of its interval that closes at or after
        `time` (see the module docstring)."""
        interval = interval or self.market_interval
        if interval is None:
            return
        key = RecordKey(name, str(direction), symbol, interval)
        s = self._series(symbol, interval)
        sign = direction_sign(direction)
        if sign == 0:
            baselines: tuple[float | None, ...] = (None,) * len(self.horizons)
        else:  # `baseline` for every horizon at once
            counts = s.up if sign > 0 else s.down
            baselines = tuple(n / t if t else None for n, t in zip(counts, s.total, strict=True))
        p = _Pending(signal, key, time, sign, baselines)
        if entry is not None:
            p.entry, p.last_open = entry.close, entry.open_time
        s.pending.append(p)

    def resume(
        self,
        signal: object,
        key: RecordKey,
        time: int,
        done: Iterable[int],
        before: Iterable[float],
        candles: Iterable[Candle],
    ) -> list[Outcome]:
        """Pick up a stored signal after a restart: its as-of baselines from the closes of the
        candles closed at or before its time (`before`, oldest first), then the stored candles
        from its entry on (the first closing at or after its time); emits the
        outcomes not stored yet (`done` lists those that are) and keeps tracking the signal if
        some horizon is still open."""
        sign = direction_sign(key.direction)
        p = _Pending(signal, key, time, sign, self._baselines(list(before), sign))
        out: list[Outcome] = []
        series = self._series(key.symbol, key.interval)
        going = True
        for c in candles:
            going = self._step(p, c, series.step, out)
            if not going:
                break
        done = set(done)
        out = [o for o in out if o.horizon not in done]
        for o in out:
            self.record.add(o)
        if going:
            series.pending.append(p)
        return out

    def _baselines(self, closes: list[float], sign: int) -> tuple[float | None, ...]:
        """As-of baselines from a plain list of closes (the counts `on_candle` keeps live)."""
        out: list[float | None] = []
        for h in self.horizons:
            moves = [b / a - 1.0 for a, b in zip(closes, closes[h:], strict=False)]
            if sign == 0 or not moves:
                out.append(None)
            else:
                out.append(sum((m > 0.0) if sign > 0 else (m < 0.0) for m in moves) / len(moves))
        return tuple(out)

    @property
    def pending(self) -> int:
        return sum(len(s.pending) for s in self.series.values())
