"""Candle series out of a recording, for `backtest --replay`: per recorded (symbol, interval),
the closed candles the client had — REST pages (warm-up, gap-fills) and kline frames marked
closed — decoded by the same codec, merged by open time (a frame wins over a REST row of the
same candle, as in the live state), in order.
"""

from __future__ import annotations

from cryptotui.binance import codec
from cryptotui.binance.gapfill import well_formed
from cryptotui.models import Candle
from cryptotui.replay.recording import Answer, Damaged, Frame, Recording

Key = tuple[str, str]


def candle_series(recording: Recording) -> tuple[dict[Key, list[Candle]], Damaged | None]:
    """Each recorded series' closed candles, oldest first; and the damage that ended reading
    early, if any (the candles before it are kept)."""
    header = recording.header
    merged: dict[Key, dict[int, Candle]] = {
        (s, iv): {} for s in header.symbols for iv in header.intervals
    }
    decoder = codec.Decoder()
    damage = None
    try:
        for line in recording.lines():
            if isinstance(line, Frame):
                for ev in decoder.decode(line.raw):
                    if type(ev) is Candle and ev.closed and well_formed(ev):
                        rows = merged.get((ev.symbol, ev.interval))
                        if rows is not None:
                            rows[ev.open_time] = ev
            elif isinstance(line, Answer) and line.path == "klines" and line.status == 200:
                _rest_rows(line, merged)
    except Damaged as exc:
        damage = exc
    return {key: [rows[t] for t in sorted(rows)] for key, rows in merged.items()}, damage


def _rest_rows(line: Answer, merged: dict[Key, dict[int, Candle]]) -> None:
    params = dict(line.params)
    key = (params.get("symbol", ""), params.get("interval", ""))
    series = merged.get(key)
    if series is None:
        return
    try:
        rows = [codec.kline_row(row, *key) for row in codec.loads(line.body)]
    except (ValueError, TypeError, IndexError, KeyError):
        return  # a body the client could not have used either
    if "endTime" not in params:
        rows = rows[:-1]  # unbounded: the last row may be the candle still forming
    for c in rows:
        if well_formed(c):
            series.setdefault(c.open_time, c)
