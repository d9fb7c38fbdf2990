"""A small, hand-countable track record written through the real writer (the trigger fills
`track_record`), for the track-record view's tests and snapshot.

| pattern | symbol | iv | h | signals | hits | baseline |
|---|---|---|---|---|---|---|
| hammer bullish | BTCUSDT | 1m | 5 | 40, 10 min apart | 24 of the first 28, 2 of 12 | 0.5 |
| hammer bullish | BTCUSDT | 1m | 1 | the same 40 | every other one: 20 | 0.5 |
| hammer bullish | ETHUSDT | 1m | 5 | 10, 2 min apart | the first 5 | 0.6 |
| hammer bullish | BTCUSDT | 1h | 5 | 5 | 4 | 0.5 |
| shooting_star bearish | BTCUSDT | 1m | 5 | 12 | 3 | 0.45 |
| doji neutral | BTCUSDT | 1m | 5 | 6 | — | — |

Pooled, hammer bullish 1m h5 is n 50, 31 hits (62 %), baseline (40·0.5 + 10·0.6)/50 = 0.52,
edge +10 points. BTCUSDT's own 1m candles cover every signal (for the pattern chart).
"""

from __future__ import annotations

import math

from cryptotui.models import Candle
from cryptotui.store.records import OutcomeRow, SignalRow
from cryptotui.store.writer import Writer

T0 = 1_767_225_600_000
"""2026-01-01T00:00:00Z."""
MIN = 60_000


def _signal(time: int, symbol: str, interval: str, name: str, direction: str) -> SignalRow:
    return SignalRow(time, symbol, interval, "pattern", name, direction, 0.6, 100.0)


def _outcome(s: SignalRow, h: int, hit: bool | None, base: float | None, r: float) -> OutcomeRow:
    return OutcomeRow(s, h, r, hit, abs(r), -abs(r), base, s.interval)


def btc_hammer_hit(i: int) -> bool:
    """Hammer on BTCUSDT 1m, h = 5: hits in the first 28 except every 7th, then 2 of 12."""
    return i % 7 != 0 if i < 28 else i in (30, 35)


def rows() -> list[SignalRow | OutcomeRow | Candle]:
    out: list[SignalRow | OutcomeRow | Candle] = []
    for i in range(420):
        c = 100.0 + 3.0 * math.sin(i / 9.0) + i * 0.01
        o = c - 0.4 * math.cos(i / 2.0)
        out.append(
            Candle("BTCUSDT", "1m", T0 + i * MIN, T0 + (i + 1) * MIN - 1, o, max(o, c) + 0.3,
                   min(o, c) - 0.3, c, 10.0 + i % 7)
        )  # fmt: skip
    for i in range(40):
        s = _signal(T0 + (i * 10 + 1) * MIN, "BTCUSDT", "1m", "hammer", "bullish")
        hit = btc_hammer_hit(i)
        out += [
            s,
            _outcome(s, 5, hit, 0.5, 0.01 if hit else -0.008),
            _outcome(s, 1, i % 2 == 0, 0.5, 0.002 if i % 2 == 0 else -0.002),
        ]
    for i in range(10):
        s = _signal(T0 + 30_000 + i * 2 * MIN, "ETHUSDT", "1m", "hammer", "bullish")
        out += [s, _outcome(s, 5, i < 5, 0.6, 0.004 if i < 5 else -0.006)]
    for i in range(5):
        s = _signal(T0 + i * 60 * MIN, "BTCUSDT", "1h", "hammer", "bullish")
        out += [s, _outcome(s, 5, i != 2, 0.5, 0.02 if i != 2 else -0.01)]
    for i in range(12):
        s = _signal(T0 + (i * 10 + 6) * MIN, "BTCUSDT", "1m", "shooting_star", "bearish")
        hit = i % 4 == 0
        out += [s, _outcome(s, 5, hit, 0.45, -0.005 if hit else 0.007)]
    for i in range(6):
        s = _signal(T0 + (i * 10 + 3) * MIN, "BTCUSDT", "1m", "doji", "neutral")
        out += [s, _outcome(s, 5, None, None, 0.001 * i)]
    return out


def seed(writer: Writer) -> None:
    writer.put_many(rows())
    assert writer.flush(10)
