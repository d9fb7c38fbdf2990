"""The sorted-window helpers find the same index as `bisect` (whose C loop the pure build
uses), so the compiled volume windows hold the same values in the same order."""

from __future__ import annotations

import bisect
import math
import random

from cryptotui.indicators.base import bisect_floats, insort_floats


def test_same_index_and_order_as_bisect() -> None:
    rng = random.Random(5)
    pool = [0.0, -0.0, 1.0, 1.0, 2.5, math.inf, -math.inf, math.nan]
    for _ in range(300):
        ours: list[float] = []
        theirs: list[float] = []
        for _ in range(rng.randrange(0, 40)):
            x = rng.choice(pool) if rng.random() < 0.5 else round(rng.uniform(-3, 3), 1)
            assert bisect_floats(ours, x) == bisect.bisect_left(theirs, x)
            insort_floats(ours, x)
            bisect.insort(theirs, x)
            assert [repr(v) for v in ours] == [repr(v) for v in theirs]
