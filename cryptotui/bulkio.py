"""Columns of Python values written as CSV text in bulk: the text `csv.writer` would write, byte
for byte, produced column by column in pyarrow's C++ kernels when pyarrow is installed.

`analyze`, `backtest` and `export` hold their results as columns; writing them row by row
through `csv.writer` spends most of its time in Python's float `repr` (dtoa). pyarrow formats a
float column with the same shortest round-trip digits (double-conversion) many times faster, in
a different notation: `1` for `1.0`, `0.00001` for `1e-05`, `1e+10` for `10000000000.0`. The
notation is brought back to `repr`'s here: a `.0` is appended to whole numbers below 1e10, and the
few values whose notation differs in more than that (magnitudes below 1e-4 or in [1e10, 1e16))
are formatted by `repr` itself. Strings are quoted exactly as `csv.writer` quotes them
(`_strings`), by asking it about the cells that contain a delimiter, quote or line break.
Without pyarrow (it is the optional `fast` extra: ~100 MB), `csv.writer` writes the same
columns, slower.

Writing is split in two so that it can take a second core: `rows()` does what needs the
interpreter (looking at the Python values, and those few `repr`s) on the caller's thread, and
`Rows.write` then formats, joins and writes every cell in one call into pyarrow's query engine
(Acero), which holds no GIL. A writer thread running many small kernel calls instead gets
almost nothing done while the caller computes: after each call it waits for the interpreter's
switch interval (5 ms) to have the GIL back.

tests/test_analyze_bulk.py holds both paths to the same bytes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import IO, Any

FAST_EXTRA = "pip install 'cryptotui[fast]'"


@cache
def arrow() -> Any:
    """The `pyarrow` module, or None when it is not installed (the `csv` module serves)."""
    try:
        import pyarrow
        import pyarrow.acero
        import pyarrow.compute
        import pyarrow.csv
    except ImportError:
        return None
    return pyarrow


def write_csv(
    out: IO[bytes],
    columns: Sequence[Sequence[object]],
    *,
    eol: str = "\n",
    fast: bool = True,
) -> None:
    """Write rows made of `columns` (equal lengths; values as `csv.writer` takes them: None is
    an empty cell) to the binary `out`, UTF-8, in the excel dialect with line ending `eol`.
    `fast=False` writes through `csv.writer` even when pyarrow is there."""
    rows(columns, eol=eol, fast=fast).write(out)


@dataclass(frozen=True, slots=True)
class Rows:
    """Columns made ready by `rows()`; `write` may run on another thread."""

    columns: Sequence[Sequence[object]]
    eol: str
    plan: Any
    """pyarrow's plan that makes the lines, or None: `csv.writer` writes them."""

    def write(self, out: IO[bytes]) -> None:
        if not self.columns or not len(self.columns[0]):
            return
        if self.plan is None:
            text = io.StringIO()
            csv.writer(text, lineterminator=self.eol).writerows(zip(*self.columns, strict=True))
            out.write(text.getvalue().encode())
            return
        for lines in self.plan.to_table(use_threads=False).column(0).chunks:
            # The rows, back to back: the string array's data between its first and last offset.
            _, offsets, data = lines.buffers()
            bounds = memoryview(offsets).cast("i")
            out.write(memoryview(data)[bounds[lines.offset] : bounds[lines.offset + len(lines)]])


def rows(columns: Sequence[Sequence[object]], *, eol: str = "\n", fast: bool = True) -> Rows:
    """`columns` (as `write_csv` takes them) ready for `Rows.write`, which then needs the
    interpreter no more."""
    pa = arrow() if fast else None
    if pa is None or not columns or not len(columns[0]):
        return Rows(columns, eol, None)
    pc = pa.compute
    arrays: list[Any] = []
    cells: list[Any] = []
    for values in columns:
        array, cell, fix = _cell(pa, values, eol, pc.field(str(len(arrays))))
        arrays.append(array)
        if fix is not None:
            cell = pc.coalesce(pc.field(str(len(arrays))), cell)
            arrays.append(fix)
        cells.append(cell)
    # The line ending goes on the last cell (an empty one too); None cells are empty.
    cells[-1] = pc.binary_join_element_wise(
        cells[-1], eol, "", null_handling="replace", null_replacement=""
    )
    line = pc.binary_join_element_wise(*cells, ",", null_handling="replace", null_replacement="")
    table = pa.table(arrays, names=[str(i) for i in range(len(arrays))])
    plan = pa.acero.Declaration.from_sequence(
        [
            pa.acero.Declaration("table_source", pa.acero.TableSourceNodeOptions(table)),
            pa.acero.Declaration("project", pa.acero.ProjectNodeOptions([line], ["line"])),
        ]
    )
    return Rows(columns, eol, plan)


def _cell(pa: Any, values: Sequence[object], eol: str, field: Any) -> tuple[Any, Any, Any]:
    """One column as (a pyarrow array, the expression of its cell text from `field`, which
    names that array, and None or a string array of `repr`s to take instead, nulls elsewhere)."""
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if kinds <= {float}:
        return _floats(pa, values, field)
    if kinds == {int}:
        try:
            return pa.array(values, pa.int64()), field.cast(pa.string()), None
        except OverflowError:
            pass  # beyond 64 bits: str() below, like csv
    if kinds == {str}:
        return _strings(pa, pa.array(values, pa.string()), eol), field, None
    # Mixed or other types: csv.writer's own rule, repr for floats and str for the rest.
    text = [None if v is None else repr(v) if isinstance(v, float) else str(v) for v in values]
    return _strings(pa, pa.array(text, pa.string()), eol), field, None


REPR_LOW, REPR_HIGH, REPR_SCIENTIFIC = 1e-4, 1e10, 1e16
"""pyarrow writes |x| < 1e-4 positionally down to 1e-6 and with a one-digit exponent below,
and |x| in [1e10, 1e16) in scientific notation; `repr` does the opposite in both bands."""


def _floats(pa: Any, values: Sequence[object], field: Any) -> tuple[Any, Any, Any]:
    """Floats (None a null, NaN a NaN): pyarrow's text, `.0` after a whole number below 1e10
    (`1` → `1.0`, `-0` → `-0.0`), `repr` in the bands where the notations differ. A column with
    few whole numbers takes `repr` for those too, sparing the writer a pass over every cell."""
    import numpy as np

    pc = pa.compute
    array = pa.array(values, pa.float64())
    x = array.to_numpy(zero_copy_only=False)  # nulls as NaN, which no test below holds
    with np.errstate(invalid="ignore"):  # a signalling NaN
        size = np.abs(x)
        by_repr = (size < REPR_LOW) & (x != 0.0) | (size >= REPR_HIGH) & (size < REPR_SCIENTIFIC)
        whole = (np.floor(x) == x) & (size < REPR_HIGH)
    cell = field.cast(pa.string())
    if np.count_nonzero(whole) > len(x) // SPARSE:
        whole = (pc.floor(field) == field) & (pc.abs(field) < REPR_HIGH)
        cell = pc.binary_join_element_wise(cell, pc.if_else(whole, ".0", ""), "")
    else:
        by_repr |= whole
    if not by_repr.any():
        return array, cell, None
    fix: list[str | None] = [None] * len(x)
    for i in np.flatnonzero(by_repr).tolist():
        fix[i] = repr(values[i])
    return array, cell, pa.array(fix, pa.string())


SPARSE = 64
"""Whole numbers in at most 1 of this many cells of a column are written by `repr`."""


def _strings(pa: Any, array: Any, eol: str) -> Any:
    """Strings as cells: those with a delimiter, quote or line break quoted by `csv.writer`."""
    pc = pa.compute
    special = pc.fill_null(pc.match_substring_regex(array, '[,"\r\n]'), False)
    if not pc.any(special).as_py():
        return array
    mask = special.to_numpy(zero_copy_only=False)
    raw = [v for v, m in zip(array.to_pylist(), mask.tolist(), strict=True) if m]
    return pc.replace_with_mask(array, special, pa.array([_quoted(v, eol) for v in raw]))


def _quoted(value: str, eol: str) -> str:
    """`value` as `csv.writer` writes it in a row of several cells."""
    text = io.StringIO()
    csv.writer(text, lineterminator=eol).writerow([value, ""])
    return text.getvalue()[: -len(eol) - 1]
