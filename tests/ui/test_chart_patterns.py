"""Chart patterns on the chart (key p): levels, trendlines and formations with their targets come
from the engine's detectors, follow the series as it grows, and are drawn only when asked for."""

from __future__ import annotations

import pytest
from rich.style import Style

from cryptotui.models import Direction
from cryptotui.ui.services.chart_data import ChartSeries, PatternOverlay
from cryptotui.ui.widgets.candles import ChartOptions, ChartStyles, render_chart
from cryptotui.ui.widgets.chart import Chart
from tests.patterns.shapes import candles
from tests.patterns.test_chart import SHAPES
from tests.patterns.test_trendlines import RISING_LOWS

STYLES = ChartStyles(*[Style()] * 19)
DOUBLE_TOP = [*SHAPES["double_top"], (10, 97), (6, 101)]
"""The textbook double top (confirmed on candle 53, target 97.4), then a bounce."""


def text(series: ChartSeries, patterns: bool) -> str:
    opts = ChartOptions(ma="off", sub="off", volume=False, patterns=patterns)
    drawings = series.drawings() if patterns else None
    strips = render_chart(series.points, (), 90, 24, opts, STYLES, 2, "1m", drawings=drawings)
    return "\n".join("".join(seg.text for seg in s) for s in strips)


def test_formation_and_level_are_placed_on_the_series():
    series = ChartSeries("TESTUSDT", "1m")
    series.load(candles(DOUBLE_TOP))
    d = series.drawings()
    (f,) = d.formations
    assert (f.name, f.direction, f.index) == ("double_top", Direction.BEARISH, 53)
    assert [i for i, _ in f.points] == [25, 35, 45] and f.target == pytest.approx(97.4)
    assert [(round(p, 6), role) for p, role in d.levels] == [(110.2, Direction.BEARISH)]


def test_trendline_follows_the_series_as_it_grows_and_is_trimmed():
    series = ChartSeries("TESTUSDT", "1m")
    rising = candles(RISING_LOWS[:-1])
    series.load(rising[:30])
    assert series.drawings().lines == ()  # two touches so far: no line
    for c in rising[30:]:
        series.closed.append(series._commit(c))
    ((first, price, slope),) = series.drawings().lines
    assert (first, price, slope) == (13, pytest.approx(100.8), pytest.approx(3 / 14))
    series._overlay.dropped = 5  # the series let its five oldest candles go
    assert series.drawings().lines[0][0] == 8


def test_overlay_is_started_only_when_asked_for():
    series = ChartSeries("TESTUSDT", "1m")
    series.load(candles(DOUBLE_TOP))
    assert series._overlay is None
    plain = text(series, patterns=False)
    assert "┈" not in plain and "╌" not in plain and series._overlay is None
    drawn = text(series, patterns=True)
    assert "┈" in drawn and "╌" in drawn  # the level, the target
    assert isinstance(series._overlay, PatternOverlay)


async def test_p_switches_the_patterns_on_and_the_app_supplies_them(sim_app):
    app = sim_app()
    async with app.run_test(size=(120, 40)) as pilot:
        chart = app.query_one(Chart)
        await pilot.press("tab")
        assert app.focused is chart and chart.drawings is None
        await pilot.press("p")
        await pilot.pause()
        assert chart.options.patterns and chart.drawings is not None
        assert "patterns" in str(chart.border_subtitle)
        await pilot.press("p")
        await pilot.pause()
        assert not chart.options.patterns and "patterns" not in str(chart.border_subtitle)
