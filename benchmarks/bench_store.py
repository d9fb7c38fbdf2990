"""SQLite store: writer throughput, history latency on a large database, backfill from the sim.

- Writer: rows/s from the first `put` until `flush()` returns (everything committed), through the
  real `Writer` thread with its default batching (5,000 rows or 250 ms). Target ≥ 100,000 rows/s.
- History: a database of `CANDLES` candles (50 symbols × 4 intervals) and `SIGNALS` signals,
  built directly with executemany, then the queries the CLI and the app run: a symbol's latest
  100 signals, a pattern's latest 100, the newest 100 overall, a series' latest 1,000 candles.
  Median and 99th percentile over 200 runs with random symbols/names, warm cache.
- Backfill: from the simulated exchange over 127.0.0.1, as much history as it keeps (5 days of
  1m, ~130 days of 1h per symbol); time, requests and REST weight used.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from cryptotui.binance.rest import Rest
from cryptotui.intervals import DAY, INTERVAL_MS
from cryptotui.models import Candle
from cryptotui.store.backfill import backfill
from cryptotui.store.queries import load_candles, signal_history
from cryptotui.store.records import SignalRow
from cryptotui.store.schema import open_db
from cryptotui.store.writer import UPSERT_CANDLES, Writer

CANDLES = 10_000_000
SIGNALS = 1_000_000
SYMBOLS = [f"SYM{i:02d}USDT" for i in range(50)]
INTERVALS = ["1m", "5m", "1h", "1d"]
NAMES = ["hammer", "engulfing", "doji", "volume_spike", "whale_trade", "rsi_above", "pump"]
T0 = 1_600_000_020_000 // 60_000 * 60_000


def _candles(n: int, symbols: list[str], interval: str = "1m") -> list[Candle]:
    step = INTERVAL_MS[interval]
    return [
        Candle(symbols[i % len(symbols)], interval, T0 + i // len(symbols) * step,
               T0 + i // len(symbols) * step + step - 1, 100.0 + i % 7, 101.0, 99.0, 100.5,
               12.5, 1250.0, 40, 6.0, 600.0)
        for i in range(n)
    ]  # fmt: skip


def _signal(i: int) -> SignalRow:
    return SignalRow(
        T0 + i * 1000, SYMBOLS[i % len(SYMBOLS)], "1m", "pattern", NAMES[i % len(NAMES)],
        ("bullish", "bearish", "neutral")[i % 3], (i // 50) % 100 / 100, 100.0 + i % 13,
        {"body": 0.4, "volume_z": 2.1}, T0, T0 + 60_000, "bench",
    )  # fmt: skip


def _through_writer(path: Path, rows: list) -> float:
    """Rows/s from the first put until everything is committed."""
    writer = Writer(path)
    started = time.perf_counter()
    for row in rows:
        writer.put(row)
    assert writer.flush(600)
    elapsed = time.perf_counter() - started
    assert writer.close() == 0
    return len(rows) / elapsed


def writer_rows(tmp: Path) -> list[tuple[str, str, str]]:
    path = tmp / "writer.db"
    candles = _candles(1_000_000, SYMBOLS)
    inserts = _through_writer(path, candles)
    updates = _through_writer(path, candles)  # same keys: the DO UPDATE path
    signals = _through_writer(path, [_signal(i) for i in range(200_000)])
    mixed_rows: list = _candles(300_000, SYMBOLS, "5m")
    mixed_rows[::100] = [_signal(i) for i in range(len(mixed_rows[::100]))]
    mixed = _through_writer(path, mixed_rows)
    return [
        ("writer: 1,000,000 new candles (50 symbols)", f"{inserts:,.0f} rows/s", "≥ 100,000"),
        ("writer: the same 1,000,000 candles again (upsert)", f"{updates:,.0f} rows/s", ""),
        ("writer: 200,000 signals (3 indexes)", f"{signals:,.0f} rows/s", "≥ 100,000"),
        ("writer: 300,000 rows, 1 % signals", f"{mixed:,.0f} rows/s", ""),
    ]


def _candle_tuples(n: int) -> Iterator[tuple]:
    """n candles spread over SYMBOLS × INTERVALS, in primary-key order (fast to build)."""
    per_series = n // (len(SYMBOLS) * len(INTERVALS))
    for symbol in sorted(SYMBOLS):
        for interval in sorted(INTERVALS):
            step = INTERVAL_MS[interval]
            for k in range(per_series):
                t = T0 + k * step
                yield (symbol, interval, t, t + step - 1, 100.0, 101.0, 99.0, 100.5, 12.5,
                       1250.0, 40, 6.0, 600.0)  # fmt: skip


def build_large(path: Path) -> float:
    db = open_db(path)
    started = time.perf_counter()
    db.execute("PRAGMA cache_size = -200000")
    db.execute("BEGIN")
    db.conn.executemany(UPSERT_CANDLES, _candle_tuples(CANDLES))
    db.execute("COMMIT")
    db.execute("BEGIN")
    db.conn.executemany(
        "INSERT INTO signals (time, symbol, interval, kind, name, direction, confidence, price, "
        "factors, span_start, span_end, message) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (_signal(i).values(i + 1)[1:] for i in range(SIGNALS)),
    )
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return time.perf_counter() - started


def _latency(run: Callable[[], object], times: int = 200) -> tuple[float, float]:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def history_rows(tmp: Path) -> list[tuple[str, str, str]]:
    path = tmp / "large.db"
    built = build_large(path)
    size = path.stat().st_size
    db = open_db(path)
    rng = random.Random(7)
    cases = [
        ("latest 100 signals of a symbol",
         lambda: signal_history(db, symbol=rng.choice(SYMBOLS), limit=100)),
        ("latest 100 signals of a pattern",
         lambda: signal_history(db, name=rng.choice(NAMES), limit=100)),
        ("latest 100 signals of a symbol, confidence ≥ 0.9",
         lambda: signal_history(db, symbol=rng.choice(SYMBOLS), min_confidence=0.9, limit=100)),
        ("latest 100 signals overall", lambda: signal_history(db, limit=100)),
        ("load_candles: a series' latest 1,000",
         lambda: load_candles(db, rng.choice(SYMBOLS), rng.choice(INTERVALS), limit=1000)),
    ]  # fmt: skip
    for _, run in cases:
        run()  # warm
    rows = [
        (
            f"built {CANDLES:,} candles + {SIGNALS:,} signals (executemany)",
            f"{built:.0f} s",
            f"{size / 1e9:.2f} GB",
        )
    ]
    for label, run in cases:
        median, p99 = _latency(run)
        rows.append((f"history: {label}", f"{median:.2f} ms median", f"p99 {p99:.2f} ms"))
    db.close()
    return rows


async def _backfill(tmp: Path) -> list[tuple[str, str, str]]:
    from cryptotui.sim import SimExchange

    six = ["BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT"]
    runs = (
        (six, "1m", 5, 5),
        (six, "1h", 125, 5),
        (["BTCUSDT"], "1m", 365, 366),  # the "1 year of 1m candles for one symbol"
    )
    rows = []
    for symbols, interval, days, minute_days in runs:
        sim = SimExchange(symbols=symbols, seed=7, speed=0, minute_days=minute_days)
        async with sim, Rest(sim.rest_url) as rest:
            now = await rest.server_time()
            started = time.perf_counter()
            done = await backfill(
                tmp / f"backfill-{interval}-{days}.db",
                rest,
                symbols,
                interval,
                now - days * DAY,
                now,
            )
            elapsed = time.perf_counter() - started
            stored = sum(p.stored for p in done)
            weight = 1 + 2 * (rest.requests - 1)
            rows.append(
                (
                    f"backfill {len(symbols)} symbol(s) × {days} d of {interval} from the sim",
                    f"{stored:,} candles in {elapsed:.1f} s ({stored / elapsed:,.0f}/s)",
                    f"{rest.requests} requests, weight {weight}",
                )
            )
    return rows


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        rows = writer_rows(tmp)
        rows += asyncio.run(_backfill(tmp))
        rows += history_rows(tmp)
    print("| store | result | note |")
    print("|---|---:|---|")
    for label, result, note in rows:
        print(f"| {label} | {result} | {note} |")


if __name__ == "__main__":
    main()
