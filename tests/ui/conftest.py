"""UI test fixtures: the fixed-seed sim state, a store with stored signals, a frozen clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cryptotui.state import MarketState
from cryptotui.store.records import SignalRow
from cryptotui.store.writer import Writer
from cryptotui.ui.app import CryptoTUI
from cryptotui.ui.services.health import RateMeter
from cryptotui.ui.services.store import UiStore
from tests.ui.market import START_MS, sim_state

NAMES = ("hammer", "bullish_engulfing", "volume_spike", "shooting_star", "whale_trade")
DIRECTIONS = ("bullish", "bullish", "bearish", "bearish", "neutral")
SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT")


def stored_signal(i: int) -> SignalRow:
    """Signal number i of a deterministic history: one a minute before the sim start."""
    k = i % len(NAMES)
    return SignalRow(
        time=START_MS - (i + 1) * 60_000,
        symbol=SYMBOLS[i % len(SYMBOLS)],
        interval="1m",
        kind="pattern",
        name=NAMES[k],
        direction=DIRECTIONS[k],
        confidence=round(0.5 + (i * 37 % 50) / 100, 2),
        price=97_000.0 + i,
        factors={"z": 2.0 + k, "score_significance": 0.6, "score_volume": 0.4},
        span_start=START_MS - (i + 2) * 60_000,
        span_end=START_MS - (i + 1) * 60_000,
        message=f"stored signal {i}",
    )


@pytest.fixture
def make_store(tmp_path: Path) -> Iterator[Callable[..., UiStore]]:
    """`make_store(signals=N)`: a database with N stored signals, a writer and a UI state file.
    Called twice it reopens the same files (a restart)."""
    opened: list[tuple[Writer, UiStore]] = []

    def make(signals: int = 0) -> UiStore:
        writer = Writer(tmp_path / "store.db", batch_seconds=0.01)
        writer.put_many([stored_signal(i) for i in range(signals)])
        writer.flush(5)
        store = UiStore(writer.path, lambda: writer, ui_state_path=tmp_path / "ui.json")
        opened.append((writer, store))
        return store

    yield make
    for writer, store in opened:
        writer.close()
        store.close()


def frozen(app: CryptoTUI) -> CryptoTUI:
    """No wall clock on screen: uptime and message rates fixed (for snapshots)."""
    app.meter = RateMeter(clock=lambda: 1_000.0)
    app.state.started = 1_000.0 - 3_725.0
    return app


@pytest.fixture
def sim_app() -> Callable[..., CryptoTUI]:
    """`sim_app(**kwargs)`: the app over a fresh fixed-seed sim state, with no feed."""

    def make(state: MarketState | None = None, **kwargs) -> CryptoTUI:
        return frozen(CryptoTUI(state or sim_state(), None, **kwargs))

    return make
