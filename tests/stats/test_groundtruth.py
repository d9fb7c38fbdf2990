"""Ground-truth report: detectors run by the real Engine on the simulated market with injections."""

from __future__ import annotations

import json
import time

import pytest
from rich.console import Console

from cryptotui.models import Direction, Signal
from cryptotui.patterns.candles import PATTERNS as TALIB_PATTERNS
from cryptotui.sim import PATTERNS, GroundTruth, Market
from cryptotui.stats.groundtruth import (
    FORMATION_SIGNAL,
    START_MS,
    ground_truth,
    match_signals,
)

CALM = ["BNBUSDT", "XRPUSDT"]
"""Low trade rates: the cheapest symbols to simulate."""


def row(report, scenario):
    (r,) = [r for r in report.rows if r.scenario == scenario]
    return r


def test_every_formation_maps_to_the_pattern_and_direction_the_simulator_records():
    market = Market(["BTCUSDT"], seed=1, start_time_ms=START_MS)
    for pattern in PATTERNS:
        truth = market.inject("candle_formation", "BTCUSDT", START_MS + 60_000, pattern=pattern)
        name, direction = FORMATION_SIGNAL[pattern]
        assert name.removeprefix("cdl_") in TALIB_PATTERNS
        assert truth.details["direction"] == direction
    assert set(FORMATION_SIGNAL) == set(PATTERNS)


def test_same_seed_same_report_other_seed_other_market():
    args = (0.75, 5, ["DOGEUSDT"])
    first = ground_truth(*args)
    again = ground_truth(*args)
    assert first.injected and first.signals > 0
    assert first == again and first.to_rows() == again.to_rows()
    other = ground_truth(0.75, 6, ["DOGEUSDT"])
    assert [t.to_json() for t in other.injected] != [t.to_json() for t in first.injected]


def test_crypto_detectors_find_what_was_injected():
    """Measured: recall 1.0 for all three here (and at 6 h × 6 symbols for seeds 1-7); the 0.8
    floor lets a detector tweak miss one case in five, not lose what it is designed for."""
    kinds = ["whale_trade", "pump_and_dump", "volume_spike"]
    report = ground_truth(2.0, 7, [*CALM, "DOGEUSDT"], scenarios=kinds, detectors=kinds)
    assert {t.scenario for t in report.injected} == set(kinds)
    for kind in kinds:
        r = row(report, kind)
        assert r.injected >= 4, r
        assert r.recall is not None and r.recall >= 0.8, r
        assert r.matched >= r.detected
    assert row(report, "whale_trade").median_delay_s == 0  # on the whale's own trade
    assert row(report, "volume_spike").median_delay_s == 0  # at the spiking candle's close
    assert row(report, "whale_trade").unmatched == 0
    assert sum(r.signals for r in report.rows) == report.signals


def test_calm_market_has_no_denominators_and_every_signal_is_unmatched():
    report = ground_truth(1.0, 3, CALM, scenarios=[])
    assert report.injected == [] and report.symbol_hours == 2.0
    assert report.signals > 0
    for r in report.rows:
        assert (r.injected, r.detected, r.recall, r.median_delay_s) == (0, 0, None, None), r
        assert r.matched == r.collateral == 0 and r.unmatched == r.signals
        assert r.unmatched_per_symbol_hour == r.signals / report.symbol_hours
    assert sum(r.signals for r in report.rows) == report.signals
    kinds = {r.detector: r.unmatched_kind for r in report.rows}
    assert kinds["candlestick"] == "background" and kinds["whale_trade"] == "false_alert"
    rows = json.loads(json.dumps(report.to_rows()))
    assert rows[0]["detector"] == "whale_trade" and rows[0]["recall"] is None
    console = Console(record=True, width=200)
    console.print(report.table())
    text = console.export_text()
    assert "2 symbol-hours, 0 injections" in text
    assert all(r.signal in text for r in report.rows)


def test_run_is_bounded_and_reports_progress():
    seen: list[float] = []
    started = time.perf_counter()
    ground_truth(0.5, 2, ["XRPUSDT"], progress=seen.append)
    assert time.perf_counter() - started < 15  # ~1 s here; a 15× margin for a busy machine
    assert len(seen) == 30 and seen == sorted(seen) and seen[-1] == 1.0


def _sig(name, t, direction=Direction.BULLISH, symbol="ETHUSDT", **factors) -> Signal:
    return Signal(name, direction, symbol, "1m", t, 1.0, t, t, factors)


def test_matching_rule():
    t0 = START_MS
    whale = GroundTruth("whale_trade", "ETHUSDT", None, t0, t0)
    hammer = GroundTruth(
        "candle_formation",
        "ETHUSDT",
        "1m",
        t0 + 600_000,
        t0 + 659_999,
        {"pattern": "hammer", "direction": "bullish", "context_start_ms": t0 + 360_000},
    )
    cross = GroundTruth(
        "round_number_cross",
        "ETHUSDT",
        None,
        t0 + 1_200_000,
        t0 + 1_500_000,
        {"level": 3000.0, "cross_ms": t0 + 1_400_000},
    )
    signals = [
        _sig("whale_trade", t0),  # detected, delay 0
        _sig("whale_trade", t0, symbol="BTCUSDT"),  # other symbol: false alert
        _sig("volume_spike", t0 + 59_999),  # the whale's candle: collateral
        _sig("whale_trade", t0 + 2_000),  # beyond the 1 s tolerance but in influence: collateral
        _sig("cdl_hammer", t0 + 659_999),  # detected
        _sig("cdl_hammer", t0 + 659_999 + 60_000),  # within one candle: matched, not detected again
        _sig("cdl_engulfing", t0 + 659_999, Direction.BEARISH),  # in the formation: collateral
        _sig("cdl_engulfing", t0 + 3_000_000, Direction.BEARISH),  # background
        _sig("round_number_cross", t0 + 1_300_000, level=3500.0),  # matched, other level
        _sig("round_number_cross", t0 + 1_410_000, level=3000.0000000000005),  # detected
        _sig("round_number_cross", t0 + 3_000_000, level=3000.0),  # false alert
    ]
    rows = match_signals([whale, hammer, cross], signals, "1m", 2.0, ["whale_trade"])
    by = {r.signal: r for r in rows}
    w = by["whale_trade"]
    assert (w.injected, w.detected, w.signals, w.matched, w.collateral, w.unmatched) == (
        1,
        1,
        3,
        1,
        1,
        1,
    )
    assert w.median_delay_s == 0 and w.unmatched_per_symbol_hour == 0.5
    v = by["volume_spike"]
    assert (v.injected, v.recall, v.signals, v.collateral, v.unmatched) == (0, None, 1, 1, 0)
    h = by["cdl_hammer bullish"]
    assert (h.injected, h.detected, h.matched, h.unmatched_kind) == (1, 1, 2, "background")
    e = by["cdl_engulfing"]
    assert (e.scenario, e.signals, e.collateral, e.unmatched) == (None, 2, 1, 1)
    c = by["round_number_cross"]
    assert (c.detected, c.matched, c.unmatched, c.median_delay_s) == (1, 2, 1, 10.0)
    assert "cdl_doji neutral" not in by  # candlestick did not run and no doji was injected


def test_chart_formation_and_trend_change_matching_rule():
    """A chart formation is detected by its own name and direction at the breakout candle's
    close; a trend change by a reversal in the second leg's direction after the turn only."""
    t0, minute = START_MS, 60_000
    top = GroundTruth(
        "chart_formation",
        "ETHUSDT",
        "1m",
        t0,
        t0 + 60 * minute - 1,
        {"pattern": "double_top", "direction": "bearish", "breakout_open_time": t0 + 53 * minute},
    )
    turn = t0 + 200 * minute
    vee = GroundTruth(
        "trend_change",
        "ETHUSDT",
        "1m",
        t0 + 140 * minute,
        t0 + 260 * minute - 1,
        {"direction": "bullish", "turn_ms": turn},
    )
    bear = Direction.BEARISH
    signals = [
        _sig("chart_double_top", t0 + 53 * minute, Direction.BULLISH),  # wrong way: collateral
        _sig("chart_double_top", t0 + 54 * minute - 1, bear),  # detected at the breakout close
        _sig("chart_flag", t0 + 30 * minute, bear),  # not planted here: collateral
        _sig("chart_gap", t0 + 100 * minute),  # no formation row: a `chart` row, unmatched
        _sig("trend_reversal", turn - minute),  # before the turn: collateral
        _sig("trend_reversal", turn + 20 * minute),  # detected 20 minutes after the turn
        _sig("trend_reversal", t0 + 400 * minute),  # far from any scenario: false alert
    ]
    rows = match_signals([top, vee], signals, "1m", 1.0, ["chart", "trend_reversal"])
    by = {r.scenario or r.signal: r for r in rows}
    d = by["chart_formation:double_top"]
    assert (d.detector, d.injected, d.detected, d.signals, d.matched, d.collateral) == (
        "chart", 1, 1, 2, 1, 1
    )  # fmt: skip
    assert d.median_delay_s == 0 and d.unmatched_kind == "false_alert"
    assert by["chart_formation:flag"].collateral == 1
    assert (by["chart"].signals, by["chart"].unmatched) == (1, 1)
    t = by["trend_change"]
    assert (t.detector, t.injected, t.detected, t.matched, t.collateral, t.unmatched) == (
        "trend_reversal", 1, 1, 1, 1, 1
    )  # fmt: skip
    assert t.median_delay_s == 20 * 60


def test_planted_chart_formations_and_trend_changes_are_found():
    """Measured: every one of the 5 injections detected (3 formations at their breakout close,
    2 trend changes 28 minutes after the turn on median); 0.8 lets a tweak miss one in five."""
    kinds = ["chart_formation", "trend_change"]
    report = ground_truth(6.0, 3, CALM, scenarios=kinds, detectors=["chart", "trend_reversal"])
    planted = [r for r in report.rows if r.injected]
    assert {r.scenario.split(":")[0] for r in planted} == set(kinds)
    assert sum(r.detected for r in planted) >= 0.8 * sum(r.injected for r in planted)
    charts = [r for r in planted if r.detector == "chart"]
    assert all(r.median_delay_s == 0 for r in charts if r.detected), charts
    assert row(report, "trend_change").median_delay_s > 0  # after the turn, never before


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"hours": 0}, "hours must be positive"),
        ({"interval": "1s"}, "interval must be one of"),
        ({"scenarios": ["teacup"]}, "unknown scenario(s) teacup"),
        ({"detectors": ["teacup"]}, "unknown detector(s) teacup"),
        ({"symbols": []}, "invalid symbols"),
    ],
)
def test_bad_arguments_say_what(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ground_truth(**{"hours": 1.0, "seed": 1, "symbols": ["XRPUSDT"], **kwargs})


def test_every_registered_detector_is_found_from_its_signal_names() -> None:
    from cryptotui.stats.groundtruth import detector_of

    names = {
        "cdl_engulfing": "candlestick", "pump": "pump_and_dump", "pump_and_dump": "pump_and_dump",
        "whale_trade": "whale_trade", "chart_double_top": "chart", "sr_break": "sr_levels",
        "sr_retest": "sr_levels", "trendline_break": "trendlines",
        "divergence_rsi_hidden": "divergence", "accumulation": "ad_phase",
        "trend_reversal": "trend_reversal", "volume_spike": "volume_spike",
    }  # fmt: skip
    assert {n: detector_of(n) for n in names} == names
