"""Volume profile against a direct numpy computation of the same rule on every window."""

from __future__ import annotations

import numpy as np
import pytest

from cryptotui.indicators import VolumeProfile, build_one
from cryptotui.models import Candle
from tests.indicators.series import market


def reference(
    high: np.ndarray, low: np.ndarray, volume: np.ndarray, bins: int
) -> tuple[float, float, float] | None:
    """POC, VAH, VAL from the overlap of every candle with every bin, all at once.

    Positions are in bins (u = (price - bottom) / width), where the documented rule is
    stated, so that a bin a candle covers whole gets exactly volume / span: bins that equal
    candles cover equally are exact ties, which the tie rules then decide.
    """
    if not volume.any():
        return None
    bottom, top = low.min(), high.max()
    if top == bottom:
        return top, top, top
    width = (top - bottom) / bins
    u_low, u_high = (low - bottom) / width, (high - bottom) / width
    first = np.minimum(u_low.astype(int), bins - 1)
    last = np.minimum(u_high.astype(int), bins - 1)
    b = np.arange(bins)[None, :]
    overlap = np.minimum(u_high[:, None], b + 1) - np.maximum(u_low[:, None], b)
    overlap[last == bins - 1, -1] = (u_high - (bins - 1))[last == bins - 1]  # the top edge
    inside = first == last  # a candle inside one bin, a flat one among them: all in that bin
    span = np.where(inside, 1.0, u_high - u_low)
    hist_rows = np.clip(overlap, 0.0, None) * (volume / span)[:, None]
    hist_rows[inside] = 0.0
    hist_rows[inside, first[inside]] = volume[inside]
    hist = hist_rows.sum(axis=0)
    fullest = np.flatnonzero(hist == hist.max())
    poc = int(fullest[np.argmin(np.abs(2 * fullest - (bins - 1)))])
    lo = hi = poc
    while hist[lo : hi + 1].sum() < 0.7 * hist.sum() and (lo > 0 or hi < bins - 1):
        below = hist[lo - 1] if lo > 0 else -1.0
        above = hist[hi + 1] if hi < bins - 1 else -1.0
        if above >= below:
            hi += 1
        else:
            lo -= 1
    vah = top if hi == bins - 1 else bottom + (hi + 1) * width
    return bottom + (poc + 0.5) * width, vah, bottom + lo * width


@pytest.mark.parametrize("kind", ["walk", "flat", "zero_volume", "gaps", "tiny"])
@pytest.mark.parametrize(("period", "bins"), [(50, 24), (12, 7), (3, 1), (30, 200)])
def test_volume_profile_equals_numpy_on_every_window(kind: str, period: int, bins: int) -> None:
    series = market(kind, 1000, seed=6)
    start = {"flat": 100, "zero_volume": 60, "gaps": 280}.get(kind, 0)
    candles = series.candles()[start : start + 150]
    high, low, volume = (a[start : start + 150] for a in (series.high, series.low, series.volume))
    vp = VolumeProfile(period, bins)
    nones = 0
    for i, c in enumerate(candles):
        got = vp.update(c)
        if i + 1 < period:
            assert got is None
            continue
        window = slice(i + 1 - period, i + 1)
        want = reference(high[window], low[window], volume[window], bins)
        if want is None:
            nones += 1
            assert got is None
            continue
        assert got is not None
        assert got.val <= got.poc <= got.vah
        for ours, theirs in zip(got, want, strict=True):
            assert abs(ours - theirs) <= 1e-12 * abs(theirs)
    assert (nones > 0) == (kind == "zero_volume")  # 80 candles without volume there


def candle(high: float, low: float, volume: float) -> Candle:
    return Candle("T", "1m", 0, 0, low, high, low, high, volume)


def test_value_area_grows_toward_the_fuller_side() -> None:
    """Four bins of width 1 over [0, 4]: volumes 10, 50, 30, 10 (one candle per bin). POC is bin
    1; 70 % of 100 is reached with bins 1 and 2 (50 + 30 = 80), bin 2 beating bin 0."""
    vp = build_one("vp:4:4")
    for lo, volume in ((0.0, 10.0), (1.0, 50.0), (2.0, 30.0), (3.0, 10.0)):
        got = vp.update(candle(lo + 1.0, lo, volume))
    assert got == (1.5, 3.0, 1.0)


def test_a_candle_spreads_its_volume_over_its_range() -> None:
    """One candle over [0, 4] with 100 and one over [3, 4] with 30: bins 25, 25, 25, 55."""
    vp = VolumeProfile(2, 4)
    vp.update(candle(4.0, 0.0, 100.0))
    got = vp.update(candle(4.0, 3.0, 30.0))
    assert got.poc == 3.5  # the top bin
    assert (got.val, got.vah) == (1.0, 4.0)  # from the top bin down: 55 + 25 + 25 ≥ 0.7 · 130


def test_equally_full_bins_put_the_point_of_control_in_the_middle() -> None:
    """Two candles over the whole range fill five bins equally: POC is the middle one, and the
    value area takes ties upwards first (bins 2, 3, 4, then 1: 16 of 20 ≥ 14)."""
    vp = VolumeProfile(2, 5)
    vp.update(candle(5.0, 0.0, 10.0))
    assert vp.update(candle(5.0, 0.0, 10.0)) == (2.5, 5.0, 1.0)


def test_no_volume_no_profile_and_no_range_one_price() -> None:
    vp = VolumeProfile(2, 5)
    vp.update(candle(2.0, 1.0, 0.0))
    assert vp.update(candle(3.0, 1.0, 0.0)) is None
    flat = VolumeProfile(3, 5)
    for _ in range(3):
        got = flat.update(candle(7.0, 7.0, 1.0))
    assert got == (7.0, 7.0, 7.0)
