"""The chart: the renderer's glyphs, interval keys, live forming candle, scroll/zoom, overlays,
markers; and the history requests the UI sends to the feed."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

from rich.style import Style

from cryptotui.feed import Feed
from cryptotui.models import Candle, Direction
from cryptotui.ui.services.chart_data import ChartSeries, Marker
from cryptotui.ui.services.market import MarketLink
from cryptotui.ui.widgets.candles import ChartOptions, ChartStyles, render_chart
from cryptotui.ui.widgets.chart import Chart
from tests.ui.helpers import widget_text
from tests.ui.market import sim_state

PLAIN = Style()
STYLES = ChartStyles(*[PLAIN] * 19)
UP = Style(color="green")
COLOURED = ChartStyles(PLAIN, UP, Style(color="red"), *[PLAIN] * 16)


def candle(i: int, o: float, h: float, low: float, c: float, v: float = 10.0) -> Candle:
    return Candle("TEST", "1m", i * 60_000, i * 60_000 + 59_999, o, h, low, c, v)


BARE = ChartOptions(ma="off", sub="off", volume=False)


def draw(candles, opts=BARE, markers=(), width=40, **kw):
    series = ChartSeries("TEST", "1m")
    series.load(candles)
    styles = kw.get("styles", STYLES)
    strips = render_chart(series.points, markers, width, 12, opts, styles, 2, "1m")
    return ["".join(seg.text for seg in s) for s in strips], strips


def test_doji_is_a_cross_and_bodies_are_half_blocks():
    rows, _ = draw(
        [
            candle(0, 100, 110, 90, 100.01),  # doji with wicks both ways
            candle(1, 92, 108, 91, 106),  # long body
            candle(2, 100, 100, 100, 100),  # flat: no wick at all
        ]
    )
    column0 = "".join(r[0] for r in rows)
    assert "┼" in column0 and "│" in column0 and "█" not in column0
    column1 = "".join(r[1] for r in rows)
    assert "█" in column1
    assert "─" in "".join(r[2] for r in rows)


def test_colours_follow_direction_and_markers_sit_beyond_the_wicks():
    candles = [candle(i, 100 + i, 102 + i, 99 + i, 101 + i) for i in range(30)]
    candles.append(candle(30, 131, 131.5, 120, 121))  # a falling candle
    markers = [Marker(30, Direction.BEARISH, "x"), Marker(10, Direction.BULLISH, "y")]
    rows, strips = draw(candles, markers=markers, styles=COLOURED)
    text = "\n".join(rows)
    assert "▼" in text and "▲" in text
    falling = [seg.style for s in strips for seg in s if seg.style and seg.style.color]
    assert any(st.color.name == "red" for st in falling)
    assert any(st.color.name == "green" for st in falling)


def test_overlays_volume_and_sub_panes_are_drawn_when_enabled():
    candles = [
        candle(i, 100 + (i % 7), 104 + (i % 7), 98 + (i % 7), 102 + (i % 5)) for i in range(80)
    ]
    opts = ChartOptions(ma="both", bollinger=True, sub="rsi", volume=True)
    rows, _ = draw(candles, opts, width=100)
    text = "\n".join(rows)
    assert any(0x2800 < ord(ch) <= 0x28FF for ch in text)  # braille overlay dots
    assert "SMA20" in text and "EMA20" in text and "BB20,2" in text
    assert "Vol" in text and "RSI 14" in text and "┈" in text
    rows, _ = draw(candles, ChartOptions(ma="off", sub="macd", volume=False))
    assert "MACD 12 26 9" in "\n".join(rows)


def test_a_tiny_area_says_so_instead_of_drawing_garbage():
    series = ChartSeries("TEST", "1m")
    series.load([candle(0, 1, 2, 0.5, 1.5)])
    strips = render_chart(series.points, (), 12, 3, ChartOptions(), STYLES, 2, "1m")
    assert "enlarge" in "".join(seg.text for s in strips for seg in s)


async def test_interval_keys_switch_the_chart_and_the_forming_candle_updates_live(sim_app):
    state = sim_state(intervals=("1m", "5m"))
    app = sim_app(state, intervals=["1m", "5m"])
    async with app.run_test(size=(120, 40)) as pilot:
        chart = app.query_one(Chart)
        await pilot.pause()
        assert (chart.symbol, chart.interval) == ("BTCUSDT", "1m")
        await pilot.press("2")
        await pilot.pause()
        assert chart.interval == "5m" and len(chart.points) > 50
        assert "RSI5m" in widget_text(app, app.dashboard.watchlist)
        await pilot.press("1")
        await pilot.pause()
        assert chart.interval == "1m"
        # A new forming candle is drawn at the next snapshot.
        renders = chart.renders
        last = state.forming[("BTCUSDT", "1m")]
        moved = Candle(**{f: getattr(last, f) for f in Candle.__slots__})
        moved.close = moved.high = last.high + 50
        state.apply(moved)
        await pilot.pause(0.7)  # forming-only redraws are at most 2.5 per second
        assert chart.renders > renders
        assert f"C{moved.close:,.2f}" in widget_text(app, chart)


async def test_scroll_zoom_and_overlay_keys(sim_app):
    app = sim_app()
    async with app.run_test(size=(120, 40)) as pilot:
        chart = app.query_one(Chart)
        await pilot.press("tab")
        assert app.focused is chart
        await pilot.press("h", "h")
        assert chart.scrolled_back > 0
        assert "◀" in widget_text(app, chart)
        await pilot.press("end")
        assert chart.scrolled_back == 0
        await pilot.press("plus")
        assert chart.options.step == 2
        await pilot.press("minus", "minus")
        assert chart.options.step == 1
        ma, bb, sub, vol = (chart.options.ma, chart.options.bollinger, chart.options.sub,
                            chart.options.volume)  # fmt: skip
        await pilot.press("m", "b", "i", "v")
        o = chart.options
        assert (o.ma, o.bollinger, o.sub, o.volume) != (ma, bb, sub, vol)
        assert o.bollinger is not bb and o.volume is not vol
        await pilot.pause()
        assert "BB" in str(chart.border_subtitle)


async def test_alert_markers_appear_on_the_chart(sim_app):
    app = sim_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        text = widget_text(app, app.query_one(Chart))
        assert "▲" in text and "◆" in text  # BTCUSDT's bullish pattern and its rule alert


class FakeFeed:
    set_symbols = Feed.set_symbols  # the real edit order, over the calls recorded below

    def __init__(self, state) -> None:
        self._edits = None
        self.state = state
        self.intervals = ["5m"]  # so the watchlist's 1m sparkline history is fetched
        self.calls: list[tuple] = []

    async def watch(self, symbol: str) -> bool:
        self.calls.append(("watch", symbol))
        self.state.symbols = [*self.state.symbols, symbol]
        return True

    async def unwatch(self, symbol: str) -> None:
        self.calls.append(("unwatch", symbol))
        self.state.symbols = [s for s in self.state.symbols if s != symbol]

    async def load_candles(self, symbol: str, interval: str, limit: int = 500) -> int:
        self.calls.append(("load", symbol, interval, limit))
        return 0


class FakeThread:
    """Runs submitted requests when the test says so (no thread needed)."""

    running = True

    def __init__(self, feed) -> None:
        self.feed = feed
        self.requests = []

    def submit(self, request, *args):
        self.requests.append((request, args))
        return object()

    async def run(self) -> None:
        while self.requests:
            request, args = self.requests.pop(0)
            await request(self.feed, *args)


async def test_market_link_queues_until_ready_then_edits_the_feed_in_order():
    state = sim_state(with_alerts=False)
    state.info = {}
    state.conns = {}
    feed = FakeFeed(state)
    thread = FakeThread(feed)
    link = MarketLink(state, thread)  # type: ignore[arg-type]
    link.set_symbols(["ETHUSDT", "BTCUSDT", "ADAUSDT"])
    link.load_history("BTCUSDT", "4h")
    link.load_history("BTCUSDT", "4h")  # once per session
    link.pump()
    assert thread.requests == []  # the feed has not started yet
    state.conns = {1: object()}
    link.pump()
    await thread.run()
    await asyncio.sleep(0)
    assert state.symbols == ["ETHUSDT", "BTCUSDT", "ADAUSDT"]
    assert ("unwatch", "SOLUSDT") in feed.calls and ("watch", "ADAUSDT") in feed.calls
    loads = [c for c in feed.calls if c[0] == "load"]
    assert ("load", "BTCUSDT", "4h", 500) in loads
    assert len([c for c in loads if c[2] == "4h"]) == 1


async def test_scrolling_past_the_oldest_candle_loads_older_ones_from_the_store(
    sim_app, make_store
):
    state = sim_state()
    held = list(state.candles[("BTCUSDT", "1m")])
    store = make_store()
    older = [
        Candle("BTCUSDT", "1m", c.open_time - 500 * 60_000, c.close_time - 500 * 60_000,
               c.open, c.high, c.low, c.close, c.volume)
        for c in held[:300]
    ]  # fmt: skip
    store.writer().put_many(older)
    store.writer().flush(5)
    app = sim_app(state, store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        chart = app.query_one(Chart)
        await pilot.pause()
        before = len(chart.points)
        chart.focus()
        await pilot.press("home")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(chart.points) == before + 300
        assert chart.points[0].candle.open_time == older[0].open_time


def axis_labels(interval: str, opens: list[int], width: int = 120) -> list[str]:
    """The time-axis labels of a chart of candles opening at `opens`."""
    candles = [Candle("TEST", interval, t, t + 59_999, 100, 101, 99, 100.5, 1.0) for t in opens]
    series = ChartSeries("TEST", interval)
    series.load(candles)
    strips = render_chart(series.points, (), width, 12, BARE, STYLES, 2, interval)
    axis = "".join(seg.text for seg in strips[-1])
    return [label.strip() for label in axis.split("╵")[1:]]


def test_time_axis_labels_carry_the_day_or_month_they_move_to():
    """4h labels used to read 00:00 00:00 …, 1M ones 07-01 07-01 …, 1h ones 00:00 12:00 with
    no date: each label now says what changed since its neighbour."""
    t0 = 1_767_225_600_000  # 2026-01-01T00:00Z
    hour = 3_600_000
    four_hourly = axis_labels("4h", [t0 + i * 4 * hour for i in range(200)])
    assert len(four_hourly) >= 4 and len(set(four_hourly)) == len(four_hourly), four_hourly
    assert all(re.fullmatch(r"\d\d-\d\d \d\d:\d\d", label) for label in four_hourly)

    hourly = axis_labels("1h", [t0 + i * hour for i in range(200)])
    assert re.fullmatch(r"\d\d-\d\d \d\d:\d\d", hourly[0]), hourly  # the window spans days
    assert any(re.fullmatch(r"\d\d:\d\d", label) for label in hourly[1:]), hourly
    days = [label for label in hourly if " " in label]
    assert len(days) >= 3 and len(set(days)) == len(days), hourly

    months = [
        int(datetime(2010 + m // 12, m % 12 + 1, 1, tzinfo=UTC).timestamp() * 1000)
        for m in range(200)
    ]
    monthly = axis_labels("1M", months)
    assert all(re.fullmatch(r"\d{4}-\d\d", label) for label in monthly), monthly
    assert len(set(monthly)) == len(monthly) >= 4, monthly

    daily = axis_labels("1d", [t0 - 100 * 24 * hour + i * 24 * hour for i in range(200)])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", daily[0]), daily  # the window spans a new year
    assert any(label.startswith("2026-") for label in daily[1:]), daily

    # One morning of 1m candles: the time alone.
    minutes = axis_labels("1m", [t0 + 8 * hour + i * 60_000 for i in range(200)])
    assert all(re.fullmatch(r"\d\d:\d\d", label) for label in minutes), minutes
