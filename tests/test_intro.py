"""The start-up line: which detectors run, when the first candle of each interval closes, in
wall time at the source's speed."""

from __future__ import annotations

from cryptotui.intro import intro, wait_text

T0 = 1_767_225_600_000
"""2026-01-01T00:00:00Z."""


def test_waits_read_in_two_units_at_most():
    assert [wait_text(ms) for ms in (0, 42_000, 258_000, 3_600_000, 12_000_000, 187_200_000)] == [
        "0 s", "42 s", "4 min 18 s", "1 h", "3 h 20 min", "2 d 4 h",
    ]  # fmt: skip


def test_first_closes_on_the_exchange_clock_in_wall_time_at_speed():
    now = T0 + 18_000  # 00:00:18
    line = intro(["candlestick", "volume_spike"], ["1m", "1h", "1d", "1M"], now, 1.0)
    assert line == (
        "detectors: candlestick, volume_spike; first candles close: "
        "1m at 00:01:00 UTC (in 42 s), 1h at 01:00:00 UTC (in 59 min 42 s), "
        "1d at 2026-01-02 00:00:00 UTC (in 23 h 59 min) — alerts come from then on"
    )
    fast = intro(["candlestick"], ["1m"], now, 10.0)
    assert fast.endswith(
        "close at 10× speed: 1m at 00:01:00 UTC (in 4 s) — alerts come from then on"
    )
    assert "(in" not in intro(["candlestick"], ["1m"], now, 0.0)  # a replay at full tilt
    assert intro([], ["1M"], now, 1.0) == (
        "no detectors (rules only); alerts come as candles close and trades arrive"
    )
