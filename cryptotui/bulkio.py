"""Columns of Python values written as CSV text in bulk: the text `csv.writer` would write, byte
for byte, produced column by column in pyarrow's C++ kernels when pyarrow is installed.

`analyze`, `backtest` and `export` hold their results as columns; writing them row by row
through `csv.writer` spends most of its time in Python's float `repr` (dtoa). pyarrow formats a
float column with the same shortest round-trip digits (double-conversion) many times faster, in
a different notation: `1` for `1.0`, `0.00001` for `1e-05`, `1e+10` for `10000000000.0`. The
notation is brought back to `repr`'s here (`_floats`); the few values whose notation differs in
more than a missing `.0` (magnitudes below 1e-4 or in [1e10, 1e16)) are formatted by `repr`
itself. Strings are quoted exactly as `csv.writer` quotes them (`_strings`), by asking it about
the cells that contain a delimiter, quote or line break. Without pyarrow (it is the optional
`fast` extra: ~100 MB), `csv.writer` writes the same columns, slower.

tests/test_bulkio.py holds both paths to the same bytes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from functools import cache
from typing import IO, Any

FAST_EXTRA = "pip install 'cryptotui[fast]'"


@cache
def arrow() -> Any:
    """The `pyarrow` module, or None when it is not installed (the `csv` module serves)."""
    try:
        import pyarrow
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
    if not columns or not len(columns[0]):
        return
    pa = arrow() if fast else None
    if pa is None:
        text = io.StringIO()
        csv.writer(text, lineterminator=eol).writerows(zip(*columns, strict=True))
        out.write(text.getvalue().encode())
        return
    pc = pa.compute
    cells = [_text(pa, column, eol) for column in columns]
    lines = pc.binary_join_element_wise(*cells, ",", null_handling="replace", null_replacement="")
    lines = pc.binary_join_element_wise(lines, eol, "")
    # The rows, back to back: the string array's data buffer between its first and last offset.
    _, offsets, data = lines.buffers()
    bounds = memoryview(offsets).cast("i")
    out.write(memoryview(data)[bounds[lines.offset] : bounds[lines.offset + len(lines)]])


def _text(pa: Any, values: Sequence[object], eol: str) -> Any:
    """One column as a pyarrow string array of `csv.writer`'s cells (nulls for None)."""
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if kinds <= {float}:
        return _floats(pa, values)
    if kinds == {int}:
        try:
            return pa.array(values, pa.int64()).cast(pa.string())
        except OverflowError:
            pass  # beyond 64 bits: str() below, like csv
    if kinds == {str}:
        return _strings(pa, pa.array(values, pa.string()), eol)
    # Mixed or other types: csv.writer's own rule, repr for floats and str for the rest.
    text = [None if v is None else repr(v) if isinstance(v, float) else str(v) for v in values]
    return _strings(pa, pa.array(text, pa.string()), eol)


REPR_LOW, REPR_HIGH, REPR_SCIENTIFIC = 1e-4, 1e10, 1e16
"""pyarrow writes |x| < 1e-4 positionally down to 1e-6 and with a one-digit exponent below,
and |x| in [1e10, 1e16) in scientific notation; `repr` does the opposite in both bands."""


def _floats(pa: Any, values: Sequence[object]) -> Any:
    import numpy as np

    pc = pa.compute
    x = np.array(values, dtype=np.float64)  # None → NaN; told apart from a real NaN below
    finite = np.isfinite(x)
    nulls = None
    if not finite.all():
        odd = np.flatnonzero(~finite)
        none = np.array([values[i] is None for i in odd.tolist()], dtype=bool)
        if none.any():
            nulls = np.zeros(len(x), dtype=bool)
            nulls[odd[none]] = True
    text = pa.array(x, mask=nulls).cast(pa.string())
    with np.errstate(invalid="ignore"):
        size = np.abs(x)
        by_repr = finite & (x != 0.0) & ((size < REPR_LOW) | ((size >= REPR_HIGH) & (size < 1e16)))
        whole = finite & (size < REPR_HIGH) & (np.floor(x) == x)
    if whole.any():  # `1` → `1.0`, `-0` → `-0.0`
        mask = pa.array(whole)
        text = pc.replace_with_mask(
            text, mask, pc.binary_join_element_wise(pc.filter(text, mask), ".0", "")
        )
    if by_repr.any():
        text = pc.replace_with_mask(
            text, pa.array(by_repr), pa.array([repr(v) for v in x[by_repr].tolist()], pa.string())
        )
    return text


def _strings(pa: Any, array: Any, eol: str) -> Any:
    """Strings as cells: those with a delimiter, quote or line break quoted by `csv.writer`."""
    pc = pa.compute
    special = pc.fill_null(pc.match_substring_regex(array, '[,"\r\n]'), False)
    if not pc.any(special).as_py():
        return array
    mask = special.to_numpy(zero_copy_only=False)
    raw = [v for v, m in zip(array.to_pylist(), mask.tolist(), strict=True) if m]
    return pc.replace_with_mask(array, special, pa.array([_cell(v, eol) for v in raw]))


def _cell(value: str, eol: str) -> str:
    """`value` as `csv.writer` writes it in a row of several cells."""
    text = io.StringIO()
    csv.writer(text, lineterminator=eol).writerow([value, ""])
    return text.getvalue()[: -len(eol) - 1]
