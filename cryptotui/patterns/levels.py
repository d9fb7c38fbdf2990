"""Support and resistance levels: swing points clustered by price, broken, flipped, retested.

A pivot starts a level at its price: a pivot high a resistance, a pivot low a support. A later
pivot within `cluster` ATRs of a level **touches** it when it turned where the level's role
says (a pivot high at a resistance, a pivot low at a support); the level's price becomes the
mean of its touches. A pivot on the wrong side of its nearest level touches nothing: the price
is churning through it.

A **confirmed break** is a close beyond the level by `break_atr` ATRs (and, with
`min_volume_z`, on a candle whose volume is that many robust σ above the last 20: the score the
engine's volume factor reads). The level flips role (broken resistance becomes support), and if
it was touched `min_touches` times in the role it just lost, the detector emits `sr_break` in
the break's direction. A **retest** is the first candle within `retest_within` candles after
such a break that comes back to the level (its low, or high, within `retest_atr` ATRs) and
closes on the new side: `sr_retest`, in the break's direction.

Strength = touches + role flips (each a time the market respected the level); it is the `z` of
the signals. Levels untouched for `max_idle` candles are dropped, and beyond `max_levels` the
weakest go first (checked as pivots arrive), so a candle costs O(max_levels).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptotui.indicators import VolumeSpike
from cryptotui.models import Candle, Direction, Signal
from cryptotui.patterns.base import CandleDetector, candle_detector, candle_signal
from cryptotui.patterns.swings import HIGH, LOW, Pivot, Tape

RESISTANCE = HIGH
SUPPORT = LOW


@dataclass(slots=True)
class Level:
    price: float
    touches: int
    first: int
    """Bar number of the first touch."""
    first_time: int
    last: int
    """Bar number of the latest touch."""
    role: int
    """RESISTANCE (the price is below it) or SUPPORT."""
    held: int
    """Touches since it took its current role."""
    flips: int = 0
    broken_at: int = -1
    """Bar number of the last confirmed break (−1: never broken)."""
    retested: bool = True
    """Whether the last break was retested already (nothing to retest before a break)."""

    @property
    def strength(self) -> float:
        return float(self.touches + self.flips)


class SupportResistance(CandleDetector):
    name = "sr_levels"
    __slots__ = (
        "break_atr",
        "cluster",
        "interval",
        "levels",
        "max_idle",
        "max_levels",
        "min_touches",
        "min_volume_z",
        "retest_atr",
        "retest_within",
        "symbol",
        "tape",
        "volume",
    )

    def __init__(
        self,
        symbol: str,
        interval: str,
        *,
        left: int = 8,
        right: int = 4,
        cluster: float = 0.5,
        min_touches: int = 3,
        break_atr: float = 0.5,
        min_volume_z: float | None = None,
        retest_atr: float = 0.25,
        retest_within: int = 20,
        max_levels: int = 16,
        max_idle: int = 500,
    ) -> None:
        self.symbol = symbol
        self.interval = interval
        self.tape = Tape(left, right)
        self.volume = None if min_volume_z is None else VolumeSpike(20)
        self.cluster = cluster
        self.min_touches = min_touches
        self.break_atr = break_atr
        self.min_volume_z = min_volume_z
        self.retest_atr = retest_atr
        self.retest_within = retest_within
        self.max_levels = max_levels
        self.max_idle = max_idle
        self.levels: list[Level] = []
        """The active levels (for the chart's overlay as well)."""

    def on_candle(self, c: Candle) -> list[Signal]:
        tape = self.tape
        tape.update(c)
        volume_z = None if self.volume is None else self.volume.update(c)
        atr = tape.atr
        if atr is None:
            return []
        i = tape.index
        if tape.pivots:
            for p in tape.pivots:
                self._touch(p, atr)
            self._prune(i)
        out: list[Signal] = []
        margin = self.break_atr * atr
        confirmed = self.min_volume_z is None or (
            volume_z is not None and volume_z >= self.min_volume_z
        )
        close = c.close
        for level in self.levels:
            beyond = (close - level.price) * level.role  # > 0: on the other side
            if beyond > margin and confirmed:
                held, level.held = level.held, 0
                level.role = -level.role
                level.flips += 1
                level.broken_at, level.retested = i, held < self.min_touches
                if held >= self.min_touches:
                    out.append(self._signal("sr_break", level, c, atr, volume_z, held))
            elif not level.retested and i - level.broken_at <= self.retest_within:
                reach = c.low if level.role == SUPPORT else c.high
                away = (level.price - reach) * level.role  # how far the candle stayed off it
                if away <= self.retest_atr * atr and beyond < 0:
                    level.retested = True
                    out.append(self._signal("sr_retest", level, c, atr, volume_z, level.held))
        return out

    def _touch(self, p: Pivot, atr: float) -> None:
        """A pivot high near a resistance (or low near a support) is a touch: the market
        turned there. One on the wrong side of its level is not (the price is churning through
        it); one near no level starts a new one."""
        near = min(self.levels, key=lambda lv: abs(lv.price - p.price), default=None)
        if near is not None and abs(near.price - p.price) <= self.cluster * atr:
            if p.kind == near.role:
                near.price += (p.price - near.price) / (near.touches + 1)
                near.touches += 1
                near.held += 1
                near.last = p.index
            return
        role = RESISTANCE if p.kind == HIGH else SUPPORT
        self.levels.append(Level(p.price, 1, p.index, p.time, p.index, role, 1))

    def _prune(self, i: int) -> None:
        levels = self.levels
        if any(i - lv.last > self.max_idle for lv in levels):
            levels[:] = [lv for lv in levels if i - lv.last <= self.max_idle]
        if len(levels) > self.max_levels:
            levels.sort(key=lambda lv: (lv.strength, lv.last), reverse=True)
            del levels[self.max_levels :]

    def _signal(
        self, name: str, level: Level, c: Candle, atr: float, volume_z: float | None, held: int
    ) -> Signal:
        """`held`: the touches in the role the break ended (a retest: in the new role)."""
        up = level.role == SUPPORT  # broken upwards, or retested from above
        factors = {
            "level": level.price,
            "touches": float(level.touches),
            "held": float(held),
            "flips": float(level.flips),
            "age": float(self.tape.index - level.first),
            "z": level.strength,
            "atr": atr,
        }
        if volume_z is not None:
            factors["volume_z"] = volume_z
        kind = "resistance" if up else "support"
        if name == "sr_break":
            text = f"closed {'above' if up else 'below'} {kind} {level.price:g}"
        else:
            text = f"retest of {level.price:g} held as {'support' if up else 'resistance'}"
        text += f" ({level.touches} touches)"
        direction = Direction.BULLISH if up else Direction.BEARISH
        return candle_signal(name, direction, c, factors, text, level.first_time)


candle_detector("sr_levels")(SupportResistance)
