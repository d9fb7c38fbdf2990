"""What a backtest keeps of the engine's output, and the loop that feeds it its candles.

A year of 1m candles makes ~400 k signals; each is kept as a row of plain columns (no
`Signal` object outlives its candle) with the index of the candle that completed it, and,
with `--save`, its factors and the live tracker's outcomes. Compiled with the hot path
(`cryptotui.hotpath`): recording them from interpreted code cost a tenth of a backtest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cryptotui.engine import Engine
from cryptotui.models import Alert, Candle, Signal
from cryptotui.stats.outcomes import Outcome


class SignalLog:
    """The engine's `emit` during a backtest: signals and rule alerts as columns, by `sid`
    (their position), and outcomes as rows naming their signal's `sid`."""

    def __init__(self, keep: bool) -> None:
        self.keep = keep
        """Keep factors and the tracker's outcomes (`Job.keep_factors`)."""
        self.at = 0
        """Index of the candle being fed."""
        self.entries: list[int] = []
        """Per signal: index of the candle that completed it."""
        self.kinds: list[str] = []
        self.names: list[str] = []
        self.directions: list[str] = []
        self.times: list[int] = []
        self.prices: list[float] = []
        self.confidences: list[float] = []
        self.span_starts: list[int] = []
        self.span_ends: list[int] = []
        self.factors: list[dict[str, float]] = []
        self.outcomes: list[tuple] = []
        self._sids: dict[int, int] = {}
        """Signal object id → sid: the tracker's outcomes name their signal by object."""

    def __call__(self, ev: object) -> None:
        cls = type(ev)
        if cls is Signal:
            s: Signal = ev  # type: ignore[assignment]
            self._add("pattern", s.name, str(s.direction), s.time, s.price, s.confidence,
                      s.span_start, s.span_end, s.factors, ev)  # fmt: skip
        elif cls is Alert:
            a: Alert = ev  # type: ignore[assignment]
            if a.kind == "rule":
                self._add("rule", a.name, str(a.direction), a.time, a.price, a.confidence,
                          a.span_start, a.span_end, a.factors, ev)  # fmt: skip
        elif cls is Outcome:
            o: Outcome = ev  # type: ignore[assignment]
            self.outcomes.append((self._sids[id(o.signal)], o.time, o.horizon, o.forward_return,
                                  o.hit, o.mfe, o.mae, o.baseline))  # fmt: skip

    def _add(
        self,
        kind: str,
        name: str,
        direction: str,
        time: int,
        price: float,
        confidence: float,
        span_start: int,
        span_end: int,
        factors: dict[str, float],
        ev: object,
    ) -> None:
        if self.keep:
            self._sids[id(ev)] = len(self.kinds)
            self.factors.append(dict(factors))
        self.entries.append(self.at)
        self.kinds.append(kind)
        self.names.append(name)
        self.directions.append(direction)
        self.times.append(time)
        self.prices.append(price)
        self.confidences.append(confidence)
        self.span_starts.append(span_start)
        self.span_ends.append(span_end)

    def feed(
        self,
        engine: Engine,
        candles: Sequence[Candle],
        progress: Callable[[int], None] | None,
        every: int,
    ) -> None:
        """Every candle through `engine.on_candle`, in order; `progress(every)` after each
        `every` of them, and the rest at the end."""
        at = 0
        for c in candles:
            self.at = at
            engine.on_candle(c)
            at += 1
            if progress is not None and at % every == 0:
                progress(every)
        if progress is not None:
            progress(at % every)
