"""Swing points: the incremental tracker equals the textbook definition, never repaints, and the
zigzag alternates."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptotui.patterns.swings import HIGH, LOW, Line, Pivot, SwingTracker, Tape, Zigzag
from tests.patterns.shapes import candles, random_walk


def batch(highs: list[float], lows: list[float], left: int, right: int) -> list[tuple]:
    """The definition, recomputed over the whole series: a high strictly above the `left` highs
    before it and not below the `right` highs after it (lows mirrored), in the order the
    tracker confirms them (by candle, a high before a low)."""
    out = []
    for c in range(left, len(highs) - right):
        before, after = range(c - left, c), range(c + 1, c + right + 1)
        if all(highs[c] > highs[j] for j in before) and all(highs[c] >= highs[j] for j in after):
            out.append((HIGH, c, highs[c]))
        if all(lows[c] < lows[j] for j in before) and all(lows[c] <= lows[j] for j in after):
            out.append((LOW, c, lows[c]))
    return out


def incremental(highs: list[float], lows: list[float], left: int, right: int) -> list[tuple]:
    tracker = SwingTracker(left, right)
    out = []
    for i, (h, lo) in enumerate(zip(highs, lows, strict=True)):
        for p in tracker.update(h, lo, i * 60_000):
            assert p.index == i - right and p.time == p.index * 60_000  # reported on time
            out.append((p.kind, p.index, p.price))
    return out


series = st.lists(st.tuples(st.integers(0, 6), st.integers(0, 3)), min_size=0, max_size=80).map(
    lambda rows: ([float(h) for h, _ in rows], [float(h - d) for h, d in rows])
)
"""Small integer prices: flat tops, equal lows and outside bars are common."""


@settings(max_examples=300, deadline=None)
@given(series, st.integers(1, 6), st.integers(1, 6))
def test_incremental_equals_the_definition(hl, left, right):
    highs, lows = hl
    assert incremental(highs, lows, left, right) == batch(highs, lows, left, right)


@settings(max_examples=200, deadline=None)
@given(series, st.integers(1, 6), st.integers(1, 6), st.data())
def test_appending_candles_never_changes_confirmed_pivots(hl, left, right, data):
    highs, lows = hl
    cut = data.draw(st.integers(0, len(highs)))
    full = incremental(highs, lows, left, right)
    prefix = incremental(highs[:cut], lows[:cut], left, right)
    assert prefix == full[: len(prefix)]
    assert all(index + right >= cut for _, index, _ in full[len(prefix) :])


def test_flat_top_counts_once_at_its_first_candle():
    highs = [1.0, 2.0, 5.0, 5.0, 5.0, 3.0, 2.0, 1.0]
    lows = [h - 0.5 for h in highs]
    assert [p for p in incremental(highs, lows, 2, 2) if p[0] == HIGH] == [(HIGH, 2, 5.0)]


def test_strengths_below_one_are_refused():
    with pytest.raises(ValueError, match="≥ 1"):
        SwingTracker(0, 3)


def test_textbook_legs_put_pivots_on_the_waypoints():
    bars = candles([(6, 97), (20, 110), (10, 104)])
    tracker = SwingTracker(5, 3)
    found = [p for c in bars for p in tracker.update(c.high, c.low, c.open_time)]
    assert [(p.kind, p.index, p.price) for p in found] == [
        (LOW, 5, pytest.approx(96.8)),
        (HIGH, 25, pytest.approx(110.2)),
    ]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([HIGH, LOW]), st.integers(0, 20)), max_size=40))
def test_zigzag_alternates_and_keeps_the_extreme_of_each_leg(raw):
    zigzag = Zigzag(size=100)
    legs: list[list[float]] = []
    for i, (kind, price) in enumerate(raw):
        zigzag.add(Pivot(kind, i, i, float(price)))
        if legs and legs[-1][0] == kind:
            legs[-1].append(price)
        else:
            legs.append([kind, price])
    points = zigzag.points
    assert all(a.kind != b.kind for a, b in itertools.pairwise(points))
    want = [max(leg[1:]) if leg[0] == HIGH else min(leg[1:]) for leg in legs]
    assert [p.price for p in points] == want


def test_outside_bar_pivots_alternate_with_the_last_point():
    zigzag = Zigzag()
    zigzag.add(Pivot(HIGH, 0, 0, 10.0))
    assert zigzag.extend((Pivot(HIGH, 5, 5, 12.0), Pivot(LOW, 5, 5, 1.0)))
    assert [(p.kind, p.price) for p in zigzag.points] == [(HIGH, 10.0), (LOW, 1.0), (HIGH, 12.0)]


def test_least_squares_line_matches_numpy():
    rng = np.random.default_rng(4)
    xs = np.sort(rng.choice(200, 6, replace=False))
    ys = 40_000 + rng.normal(0, 50, 6)
    line = Line.fit([Pivot(HIGH, int(x), 0, float(y)) for x, y in zip(xs, ys, strict=True)])
    slope, intercept = np.polyfit(xs, ys, 1)
    assert line.slope == pytest.approx(slope, rel=1e-9)
    assert line.at(100) == pytest.approx(intercept + 100 * slope, rel=1e-12)


def test_tape_reads_kept_bars_by_number_and_refuses_older_ones():
    tape = Tape(2, 2, keep=5)
    walk = random_walk(50, 1)
    for c in walk:
        tape.update(c)
    assert tape.index == 49 and tape.atr is not None
    assert tape.bar(49) is walk[49] and tape.bar(42) is walk[42]
    with pytest.raises(IndexError):
        tape.bar(41)
