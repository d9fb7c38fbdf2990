"""WeightBudget and AttemptLimiter on a controlled clock (pure logic; REST paths use the sim)."""

from __future__ import annotations

import asyncio
from itertools import pairwise

import pytest

from cryptotui.binance.limits import AttemptLimiter, IpBanned, WeightBudget


class Clock:
    """A clock whose sleep advances it: lets a test see exactly how long callers would wait."""

    def __init__(self, t: float = 1_000_020.0) -> None:
        self.t = t
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


async def test_budget_waits_for_next_minute_before_soft_limit():
    clock = Clock(60 * 1000 + 20)  # 20 s into a minute window
    budget = WeightBudget(100, soft_ratio=0.8, clock=clock, sleep=clock.sleep)
    for _ in range(40):
        await budget.acquire(2)  # 80 = soft limit, no waiting
    assert clock.slept == [] and budget.used == 80
    await budget.acquire(2)
    assert clock.slept and 40.0 <= clock.slept[0] <= 40.1  # waited for the window to roll
    assert budget.used == 2


async def test_budget_adopts_server_count_case_insensitively():
    clock = Clock()
    budget = WeightBudget(6000, clock=clock, sleep=clock.sleep)
    budget.observe({"x-mbx-used-weight-1m": "4700", "X-MBX-USED-WEIGHT": "1"})
    assert budget.used == 4700
    await budget.acquire(20)
    assert clock.slept == []
    await budget.acquire(100)  # 4820 > 4800 soft limit: must wait
    assert len(clock.slept) == 1


async def test_pause_holds_callers_for_retry_after():
    clock = Clock()
    budget = WeightBudget(6000, clock=clock, sleep=clock.sleep)
    budget.pause(37)
    await budget.acquire(1)
    assert 37 <= clock.slept[0] <= 37 + budget.spacing / 2  # Retry-After, plus a little jitter


async def test_after_a_pause_queued_callers_go_one_by_one():
    """Five requests held by one 429 must not all retry in the same millisecond."""
    now = [1000.0]
    wake_at: list[float] = []

    async def sleep(seconds: float) -> None:  # concurrent sleepers: the clock jumps as each wakes
        wake_at.append(now[0] + seconds)
        await asyncio.sleep(0)
        now[0] = max(now[0], wake_at[-1])

    budget = WeightBudget(6000, clock=lambda: now[0], sleep=sleep, spacing=0.2)
    budget.pause(1)
    await asyncio.gather(*(budget.acquire(1) for _ in range(5)))
    assert len(wake_at) == 5
    assert all(b - a >= 0.1 for a, b in pairwise(sorted(wake_at)))  # one by one, jittered
    assert min(wake_at) >= 1001.0 and max(wake_at) <= 1001.0 + 5 * 0.2


async def test_ban_fails_fast_until_it_ends():
    clock = Clock()
    budget = WeightBudget(6000, clock=clock, sleep=clock.sleep)
    budget.ban(120)
    with pytest.raises(IpBanned, match="120 s"):
        await budget.acquire(1)
    assert clock.slept == []
    clock.t += 121
    await budget.acquire(1)


def test_attempt_limiter_sliding_window():
    clock = Clock(0.0)
    lim = AttemptLimiter(3, 10.0, clock=clock)
    for _ in range(3):
        assert lim.delay() == 0
        lim._times.append(clock())
        clock.t += 1
    assert lim.delay() == pytest.approx(7.0)  # oldest attempt at t=0 leaves the window at t=10
    clock.t = 10.0
    assert lim.delay() == 0
