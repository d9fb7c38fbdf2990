"""`cryptotui.validators`: what each check accepts, normalises and refuses, in one line."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pytest

from cryptotui import validators as v
from cryptotui.intervals import DAY


def test_symbols_are_upper_cased_deduplicated_and_the_bad_one_named() -> None:
    assert v.symbol(" ethusdt ") == "ETHUSDT"
    assert v.symbols("btcusdt, ETHUSDT,,BTCUSDT") == ("BTCUSDT", "ETHUSDT")
    with pytest.raises(v.Invalid, match=r"^'FOO-BAR' is not a Binance symbol"):
        v.symbols("BTCUSDT,FOO-BAR,ETHUSDT")
    with pytest.raises(v.Invalid, match="at least one symbol"):
        v.symbols(" , ")


def test_intervals_keep_case_and_backfill_takes_fixed_ones_only() -> None:
    assert v.intervals("1m, 1M,1m") == ("1m", "1M")
    with pytest.raises(v.Invalid, match="'2m' is not a Binance interval"):
        v.interval("2m")
    assert v.fixed_intervals("1h,1d") == ("1h", "1d")
    with pytest.raises(v.Invalid, match="'1M' cannot be backfilled"):
        v.fixed_intervals("1h,1M")


@pytest.mark.parametrize(
    ("check", "good", "bad"),
    [
        (v.positive_int, {"3": 3}, ["0", "-1", "1.5", "x"]),
        (v.non_negative_int, {"0": 0, "7": 7}, ["-1", "x"]),
        (v.positive_float, {"0.5": 0.5, "2": 2.0}, ["0", "-1", "nan", "inf", "x"]),
        (v.fraction, {"0": 0.0, "0.7": 0.7, "1": 1.0}, ["1.1", "-0.1", "nan", "x"]),
    ],
)
def test_numbers(check, good: dict, bad: list[str]) -> None:
    for text, value in good.items():
        assert check(text) == value
    for text in bad:
        with pytest.raises(v.Invalid, match=f"'{text}': use"):
            check(text)


def test_invalid_is_both_what_argparse_and_the_config_loader_catch() -> None:
    assert issubclass(v.Invalid, argparse.ArgumentTypeError)
    assert issubclass(v.Invalid, ValueError)


def test_urls() -> None:
    assert v.rest_url(" http://127.0.0.1:8000/ ") == "http://127.0.0.1:8000"
    assert v.ws_url("wss://stream.binance.com:9443") == "wss://stream.binance.com:9443"
    for bad in ("http://127.0.0.1:", "http://127.0.0.1:0", "http://h:99999", "http://h:x"):
        with pytest.raises(v.Invalid, match="the port must be a number from 1 to 65535"):
            v.rest_url(bad)
    for bad in ("ftp://h", "127.0.0.1:8000", "http://", "ws://h"):
        with pytest.raises(v.Invalid, match="is not a URL starting with https:// or http://"):
            v.rest_url(bad)


def test_output_and_database_files(tmp_path: Path) -> None:
    assert v.output_file(str(tmp_path / "new.csv")) == tmp_path / "new.csv"
    with pytest.raises(v.Invalid, match="it is a directory; name a file in it"):
        v.output_file(str(tmp_path))
    with pytest.raises(v.Invalid, match=r"directory .*missing does not exist"):
        v.output_file(str(tmp_path / "missing" / "x.csv"))
    assert v.database_file(str(tmp_path / "x.db")) == tmp_path / "x.db"
    with pytest.raises(v.Invalid, match="is a directory; name the database file"):
        v.database_file(str(tmp_path))


def test_parse_when_dates_times_and_ages() -> None:
    assert v.parse_when("2024-01-31") == 1_706_659_200_000
    assert v.parse_when("2024-01-31T12:00") == 1_706_659_200_000 + 12 * 3_600_000
    assert v.parse_when("2024-01-31T12:00+02:00") == 1_706_659_200_000 + 10 * 3_600_000
    now = time.time() * 1000
    assert abs(v.parse_when("7d") - (now - 7 * DAY)) < 5_000
    assert abs(v.parse_when("90m") - (now - 90 * 60_000)) < 5_000
    with pytest.raises(argparse.ArgumentTypeError, match="age like 12h"):
        v.parse_when("yesterday")


def test_ages_count_back_from_a_given_now() -> None:
    """An exchange whose clock is elsewhere (a replay, a testnet) anchors `7d` on its own now."""
    exchange_now = 1_600_000_000_000
    assert v.parse_when("7d", now_ms=exchange_now) == exchange_now - 7 * DAY
    assert v.moment("2w").resolve(exchange_now) == exchange_now - 14 * DAY
    assert v.moment("2024-01-31").resolve(exchange_now) == 1_706_659_200_000  # fixed stays


def test_durations_sizes_and_stream_kinds_for_recording(tmp_path: Path) -> None:
    assert [v.duration(t) for t in ("90s", "30m", "2h", "1.5d")] == [90, 1800, 7200, 129_600]
    for bad in ("0s", "2", "2 hours", "-1h", "x"):
        with pytest.raises(v.Invalid, match=f"'{bad}' is not a duration; write one like 90s"):
            v.duration(bad)
    assert [v.byte_size(t) for t in ("500k", "100MB", "2G", "1.5MiB", "4096")] == [
        500 << 10, 100 << 20, 2 << 30, 3 << 19, 4096,
    ]  # fmt: skip
    for bad in ("100", "10TB", "x", "0M"):
        with pytest.raises(v.Invalid, match=f"'{bad}' is not a size of 1k or more"):
            v.byte_size(bad)
    assert v.stream_kinds("kline, aggtrade,KLINE,bookTicker") == ("kline", "aggTrade", "bookTicker")
    with pytest.raises(v.Invalid, match="'depth' is not a stream kind; use some of kline,"):
        v.stream_kinds("kline,depth")
    assert v.recording_file(str(tmp_path / "r.jsonl.gz")) == tmp_path / "r.jsonl.gz"
    with pytest.raises(v.Invalid, match=r"name the recording FILE\.jsonl, or FILE\.jsonl\.gz"):
        v.recording_file(str(tmp_path / "r.json"))
