"""The interpreter tuned for one long batch computation (`analyze`, a backtest's series).

Such a run makes millions of candles, indicator values and signals, none in a reference cycle
(reference counting frees them all), yet each pass of the cyclic garbage collector walks every
live one: a third of `analyze`'s CPU time, and ~5 % of a backtest's (most of it while a year of
candles is loaded), by measurement. So the collector is off for the run. And the GIL's switch
interval is short: `analyze`'s writer thread needs the GIL for a moment after each of its calls
that run without it, and would otherwise wait up to 5 ms for the computing thread to let go.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

SWITCH_INTERVAL = 0.0005
"""Seconds (Python's default is 0.005)."""


@contextmanager
def batch_run() -> Iterator[None]:
    """The collector off and a short switch interval for the block, put back as they were."""
    collecting, interval = gc.isenabled(), sys.getswitchinterval()
    gc.disable()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
        if collecting:
            gc.enable()
