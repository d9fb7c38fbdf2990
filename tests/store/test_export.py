"""Export files read back to what is stored; filters; formats; no half-written files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import sqlite_utils

from cryptotui.models import Candle
from cryptotui.store.export import ExportError, export
from cryptotui.store.records import CANDLE_COLUMNS
from cryptotui.store.schema import open_db
from cryptotui.store.writer import Writer

from .helpers import candle, signal


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    path = tmp_path / "store.db"
    w = Writer(path)
    w.put_many(candle(s, "1m", i) for s in ("BTCUSDT", "ETHUSDT", "SOLUSDT") for i in range(10))
    w.put_many(candle("BTCUSDT", "1h", i) for i in range(3))
    w.put(signal(0, message='he said "hi", then left\nnew line'))
    w.put(signal(1, symbol="ETHUSDT", factors={"nested": {"a": [1, 2]}}))
    assert w.close() == 0
    return open_db(path)


def test_candles_csv_round_trips(db, tmp_path: Path) -> None:
    out = tmp_path / "candles.csv"
    assert export(db, "candles", out, symbols=["BTCUSDT", "SOLUSDT"], interval="1m") == 20
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == list(CANDLE_COLUMNS)
    numeric = {k: float for k in CANDLE_COLUMNS[2:]} | {"open_time": int, "close_time": int}
    numeric["trades"] = int
    back = [Candle(**{k: numeric.get(k, str)(v) for k, v in row.items()}) for row in rows]
    assert back[:2] == [candle("BTCUSDT", "1m", 0), candle("SOLUSDT", "1m", 0)]  # time order
    assert sorted(back, key=lambda c: (c.symbol, c.open_time)) == [
        candle(s, "1m", i) for s in ("BTCUSDT", "SOLUSDT") for i in range(10)
    ]


def test_time_filters_are_inclusive(db, tmp_path: Path) -> None:
    out = tmp_path / "c.jsonl"
    since, until = candle(i=3).open_time, candle(i=5).open_time
    assert export(db, "candles", out, symbols=["ETHUSDT"], since=since, until=until) == 3
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["open_time"] for r in lines] == [candle(i=i).open_time for i in (3, 4, 5)]


def test_signals_jsonl_embeds_factors_and_csv_keeps_text_intact(db, tmp_path: Path) -> None:
    export(db, "signals", tmp_path / "s.jsonl")
    records = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text().splitlines()]
    assert records[1]["factors"] == {"nested": {"a": [1, 2]}}
    assert records[0]["message"] == 'he said "hi", then left\nnew line'
    assert records[0]["id"] == 1 and records[0]["interval"] == "1m"

    export(db, "signals", tmp_path / "s.csv")
    with (tmp_path / "s.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["message"] == 'he said "hi", then left\nnew line'
    assert json.loads(rows[1]["factors"]) == {"nested": {"a": [1, 2]}}


def test_unknown_format_is_refused_before_writing(db, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"\.xlsx.*\*\.csv or \*\.jsonl or \*\.parquet"):
        export(db, "candles", tmp_path / "c.xlsx")
    assert list(tmp_path.glob("c.*")) == []


def test_parquet_round_trips(db, tmp_path: Path) -> None:
    import pandas as pd

    assert export(db, "candles", tmp_path / "c.parquet", interval="1h") == 3
    frame = pd.read_parquet(tmp_path / "c.parquet")
    assert list(frame["open_time"]) == [candle("BTCUSDT", "1h", i).open_time for i in range(3)]


def test_a_failed_write_leaves_no_file(db, tmp_path: Path) -> None:
    target = tmp_path / "missing-dir" / "c.csv"
    with pytest.raises(ExportError, match="cannot write"):
        export(db, "candles", target)
    assert not target.parent.exists()


@pytest.mark.parametrize("table", ["candles", "signals"])
def test_csv_is_byte_for_byte_what_csv_writer_writes(
    db, tmp_path: Path, table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Written in chunks of columns (pyarrow's kernels): the bytes of the row-by-row writer."""
    import io

    from cryptotui.store import export as module
    from cryptotui.store.export import TABLES

    monkeypatch.setattr(module, "CHUNK", 7)
    columns, _ = TABLES[table]
    order = "open_time, symbol, interval" if table == "candles" else "time, id"
    rows = db.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}").fetchall()
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(columns)
    writer.writerows(rows)
    out = tmp_path / f"{table}.csv"
    assert export(db, table, out) == len(rows)
    assert out.read_bytes() == text.getvalue().encode()


def test_parquet_streams_row_groups_with_the_declared_types(
    db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow.parquet as pq

    from cryptotui.store import export as module

    monkeypatch.setattr(module, "CHUNK", 4)
    assert export(db, "signals", tmp_path / "s.parquet") == 2
    assert export(db, "candles", tmp_path / "c.parquet") == 33
    candles = pq.ParquetFile(tmp_path / "c.parquet")
    assert candles.metadata.num_row_groups == 9  # one per chunk: never the whole table at once
    table = candles.read()
    assert str(table.schema.field("open_time").type) == "int64"
    assert str(table.schema.field("close").type) == "double"
    stored = db.execute("SELECT * FROM candles ORDER BY open_time, symbol, interval").fetchall()
    assert [tuple(r.values()) for r in table.to_pylist()] == stored
    signals = pq.read_table(tmp_path / "s.parquet")
    assert signals.column("message").to_pylist()[0] == 'he said "hi", then left\nnew line'
    assert str(signals.schema.field("span_start").type) == "int64"  # nullable, not float
