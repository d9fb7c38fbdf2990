"""Alerts: which signals reach the user, user rules from the config, and delivery.

User rules are written in a small grammar and parsed here — never `eval`'d:

    price > 100000                 price < 0.25            price crosses 100000
    move 15m > 3%                  (absolute % change of the close over the window)
    rsi_14 < 30                    rsi crosses above 70    macd crosses signal
    volume_spike > 6               whale >= 1000000        (one aggTrade's notional)

Subjects: `price`, `move <window>`, `whale`, or any indicator column (`rsi_14`,
`macd_12_26_9_signal`, `bbands_20_2_upper`…; short names `rsi`, `macd`, `signal`,
`volume_spike` mean the default parameters). Comparisons: `>`, `>=`, `<`, `<=`, `crosses`,
`crosses above`, `crosses below`; the right side is a number (with `%` for `move`) or a column.

Each rule has TradingView's frequency choice: `once` (first time only), `once_per_bar` (at most
once per candle, live while it forms), `once_per_bar_close` (only on closed candles), plus a
cooldown in seconds per (rule, symbol). Pattern signals become alerts at or above
`min_confidence`, once per (symbol, interval, name, candle) and at most once per cooldown.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import string
import sys
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from cryptotui import fmt
from cryptotui.binance import codec
from cryptotui.indicators import REGISTRY, SpecError, build_one
from cryptotui.intervals import INTERVAL_MS
from cryptotui.models import AggTrade, Alert, Direction, Signal

log = logging.getLogger(__name__)

FREQUENCIES = ("once", "once_per_bar", "once_per_bar_close")
PLACEHOLDERS = ("symbol", "price", "interval", "name", "confidence", "value", "direction")
ALIASES = {
    "rsi": "rsi_14",
    "macd": "macd_12_26_9",
    "signal": "macd_12_26_9_signal",
    "hist": "macd_12_26_9_hist",
    "volume_spike": "volume_spike_20",
    "atr": "atr_14",
    "adx": "adx_14",
    "cci": "cci_20",
    "mfi": "mfi_14",
}
_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)(?P<unit>%|[smhdw]\b)?"
    r"|(?P<op>>=|<=|>|<)|(?P<word>[A-Za-z_][A-Za-z0-9_]*))"
)


class RuleError(ValueError):
    """A rule that cannot be parsed; the message names the rule, the text and the position."""


@dataclass(slots=True, frozen=True)
class Condition:
    subject: str
    """'price', 'whale', 'move', or an indicator column."""
    op: str
    """'>', '>=', '<', '<=', 'crosses', 'crosses above', 'crosses below'."""
    target: float | str
    window_ms: int = 0

    @property
    def columns(self) -> tuple[str, ...]:
        cols = []
        if self.subject not in ("price", "whale", "move"):
            cols.append(self.subject)
        if isinstance(self.target, str):
            cols.append(self.target)
        return tuple(cols)


@dataclass(slots=True, frozen=True)
class Rule:
    name: str
    condition: Condition
    text: str
    symbols: tuple[str, ...] = ()
    """Empty: every watched symbol."""
    interval: str = "1m"
    frequency: str = "once_per_bar_close"
    cooldown: float = 0.0
    message: str = "{name}: {symbol} {price}"
    direction: Direction = Direction.NEUTRAL


def indicator_for(column: str) -> str | None:
    """The indicator spec item (`macd:12:26:9`) whose outputs include `column`, or None."""
    for name in sorted(REGISTRY, key=len, reverse=True):
        if column == name or column.startswith(name + "_"):
            rest = column[len(name) :].strip("_").split("_") if column != name else []
            item = ":".join([name, *(p for p in rest if p.replace(".", "", 1).isdigit())])
            try:
                if column in build_one(item).columns:
                    return item
            except SpecError:
                return None
    return None


def _column(word: str, rule: str, text: str, pos: int) -> str:
    column = ALIASES.get(word, word)
    if indicator_for(column) is None:
        raise RuleError(
            f"rule {rule!r}: {text!r}: unknown subject {word!r} at column {pos + 1}; use price, "
            "move <window>, whale, or an indicator column such as rsi_14"
        )
    return column


def parse_condition(text: str, rule: str = "?") -> Condition:
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text.rstrip()):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            at = len(text) - len(text[pos:].lstrip())
            raise RuleError(
                f"rule {rule!r}: {text!r}: unexpected {text[at:][:10]!r} at column {at + 1}"
            )
        kind = m.lastgroup if m.lastgroup != "unit" else "num"
        start = m.start(kind)
        tokens.append((kind, m.group(0).strip(), start))
        pos = m.end()

    def fail(at: int, expected: str) -> RuleError:
        if at < len(tokens):
            got, column = repr(tokens[at][1]), tokens[at][2] + 1
            return RuleError(
                f"rule {rule!r}: {text!r}: expected {expected} at column {column}, got {got}"
            )
        return RuleError(f"rule {rule!r}: {text!r}: expected {expected} at the end")

    i = 0
    if not tokens or tokens[0][0] != "word":
        raise fail(0, "a subject (price, move, whale or an indicator)")
    word = tokens[0][1].lower()
    window = 0
    if word == "move":
        if len(tokens) < 2 or tokens[1][0] != "num" or tokens[1][1][-1] not in "smhdw":
            raise fail(1, "a window such as 15m")
        amount, unit = float(tokens[1][1][:-1]), tokens[1][1][-1]
        window = int(amount * {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[unit] * 1000)
        subject, i = "move", 2
    elif word in ("price", "whale"):
        subject, i = word, 1
    else:
        subject, i = _column(word, rule, text, tokens[0][2]), 1
    if i >= len(tokens):
        raise fail(i, "a comparison (>, >=, <, <=, crosses)")
    kind, value, _ = tokens[i]
    if kind == "op":
        op, i = value, i + 1
    elif kind == "word" and value.lower() in ("crosses", "cross"):
        op, i = "crosses", i + 1
        if i < len(tokens) and tokens[i][1].lower() in ("above", "below"):
            op, i = f"crosses {tokens[i][1].lower()}", i + 1
    else:
        raise fail(i, "a comparison (>, >=, <, <=, crosses)")
    if i >= len(tokens):
        raise fail(i, "a number or an indicator")
    kind, value, start = tokens[i]
    target: float | str
    if kind == "num":
        pct = value.endswith("%")
        if value[-1].isalpha():
            raise fail(i, "a number")
        target = float(value.rstrip("%"))
        if subject == "move" and not pct:
            raise fail(i, "a percentage such as 3%")
        if pct and subject != "move":
            raise fail(i, "a plain number (% is only for move)")
    elif kind == "word" and subject not in ("price", "whale", "move"):
        target = _column(value.lower(), rule, text, start)
    else:
        raise fail(i, "a number")
    if i + 1 < len(tokens):
        raise fail(i + 1, "the end of the rule")
    return Condition(subject, op, target, window)


def _template(message: str, rule: str) -> str:
    for _, field_name, _, _ in string.Formatter().parse(message):
        if field_name is not None and field_name not in PLACEHOLDERS:
            raise RuleError(
                f"rule {rule!r}: message placeholder {{{field_name}}} unknown; "
                f"use {', '.join('{' + p + '}' for p in PLACEHOLDERS)}"
            )
    return message


def parse_rules(items: Iterable[Mapping[str, Any]]) -> list[Rule]:
    """Rules from the config's `alerts.rules` (a list of inline tables). Raises RuleError."""
    rules = []
    allowed = {"name", "when", "symbols", "interval", "frequency", "cooldown", "message"}
    for n, item in enumerate(items, 1):
        if not isinstance(item, Mapping):
            raise RuleError(f"rule #{n}: expected a table like {{ name = ..., when = ... }}")
        name = str(item.get("name") or f"rule {n}")
        unknown = set(item) - allowed
        if unknown:
            raise RuleError(
                f"rule {name!r}: unknown key(s) {', '.join(sorted(unknown))}; "
                f"use {', '.join(sorted(allowed))}"
            )
        when = item.get("when")
        if not isinstance(when, str) or not when.strip():
            raise RuleError(f'rule {name!r}: needs when = "<condition>", e.g. "price > 100000"')
        condition = parse_condition(when, name)
        interval = str(item.get("interval", "1m"))
        if interval not in INTERVAL_MS:
            raise RuleError(
                f"rule {name!r}: interval {interval!r} unknown; use one of {', '.join(INTERVAL_MS)}"
            )
        frequency = str(item.get("frequency", "once_per_bar_close"))
        if frequency not in FREQUENCIES:
            raise RuleError(
                f"rule {name!r}: frequency {frequency!r} unknown; use one of "
                f"{', '.join(FREQUENCIES)}"
            )
        cooldown = item.get("cooldown", 0)
        if not isinstance(cooldown, int | float) or cooldown < 0:
            raise RuleError(f"rule {name!r}: cooldown must be seconds ≥ 0")
        symbols = item.get("symbols", [])
        if isinstance(symbols, str) or not all(isinstance(s, str) for s in symbols):
            raise RuleError(f'rule {name!r}: symbols must be a list like ["BTCUSDT"]')
        default_msg = "{name}: {symbol} at {price}"
        rules.append(
            Rule(
                name,
                condition,
                when.strip(),
                tuple(s.upper() for s in symbols),
                interval,
                frequency,
                float(cooldown),
                _template(str(item.get("message", default_msg)), name),
                _direction(condition),
            )
        )
    return rules


def _direction(c: Condition) -> Direction:
    if c.op in (">", ">=", "crosses above"):
        return Direction.BULLISH if c.subject in ("price", "move") else Direction.NEUTRAL
    if c.op in ("<", "<=", "crosses below"):
        return Direction.BEARISH if c.subject in ("price", "move") else Direction.NEUTRAL
    return Direction.NEUTRAL


# ------------------------------------------------------------------------------ evaluation


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
        self.rules = list(rules)
        self.min_confidence = min_confidence
        self.cooldown_ms = int(cooldown_s * 1000)
        self.decimals = decimals
        self._state: dict[tuple[str, str], _RuleState] = {}
        self._gate = _SignalGate()
        self._closes: dict[tuple[str, str], deque[tuple[int, float]]] = {}
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
            s.time,
            s.symbol,
            s.interval,
            "pattern",
            s.name,
            s.direction,
            s.confidence,
            s.price,
            factors,
            message,
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
        if closed:
            closes = self._closes.setdefault((symbol, interval), deque(maxlen=4096))
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
            b = rule.condition.target
            if isinstance(b, str):
                b = values.get(b)
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
            back = max(1, c.window_ms // INTERVAL_MS[interval]) + (1 if closed else 0)
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
            time_ms,
            symbol,
            interval,
            "rule",
            rule.name,
            rule.direction,
            1.0,
            price,
            {"value": a, "threshold": b},
            rule.message.format_map(fields),
            rule=rule.text,
        )


# ------------------------------------------------------------------------------ delivery


class Dispatcher:
    """Delivers alerts to the configured channels without ever blocking the engine.

    `submit` only appends to a bounded queue; one worker task runs the channels (JSONL file,
    bell, desktop notification, command, webhook). A failing channel is logged and retried where
    that makes sense (webhook), never raised into the engine.
    """

    def __init__(
        self,
        *,
        jsonl_path: str = "",
        bell: bool = False,
        desktop: bool = False,
        command: Iterable[str] = (),
        webhook_url: str = "",
        webhook_retries: int = 3,
        bell_stream=None,
    ) -> None:
        self.queue: asyncio.Queue[Alert] = asyncio.Queue(maxsize=10_000)
        self.jsonl_path = Path(jsonl_path).expanduser() if jsonl_path else None
        self.bell = bell
        self.bell_stream = bell_stream or sys.stderr
        self.desktop = desktop and shutil.which("notify-send") is not None
        self.command = list(command)
        self.webhook_url = webhook_url
        self.webhook_retries = webhook_retries
        self.delivered = 0
        self.failures = 0
        self.dropped = 0
        self._task: asyncio.Task | None = None
        self._http: httpx.AsyncClient | None = None

    @property
    def active(self) -> bool:
        return bool(
            self.jsonl_path or self.bell or self.desktop or self.command or self.webhook_url
        )

    def submit(self, alert: Alert) -> None:
        if not self.active:
            return
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._work())
        try:
            self.queue.put_nowait(alert)
        except asyncio.QueueFull:
            self.dropped += 1

    async def _work(self) -> None:
        while True:
            alert = await self.queue.get()
            try:
                await self._deliver(alert)
            finally:
                self.queue.task_done()

    async def _deliver(self, alert: Alert) -> None:
        body = codec.dumps(alert.to_json())
        if self.jsonl_path is not None:
            try:
                with self.jsonl_path.open("a", encoding="utf-8") as f:
                    f.write(body + "\n")
            except OSError as exc:
                self._fail(f"cannot append to {self.jsonl_path}: {exc}")
        if self.bell:
            self.bell_stream.write("\a")
            self.bell_stream.flush()
        jobs = []
        if self.desktop:
            urgency = "critical" if alert.confidence >= 0.8 else "normal"
            jobs.append(self._run(["notify-send", "-u", urgency, "cryptotui", alert.message], None))
        if self.command:
            jobs.append(self._run(self.command, body.encode()))
        if self.webhook_url:
            jobs.append(self._post(body))
        if jobs:
            await asyncio.gather(*jobs)
        self.delivered += 1

    def _fail(self, text: str) -> None:
        self.failures += 1
        log.warning("alert delivery: %s", text)

    async def _run(self, argv: list[str], stdin: bytes | None) -> None:
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            async with asyncio.timeout(10):
                _, err = await proc.communicate(stdin)
            if proc.returncode:
                self._fail(
                    f"{argv[0]} exited {proc.returncode}: {err.decode(errors='replace')[:200]}"
                )
        except TimeoutError:
            proc.kill()
            self._fail(f"{argv[0]} took longer than 10 s; killed")
        except OSError as exc:
            self._fail(f"cannot run {argv[0]}: {exc}")

    async def _post(self, body: str) -> None:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=5.0)
        delay = 0.25
        for attempt in range(self.webhook_retries + 1):
            try:
                resp = await self._http.post(
                    self.webhook_url, content=body, headers={"Content-Type": "application/json"}
                )
                if resp.status_code < 300:
                    return
                reason = f"HTTP {resp.status_code}"
            except httpx.HTTPError as exc:
                reason = f"{type(exc).__name__}: {exc}"
            if attempt < self.webhook_retries:
                await asyncio.sleep(delay)
                delay *= 2
        self._fail(f"webhook {self.webhook_url} failed {self.webhook_retries + 1} times ({reason})")

    async def drain(self, timeout: float = 5.0) -> None:
        """Deliver what is queued (shutdown), then stop the worker."""
        if self._task is None:
            return
        try:
            async with asyncio.timeout(timeout):
                await self.queue.join()
        except TimeoutError:
            log.warning("alert delivery: %d alert(s) undelivered at exit", self.queue.qsize())
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        self._task = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None


def check_rules(items: tuple) -> tuple:
    """Config check for `alerts.rules`: parse them once at load time so a bad rule is reported
    with the config file's line; the loader keeps the raw tables."""
    parse_rules(items)
    return items
