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
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import chain
from pathlib import Path
from typing import TextIO

from rich.console import Console

from cryptotui.indicators import DEFAULT_SPEC, SpecError, build
from cryptotui.models import Candle, Direction
from cryptotui.outfile import open_output
from cryptotui.patterns.candles import CandlestickScanner
from cryptotui.patterns.chart import FORMATIONS, ChartDetector

REQUIRED = ("open_time", "open", "high", "low", "close", "volume")
BINANCE_COLUMNS = 12
MICROSECONDS = 10**14
"""Open times at or above this are µs: in ms it would be the year 5138."""
PROGRESS_MIN_ROWS = 100_000
_PROGRESS_EVERY = 4096


class InputError(Exception):
    """A problem with the input or output file; the message is shown to the user as is."""


def analyze(
    candles: Iterable[Candle],
    count: Callable[[], int],
    output: str | None,
    *,
    indicators: str = DEFAULT_SPEC,
    patterns: str | None = None,
    chart: str | None = None,
) -> None:
    """Write `open_time` and the outputs of the `indicators` spec (and, with `patterns`, the
    candlestick pattern columns; with `chart`, the chart formation columns) for each candle, as
    CSV to `output` (stdout if None). `count()` gives the number of candles for the progress
    bar. Raises SpecError, InputError or OutputError; nothing is written then."""
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
    with open_output(output) as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        steps = [(ind.update, len(ind.outputs)) for ind in built]
        with _progress(count) as advance:
            for n, candle in enumerate(candles, 1):
                row: list[object] = [candle.open_time]
                for update, width in steps:
                    value = update(candle)
                    if width == 1:
                        row.append(value)
                    else:
                        row.extend(value if value is not None else (None,) * width)
                if scanner is not None:
                    fired = scanner.update(candle)
                    row.extend(fired.get(name, 0) for name in pattern_names)
                if formations is not None:
                    confirmed = dict.fromkeys(chart_names, 0)
                    for signal in formations.on_candle(candle):
                        confirmed[signal.name.removeprefix("chart_")] = _MARK[signal.direction]
                    row.extend(confirmed.values())
                writer.writerow(row)
                if not n % _PROGRESS_EVERY:
                    advance(n)


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


def _candles(path: Path, f: TextIO) -> Iterator[Candle]:
    reader = csv.reader(f)
    try:
        first = next((row for row in reader if row), None)
        if first is None:
            raise InputError(
                f"{path}: empty file; expected a header with {','.join(REQUIRED)} "
                "or Binance kline rows"
            )
        if _is_number(first[0]):  # data, not a header
            if len(first) != BINANCE_COLUMNS or not first[0].strip().isdigit():
                raise InputError(
                    f"{path}: row {reader.line_num} is neither a header nor a Binance kline "
                    f"row ({len(first)} columns, expected {BINANCE_COLUMNS} starting with the "
                    f"open time); add a header with {','.join(REQUIRED)}"
                )
            index = dict(zip(REQUIRED, range(len(REQUIRED)), strict=True))
            rows: Iterator[list[str]] = chain([first], reader)
        else:
            names = [name.strip().lower() for name in first]
            missing = [name for name in REQUIRED if name not in names]
            if missing:
                raise InputError(
                    f"{path}: missing column{'s' if len(missing) > 1 else ''} "
                    f"{', '.join(missing)} (the header must name {','.join(REQUIRED)})"
                )
            index = {name: names.index(name) for name in REQUIRED}
            rows = reader
        checks = _Checks(path, len(first), index)
        for row in rows:
            if row:
                yield checks.candle(row, reader.line_num)
    except csv.Error as exc:
        raise InputError(f"{path}: row {reader.line_num}: malformed CSV ({exc})") from None


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
