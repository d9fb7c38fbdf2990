"""Indicators (and candlestick patterns, chart formations) over candles from a CSV or the store,
as CSV: what `cryptotui analyze` runs (its arguments live in `cryptotui.commands.analyze`).

The candles go one at a time through the same indicator classes the live engine uses, so what
this prints is what the dashboard shows. INPUT is either a CSV with a header that names at least
`open_time,open,high,low,close,volume` (other columns are ignored), or a Binance public-data
kline file (12 columns, no header). Open times are ms UTC; values of 10^14 and above are taken
as µs (Binance's spot files since 2025) and converted, so the output is always in ms. Rows that
make no candle series (out of order, repeated, high below low, out-of-range values; see
`_Checks`) are refused, never repaired: a wrong answer is worse than none.

The output is CSV: `open_time` and one column per indicator output, empty while warming up,
floats written with full precision (repr). Any problem with the spec or the input is reported as
one line on stderr with exit code 2, and leaves no output behind: the CSV appears only when
complete (`cryptotui.outfile`: renamed into place, or spooled and then written to a pipe, device
or stdout).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from itertools import chain, islice, repeat
from pathlib import Path
from typing import TextIO

import numpy as np
from rich.console import Console

from cryptotui.batch import batch_run
from cryptotui.bulkio import arrow, rows
from cryptotui.indicators import DEFAULT_SPEC, Indicator, SpecError, build
from cryptotui.models import Candle, Direction
from cryptotui.outfile import open_output
from cryptotui.patterns.candles import CandlestickScanner
from cryptotui.patterns.chart import FORMATIONS, ChartDetector

REQUIRED = ("open_time", "open", "high", "low", "close", "volume")
BINANCE_COLUMNS = 12
MICROSECONDS = 10**14
"""Open times at or above this are µs: in ms it would be the year 5138."""
PROGRESS_MIN_ROWS = 100_000


class InputError(Exception):
    """A problem with the input or output file; the message is shown to the user as is."""


CHUNK = 1 << 14
"""Candles per pass: each indicator runs over a chunk, then the chunk's columns are written
(small enough that the writer thread overlaps all but a sliver of the run)."""


def analyze(
    chunks: Iterable[Sequence[Candle]],
    count: Callable[[], int],
    output: str | None,
    *,
    indicators: str = DEFAULT_SPEC,
    patterns: str | None = None,
    chart: str | None = None,
    fast: bool = True,
) -> None:
    """Write `open_time` and the outputs of the `indicators` spec (and, with `patterns`, the
    candlestick pattern columns; with `chart`, the chart formation columns) for each candle of
    `chunks` (consecutive runs of one series, e.g. `candle_chunks`), as CSV to `output`
    (stdout if None). `count()` gives the number of candles for the progress bar. Raises
    SpecError, InputError or OutputError; nothing is written then. `fast=False` writes through
    the `csv` module even when pyarrow is installed (the same bytes; tests compare them).

    Each indicator (and detector) takes the chunk's candles one at a time, in order, exactly
    as the engine feeds them live; only the loop is turned inside out, so that a column comes
    out of one `map` and goes to the CSV writer whole."""
    built = build(indicators)
    scanner = _scanner(patterns)
    pattern_names = scanner.names if scanner else ()
    formations = _formations(chart)
    chart_names = formations.names if formations else ()
    header = [
        "open_time",
        *(c for ind in built for c in ind.columns),
        *(f"cdl_{name}" for name in pattern_names),
        *(f"chart_{name}" for name in chart_names),
    ]
    # A chunk is formatted and written on a second thread while the next one is computed:
    # with pyarrow that work holds no GIL (`bulkio.rows`), so it takes a second core.
    with (
        open_output(output, binary=True) as out,
        ThreadPoolExecutor(1) as writer,
        batch_run(),
    ):
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerow(header)
        out.write(text.getvalue().encode())
        done = 0
        written: Future[None] | None = None
        with _progress(count) as advance:
            for chunk in chunks:
                columns: list[Sequence[object]] = [[c.open_time for c in chunk]]
                for ind in built:
                    columns += _outputs(ind, chunk)
                if scanner is not None:
                    columns += _patterns(scanner, pattern_names, chunk)
                if formations is not None:
                    columns += _confirmations(formations, chart_names, chunk)
                ready = rows(columns, fast=fast)
                if written is not None:
                    written.result()  # one chunk in flight: memory stays bounded
                written = writer.submit(ready.write, out)
                done += len(chunk)
                advance(done)
            if written is not None:
                written.result()


def _outputs(indicator: Indicator, chunk: Sequence[Candle]) -> list[Sequence[object]]:
    """The indicator's columns over the chunk: its values, None while warming up."""
    values = list(map(indicator.update, chunk))
    width = len(indicator.outputs)
    if width == 1:
        return [values]
    return [[None if v is None else v[i] for v in values] for i in range(width)]


def _patterns(
    scanner: CandlestickScanner, names: Sequence[str], chunk: Sequence[Candle]
) -> list[Sequence[object]]:
    """TA-Lib's value of each pattern per candle (0 where it did not fire)."""
    columns = {name: [0] * len(chunk) for name in names}
    for i, fired in enumerate(map(scanner.update, chunk)):
        for name, value in fired.items():
            columns[name][i] = value
    return list(columns.values())


def _confirmations(
    formations: ChartDetector, names: Sequence[str], chunk: Sequence[Candle]
) -> list[Sequence[object]]:
    """±100 on the candle that confirms a formation, else 0 (the last signal of a candle wins)."""
    columns = {name: [0] * len(chunk) for name in names}
    for i, signals in enumerate(map(formations.on_candle, chunk)):
        for signal in signals:
            columns[signal.name.removeprefix("chart_")][i] = _MARK[signal.direction]
    return list(columns.values())


def _scanner(spec: str | None) -> CandlestickScanner | None:
    """The candlestick scanner for `--patterns` (None without it); SpecError names bad ones."""
    if spec is None:
        return None
    names = None if spec == "all" else [n.strip() for n in spec.split(",") if n.strip()]
    try:
        return CandlestickScanner(names)
    except ValueError as exc:
        raise SpecError(str(exc)) from None


_MARK = {Direction.BULLISH: 100, Direction.BEARISH: -100, Direction.NEUTRAL: 0}
"""A chart formation's cell on its confirmation candle, in TA-Lib's candlestick convention."""


def _formations(spec: str | None) -> ChartDetector | None:
    """The chart formations for `--chart` (None without it); SpecError names bad ones."""
    if spec is None:
        return None
    names = () if spec == "all" else tuple(n.strip() for n in spec.split(",") if n.strip())
    if spec != "all" and not names:
        raise SpecError(f"--chart names no formation; choose from {', '.join(FORMATIONS)}")
    try:
        return ChartDetector("", "", names)
    except ValueError as exc:
        raise SpecError(str(exc)) from None


def candle_chunks(path: Path, *, fast: bool = True) -> Iterator[list[Candle]]:
    """The candles of a header CSV or a Binance kline CSV (see `read_candles`), in runs of up
    to `CHUNK`. Read and checked whole by pyarrow's CSV reader when it is installed; a file it
    cannot vouch for (any refusal, or a cell it might read differently from Python's `float`)
    goes through `read_candles`, which accepts exactly the same files, makes the same candles
    and names the first problem. So the error messages are the `csv` module's path's, and no
    candle is handed out before the whole file has been checked."""
    columns = _arrow_columns(path) if fast else None
    if columns is None:
        candles = read_candles(path)
        while chunk := list(islice(candles, CHUNK)):
            yield chunk
        return
    for start in range(0, len(columns[0]), CHUNK):
        t, o, h, lo, c, v = (col[start : start + CHUNK].tolist() for col in columns)
        no = repeat("")
        yield list(map(Candle, no, no, t, repeat(0), o, h, lo, c, v))


def read_candles(path: Path) -> Iterator[Candle]:
    """Candles of a header CSV or a Binance kline CSV, in file order, checked as they are read
    (see `_Checks`). Raises InputError naming the file, the row (its line number in the file)
    and the column of the first problem; a caller that wants all or nothing lists it first."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            yield from _candles(path, f)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"cannot read {path}: not a UTF-8 text file") from None


def _layout(path: Path, first: list[str], line: int) -> tuple[dict[str, int], bool]:
    """The column of each REQUIRED field given the file's first row, and whether that row is
    a header (else it is Binance's first kline)."""
    if _is_number(first[0]):  # data, not a header
        if len(first) != BINANCE_COLUMNS or not first[0].strip().isdigit():
            raise InputError(
                f"{path}: row {line} is neither a header nor a Binance kline "
                f"row ({len(first)} columns, expected {BINANCE_COLUMNS} starting with the "
                f"open time); add a header with {','.join(REQUIRED)}"
            )
        return dict(zip(REQUIRED, range(len(REQUIRED)), strict=True)), False
    names = [name.strip().lower() for name in first]
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise InputError(
            f"{path}: missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (the header must name {','.join(REQUIRED)})"
        )
    return {name: names.index(name) for name in REQUIRED}, True


def _candles(path: Path, f: TextIO) -> Iterator[Candle]:
    reader = csv.reader(f)
    try:
        first = next((row for row in reader if row), None)
        if first is None:
            raise InputError(
                f"{path}: empty file; expected a header with {','.join(REQUIRED)} "
                "or Binance kline rows"
            )
        index, header = _layout(path, first, reader.line_num)
        rows: Iterator[list[str]] = reader if header else chain([first], reader)
        checks = _Checks(path, len(first), index)
        for row in rows:
            if row:
                yield checks.candle(row, reader.line_num)
    except csv.Error as exc:
        raise InputError(f"{path}: row {reader.line_num}: malformed CSV ({exc})") from None


_CSV_FIELD_LIMIT = 131_072
"""`csv`'s default field size limit: a longer line may hold a field it refuses."""


def _arrow_columns(path: Path) -> tuple[np.ndarray, ...] | None:
    """(open_time in ms, open, high, low, close, volume) as numpy arrays, read by pyarrow and
    checked like `_Checks` does; None when pyarrow is missing or the file is not plainly good
    (then `read_candles` decides, and words the refusal). Every cell pyarrow accepts here is one
    Python reads as the same number: floats by the same correctly rounded parse (pyarrow
    accepts a subset of what `float` does; tests/test_analyze_bulk.py fuzzes it), times only as
    plain digits (pyarrow also reads `0x1F`, which `int` refuses)."""
    pa = arrow()
    if pa is None:
        return None
    try:
        data = path.read_bytes()
        data.decode("utf-8")  # the csv module reads every cell, used or not
        line = data[: data.find(b"\n") + 1]
        if b'"' in line:
            return None  # a quoted header may span lines: the csv module's case
        first = next(csv.reader(io.StringIO(line.decode("utf-8-sig"))))
        index, header = _layout(path, first, 1)
    except (OSError, UnicodeDecodeError, csv.Error, StopIteration, IndexError, InputError):
        return None
    if b"\0" in data or _longest_line(data) >= _CSV_FIELD_LIMIT:
        return None  # what the csv module refuses outright
    names = [f"c{i}" for i in range(len(first))]
    used = [names[index[name]] for name in REQUIRED]
    types = dict.fromkeys(used[1:], pa.float64()) | {used[0]: pa.string()}
    try:
        table = pa.csv.read_csv(
            pa.BufferReader(data),
            read_options=pa.csv.ReadOptions(column_names=names, skip_rows=int(header)),
            parse_options=pa.csv.ParseOptions(newlines_in_values=True),
            convert_options=pa.csv.ConvertOptions(
                include_columns=used,
                column_types=types,
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        times = table.column(used[0])
        if not pa.compute.all(pa.compute.match_substring_regex(times, "^-?[0-9]+$")).as_py():
            return None
        t = times.cast(pa.int64()).to_numpy()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    o, h, lo, c, v = (table.column(name).to_numpy() for name in used[1:])
    t = np.where(t >= MICROSECONDS, t // 1000, t)
    low, high = PRICE_RANGE
    good = (
        (low <= lo) & (lo <= o) & (o <= h) & (h <= high) & (lo <= c) & (c <= h)
        & (VOLUME_RANGE[0] <= v) & (v <= VOLUME_RANGE[1]) & (t >= 0) & (t < MICROSECONDS)
    )  # fmt: skip
    if not len(t) or not good.all() or not (t[1:] > t[:-1]).all():
        return None
    return t, o, h, lo, c, v


def _longest_line(data: bytes) -> int:
    ends = np.flatnonzero(np.frombuffer(data, np.uint8) == ord("\n"))
    return int(np.diff(ends, prepend=-1, append=len(data)).max())


PRICE_RANGE = (1e-15, 1e15)
VOLUME_RANGE = (0.0, 1e18)
"""Far beyond any market (a satoshi is 1e-8; a day of the busiest pair trades ~1e14 units), and
narrow enough that the indicators' sums, products and ratios of these stay finite: no `inf` or
`nan` cells from a value like 1e308."""


class _Checks:
    """Turns a row into a Candle, or raises InputError on the first thing that makes it no
    candle: a row of another width than the header's (or Binance's 12), a cell that does not
    parse or is out of range, a high below the low or an open or close outside them, an open
    time that repeats or goes back. Analysing such a file would compute silently wrong values:
    indicators assume one candle per period, in time order."""

    __slots__ = ("columns", "index", "last_line", "last_time", "path")

    def __init__(self, path: Path, columns: int, index: dict[str, int]) -> None:
        self.path = path
        self.columns = columns
        self.index = tuple(index[name] for name in REQUIRED)
        self.last_time = -1
        self.last_line = 0

    def candle(self, row: list[str], line: int) -> Candle:
        if len(row) != self.columns:
            raise InputError(
                f"{self.path}: row {line}: {len(row)} column(s), expected {self.columns}"
            )
        t_col, o_col, h_col, l_col, c_col, v_col = self.index
        try:
            open_time = _open_time(row[t_col])
            o, h, lo, c, v = (float(row[i]) for i in (o_col, h_col, l_col, c_col, v_col))
        except ValueError:
            raise self._refusal(row, line) from None
        if not (
            PRICE_RANGE[0] <= lo <= o <= h <= PRICE_RANGE[1]
            and lo <= c <= h
            and VOLUME_RANGE[0] <= v <= VOLUME_RANGE[1]
            and 0 <= open_time < MICROSECONDS
        ):
            raise self._refusal(row, line)  # NaN fails every comparison, so it lands here too
        if open_time <= self.last_time:
            again = open_time == self.last_time
            raise self._error(
                line,
                "open_time",
                row[t_col].strip()
                + (
                    f" repeats row {self.last_line}; keep one row per open time"
                    if again
                    else f" is before row {self.last_line}'s; sort the rows by open_time"
                ),
            )
        self.last_time, self.last_line = open_time, line
        # A generic CSV has no symbol, interval or close time, and no indicator reads them.
        return Candle("", "", open_time, 0, o, h, lo, c, v)

    def _error(self, line: int, column: str, text: str) -> InputError:
        return InputError(f"{self.path}: row {line}, column {column!r}: {text}")

    def _refusal(self, row: list[str], line: int) -> InputError:
        """Why `row` is no candle: its first cell that does not parse or is out of range, else
        the values that contradict each other."""
        text = {name: row[col].strip() for name, col in zip(REQUIRED, self.index, strict=True)}
        for name, cell in text.items():
            low, high = VOLUME_RANGE if name == "volume" else PRICE_RANGE
            try:
                if name == "open_time":
                    if 0 <= _open_time(cell) < MICROSECONDS:
                        continue
                elif low <= float(cell) <= high:
                    continue
            except ValueError:
                pass
            kind = (
                "an integer time in ms or µs since 1970"
                if name == "open_time"
                else f"a number from {low:g} to {high:g}"
            )
            return self._error(line, name, f"expected {kind}, got {cell!r}")
        o, h, lo = (float(text[name]) for name in ("open", "high", "low"))
        if h < lo:
            return self._error(line, "high", f"{text['high']} is below the low, {text['low']}")
        name = "close" if lo <= o <= h else "open"
        return self._error(
            line,
            name,
            f"{text[name]} is outside the candle's low and high ({text['low']} to {text['high']})",
        )


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _open_time(cell: str) -> int:
    """ms UTC from an integer (or integral float) cell in ms or µs."""
    try:
        value = int(cell)
    except ValueError:
        number = float(cell)
        if not number.is_integer():
            raise
        value = int(number)
    return value // 1000 if value >= MICROSECONDS else value


def count_lines(path: Path) -> int:
    try:
        with path.open("rb") as f:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    except OSError:
        return 0  # reading the candles reports the problem


def _stderr_console() -> Console:
    return Console(stderr=True)


@contextmanager
def _progress(count: Callable[[], int]) -> Iterator[Callable[[int], None]]:
    """`advance(rows_done)`: a progress bar on an interactive stderr for large inputs."""
    console = _stderr_console()
    total = count() if console.is_terminal else 0
    if total <= PROGRESS_MIN_ROWS:
        yield lambda done: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "analyze",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("analyze", total=total)
        yield lambda done: progress.update(task, completed=done)
