"""What a quiet start says: at 1× a new session shows no alert for minutes (pattern detectors
judge closed candles only), which looks broken unless it is said. The feed announces once, at
start, which detectors run and when the first candle of each interval closes, on the exchange's
clock and in wall time at the source's speed (the simulator may run faster)."""

from __future__ import annotations

from collections.abc import Sequence

from cryptotui import fmt
from cryptotui.intervals import INTERVAL_MS, candle_open


def wait_text(ms: float) -> str:
    """`42 s`, `4 min 18 s`, `3 h 20 min`, `2 d 4 h`: two units at most."""
    s = max(0, round(ms / 1000))
    for unit, size, small, small_size in (
        ("d", 86_400, "h", 3600),
        ("h", 3600, "min", 60),
        ("min", 60, "s", 1),
    ):
        if s >= size:
            big, rest = divmod(s, size)
            rest //= small_size
            return f"{big} {unit} {rest} {small}" if rest else f"{big} {unit}"
    return f"{s} s"


def first_closes(intervals: Sequence[str], now_ms: int, speed: float) -> list[str]:
    """`1m at 12:35:00 UTC (in 42 s)` for each fixed-length interval: when its forming candle
    closes, `now_ms` being the exchange's time; the wait is left out when `speed` is 0 (a replay
    as fast as it can go: no wall time to promise)."""
    out = []
    for iv in intervals:
        if iv not in INTERVAL_MS:
            continue
        close = candle_open(now_ms, iv) + INTERVAL_MS[iv]
        when = fmt.utc(close).replace("T", " ").removesuffix("Z")
        if when[:10] == fmt.utc(now_ms)[:10]:
            when = when[11:]  # today: the time says it
        wait = f" (in {wait_text((close - now_ms) / speed)})" if speed > 0 else ""
        out.append(f"{iv} at {when} UTC{wait}")
    return out


def intro(detectors: Sequence[str], intervals: Sequence[str], now_ms: int, speed: float) -> str:
    """One line: the detectors, then the first candle closes (alerts come from then on)."""
    closes = first_closes(intervals, now_ms, speed)
    runs = f"detectors: {', '.join(detectors)}" if detectors else "no detectors (rules only)"
    if not closes:
        return f"{runs}; alerts come as candles close and trades arrive"
    pace = f" at {speed:g}× speed" if speed not in (0, 1) else ""
    return f"{runs}; first candles close{pace}: {', '.join(closes)} — alerts come from then on"
