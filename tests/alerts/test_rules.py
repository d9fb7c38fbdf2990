"""Alert rules (grammar, frequencies, cooldown, crossings) and pattern gating."""

from __future__ import annotations

import pytest

from cryptotui.alerts.router import AlertRouter
from cryptotui.alerts.rules import RuleError, parse_condition, parse_rules
from cryptotui.models import AggTrade, Alert, Direction, Signal


def rule(when: str, **kw):
    return parse_rules([{"name": "r", "when": when, **kw}])[0]


@pytest.mark.parametrize(
    ("text", "subject", "op", "target"),
    [
        ("price > 100000", "price", ">", 100000.0),
        ("price crosses 0.5", "price", "crosses", 0.5),
        ("move 15m >= 3%", "move", ">=", 3.0),
        ("rsi_14 < 30", "rsi_14", "<", 30.0),
        ("rsi crosses above 70", "rsi_14", "crosses above", 70.0),
        ("macd cross signal", "macd_12_26_9", "crosses", "macd_12_26_9_signal"),
        ("bbands_20_2_lower > price_no", None, None, None),
        ("volume_spike > 6", "volume_spike_20", ">", 6.0),
        ("whale >= 1e6", "whale", ">=", 1_000_000.0),
    ],
)
def test_grammar(text, subject, op, target):
    if subject is None:
        with pytest.raises(RuleError, match="unknown subject 'price_no'"):
            parse_condition(text, "r")
        return
    c = parse_condition(text, "r")
    assert (c.subject, c.op, c.target) == (subject, op, target)
    if subject == "move":
        assert c.window_ms == 15 * 60_000


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("price >> 5", "expected a number at column 8, got '>'"),
        ("price 5", "expected a comparison (>, >=, <, <=, crosses) at column 7"),
        ("price >", "expected a number or an indicator at the end"),
        ("move > 3%", "expected a window such as 15m at column 6"),
        ("move 5m > 3", "expected a percentage such as 3% at column 11"),
        ("price > 5%", "a plain number (% is only for move)"),
        ("rsi_14 < 30 extra", "expected the end of the rule at column 13"),
        ("__import__('os') > 1", "unexpected \"('os') > 1\" at column 11"),
        ("os_system > 1", "unknown subject 'os_system' at column 1"),
        ("price > $5", "unexpected '$5' at column 9"),
    ],
)
def test_grammar_errors_name_rule_and_position(text, message):
    with pytest.raises(RuleError) as err:
        parse_condition(text, "my-rule")
    assert "rule 'my-rule'" in str(err.value) and message in str(err.value)


def test_rule_table_errors():
    with pytest.raises(RuleError, match="frequency 'hourly' unknown"):
        parse_rules([{"name": "x", "when": "price > 1", "frequency": "hourly"}])
    with pytest.raises(RuleError, match=r"placeholder \{prize\} unknown"):
        parse_rules([{"name": "x", "when": "price > 1", "message": "{prize}"}])
    with pytest.raises(RuleError, match="unknown key"):
        parse_rules([{"name": "x", "when": "price > 1", "symbol": "BTCUSDT"}])
    with pytest.raises(RuleError, match="direction 'up' unknown"):
        parse_rules([{"name": "x", "when": "price > 1", "direction": "up"}])


@pytest.mark.parametrize(
    ("text", "column"),
    [("price >> 5", 8), ("os_system > 1", 1), ("price > $5", 9), ("price >", 8), ("move > 3%", 6)],
)
def test_a_when_error_carries_its_key_and_column(text, column):
    """A form points at the character: the column is data, not only words in the message."""
    with pytest.raises(RuleError) as err:
        parse_rules([{"name": "r", "when": text}])
    assert (err.value.key, err.value.column) == ("when", column)


def test_other_errors_name_the_key_at_fault():
    for key, value in (("interval", "7m"), ("frequency", "hourly"), ("cooldown", -1)):
        with pytest.raises(RuleError) as err:
            parse_rules([{"name": "x", "when": "price > 1", key: value}])
        assert (err.value.key, err.value.column) == (key, None)


def test_a_disabled_rule_parses_but_never_fires():
    off, on = parse_rules(
        [
            {"name": "off", "when": "price > 100", "enabled": False},
            {"name": "on", "when": "price > 100", "enabled": True},
        ]
    )
    assert (off.enabled, on.enabled) == (False, True)
    router = AlertRouter([off, on])
    assert [a.name for a in feed(router, [101])] == ["on"]
    with pytest.raises(RuleError, match="enabled must be true or false"):
        parse_rules([{"name": "x", "when": "price > 1", "enabled": "no"}])


def test_a_rule_may_say_which_way_it_expects_the_price_to_go():
    plain, declared = parse_rules(
        [
            {"name": "oversold", "when": "rsi_14 < 30"},
            {"name": "oversold", "when": "rsi_14 < 30", "direction": "bullish"},
        ]
    )
    assert plain.direction is Direction.NEUTRAL  # no hit rate without a direction
    assert declared.direction is Direction.BULLISH


def feed(router: AlertRouter, closes, *, closed=True, values=None, interval="1m", t0=0):
    out = []
    for i, price in enumerate(closes):
        bar = t0 + i * 60_000
        out += router.on_values("BTCUSDT", interval, bar + 59_999, bar, price, values or {}, closed)
    return out


def test_threshold_fires_once_per_bar_close_and_respects_cooldown():
    router = AlertRouter([rule("price > 100", cooldown=120)])
    alerts = feed(router, [99, 101, 102, 103, 104, 99, 105])
    # bars 1-4 and 6 are above 100; a fire needs 120 s since the last one: bars 1, 3, 6
    assert [a.price for a in alerts] == [101, 103, 105]
    assert alerts[0].kind == "rule" and alerts[0].direction is Direction.BULLISH


def test_once_fires_a_single_time():
    router = AlertRouter([rule("price > 100", frequency="once")])
    assert len(feed(router, [101, 102, 99, 103])) == 1


def test_once_per_bar_fires_intrabar_but_only_once_per_candle():
    router = AlertRouter([rule("price > 100", frequency="once_per_bar")])
    bar = 0
    hits = [
        router.on_values("BTCUSDT", "1m", bar + t, bar, p, {}, False)
        for t, p in ((1000, 99), (2000, 101), (3000, 102))
    ]
    assert [len(h) for h in hits] == [0, 1, 0]
    assert len(router.on_values("BTCUSDT", "1m", 59_999, bar, 103, {}, True)) == 0
    assert len(router.on_values("BTCUSDT", "1m", 61_000, 60_000, 104, {}, False)) == 1


def test_once_per_bar_close_ignores_previews():
    router = AlertRouter([rule("price > 100")])
    assert router.on_values("BTCUSDT", "1m", 1000, 0, 150, {}, False) == []


def test_crossings_need_a_previous_side():
    router = AlertRouter([rule("price crosses above 100")])
    assert [a.price for a in feed(router, [101, 99, 100, 101, 102, 98, 103])] == [101, 103]


def test_indicator_cross_indicator():
    router = AlertRouter([rule("macd crosses signal")])
    series = [(1.0, 2.0), (1.5, 1.8), (2.0, 1.9), (2.1, 2.0), (1.0, 1.5)]
    hits = []
    for i, (m, s) in enumerate(series):
        values = {"macd_12_26_9": m, "macd_12_26_9_signal": s}
        hits += router.on_values("BTCUSDT", "1m", i * 60_000 + 59_999, i * 60_000, 10, values, True)
    assert [a.factors["value"] for a in hits] == [2.0, 1.0]  # up through, then down through


def test_move_over_window_uses_closes_of_the_rule_interval():
    router = AlertRouter([rule("move 3m > 5%")])
    alerts = feed(router, [100, 100, 100, 101, 104, 106])
    # each close against the close 3 bars before: 1 %, 4 %, then 6 %
    assert [a.price for a in alerts] == [106]
    assert alerts[0].factors["value"] == pytest.approx(6.0)


def test_closes_kept_are_bounded_by_the_longest_move_window():
    """A daemon runs for weeks: the router keeps the closes its `move` rules read, no more."""
    router = AlertRouter(
        [rule("move 15m > 50%"), rule("move 1h > 50%", name="h"), rule("price > 1e9", name="p")]
    )
    prices = [100.0 + i % 7 for i in range(5_000)]
    feed(router, prices)
    feed(router, prices, interval="5m")  # no move rule reads 5m closes
    assert [len(c) for c in router._closes.values()] == [61]  # 60 candles back + the new one
    price_only = AlertRouter([rule("price > 1e9")])
    feed(price_only, prices)
    assert price_only._closes == {}


def test_symbol_filter_and_message_template():
    router = AlertRouter(
        [rule("price > 1", symbols=["ethusdt"], message="{symbol} {name} {price} {value}")],
        decimals=lambda s: 2,
    )
    assert feed(router, [5]) == []  # BTCUSDT is not in the rule's list
    (a,) = router.on_values("ETHUSDT", "1m", 59_999, 0, 3400.5, {}, True)
    assert a.message == "ETHUSDT r 3,400.50 3400.5"


def test_whale_rule_on_trades():
    router = AlertRouter([rule("whale >= 1000000")])
    small = AggTrade("BTCUSDT", 1, 100_000.0, 1.0, 1, 1, 10, False)
    big = AggTrade("BTCUSDT", 2, 100_000.0, 12.0, 2, 2, 20, True)
    assert router.on_trade(small) == []
    (a,) = router.on_trade(big)
    assert a.factors["value"] == 1_200_000.0 and a.time == 20


def sig(t: int, conf: float, span_end: int | None = None) -> Signal:
    return Signal(
        "cdl_engulfing", Direction.BULLISH, "BTCUSDT", "1m", t, 100.0, t - 60_000,
        span_end if span_end is not None else t, {"z": 3.0}, confidence=conf,
    )  # fmt: skip


def test_pattern_alerts_threshold_dedupe_and_cooldown():
    router = AlertRouter(min_confidence=0.6, cooldown_s=300)
    assert router.on_signal(sig(60_000, 0.59)) is None
    first = router.on_signal(sig(120_000, 0.7))
    assert first is not None and first.kind == "pattern" and "confidence 70%" in first.message
    assert (first.span_start, first.span_end) == (60_000, 120_000)  # the pattern's candles
    assert router.on_signal(sig(120_000, 0.9)) is None  # same candle again (replay)
    assert router.on_signal(sig(180_000, 0.9)) is None  # within cooldown
    assert router.on_signal(sig(420_000, 0.9)) is not None


def test_alert_fields_are_keyword_only():
    """Ten fields, several of one type: built by position, a price and a confidence swap
    silently."""
    with pytest.raises(TypeError):
        Alert(1, "BTCUSDT", "1m", "pattern", "x", Direction.BULLISH, 0.8, 1.0, {}, "")  # type: ignore[misc]
