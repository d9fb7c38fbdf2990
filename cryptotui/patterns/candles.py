"""Incremental candlestick pattern recognition that agrees with TA-Lib's `CDL*` functions.

`CandlestickScanner.update(candle)` commits one closed candle and returns the patterns that fired
on it, e.g. `{"engulfing": -100}`, with TA-Lib's values (±100; ±80 for the "one end matches"
engulfing/harami; ±200 for a confirmed hikkake). Work per candle is constant: a bounded window of
recent bars plus TA-Lib's rolling "period totals".

Bit-for-bit agreement with TA-Lib hinges on those totals. A CDL function compares a candle with
`factor * total / period`, where `total` sums some range over the `period` candles before the one
judged, and it keeps `total` the way a batch loop does: summed once from a start index derived
from the function's lookback, then updated with `total += new - old`. Floating point makes that
value depend on where the summing started, so the scanner keeps one total per (range type,
period, start index) exactly as TA-Lib would have started it, sharing it between patterns only
when all three agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final, Protocol

from cryptotui.patterns.candle_rules import PATTERNS, Avg, Bar, Direction, PatternSpec, Rule
from cryptotui.patterns.candle_settings import DEFAULT_SETTINGS, CandleSetting, RangeType

__all__ = ["PATTERNS", "CandlestickScanner", "Direction", "PatternSpec", "specs_for"]


class OHLC(Protocol):
    """What the scanner reads from a candle (`models.Candle` qualifies)."""

    @property
    def open(self) -> float: ...
    @property
    def high(self) -> float: ...
    @property
    def low(self) -> float: ...
    @property
    def close(self) -> float: ...


class _PeriodTotal:
    """One TA-Lib `<Setting>PeriodTotal`, with the values it had over the last few candles.

    `h<k>` is the total over the `period` candles before the candle `k` bars back: what a
    rule reading that candle's average needs. Summing starts at candle `start`, as TA-Lib's
    initial loop does; after `period` candles it rolls with `total += new - old`. The last
    `_DEPTH` values are five float fields, not a list: compiled, they are kept unboxed, where a
    list shifted on every candle allocated a float object for each total.
    """

    __slots__ = ("h0", "h1", "h2", "h3", "h4", "period", "range_type", "start")

    def __init__(self, range_type: RangeType, period: int, start: int) -> None:
        self.range_type = int(range_type)
        self.period = period
        self.start = start
        self.h0 = self.h1 = self.h2 = self.h3 = self.h4 = 0.0

    def push(self, n: int, bars: list[Bar]) -> None:
        """Account for candle `n`, the newest of `bars`."""
        if n < self.start:
            return
        total = self.h0
        if n < self.start + self.period:
            total += bars[-1].ranges[self.range_type]
        else:
            total += (
                bars[-1].ranges[self.range_type] - bars[-1 - self.period].ranges[self.range_type]
            )
        self.h4 = self.h3
        self.h3 = self.h2
        self.h2 = self.h1
        self.h1 = self.h0
        self.h0 = total


_DEPTH: Final = 1 + max((k for spec in PATTERNS.values() for _, k in spec.averages), default=0)
"""Candles back any rule reads an average for, plus one: the stride of `_Averages`' table."""
if _DEPTH > 5:  # a new rule reading further back needs another field in `_PeriodTotal`
    raise AssertionError(f"_PeriodTotal keeps 5 totals; the rules read {_DEPTH} back")


class _Entry:
    """One (setting, k) of `_Averages`' table: a class, not a tuple, so compiled reads of its
    numbers are field loads, not a tuple unpacked and unboxed on every call."""

    __slots__ = ("divisor", "factor", "period", "range_type", "total")

    def __init__(
        self,
        total: _PeriodTotal | None,
        period: float,
        factor: float,
        divisor: float,
        range_type: int,
    ) -> None:
        self.total = total
        self.period = period
        """A float (exactly the int): dividing by it then needs no conversion."""
        self.factor = factor
        self.divisor = divisor
        self.range_type = range_type


class _Averages(Avg):
    """TA_CANDLEAVERAGE for one pattern: `get(setting, k)` reads that pattern's own totals.

    The hottest call in the scanner, so each (setting, k) the pattern declares has its numbers
    set out ahead of time in a flat table indexed by `setting.slot * _DEPTH + k`: one list
    index, no hashing.
    """

    __slots__ = ("_bars", "_table")

    def __init__(
        self, bars: list[Bar], totals: Mapping[tuple[CandleSetting, int], _PeriodTotal | None]
    ) -> None:
        self._bars = bars
        self._table: list[_Entry | None] = [None] * (len(DEFAULT_SETTINGS) * _DEPTH)
        for (s, k), total in totals.items():
            self._table[s.slot * _DEPTH + k] = _Entry(
                total, float(s.avg_period), s.factor, s.divisor, int(s.range_type)
            )

    def get(self, setting: CandleSetting, k: int) -> float:
        entry = self._table[setting.slot * _DEPTH + k]
        if entry is None:
            raise KeyError((setting.name, k))  # a rule read an average it did not declare
        total = entry.total
        if total is None:  # avg_period 0: the candle's own range, not an average
            return entry.factor * self._bars[-1 - k].ranges[entry.range_type] / entry.divisor
        # The field for `k`, picked here rather than by a method: a call per read, interpreted.
        if k == 0:
            held = total.h0
        elif k == 1:
            held = total.h1
        elif k == 2:
            held = total.h2
        elif k == 3:
            held = total.h3
        else:
            held = total.h4
        return entry.factor * (held / entry.period) / entry.divisor


class _Runner:
    """One pattern inside a scanner: its rule, its averages, and when it may speak.

    A class, not a NamedTuple: compiled, its fields are loads, where a tuple is unpacked and
    each item type-checked, for every pattern on every candle."""

    __slots__ = ("avg", "first", "lookback", "name", "rule")

    def __init__(self, name: str, rule: Rule, avg: Avg, first: int, lookback: int) -> None:
        self.name = name
        self.rule = rule
        self.avg = avg
        self.first = first
        """First candle index the detector sees (earlier than `lookback` for stateful rules)."""
        self.lookback = lookback


_TotalKey = tuple[RangeType, int, int]
"""(range type, period, start index): totals agreeing on all three hold identical values."""


def _total_key(spec: PatternSpec, setting: CandleSetting, k: int) -> _TotalKey | None:
    """Where TA-Lib starts summing `setting` for the candle `k` bars back; None if not averaged.

    The CDL loop first judges candle `spec.first`; the total it uses there for the candle `k`
    back covers the `avg_period` candles before that one, and that is where summing began.
    """
    if setting.avg_period == 0:
        return None
    return (setting.range_type, setting.avg_period, spec.first - k - setting.avg_period)


def _own_totals(
    spec: PatternSpec, totals: Mapping[_TotalKey, _PeriodTotal]
) -> dict[tuple[CandleSetting, int], _PeriodTotal | None]:
    """`spec`'s (setting, k) pairs mapped onto the scanner's shared totals."""
    pairs = {}
    for setting, k in spec.averages:
        key = _total_key(spec, setting, k)
        pairs[setting, k] = None if key is None else totals[key]
    return pairs


def _shared_totals(specs: Iterable[PatternSpec]) -> dict[_TotalKey, _PeriodTotal]:
    """One total per distinct key."""
    totals: dict[_TotalKey, _PeriodTotal] = {}
    for spec in specs:
        for setting, k in spec.averages:
            key = _total_key(spec, setting, k)
            if key is not None and key not in totals:
                totals[key] = _PeriodTotal(*key)
    return totals


def specs_for(patterns: Iterable[str] | None) -> tuple[PatternSpec, ...]:
    """Specs for `patterns` (TA-Lib names, any case, `CDL` prefix optional); None means all."""
    if patterns is None:
        return tuple(PATTERNS.values())
    names = dict.fromkeys(p.lower().removeprefix("cdl") for p in patterns)
    unknown = [n for n in names if n not in PATTERNS]
    if unknown:
        raise ValueError(f"unknown candlestick pattern(s) {unknown}; known: {', '.join(PATTERNS)}")
    return tuple(PATTERNS[n] for n in names)


class CandlestickScanner:
    """Detects TA-Lib candlestick patterns one closed candle at a time.

    Feed every closed candle of one symbol/interval, in order, to `update()`. Results equal
    `talib.CDL<NAME>(open, high, low, close)` at the same index, including TA-Lib's zeros during
    each function's lookback; penetration parameters are TA-Lib's defaults.
    """

    __slots__ = ("_bars", "_count", "_runners", "_specs", "_totals", "_window")

    def __init__(self, patterns: Iterable[str] | None = None) -> None:
        self._specs = specs_for(patterns)
        self.reset()

    @property
    def names(self) -> tuple[str, ...]:
        """The patterns this scanner reports, by TA-Lib name (lower case, no `CDL`)."""
        return tuple(s.name for s in self._specs)

    def reset(self) -> None:
        """Forget all candles (e.g. after a gap that cannot be filled)."""
        # The longest lookback plus the newest bar covers every rule's reach and the candle
        # every total drops (avg_period back, never more than a lookback).
        window = max((s.lookback for s in self._specs), default=0) + 1
        self._window = window
        self._bars: list[Bar] = []
        self._count = 0
        totals = _shared_totals(self._specs)
        self._totals = tuple(totals.values())
        self._runners = tuple(
            _Runner(
                spec.name,
                spec.make(),
                _Averages(self._bars, _own_totals(spec, totals)),
                spec.first,
                spec.lookback,
            )
            for spec in self._specs
        )

    def update(self, candle: OHLC) -> dict[str, int]:
        """Commit a closed candle; return `{pattern: value}` for the patterns that fired on it."""
        if not getattr(candle, "closed", True):
            raise ValueError("only closed candles can be committed")
        bars = self._bars
        bars.append(Bar.of(candle.open, candle.high, candle.low, candle.close))
        if len(bars) > self._window:
            del bars[0]
        n = self._count
        fired: dict[str, int] = {}
        for runner in self._runners:
            if n >= runner.first:
                value = runner.rule.detect(bars, runner.avg)
                if value and n >= runner.lookback:
                    fired[runner.name] = value
        for total in self._totals:
            total.push(n, bars)
        self._count = n + 1
        return fired
