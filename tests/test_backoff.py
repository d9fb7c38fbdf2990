"""The one retry delay: within [cap/2, cap], the cap doubling up to its maximum, jittered."""

from __future__ import annotations

import random

import pytest

from cryptotui.backoff import backoff


@pytest.mark.parametrize(("initial", "maximum"), [(0.25, 8.0), (0.5, 30.0), (0.02, 0.05)])
def test_each_wait_is_between_half_the_cap_and_the_cap(initial, maximum):
    random.seed(1)
    for attempt in range(40):
        cap = min(maximum, initial * 2**attempt)
        waits = [backoff(attempt, initial, maximum) for _ in range(200)]
        assert all(cap / 2 <= w <= cap for w in waits), (attempt, min(waits), max(waits))
        assert len(set(waits)) > 100  # jittered: clients that failed together spread out
        assert max(waits) - min(waits) > cap / 4  # over the whole range, not a sliver of it


def test_the_cap_doubles_from_initial_and_stops_at_maximum():
    random.seed(2)
    assert max(backoff(0, 0.5, 30.0) for _ in range(500)) <= 0.5
    assert max(backoff(3, 0.5, 30.0) for _ in range(500)) > 3.0  # cap 4 s
    assert all(15.0 <= backoff(7, 0.5, 30.0) <= 30.0 for _ in range(500))


def test_a_night_of_failed_retries_still_waits_the_maximum():
    """A stream down for hours counts thousands of attempts; 2**attempt must not overflow."""
    for attempt in (1_100, 10_000, 10**9):
        assert 15.0 <= backoff(attempt, 0.5, 30.0) <= 30.0
