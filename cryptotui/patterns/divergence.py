"""Volume-price and oscillator divergences, and accumulation/distribution phases.

**Divergences** (`divergence`): at each confirmed pivot, the price is compared with the previous
pivot of the same kind (`min_gap`–`max_gap` candles before it) and so is each oscillator —
RSI(14), the MACD(12, 26, 9) line, OBV — read at the two pivot candles:

| pivots | price | oscillator | signal |
|---|---|---|---|
| lows | lower low | higher low | `divergence_<osc>_regular`, bullish |
| lows | higher low | lower low | `divergence_<osc>_hidden`, bullish |
| highs | higher high | lower high | `divergence_<osc>_regular`, bearish |
| highs | lower high | higher high | `divergence_<osc>_hidden`, bearish |

A difference counts from `min_price` ATRs for the price and `min_osc` units for the oscillator;
units: 5 RSI points, a quarter ATR of MACD, and for OBV the mean volume of the last 20 candles
times √(candles between the pivots) — OBV wanders like a random walk of volumes.
`z` = price difference in ATRs + oscillator difference in units. Reported on the candle that
confirms the second pivot, spanning from the first.

**Accumulation and distribution phases** (`ad_phase`): over the last `window` candles, the money
flow — the change of Chaikin's A/D line over the volume traded, i.e. the Chaikin Money Flow, in
[−1, 1] — against the price's change in ATRs. Accumulation: flow ≥ `min_flow` while the price
rose by at most `max_move` ATRs (volume coming in that the price does not show yet);
distribution: the mirror image. A signal (`accumulation` bullish, `distribution` bearish) when a
phase begins; it ends when the flow falls back under half `min_flow`. `z` = 10 × |flow|.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from math import sqrt

from cryptotui.indicators import AD, ATR, MACD, OBV, RSI
from cryptotui.indicators.base import WindowSum
from cryptotui.models import Candle, Direction, Signal
from cryptotui.patterns.base import CandleDetector, candle_detector, candle_signal
from cryptotui.patterns.swings import HIGH, Pivot, Tape

OSCILLATORS = ("rsi", "macd", "obv")
_RSI_UNIT = 5.0
_MACD_UNIT = 0.25
"""Of an ATR."""
_VOLUME_WINDOW = 20


class Divergences(CandleDetector):
    name = "divergence"
    __slots__ = (
        "hidden",
        "interval",
        "last",
        "macd",
        "max_gap",
        "min_gap",
        "min_osc",
        "min_price",
        "obv",
        "oscillators",
        "recent",
        "rsi",
        "symbol",
        "tape",
        "volume",
    )

    def __init__(
        self,
        symbol: str,
        interval: str,
        *,
        oscillators: Iterable[str] = OSCILLATORS,
        hidden: bool = True,
        left: int = 5,
        right: int = 3,
        min_gap: int = 5,
        max_gap: int = 60,
        min_price: float = 0.5,
        min_osc: float = 2.0,
    ) -> None:
        self.symbol = symbol
        self.interval = interval
        self.oscillators = tuple(oscillators)
        unknown = set(self.oscillators) - set(OSCILLATORS)
        if unknown:
            raise ValueError(
                f"unknown oscillator(s) {', '.join(sorted(unknown))}; "
                f"choose from {', '.join(OSCILLATORS)}"
            )
        self.hidden = hidden
        self.tape = Tape(left, right)
        self.rsi = RSI(14)
        self.macd = MACD(12, 26, 9)
        self.obv = OBV()
        self.volume = WindowSum(_VOLUME_WINDOW)
        self.min_gap = min_gap
        self.max_gap = max_gap
        self.min_price = min_price
        self.min_osc = min_osc
        self.recent: deque[dict[str, float]] = deque(maxlen=right + 1)
        """Oscillator values of the last right + 1 candles: the oldest is the pivot candle's
        when a pivot is confirmed."""
        self.last: dict[int, tuple[Pivot, dict[str, float]]] = {}
        """Per pivot kind: the previous pivot and its oscillator values."""

    def on_candle(self, c: Candle) -> list[Signal]:
        tape = self.tape
        tape.update(c)
        rsi = self.rsi.update(c)
        macd = self.macd.update(c)
        obv = self.obv.update(c)
        mean_volume = self.volume.push(c.volume) / _VOLUME_WINDOW
        values: dict[str, float] = {"obv": obv}
        if rsi is not None:
            values["rsi"] = rsi
        if macd is not None:
            values["macd"] = macd.macd
        self.recent.append(values)
        atr = tape.atr
        if not tape.pivots or atr is None:
            return []
        at_pivot = self.recent[0]  # full: a pivot is confirmed `right` candles after it
        out: list[Signal] = []
        for p in tape.pivots:
            before = self.last.get(p.kind)
            self.last[p.kind] = (p, at_pivot)
            if before is None or not self.min_gap <= p.index - before[0].index <= self.max_gap:
                continue
            q, then = before
            # OBV wanders like a random walk of volumes: its unit grows with √candles between
            obv_unit = mean_volume * sqrt(p.index - q.index)
            units = {"rsi": _RSI_UNIT, "macd": _MACD_UNIT * atr, "obv": obv_unit}
            for osc in self.oscillators:
                if osc in at_pivot and osc in then and units[osc] > 0:
                    found = self._compare(p, q, osc, at_pivot[osc], then[osc], units[osc], atr, c)
                    if found is not None:
                        out.append(found)
        return out

    def _compare(
        self,
        p: Pivot,
        q: Pivot,
        osc: str,
        now: float,
        then: float,
        unit: float,
        atr: float,
        c: Candle,
    ) -> Signal | None:
        price = (p.price - q.price) / atr
        swing = (now - then) / unit
        if abs(price) < self.min_price or abs(swing) < self.min_osc or price * swing > 0:
            return None
        # lows: a lower low against a higher oscillator low is regular; highs mirrored
        regular = (price < 0) if p.kind != HIGH else (price > 0)
        if not regular and not self.hidden:
            return None
        kind = "regular" if regular else "hidden"
        direction = Direction.BEARISH if p.kind == HIGH else Direction.BULLISH
        factors = {
            "p1_time": float(q.time),
            "p1_price": q.price,
            "p2_time": float(p.time),
            "p2_price": p.price,
            "osc1": then,
            "osc2": now,
            "z": abs(price) + abs(swing),
            "atr": atr,
        }
        side = "highs" if p.kind == HIGH else "lows"
        text = (
            f"{kind} {direction} {osc.upper()} divergence: price {side} {q.price:g} → "
            f"{p.price:g}, {osc.upper()} {then:.4g} → {now:.4g}"
        )
        return candle_signal(f"divergence_{osc}_{kind}", direction, c, factors, text, q.time)


class AccumulationDistribution(CandleDetector):
    name = "ad_phase"
    __slots__ = (
        "ad",
        "atr",
        "history",
        "interval",
        "max_move",
        "min_flow",
        "phase",
        "symbol",
        "volume",
        "window",
    )

    def __init__(
        self,
        symbol: str,
        interval: str,
        *,
        window: int = 20,
        min_flow: float = 0.25,
        max_move: float = 0.5,
    ) -> None:
        self.symbol = symbol
        self.interval = interval
        self.window = window
        self.min_flow = min_flow
        self.max_move = max_move
        self.ad = AD()
        self.atr = ATR(14)
        self.volume = WindowSum(window)
        self.history: deque[tuple[float, Candle]] = deque(maxlen=window + 1)
        """(A/D value, candle) of the last window + 1 candles."""
        self.phase = 0

    def on_candle(self, c: Candle) -> list[Signal]:
        line = self.ad.update(c)
        atr = self.atr.update(c)
        traded = self.volume.push(c.volume)
        history = self.history
        history.append((line, c))
        if atr is None or len(history) <= self.window or traded <= 0.0 or atr <= 0.0:
            return []
        first_line, first = history[0]
        flow = (line - first_line) / traded
        move = (c.close - first.close) / atr
        if self.phase and flow * self.phase < self.min_flow / 2:
            self.phase = 0
        if self.phase or abs(flow) < self.min_flow:
            return []
        sign = 1 if flow > 0 else -1
        if move * sign > self.max_move:
            return []  # the price follows the flow: no divergence
        self.phase = sign
        name = "accumulation" if sign > 0 else "distribution"
        factors = {
            "flow": flow,
            "move": move,
            "z": 10.0 * abs(flow),
            "atr": atr,
            "p1_time": float(first.open_time),
            "p1_price": first.close,
            "p2_time": float(c.open_time),
            "p2_price": c.close,
        }
        text = (
            f"{name}: money flow {flow:+.2f} over {self.window} candles while the price moved "
            f"{move:+.1f} ATR"
        )
        direction = Direction.BULLISH if sign > 0 else Direction.BEARISH
        return [candle_signal(name, direction, c, factors, text, first.open_time)]


candle_detector("divergence")(Divergences)
candle_detector("ad_phase")(AccumulationDistribution)
