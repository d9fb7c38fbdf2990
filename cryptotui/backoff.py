"""One retry delay for everything that retries: REST calls, stream reconnects, webhook posts."""

from __future__ import annotations

import random

_MAX_DOUBLINGS = 64
"""Past this the cap is `maximum` anyway; keeps 2**attempt a float after a night of retries."""


def backoff(attempt: int, initial: float, maximum: float) -> float:
    """Seconds to wait before retry `attempt` (0 = the first retry): capped exponential backoff
    with "equal jitter". The cap doubles from `initial` up to `maximum` and the wait is drawn
    from [cap/2, cap]: never zero, so a failing server is not hammered, and random, so clients
    that failed together do not come back in lockstep."""
    cap = min(maximum, initial * 2.0 ** min(max(attempt, 0), _MAX_DOUBLINGS))
    return cap / 2 + random.uniform(0, cap / 2)
