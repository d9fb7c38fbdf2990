"""Shared helpers for the simulator tests: a fixed start time, fixtures, a started exchange."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from cryptotui.sim import Market, SimExchange
from cryptotui.sim.market import MINI_TICKER_ARR

START = 1_751_132_760_000
"""A whole minute (2025-06-28 17:46 UTC): every test runs at the same sim time."""

FIXTURES = Path(__file__).parent.parent / "fixtures" / "binance"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def core_streams(market: Market) -> set[str]:
    """Every stream the TUI uses, for every symbol (not the 100 ms depth streams)."""
    names = {MINI_TICKER_ARR}
    for s in market.sims.values():
        names |= {s.s_agg, s.s_trade, s.s_book, s.s_ticker, s.s_mini, *s.s_kline.values()}
    return names


@pytest.fixture
async def sim() -> AsyncIterator[SimExchange]:
    """A started exchange with a frozen clock: tests move sim time with `fast_forward`."""
    async with SimExchange(seed=7, speed=0, start_time_ms=START) as exchange:
        yield exchange
