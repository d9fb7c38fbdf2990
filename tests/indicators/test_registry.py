"""Spec strings → indicators, column names, and errors meant for the user."""

from __future__ import annotations

import pytest

from cryptotui.indicators import (
    DEFAULT_SPEC,
    MACD,
    OPT_IN,
    REGISTRY,
    VWAP,
    BBands,
    Indicator,
    RollingVWAP,
    SpecError,
    build,
    build_one,
)


def columns(spec: str) -> list[str]:
    return [c for ind in build(spec) for c in ind.columns]


def test_default_set_columns() -> None:
    assert columns(DEFAULT_SPEC) == [
        "sma_20", "ema_20", "wma_20", "kama_10", "tema_20", "rsi_14",
        "macd_12_26_9", "macd_12_26_9_signal", "macd_12_26_9_hist",
        "bbands_20_2_upper", "bbands_20_2_middle", "bbands_20_2_lower",
        "stoch_14_3_3_k", "stoch_14_3_3_d", "atr_14", "adx_14", "cci_20", "mfi_14",
        "willr_14", "roc_10", "obv", "ad", "vwap", "vroc_14", "volume_spike_20",
    ]  # fmt: skip


def test_default_set_covers_the_registry_but_the_opt_in_statistics() -> None:
    assert {ind.name for ind in build()} == set(REGISTRY) - OPT_IN


def test_every_indicator_satisfies_the_protocol() -> None:
    for indicator in build():
        assert isinstance(indicator, Indicator)
        assert len(indicator.columns) == len(indicator.outputs)


def test_parameters_default_from_the_right_and_normalise_in_names() -> None:
    macd = build_one("macd:5")
    assert isinstance(macd, MACD) and macd.params == (5, 26, 9)
    assert build_one(" BBands : 20 : 2.0 ").columns == build_one("bbands:20:2").columns
    assert build_one("bbands:10:2.5").columns[0] == "bbands_10_2.5_upper"
    assert isinstance(build_one("bbands"), BBands)


def test_trend_and_profile_columns() -> None:
    assert columns("mk:20,hp:1600,vp:50:24") == [
        "mk_20_tau", "mk_20_p", "mk_20_slope", "hp_1600",
        "vp_50_24_poc", "vp_50_24_vah", "vp_50_24_val",
    ]  # fmt: skip
    assert columns("mk,hp,vp") == columns("mk:20,hp:1600.0,vp:50:24")


def test_vwap_is_session_anchored_without_a_period_and_rolling_with_one() -> None:
    assert isinstance(build_one("vwap"), VWAP) and build_one("vwap").columns == ("vwap",)
    rolling = build_one("vwap:30")
    assert isinstance(rolling, RollingVWAP) and rolling.columns == ("vwap_30",)


def test_unknown_indicator_names_the_valid_ones() -> None:
    with pytest.raises(SpecError) as err:
        build("sma:20,smaa:20")
    message = str(err.value)
    assert "'smaa'" in message
    assert all(name in message for name in REGISTRY)


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("sma:x", "period must be an integer"),
        ("sma:1", "at least 2"),
        ("sma:100000000000", "at most 1,000,000"),  # refused before a MemoryError
        ("sma:20:3", "at most 1 parameter"),
        ("obv:3", "at most 0 parameter"),
        ("bbands:20:two", "nbdev must be a number"),
        ("bbands:20:nan", "at least 0"),
        ("macd:26:12:9", "fast period must be shorter"),
        ("mk:1", "period must be at least 2"),
        ("hp:-1", "lambda must be at least 0"),
        ("hp:inf", "lambda must be at least 0"),
        ("hp:x", "lambda must be a number"),
        ("vp:50:0", "bins must be at least 1"),
        ("vp:50:24:3", "at most 2 parameter"),
        ("sma:20,sma:20", "listed twice"),
        (" , ", "no indicators"),
    ],
)
def test_bad_specs_are_explained(spec: str, fragment: str) -> None:
    with pytest.raises(SpecError, match=fragment):
        build(spec)
