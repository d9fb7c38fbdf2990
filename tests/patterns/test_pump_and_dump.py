"""The pump-and-dump detector keeps its baseline volumes sorted as bars come and go: the same
signals as sorting them on every candle, as it did before."""

from __future__ import annotations

import numpy as np
import pytest

from cryptotui.models import Candle
from cryptotui.patterns.crypto import PumpAndDump


class SortingEveryCandle(PumpAndDump):
    """The detector as it was: the median of the baseline from a fresh sort on every candle."""

    __slots__ = ()

    def on_candle(self, c: Candle) -> list:
        self.bars.append(c)
        if len(self.bars) > self.window + self.baseline:
            del self.bars[0]
        if self.pump is not None:
            return self._follow(c)
        if len(self.bars) < self.window + self.baseline // 2:
            return []
        bars = list(self.bars)
        recent, before = bars[-self.window :], bars[: -self.window]
        usual = sorted(b.volume for b in before)[len(before) // 2]
        if usual <= 0:
            return []
        traded = 0.0  # left to right, as Python 3.11's `sum` (3.12's compensates)
        for b in recent:
            traded += b.volume
        ratio = traded / (usual * self.window)
        if ratio < self.surge:
            return []
        low = min(b.low for b in recent)
        high = max(b.high for b in recent)
        rise, fall = c.close / low - 1.0, 1.0 - c.close / high
        if rise >= self.move:
            self.pump = (low, max(high, c.close), 0, recent[0].open_time, ratio)
            f = {"z": ratio, "move": rise, "volume_ratio": ratio}
            return [self._signal("pump", "bullish", c, recent[0].open_time, f)]  # type: ignore[arg-type]
        if fall >= self.move:
            self.bars.clear()
            f = {"z": ratio, "move": -fall, "volume_ratio": ratio}
            return [self._signal("dump", "bearish", c, recent[0].open_time, f)]  # type: ignore[arg-type]
        return []


def market(seed: int, n: int = 6000) -> list[Candle]:
    """A walk with pumps, dumps and retraces on volume surges; round and zero volumes repeat."""
    rng = np.random.default_rng(seed)
    moves = rng.normal(0.0, 0.002, n)
    volume = np.round(rng.lognormal(2.0, 0.7, n), 1)
    volume[rng.random(n) < 0.05] = 0.0
    for start in rng.integers(100, n - 40, n // 150):
        sign = 1 if rng.random() < 0.6 else -1
        moves[start : start + 6] += sign * 0.012
        volume[start : start + 6] *= 8
        if sign > 0 and rng.random() < 0.5:
            moves[start + 8 : start + 14] -= 0.012  # the dump after the pump
    close = 100.0 * np.exp(np.cumsum(moves))
    open_ = np.concatenate(([100.0], close[:-1]))
    high = np.maximum(open_, close) * 1.001
    low = np.minimum(open_, close) * 0.999
    return [
        Candle("PNDUSDT", "1m", i * 60_000, i * 60_000 + 59_999, *map(float, row))
        for i, row in enumerate(zip(open_, high, low, close, volume, strict=True))
    ]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_same_signals_as_sorting_every_candle(seed: int) -> None:
    new, old = PumpAndDump("PNDUSDT", "1m"), SortingEveryCandle("PNDUSDT", "1m")
    fired_new, fired_old = [], []
    for c in market(seed):
        fired_new += [(s.name, str(s.direction), s.time, s.factors) for s in new.on_candle(c)]
        fired_old += [(s.name, str(s.direction), s.time, s.factors) for s in old.on_candle(c)]
        assert new.before == sorted(b.volume for b in list(new.bars)[: -new.window])
    assert fired_new == fired_old
    names = {name for name, *_ in fired_new}
    assert {"pump", "dump", "pump_and_dump"} <= names  # every path, with its resets, ran
