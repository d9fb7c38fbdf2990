"""The interpreter tuned for one long batch run (`analyze`, a backtest's series, its report).

Such a run makes millions of candles, indicator values and signals, none in a reference cycle
(reference counting frees them all), yet each pass of the cyclic garbage collector walks every
live one: a third of `analyze`'s CPU time, and ~5 % of a backtest's (most of it while a year of
candles is loaded), by measurement. So the collector is off for the run. And the GIL's switch
interval is short: `analyze`'s writer thread needs the GIL for a moment after each of its calls
that run without it, and would otherwise wait up to 5 ms for the computing thread to let go.

numpy's transparent-huge-page hint is off too. numpy asks the kernel for 2 MB pages for every
array of 4 MB or more; where the kernel answers such a request by compacting memory first
(`/sys/kernel/mm/transparent_hugepage/defrag` set to `madvise`, as on the machine we measure
on), the first write to each fresh array waits for that. A backtest allocates hundreds of such
arrays once per series and touches each only a few times: resolving one symbol-year's outcomes
took 1.0 s with the hint and 0.42 s without.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from numpy._core.multiarray import _set_madvise_hugepage  # type: ignore[attr-defined]

SWITCH_INTERVAL = 0.0005
"""Seconds (Python's default is 0.005)."""


@contextmanager
def batch_run(switch_interval: float = SWITCH_INTERVAL) -> Iterator[None]:
    """The collector off, a short switch interval (or `switch_interval`) and no huge-page hint
    for the block (or the decorated function), put back as they were."""
    collecting, interval = gc.isenabled(), sys.getswitchinterval()
    gc.disable()
    sys.setswitchinterval(switch_interval)
    hugepages = _set_madvise_hugepage(False)
    try:
        yield
    finally:
        _set_madvise_hugepage(hugepages)
        sys.setswitchinterval(interval)
        if collecting:
            gc.enable()
