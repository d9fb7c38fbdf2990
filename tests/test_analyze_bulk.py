"""Bulk IO: `analyze` through pyarrow writes the bytes the row-by-row `csv` version wrote, and
pyarrow's reader accepts exactly the files (and makes exactly the candles) the `csv` reader does.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cryptotui import analyze
from cryptotui.bulkio import write_csv
from cryptotui.indicators import DEFAULT_SPEC, build
from cryptotui.patterns.candles import CandlestickScanner
from cryptotui.patterns.chart import ChartDetector
from tests.indicators.series import KINDS, market

SPEC = DEFAULT_SPEC + ",mk:20,hp:100,vp:30:8"


def row_by_row(path: Path, spec: str) -> bytes:
    """The analyze loop as it was before bulk IO: a candle at a time from the `csv` reader,
    a row at a time into `csv.writer` (with every candlestick and chart formation column)."""
    built = build(spec)
    scanner = CandlestickScanner(None)
    formations = ChartDetector("", "", ())
    marks = {"bullish": 100, "bearish": -100, "neutral": 0}
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(
        ["open_time", *(c for ind in built for c in ind.columns)]
        + [f"cdl_{n}" for n in scanner.names]
        + [f"chart_{n}" for n in formations.names]
    )
    for candle in analyze.read_candles(path):
        row: list[object] = [candle.open_time]
        for ind in built:
            value = ind.update(candle)
            width = len(ind.outputs)
            row += [value] if width == 1 else value if value is not None else [None] * width
        fired = scanner.update(candle)
        row += [fired.get(n, 0) for n in scanner.names]
        confirmed = dict.fromkeys(formations.names, 0)
        for signal in formations.on_candle(candle):
            confirmed[signal.name.removeprefix("chart_")] = marks[str(signal.direction)]
        row += confirmed.values()
        writer.writerow(row)
    return text.getvalue().encode()


def write_series(path: Path, kind: str, n: int) -> None:
    s = market(kind, n=n, seed=11)
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["open_time", "open", "high", "low", "close", "volume"])
        writer.writerows(
            zip(
                *(a.tolist() for a in (s.time, s.open, s.high, s.low, s.close, s.volume)),
                strict=True,
            )
        )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fast", [True, False], ids=["pyarrow", "csv"])
def test_output_is_byte_identical_to_the_row_by_row_writer(
    tmp_path: Path, kind: str, fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "candles.csv"
    write_series(source, kind, 900)
    monkeypatch.setattr(analyze, "CHUNK", 256)  # several chunks: state carries across them
    target = tmp_path / "out.csv"
    analyze.analyze(
        analyze.candle_chunks(source, fast=fast),
        lambda: 0,
        str(target),
        indicators=SPEC,
        patterns="all",
        chart="all",
        fast=fast,
    )
    assert target.read_bytes() == row_by_row(source, SPEC)


def test_pyarrow_reads_the_file_itself(tmp_path: Path) -> None:
    """The comparison above is not between two fallbacks: pyarrow vouches for a plain file."""
    source = tmp_path / "candles.csv"
    write_series(source, "walk", 50)
    columns = analyze._arrow_columns(source)
    assert columns is not None and len(columns[0]) == 50


def candles_or_error(path: Path, fast: bool) -> object:
    try:
        return [c for chunk in analyze.candle_chunks(path, fast=fast) for c in chunk]
    except analyze.InputError as exc:
        return str(exc)


PLAIN = st.floats(min_value=1e-3, max_value=1e6).map(repr)
CELLS = st.one_of(
    PLAIN,
    PLAIN,
    st.sampled_from(
        ["1", "1.5", " 2", "2 ", "+1.5", "1_0", ".5", "5.", "1e2", "1E2", "inf", "nan", "",
         "0x10", "1.5e", "٣", "-1", "1e400", "1e-400", "007", "١٢", '"3"', "3\t"]
    ),
)  # fmt: skip
TIMES = st.sampled_from(["0", "60000"]) | st.sampled_from(
    ["0", "60000", "+60000", " 60000", "0x10", "6e4", "60000.0", "-5", "007", "", "1" + "0" * 17,
     "1" + "0" * 14, "99999999999999999999", "120000"]
)  # fmt: skip


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.tuples(TIMES, CELLS, CELLS), min_size=1, max_size=4),
    header=st.booleans(),
    extra=st.sampled_from(["", ",x", ',"a,b"', ',"line\nbreak"', ",\x00"]),
)
def test_pyarrow_and_csv_readers_agree_on_any_file(
    tmp_path: Path, rows: list[tuple[str, ...]], header: bool, extra: str
) -> None:
    """Same candles, or the same one-line refusal, whichever reader reads the file. (One price
    cell for open, high, low and close, so that most files are candles.)"""
    lines = ["open_time,open,high,low,close,volume,note"] if header else []
    for i, (t, price, volume) in enumerate(rows):
        time = str(int(t) + i * 60_000) if t.isdigit() and len(t) < 6 else t
        lines.append(",".join([time, price, price, price, price, volume]) + (extra or ","))
    path = tmp_path / "fuzz.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode())
    assert candles_or_error(path, True) == candles_or_error(path, False)


def test_readers_agree_on_binance_files_and_the_odd_layout(tmp_path: Path) -> None:
    s = market("walk", n=20, seed=2)
    klines = [
        f"{t * 1000},{o!r},{h!r},{lo!r},{c!r},{v!r},{t * 1000 + 59_999_999},1,9,0,0,0"
        for t, o, h, lo, c, v in zip(
            s.time.tolist(), s.open.tolist(), s.high.tolist(), s.low.tolist(),
            s.close.tolist(), s.volume.tolist(), strict=True,
        )
    ]  # fmt: skip
    head = "open_time,open,high,low,close,volume"
    variants = {
        "binance µs": "\n".join(klines) + "\n",
        "bom and crlf": "\ufeffopen_time,open,high,low,close,volume\r\n1,2,3,1,2,5\r\n",
        "blank first line": "\nopen_time,open,high,low,close,volume\n1,2,3,1,2,5\n",
        "blank lines between": f"{head}\n1,2,3,1,2,5\n\n\n61,2,3,1,2,5\n",
        "quoted header": '"open_time",open,high,low,close,volume\n1,2,3,1,2,5\n',
        "no final newline": "open_time,open,high,low,close,volume\n1,2,3,1,2,5",
        "header only": "open_time,open,high,low,close,volume\n",
        "not utf-8 in an unused column": f"{head},x\n1,2,3,1,2,5,\xff\n",
    }
    for name, text in variants.items():
        path = tmp_path / "v.csv"
        path.write_bytes(text.encode("latin-1") if "\xff" in text else text.encode())
        fast, slow = candles_or_error(path, True), candles_or_error(path, False)
        assert fast == slow, name
    path.write_text(variants["binance µs"])
    assert analyze._arrow_columns(path) is not None  # read by pyarrow, times converted
    assert candles_or_error(path, True)[0].open_time == s.time[0]  # type: ignore[index]


FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e17, max_value=1e17),
    st.sampled_from([0.0, -0.0, 1e-4, 9.999999999999999e-05, 1e10, 9999999999.999998, 1e16,
                     1e15 + 0.5, 2.0**53, 5e-324, -math.inf]),
)  # fmt: skip
VALUES = st.one_of(
    FLOATS, st.none(), st.integers(), st.text(max_size=6), st.booleans(),
    st.sampled_from(["a,b", 'say "hi"', "two\nlines", "cr\rlf", ""]),
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    columns=st.integers(1, 4).flatmap(
        lambda n: st.lists(
            st.one_of(st.lists(FLOATS | st.none(), min_size=n, max_size=n),
                      st.lists(VALUES, min_size=n, max_size=n)),
            min_size=2, max_size=4,
        )
    ),
    eol=st.sampled_from(["\n", "\r\n"]),
)  # fmt: skip
def test_bulk_writer_writes_what_csv_writer_writes(columns: list[list[object]], eol: str) -> None:
    fast, slow = io.BytesIO(), io.BytesIO()
    write_csv(fast, columns, eol=eol)
    write_csv(slow, columns, eol=eol, fast=False)
    assert fast.getvalue() == slow.getvalue()


def test_bulk_writer_on_floats_of_every_magnitude() -> None:
    """Shortest round-trip text, `repr`'s notation, across the whole double range."""
    import numpy as np

    rng = np.random.default_rng(5)
    bits = rng.integers(0, 2**63, 100_000, dtype=np.int64).view(np.float64)
    scaled = rng.normal(0.0, 1.0, 100_000) * 10.0 ** rng.integers(-12, 20, 100_000)
    values = [*bits.tolist(), *scaled.tolist(), *np.round(scaled, 2).tolist()]
    out = io.BytesIO()
    write_csv(out, [values, values])
    assert out.getvalue().decode().split("\n")[:-1] == [f"{v!r},{v!r}" for v in values]


@pytest.mark.parametrize(
    "columns",
    [
        [[1.0, None, 2.5], [None, None, None]],  # the line ending after an empty last cell
        [[None, 1e-05, 3.0], [12345678901.5, None, -0.0]],  # `repr`'s bands beside nulls
        [[1, 2, 3], [0.5, 1e16, 1e300], ["a,b", None, 'q"']],
        [[i + 0.5 for i in range(999)] + [7.0], [-0.0] + [i + 0.1 for i in range(999)]],
        [[float(i) for i in range(1000)], [i - 500.0 for i in range(1000)]],
    ],
    ids=["empty last cell", "repr bands and nulls", "ints floats strings", "few whole", "whole"],
)
def test_bulk_writer_edge_columns(columns: list[list[object]]) -> None:
    fast, slow = io.BytesIO(), io.BytesIO()
    write_csv(fast, columns)
    write_csv(slow, columns, fast=False)
    assert fast.getvalue() == slow.getvalue()
