"""Which signals and rule hits become alerts.

Each rule has TradingView's frequency choice: `once` (first time only), `once_per_bar` (at most
once per candle, live while it forms), `once_per_bar_close` (only on closed candles), plus a
cooldown in seconds per (rule, symbol). Pattern signals become alerts at or above
`min_confidence`, once per (symbol, interval, name, candle) and at most once per cooldown.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from cryptotui import fmt
from cryptotui.alerts.rules import Condition, Rule
from cryptotui.intervals import INTERVAL_MS
from cryptotui.models import AggTrade, Alert, Signal


def _compare(op: str, a: float, b: float, prev: tuple[float, float] | None) -> bool:
    if op == ">":
        return a > b
    if op == ">=":
        return a >= b
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if prev is None:
        return False
    pa, pb = prev
    up = pa <= pb and a > b
    down = pa >= pb and a < b
    if op == "crosses above":
        return up
    if op == "crosses below":
        return down
    return up or down


@dataclass(slots=True)
class _RuleState:
    prev: tuple[float, float] | None = None
    last_bar: int | None = None
    last_fire: float = -1e18
    fired: bool = False


@dataclass(slots=True)
class _SignalGate:
    seen: set[tuple] = field(default_factory=set)
    order: deque[tuple] = field(default_factory=lambda: deque(maxlen=10_000))
    last: dict[tuple, int] = field(default_factory=dict)


def _candles_back(c: Condition, interval: str) -> int:
    """Closed candles of `interval` a `move` condition looks back over."""
    return max(1, c.window_ms // INTERVAL_MS[interval])


def _close_depths(rules: Iterable[Rule]) -> dict[str, int]:
    depths: dict[str, int] = {}
    for r in rules:
        if r.condition.subject == "move":
            need = _candles_back(r.condition, r.interval) + 1
            depths[r.interval] = max(depths.get(r.interval, 0), need)
    return depths


class AlertRouter:
    """Decides which signals and rule hits become alerts. Synchronous and O(rules) per update."""

    def __init__(
        self,
        rules: Iterable[Rule] = (),
        *,
        min_confidence: float = 0.6,
        cooldown_s: float = 300.0,
        decimals: Callable[[str], int | None] = lambda _s: None,
    ) -> None:
        self.rules = [r for r in rules if r.enabled]
        """The enabled rules (a disabled one stays in the config and fires nothing)."""
        self.min_confidence = min_confidence
        self.cooldown_ms = int(cooldown_s * 1000)
        self.decimals = decimals
        self._state: dict[tuple[str, str], _RuleState] = {}
        self._gate = _SignalGate()
        self._closes: dict[tuple[str, str], deque[tuple[int, float]]] = {}
        self._depth = _close_depths(self.rules)
        """Closes kept per series of each interval: as many as its longest `move` window
        reads (none without one), so a daemon's memory levels off."""
        self.needs_previews = any(r.frequency == "once_per_bar" for r in self.rules)

    @property
    def columns(self) -> set[str]:
        """Indicator columns the rules read: the engine must compute them."""
        return {c for r in self.rules for c in r.condition.columns}

    def on_signal(self, s: Signal) -> Alert | None:
        if s.confidence < self.min_confidence:
            return None
        key = (s.symbol, s.interval, s.name, s.span_end)
        gate = self._gate
        if key in gate.seen:
            return None
        cool = (s.symbol, s.interval, s.name)
        if s.time - gate.last.get(cool, -(1 << 62)) < self.cooldown_ms:
            return None
        if len(gate.order) == gate.order.maxlen:
            gate.seen.discard(gate.order[0])
        gate.order.append(key)
        gate.seen.add(key)
        gate.last[cool] = s.time
        d = self.decimals(s.symbol)
        where = f" {s.interval}" if s.interval else ""
        message = (
            f"{s.symbol}{where} {s.name.replace('_', ' ')} ({s.direction}) at "
            f"{fmt.price(s.price, d)}, confidence {s.confidence:.0%}"
            + (f": {s.description}" if s.description else "")
        )
        factors = {**s.factors, **{f"score_{k}": v for k, v in s.scores.items()}}
        return Alert(
            time=s.time,
            symbol=s.symbol,
            interval=s.interval,
            kind="pattern",
            name=s.name,
            direction=s.direction,
            confidence=s.confidence,
            price=s.price,
            factors=factors,
            message=message,
            span_start=s.span_start,
            span_end=s.span_end,
        )

    def on_values(
        self,
        symbol: str,
        interval: str,
        time_ms: int,
        bar_open: int,
        price: float,
        values: Mapping[str, float | None],
        closed: bool,
    ) -> list[Alert]:
        """A candle of (symbol, interval) closed (committed values) or updated (previews)."""
        if closed and (depth := self._depth.get(interval)):
            closes = self._closes.setdefault((symbol, interval), deque(maxlen=depth))
            closes.append((bar_open, price))
        out = []
        for rule in self.rules:
            if rule.interval != interval or rule.condition.subject == "whale":
                continue
            if rule.symbols and symbol not in rule.symbols:
                continue
            if rule.frequency == "once_per_bar_close" and not closed:
                continue
            a = self._subject(rule.condition, symbol, interval, price, values, closed)
            target = rule.condition.target
            b = values.get(target) if isinstance(target, str) else target
            if a is None or b is None:
                continue
            alert = self._check(rule, symbol, interval, time_ms, bar_open, price, a, b, closed)
            if alert is not None:
                out.append(alert)
        return out

    def on_trade(self, t: AggTrade) -> list[Alert]:
        out = []
        for rule in self.rules:
            if rule.condition.subject != "whale" or (rule.symbols and t.symbol not in rule.symbols):
                continue
            notional = t.price * t.qty
            alert = self._check(
                rule,
                t.symbol,
                None,
                t.time,
                t.agg_id,
                t.price,
                notional,
                float(rule.condition.target),
                True,
            )
            if alert is not None:
                out.append(alert)
        return out

    def _subject(self, c: Condition, symbol, interval, price, values, closed) -> float | None:
        if c.subject == "price":
            return price
        if c.subject == "move":
            # the close `window` ago: a just-closed candle is already the last entry
            closes = self._closes.get((symbol, interval), ())
            back = _candles_back(c, interval) + (1 if closed else 0)
            if len(closes) < back:
                return None
            then = closes[-back][1]
            return abs(price / then - 1.0) * 100.0 if then else None
        v = values.get(c.subject)
        return None if v is None else float(v)

    def _check(self, rule, symbol, interval, time_ms, bar, price, a, b, closed) -> Alert | None:
        st = self._state.get((rule.name, symbol))
        if st is None:
            st = self._state[(rule.name, symbol)] = _RuleState()
        prev, st.prev = st.prev, (a, b)
        if not _compare(rule.condition.op, a, b, prev):
            return None
        if rule.frequency == "once" and st.fired:
            return None
        if rule.frequency != "once" and st.last_bar == bar:
            return None
        if time_ms - st.last_fire < rule.cooldown * 1000:
            return None
        st.fired, st.last_bar, st.last_fire = True, bar, time_ms
        d = self.decimals(symbol)
        fields = {
            "symbol": symbol,
            "price": fmt.price(price, d),
            "interval": interval or "",
            "name": rule.name,
            "confidence": "100%",
            "value": f"{a:g}",
            "direction": str(rule.direction),
        }
        return Alert(
            time=time_ms,
            symbol=symbol,
            interval=interval,
            kind="rule",
            name=rule.name,
            direction=rule.direction,
            confidence=1.0,
            price=price,
            factors={"value": a, "threshold": b},
            message=rule.message.format_map(fields),
            rule=rule.text,
        )
