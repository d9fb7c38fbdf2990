"""Track record view: rows and statistics from a real store against hand counts, the trend
split, sorting and filtering in the UI, the pattern's equity curve, the alert detail's evidence
line."""

from __future__ import annotations

import pytest
from scipy.stats import binom
from textual.widgets import DataTable, Input, Static

from cryptotui.models import Direction
from cryptotui.store.track import outcome_hits
from cryptotui.ui.screens.alert_detail import describe as describe_alert
from cryptotui.ui.screens.track_record import PatternScreen, TrackRecordScreen
from cryptotui.ui.screens.track_record import describe as describe_pattern
from cryptotui.ui.services.alert_view import AlertView
from cryptotui.ui.services.store import FilterError
from cryptotui.ui.services.track import (
    TrackFilter,
    follow_the_signal,
    parse_track_filter,
    track_rows,
)
from cryptotui.ui.widgets.equity import EquityChart
from cryptotui.ui.widgets.track import TrackRecordView
from tests.conftest import until
from tests.ui.helpers import enter_text, plain, settle, widget_text
from tests.ui.track_data import MIN, T0, btc_hammer_hit, seed


@pytest.fixture
def store(make_store):
    s = make_store()
    seed(s.writer())
    return s


def by_key(rows):
    return {(r.name, r.direction, r.symbol, r.interval, r.horizon): r for r in rows}


def test_pooled_rows_match_hand_counts(store):
    rows = by_key(store.read(lambda db: track_rows(db, TrackFilter())))
    assert len(rows) == 5  # ETHUSDT's hammer pools into BTCUSDT's row
    hammer = rows[("hammer", "bullish", None, "1m", 5)]
    assert (hammer.n, hammer.hits, hammer.symbols) == (50, 31, 2)
    assert hammer.hit_rate == pytest.approx(0.62)
    assert hammer.baseline == pytest.approx(0.52)
    assert hammer.edge == pytest.approx(0.10)
    low, high = hammer.interval_95
    assert low < 0.62 < high and high - low == pytest.approx(0.2604, abs=1e-3)
    star = rows[("shooting_star", "bearish", None, "1m", 5)]
    assert (star.n, star.hits, star.hit_rate) == (12, 3, 0.25)
    assert star.edge == pytest.approx(0.25 - 0.45)
    doji = rows[("doji", "neutral", None, "1m", 5)]
    assert (doji.n, doji.hits, doji.edge, doji.p_value) == (6, None, None, None)
    assert doji.mean_return == pytest.approx(0.0025)
    # p: one-sided exact binomial against the baseline (scipy as the independent oracle);
    # q: Benjamini–Hochberg by hand over the four tested rows shown.
    tested = [r for r in rows.values() if r.p_value is not None]
    for r in tested:
        assert r.p_value == pytest.approx(binom.sf(r.hits - 1, r.n, r.baseline), rel=1e-9)
    ranked = sorted(tested, key=lambda r: r.p_value)
    m = len(ranked)
    expected = [min(1.0, *(ranked[j].p_value * m / (j + 1) for j in range(i, m))) for i in range(m)]
    assert [r.q_value for r in ranked] == pytest.approx(expected)


def test_trend_splits_by_signal_time(store):
    rows = by_key(store.read(lambda db: track_rows(db, TrackFilter(each_symbol=True))))
    btc = rows[("hammer", "bullish", "BTCUSDT", "1m", 5)]
    assert (btc.n, btc.hits) == (40, 26)
    assert btc.trend == "degrading"  # 24/28 earlier, 2/12 recent
    assert rows[("hammer", "bullish", "ETHUSDT", "1m", 5)].trend is None  # 10 < 10 + 10
    assert rows[("hammer", "bullish", "BTCUSDT", "1m", 1)].trend == "stable"
    seq = store.read(
        lambda db: [
            row[5]
            for row in outcome_hits(db, by_symbol=True, symbol="BTCUSDT", interval="1m",
                                   horizon=5, name_contains="HAMM")
        ]
    )  # fmt: skip
    assert seq == [btc_hammer_hit(i) for i in range(40)]  # in signal-time order
    assert sum(seq[:28]) == 24 and sum(seq[28:]) == 2


def test_track_filter_line():
    assert parse_track_filter("btcusdt iv=1h h=5 name=eng dir=bear") == TrackFilter(
        symbol="BTCUSDT", interval="1h", horizon=5, name="eng", direction="bearish"
    )
    assert parse_track_filter("*").by_symbol and not parse_track_filter("").by_symbol
    for bad in ("h=0", "h=x", "dir=up", "conf>=0.5", "'unclosed"):
        with pytest.raises(FilterError):
            parse_track_filter(bad)


def test_follow_the_signal_skips_overlaps_and_pays_fees():
    outcomes = [
        (0, "BTCUSDT", 0.01, 1),
        (2 * MIN, "BTCUSDT", 0.02, 1),  # inside the first trade's 5 candles: skipped
        (3 * MIN, "ETHUSDT", -0.03, 0),  # another symbol trades on its own
        (6 * MIN, "BTCUSDT", -0.01, 0),
    ]
    trades = follow_the_signal(outcomes, "bullish", 5, MIN, fee_bps=10)
    assert [(t.time, round(t.net, 9)) for t in trades] == [
        (0, 0.008), (3 * MIN, -0.032), (6 * MIN, -0.012)
    ]  # fmt: skip
    assert trades[-1].equity == pytest.approx(1.008 * 0.968 * 0.988)
    short = follow_the_signal(outcomes, "bearish", 5, MIN, fee_bps=10)
    assert [round(t.net, 9) for t in short] == [-0.012, 0.028, 0.008]
    assert follow_the_signal(outcomes, "neutral", 5, MIN) == []


def table_names(view: TrackRecordView) -> list[tuple[str, str | None, int]]:
    return [(r.name, r.symbol, r.horizon) for r in view.shown]


def cells(table: DataTable) -> list[list[str]]:
    """What the table holds, as plain text (the screen repaints it later)."""
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def header(table: DataTable) -> list[str]:
    return [str(c.label) for c in table.columns.values()]


async def test_view_sorts_filters_and_opens_the_equity_curve(store, sim_app):
    app = sim_app(store=store)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("T")
        await settle(app, pilot)
        assert isinstance(app.screen, TrackRecordScreen)
        view = app.screen.query_one(TrackRecordView)
        table = view.query_one(DataTable)
        assert app.focused is table
        shown = {(row[0], row[3], row[4]): row for row in cells(table)}
        assert len(shown) == 5
        hammer = shown[("hammer", "1m", "5")]
        assert hammer[1:3] == ["bull", "all (2)"] and hammer[5:7] == ["50", "62.0"]
        assert (hammer[8], hammer[9], hammer[11]) == ("52.0", "+10.0", "▼ degrading")
        assert shown[("doji", "1m", "5")][5:7] == ["6", "—"]
        assert "hammer" in widget_text(app, view)
        # Default order: q ascending, neutral (no q) last.
        qs = [r.q_value for r in view.shown]
        assert qs[-1] is None and qs[:-1] == sorted(qs[:-1]) and "q ▲" in header(table)
        await pilot.press("s")  # edge, best first
        edges = [r.edge for r in view.shown if r.edge is not None]
        assert edges == sorted(edges, reverse=True) and "edge ▼" in header(table)
        assert cells(table)[0][0] == "hammer" and view.shown[-1].name == "doji"
        await pilot.press("S")  # reversed: worst edge first, still no-edge rows last
        assert cells(table)[0][0] == "shooting_star" and "edge ▲" in header(table)
        assert view.shown[-1].name == "doji"
        await pilot.press("s", "s")  # n, largest first
        ns = [int(row[5]) for row in cells(table)]
        assert ns == sorted(ns, reverse=True) and ns[0] == 50
        # Filters: one symbol's own rows, then one horizon, then each symbol.
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await enter_text(pilot, "ethusdt")
        await settle(app, pilot)
        assert table_names(view) == [("hammer", "ETHUSDT", 5)]
        assert cells(table)[0][5:7] == ["10", "50.0"]
        await pilot.press("slash")
        await enter_text(pilot, "h=1")
        await settle(app, pilot)
        assert table_names(view) == [("hammer", None, 1)]
        await pilot.press("slash")
        await enter_text(pilot, "* iv=1m h=5 name=hammer")
        await settle(app, pilot)
        assert sorted(table_names(view)) == [("hammer", "BTCUSDT", 5), ("hammer", "ETHUSDT", 5)]
        assert [row[11] for row in cells(table)] == ["▼ degrading", "—"]
        # A bad filter says what to write and keeps the rows.
        await pilot.press("slash")
        await enter_text(pilot, "h=soon")
        assert "horizon in candles" in str(view.query_one("#track-status", Static).content)
        assert table.row_count == 2
        # Enter: the pattern's equity curve and its signals on the chart.
        await pilot.press("slash")
        await enter_text(pilot, "iv=1m h=5 name=hammer")
        await settle(app, pilot)
        table.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, PatternScreen)
        pattern = screen.view
        assert pattern is not None and pattern.outcomes == 50
        # BTCUSDT's 40 signals are 10 min apart (all taken); ETHUSDT's 2 min apart, so with
        # h = 5 only those at 0, 6, 12, 18 min are: 44 trades.
        assert len(pattern.trades) == 44
        # The chart: BTCUSDT (the latest signal's) from 100 candles before its last signal;
        # each signal marks the candle it closed, the last ten of the 40 fall in.
        assert pattern.chart_symbol == "BTCUSDT" and pattern.marked == 10
        opens = [pattern.points[m.index].candle.open_time for m in pattern.markers]
        assert opens == [T0 + 10 * i * MIN for i in range(30, 40)]
        summary = plain(describe_pattern(pattern), width=150)
        assert "44 non-overlapping trades of 50 signals" in summary and "10 bps" in summary
        assert screen.query_one(EquityChart).equity[-1] == pytest.approx(pattern.trades[-1].equity)
        await pilot.press("escape")
        assert isinstance(app.screen, TrackRecordScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, TrackRecordScreen)


async def test_palette_entry_and_footer_key(store, sim_app):
    app = sim_app(store=store)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        titles = {c.title: c for c in app.get_system_commands(app.screen)}
        assert "Track record" in titles
        footer = app.screen.query_one("Footer")
        await until(lambda: "Track record" in widget_text(app, footer), what="the footer's keys")
        titles["Track record"].callback()
        await settle(app, pilot)
        assert isinstance(app.screen, TrackRecordScreen)
        app.action_track_record()  # already open: not stacked twice
        await pilot.pause()
        assert sum(isinstance(s, TrackRecordScreen) for s in app.screen_stack) == 1


async def test_without_a_store_the_view_says_how_to_get_one(sim_app):
    app = sim_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("T")
        await pilot.pause()
        status = app.screen.query_one("#track-status", Static)
        assert "enabled = true" in str(status.content)


def _alert(**factors) -> AlertView:
    return AlertView(0, "BTCUSDT", "1m", "pattern", "hammer", Direction.BULLISH, 0.6, 100.0,
                     {"score_history": 0.71, **factors})  # fmt: skip


def test_alert_detail_shows_the_evidence_next_to_the_history_score():
    hist = {"hist_n": 42.0, "hist_hit_rate": 0.6105, "hist_low": 0.4655, "hist_high": 0.7325,
            "hist_baseline": 0.52, "hist_pooled": 1.0}  # fmt: skip
    text = plain(describe_alert(_alert(**hist)), width=140)
    line = next(x for x in text.splitlines() if "history" in x)
    assert "0.71" in line
    assert "42 signals, hit 61 % [47–73 %] vs baseline 52 % (all symbols)" in line
    assert "hist_n" not in text  # not repeated among the raw inputs
    own = plain(describe_alert(_alert(**{**hist, "hist_pooled": 0.0})), width=140)
    assert "(this symbol)" in own
    assert "no record yet" in plain(describe_alert(_alert()), width=140)
