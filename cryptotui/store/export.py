"""`cryptotui export`: candles or signals to CSV, JSON Lines, or Parquet (the `parquet` extra).

Rows stream from the cursor to the file in chunks of `CHUNK`, so exporting millions of candles
needs the memory of one chunk: each is turned into columns and written whole, CSV by
`cryptotui.bulkio` (pyarrow's kernels when installed, the `csv` module's bytes either way),
Parquet as one row group per chunk with the types the table declares. Columns keep the
database's names and units (times in ms UTC) so the file reads back without guessing; candle
CSVs have the `Candle` field names. The file appears only when complete (`cryptotui.outfile`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, islice
from pathlib import Path
from typing import IO, Any

import sqlite_utils

from cryptotui import bulkio, fmt
from cryptotui.outfile import OutputError, open_output
from cryptotui.store.records import CANDLE_COLUMNS, SIGNAL_COLUMNS

FORMATS = (".csv", ".jsonl", ".parquet")
TABLES = {"candles": (CANDLE_COLUMNS, "open_time"), "signals": (SIGNAL_COLUMNS, "time")}
CHUNK = 1 << 16
"""Rows turned into columns and written at a time."""


PARQUET_MISSING = (
    "Parquet export needs pyarrow, which is not installed: pip install 'cryptotui[parquet]' "
    "(in a source checkout: .venv/bin/pip install pyarrow), or export to .csv or .jsonl"
)


class ExportError(Exception):
    """An export that cannot be done, as one line saying what to do instead."""


def export(
    db: sqlite_utils.Database,
    table: str,
    output: Path,
    *,
    symbols: Sequence[str] = (),
    interval: str | None = None,
    since: int | None = None,
    until: int | None = None,
) -> int:
    """Write `table` ("candles" or "signals") rows matching the filters to `output`, in time
    order; the format follows the suffix. Returns the number of rows written."""
    columns, time_column = TABLES[table]
    suffix = output.suffix.lower()
    if suffix not in FORMATS:
        raise ExportError(
            f"{output}: unknown format {suffix or '(no suffix)'!r}; name the file "
            f"{' or '.join('*' + s for s in FORMATS)}"
        )
    if suffix == ".parquet" and bulkio.arrow() is None:
        raise ExportError(PARQUET_MISSING)
    where: list[str] = []
    params: list[object] = []
    if symbols:
        where.append(f"symbol IN ({', '.join('?' * len(symbols))})")
        params += list(symbols)
    for clause, value in (
        ("interval = ?", interval),
        (f"{time_column} >= ?", since),
        (f"{time_column} <= ?", until),
    ):
        if value is not None:
            where.append(clause)
            params.append(value)
    sql = f"SELECT {', '.join(columns)} FROM {table}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY {time_column}" + (", symbol, interval" if table == "candles" else ", id")
    cursor = db.execute(sql, params)
    first = cursor.fetchone()
    if first is None:  # said before the file is touched: nothing written, nothing replaced
        raise ExportError(_nothing(table, symbols, interval, since, until))
    rows = chain([first], cursor)

    try:
        with open_output(output, binary=suffix == ".parquet") as out:
            if suffix == ".parquet":
                count = _parquet(out, columns, _types(db, table), rows)
            else:
                count = (write_csv if suffix == ".csv" else write_jsonl)(out, columns, rows)
    except OutputError as exc:
        raise ExportError(str(exc)) from None
    return count


def _nothing(
    table: str,
    symbols: Sequence[str],
    interval: str | None,
    since: int | None,
    until: int | None,
) -> str:
    asked = [
        *([f"symbol {','.join(symbols)}"] if symbols else []),
        *([f"interval {interval}"] if interval else []),
        *([f"since {fmt.utc(since)}"] if since is not None else []),
        *([f"until {fmt.utc(until)}"] if until is not None else []),
    ]
    if not asked:
        return f"no {table} stored yet in this database; nothing written"
    return (
        f"no stored {table} match {', '.join(asked)}; nothing written "
        "(`cryptotui db stats` shows what is stored)"
    )


def write_csv(out: IO[str], columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """A header line, then one line per row, as `csv.writer` writes them (excel dialect);
    returns the row count."""
    text = io.StringIO()
    csv.writer(text).writerow(columns)
    out.write(text.getvalue())
    count = 0
    for chunk in _chunks(rows):
        data = io.BytesIO()
        bulkio.write_csv(data, list(zip(*chunk, strict=True)), eol="\r\n")
        out.write(data.getvalue().decode())
        count += len(chunk)
    return count


def _chunks(rows: Iterable[tuple]) -> Iterator[list[tuple]]:
    rows = iter(rows)
    while chunk := list(islice(rows, CHUNK)):
        yield chunk


def write_jsonl(out: IO[str], columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """One object per line; a signal's `factors` is embedded as an object, not a string."""
    factors = columns.index("factors") if "factors" in columns else -1
    count = 0
    for row in rows:
        record = dict(zip(columns, row, strict=True))
        if factors >= 0:
            record["factors"] = json.loads(row[factors])
        out.write(json.dumps(record, separators=(",", ":")) + "\n")
        count += 1
    return count


_ARROW_TYPES = {"INTEGER": "int64", "REAL": "float64", "TEXT": "string"}


def _types(db: sqlite_utils.Database, table: str) -> dict[str, str]:
    """Each column's pyarrow type name, from the type the table declares."""
    return {
        name: _ARROW_TYPES[declared.upper()]
        for _, name, declared, *_ in db.execute(f"PRAGMA table_info({table})").fetchall()
    }


def _parquet(
    out: IO[bytes], columns: Sequence[str], types: dict[str, str], rows: Iterable[tuple]
) -> int:
    pa = bulkio.arrow()
    import pyarrow.parquet as pq

    schema = pa.schema([(name, getattr(pa, types[name])()) for name in columns])
    count = 0
    with pq.ParquetWriter(out, schema) as writer:
        for chunk in _chunks(rows):
            writer.write_batch(_batch(pa, schema, chunk))
            count += len(chunk)
    return count


def _batch(pa: Any, schema: Any, chunk: list[tuple]) -> Any:
    arrays = []
    for field, values in zip(schema, zip(*chunk, strict=True), strict=True):
        try:
            arrays.append(pa.array(values, field.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            raise ExportError(
                f"column {field.name} holds a value that is not {field.type} "
                f"(SQLite stores any type in any column); export to .csv or .jsonl"
            ) from None
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
