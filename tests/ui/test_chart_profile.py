"""Volume profile on the chart (key r): a sideways histogram over the oldest candles whose longest
bar sits where most volume traded, drawn only when asked for."""

from __future__ import annotations

from rich.style import Style

from cryptotui.ui.services.chart_data import ChartSeries
from cryptotui.ui.widgets.candles import LEFT_EIGHTHS, ChartOptions, ChartStyles, render_chart
from cryptotui.ui.widgets.chart import Chart
from tests.patterns.shapes import candles

STYLES = ChartStyles(*[Style()] * 19)
BARS = set(LEFT_EIGHTHS.strip())


def grid(profile: bool) -> list[str]:
    series = ChartSeries("TESTUSDT", "1m")
    # 40 candles around 100, then a quick climb to 120 and 4 candles there
    series.load(candles([(20, 100.6), (20, 99.4), (4, 120), (4, 120)]))
    opts = ChartOptions(ma="off", sub="off", volume=False, profile=profile)
    strips = render_chart(series.points, (), 90, 24, opts, STYLES, 2, "1m")
    return ["".join(seg.text for seg in s) for s in strips]


def test_profile_bars_are_longest_where_the_volume_traded():
    plain, drawn = grid(False), grid(True)
    changed = [
        (y, x)
        for y, (a, b) in enumerate(zip(plain, drawn, strict=True))
        for x, (ca, cb) in enumerate(zip(a, b, strict=True))
        if ca != cb
    ]
    assert changed and all(drawn[y][x] in BARS for y, x in changed)
    assert not any(ch in BARS for row in plain for ch in row[:20])
    # bar length in cells per price row (rows 1-22; the plot is 80 cells wide)
    widths = {y: len(row) - len(row.lstrip("".join(BARS))) for y, row in enumerate(drawn[1:23], 1)}
    poc = max(widths, key=widths.__getitem__)
    assert poc >= 20 and widths[poc] == 80 // 4  # price ~100: a quarter of the plot
    assert all(widths[y] <= 3 for y in range(2, 18))  # the climb: one candle each


async def test_r_switches_the_profile_on_and_off(sim_app):
    app = sim_app()
    async with app.run_test(size=(120, 40)) as pilot:
        chart = app.query_one(Chart)
        await pilot.press("tab")
        assert app.focused is chart and not chart.options.profile
        await pilot.press("r")
        await pilot.pause()
        assert chart.options.profile and "profile" in str(chart.border_subtitle)
        assert any(b.key == "r" and b.description == "Profile" for b in chart.BINDINGS)
        await pilot.press("r")
        await pilot.pause()
        assert not chart.options.profile and "profile" not in str(chart.border_subtitle)
