"""The track record: running counts of resolved outcomes, and the historical-success evidence
a new signal's confidence is built from.

Counts are kept per (name, direction, symbol, interval, horizon) and pooled across symbols per
(name, direction, interval, horizon). The store keeps the same counts in its `track_record`
table (a trigger adds each outcome as it is inserted), so start-up loads a few hundred rows
instead of recomputing years of outcomes.

The historical-success factor of a signal (the confidence's 25 %) is

    P[true hit rate > baseline]  under a Beta(1 + hits, 1 + misses) posterior

over the outcomes at `SCORE_HORIZON` resolved before the signal: the symbol's own record when
it holds at least `MIN_SYMBOL_N` outcomes, else the pooled record of every symbol. The baseline
is the mean, over those outcomes, of the as-of baseline each was measured against, i.e. the hit
rate a coin with the market's own drift would have had on the same candles. With no record at
all the factor is 0.5; with a few outcomes it stays near 1 − baseline and moves only as
evidence accrues.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from cryptotui.stats.significance import beats_baseline, wilson

if TYPE_CHECKING:
    from cryptotui.stats.outcomes import Outcome

SCORE_HORIZON = 5
"""Horizon (candles) whose record feeds the historical-success factor."""
MIN_SYMBOL_N = 30
"""Outcomes a symbol needs before its own record replaces the pooled one."""


class RecordKey(NamedTuple):
    name: str
    direction: str
    symbol: str
    interval: str


@dataclass(slots=True)
class Tally:
    """Running sums of one record row. `tested`, `hits` and `baseline_sum` count the outcomes
    a hit-rate test can use: directional ones with a known as-of baseline (neutral signals have
    no hit; a signal on a series without earlier candles has no baseline)."""

    n: int = 0
    hits: int = 0
    return_sum: float = 0.0
    abs_return_sum: float = 0.0
    baseline_sum: float = 0.0
    tested: int = 0
    memo: tuple[int, int, float, Evidence] | None = field(default=None, compare=False, repr=False)
    """The last evidence built from this tally, with the (tested, hits, baseline_sum) it was
    built from: a pattern often fires again before its record changes, and the exact binomial
    tail behind the score costs O(√n)."""

    def add(self, forward_return: float, hit: bool | None, baseline: float | None) -> None:
        self.n += 1
        self.return_sum += forward_return
        self.abs_return_sum += abs(forward_return)
        if hit is not None and baseline is not None:
            self.tested += 1
            self.hits += hit
            self.baseline_sum += baseline

    def merge(self, other: Tally) -> None:
        self.n += other.n
        self.hits += other.hits
        self.return_sum += other.return_sum
        self.abs_return_sum += other.abs_return_sum
        self.baseline_sum += other.baseline_sum
        self.tested += other.tested

    @property
    def baseline(self) -> float | None:
        return self.baseline_sum / self.tested if self.tested else None


@dataclass(slots=True, frozen=True)
class Evidence:
    """What the record says about a signal's pattern, shown beside its confidence."""

    n: int
    hits: int
    baseline: float
    pooled: bool
    """True when the record of all symbols was used (the symbol's own was too small)."""
    score: float

    @property
    def hit_rate(self) -> float:
        return self.hits / self.n

    def factors(self) -> dict[str, float]:
        low, high = wilson(self.hits, self.n)
        return {
            "hist_n": float(self.n),
            "hist_hit_rate": self.hit_rate,
            "hist_low": low,
            "hist_high": high,
            "hist_baseline": self.baseline,
            "hist_pooled": float(self.pooled),
        }


class TrackRecord:
    def __init__(
        self,
        score_horizon: int = SCORE_HORIZON,
        min_symbol_n: int = MIN_SYMBOL_N,
        *,
        scoring: bool = True,
    ):
        self.score_horizon = score_horizon
        self.min_symbol_n = min_symbol_n
        self.scoring = scoring
        """False: the tallies are kept but `evidence` is None, so the history factor scores 0.5
        (a backtest whose signals' confidences nobody reads)."""
        self.rows: dict[tuple[RecordKey, int], Tally] = {}
        self.pooled: dict[tuple[str, str, str, int], Tally] = {}
        self._both: dict[tuple[RecordKey, int], tuple[Tally, Tally]] = {}
        """(own, pooled) tallies by (key, horizon): one lookup per outcome (a backtest adds
        millions)."""

    def add(self, o: Outcome) -> None:
        both = self._both.get((o.key, o.horizon))
        if both is None:
            both = self._both[(o.key, o.horizon)] = (
                self._tally(o.key, o.horizon),
                self._pooled(o.key, o.horizon),
            )
        r, hit, baseline = o.forward_return, o.hit, o.baseline
        both[0].add(r, hit, baseline)
        both[1].add(r, hit, baseline)

    def load(self, rows: Iterable[tuple[RecordKey, int, Tally]]) -> None:
        """Add stored tallies (the store's `track_record` rows) to what is held."""
        for key, horizon, tally in rows:
            self._tally(key, horizon).merge(tally)
            self._pooled(key, horizon).merge(tally)

    def _tally(self, key: RecordKey, horizon: int) -> Tally:
        t = self.rows.get((key, horizon))
        if t is None:
            t = self.rows[(key, horizon)] = Tally()
        return t

    def _pooled(self, key: RecordKey, horizon: int) -> Tally:
        pk = (key.name, key.direction, key.interval, horizon)
        t = self.pooled.get(pk)
        if t is None:
            t = self.pooled[pk] = Tally()
        return t

    def evidence(
        self, name: str, direction: str, symbol: str, interval: str | None
    ) -> Evidence | None:
        """The historical-success evidence for a new signal, or None when there is no record
        (or the signal is neutral: a hit rate needs a direction)."""
        if interval is None or direction not in ("bullish", "bearish") or not self.scoring:
            return None
        h = self.score_horizon
        own = self.rows.get((RecordKey(name, direction, symbol, interval), h))
        pooled = own is None or own.tested < self.min_symbol_n
        tally = self.pooled.get((name, direction, interval, h)) if pooled else own
        if tally is None or tally.baseline is None:
            return None
        n, hits, total = tally.tested, tally.hits, tally.baseline_sum
        memo = tally.memo
        if memo is not None and memo[0] == n and memo[1] == hits and memo[2] == total:
            return memo[3]
        base = tally.baseline
        evidence = Evidence(n, hits, base, pooled, beats_baseline(hits, n, base))
        tally.memo = (n, hits, total, evidence)
        return evidence
