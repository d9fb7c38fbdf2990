"""Volume profile over a rolling window: point of control and the 70 % value area.

The rules (binning, spreading, ties) are in `volume_profile` and `value_area`, and in
docs/indicators.md.
"""

from __future__ import annotations

from collections import deque
from itertools import islice
from typing import NamedTuple

from cryptotui.indicators.base import IndicatorBase
from cryptotui.models import Candle

VALUE_AREA = 0.7
"""Share of the window's volume in the value area (the market-profile convention)."""


class VPValue(NamedTuple):
    poc: float
    vah: float
    val: float


def volume_profile(
    highs: list[float], lows: list[float], volumes: list[float], bins: int
) -> list[float]:
    """Volume per bin of the bars (highs, lows, volumes): `bins` equal bins over [lowest low,
    highest high], each bar's volume spread uniformly over its own high-low range.

    Positions are measured in bins, u = (price - lowest) / width, so a bar covers [u_low,
    u_high] and bin b is [b, b + 1) (the top edge belongs to the last bin). A bar inside one bin
    (a flat bar among them) puts all its volume there; otherwise the bins it crosses get
    volume · overlap / (u_high - u_low), so bins it covers whole get exactly equal shares. The
    bars must span a non-zero range.
    """
    bottom = min(lows)
    width = (max(highs) - bottom) / bins
    last_bin = bins - 1
    hist = [0.0] * bins
    for high, low, volume in zip(highs, lows, volumes, strict=True):
        if not volume:
            continue
        u_low = (low - bottom) / width
        u_high = (high - bottom) / width
        first = int(u_low)
        last = int(u_high)
        if last > last_bin:
            last = last_bin
            first = min(first, last_bin)
        if first == last:
            hist[first] += volume
            continue
        density = volume / (u_high - u_low)
        hist[first] += density * (first + 1 - u_low)
        for b in range(first + 1, last):
            hist[b] += density
        hist[last] += density * (u_high - last)
    return hist


def value_area(hist: list[float]) -> tuple[int, int, int]:
    """(point-of-control bin, lowest and highest value-area bin) of a volume histogram.

    The point of control is the fullest bin; of equally full ones (a bar wider than several
    bins fills them equally), the one nearest the middle of the range, the lower of two equally
    near. The value area grows from it one bin at a time toward the fuller of the two
    neighbouring bins (up on a tie) until it holds `VALUE_AREA` of the volume.
    """
    fullest = max(hist)
    poc = hist.index(fullest)
    if hist.count(fullest) > 1:
        middle = len(hist) - 1  # twice the middle bin's index: 2b is compared with it
        poc = min(
            (b for b, v in enumerate(hist) if v == fullest), key=lambda b: (abs(2 * b - middle), b)
        )
    target = VALUE_AREA * sum(hist)
    lo = hi = poc
    area = hist[poc]
    top = len(hist) - 1
    while area < target and (lo > 0 or hi < top):
        below = hist[lo - 1] if lo > 0 else -1.0
        above = hist[hi + 1] if hi < top else -1.0
        if above >= below:
            hi += 1
            area += above
        else:
            lo -= 1
            area += below
    return poc, lo, hi


class VolumeProfile(IndicatorBase):
    """Point of control and value area of the last `period` candles' volume in `bins` bins.

    `poc` is the middle of the fullest bin, `val` and `vah` the bottom and top edges of the
    value area (see `volume_profile` and `value_area` for the rules). A window that traded
    nothing has no profile (None); a window without any price range has everything at its one
    price. The bins move with the window's range, so each candle rebuilds the profile: O(period
    + bins crossed) per update, and the same for `preview`.
    """

    name = "vp"
    outputs = ("poc", "vah", "val")
    __slots__ = ("_highs", "_lows", "_volumes", "bins", "period")

    def __init__(self, period: int = 50, bins: int = 24) -> None:
        self.period = period
        self.bins = bins
        self.params = (period, bins)
        self.lookback = period - 1
        self.reset()

    def reset(self) -> None:
        self._highs: deque[float] = deque(maxlen=self.period)
        self._lows: deque[float] = deque(maxlen=self.period)
        self._volumes: deque[float] = deque(maxlen=self.period)

    def _value(self, highs: list[float], lows: list[float], volumes: list[float]) -> VPValue | None:
        if not any(volumes):
            return None
        bottom = min(lows)
        top = max(highs)
        if top == bottom:
            return VPValue(top, top, top)
        poc, lo, hi = value_area(volume_profile(highs, lows, volumes, self.bins))
        width = (top - bottom) / self.bins
        vah = top if hi == self.bins - 1 else bottom + (hi + 1) * width
        return VPValue(bottom + (poc + 0.5) * width, vah, bottom + lo * width)

    def update(self, candle: Candle) -> VPValue | None:
        self._highs.append(candle.high)
        self._lows.append(candle.low)
        self._volumes.append(candle.volume)
        if len(self._highs) < self.period:
            return None
        return self._value(list(self._highs), list(self._lows), list(self._volumes))

    def preview(self, candle: Candle) -> VPValue | None:
        m = len(self._highs)
        if m < self.period - 1:
            return None
        skip = 1 if m == self.period else 0
        window = []
        for ring, value in (
            (self._highs, candle.high),
            (self._lows, candle.low),
            (self._volumes, candle.volume),
        ):
            values = list(islice(ring, skip, None))
            values.append(value)
            window.append(values)
        return self._value(*window)
