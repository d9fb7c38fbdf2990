"""Subprocess for the crash test: writes batches through a Writer until it is killed.

Batch k is `ROWS` candles (re-upserting the previous batch's last `OVERLAP` candles too) and one
signal whose `time` is k. After `flush()` confirms the batch committed it prints `k`; the parent
kills it with SIGKILL at a random moment and checks every printed batch is in the database.
A restart continues after the newest signal stored, so each batch's signal is written once.

    python -m tests.store.crash_worker DB_PATH
"""

from __future__ import annotations

import sys

from cryptotui.models import Candle
from cryptotui.store.records import SignalRow
from cryptotui.store.schema import open_db
from cryptotui.store.writer import Writer

ROWS = 2000
OVERLAP = 500
SYMBOL = "CRASH"


def batch_candles(k: int) -> list[Candle]:
    first = k * ROWS - (OVERLAP if k else 0)
    return [
        Candle(SYMBOL, "1s", t * 1000, t * 1000 + 999, 1.0, 2.0, 0.5, 1.5, float(t), trades=t)
        for t in range(first, (k + 1) * ROWS)
    ]


def main(path: str) -> None:
    db = open_db(path)
    (last,) = db.execute("SELECT MAX(time) FROM signals WHERE symbol = ?", (SYMBOL,)).fetchone()
    db.close()
    writer = Writer(path, batch_rows=1500, batch_seconds=0.002)
    k = 0 if last is None else last + 1
    while True:
        writer.put_many(batch_candles(k))
        writer.put(SignalRow(k, SYMBOL, "1s", "rule", "crash", "neutral", 0.5, message=str(k)))
        if not writer.flush(30):
            raise SystemExit(f"batch {k} not committed in 30 s")
        print(k, flush=True)
        k += 1


if __name__ == "__main__":
    main(sys.argv[1])
