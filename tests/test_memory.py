"""What a long-running daemon holds stays bounded (`benchmarks/bench_soak.py` measures it):
per-series history is kept only where something reads it."""

from __future__ import annotations

from pathlib import Path

from cryptotui.config import load_config
from cryptotui.feed import Endpoints, feed_factory
from cryptotui.models import Candle
from cryptotui.state import CANDLES_KEPT, MarketState

H = 3_600_000


def hourly(n: int) -> list[Candle]:
    return [
        Candle("BTCUSDT", "1h", i * H, i * H + H - 1, 100.0, 101.0, 99.0, 100.5, 1.0)
        for i in range(n)
    ]


async def test_headless_feed_keeps_no_candle_history(tmp_path: Path):
    """`--log` draws no chart: with 1000 candles kept per series, a 1h series alone would
    grow for six weeks. The UI's own state keeps the chart's history."""
    config_file = tmp_path / "config.toml"
    config_file.write_text("")
    make = feed_factory(load_config(config_file, env={}), ["BTCUSDT"], ["1h"])
    feed = make(Endpoints("http://127.0.0.1:9", "ws://127.0.0.1:9"))
    drawn = MarketState(["BTCUSDT"])
    try:
        for c in hourly(CANDLES_KEPT + 500):
            feed.state.apply(c)
            drawn.apply(c)
    finally:
        await feed.aclose()
    assert sum(len(held) for held in feed.state.candles.values()) == 0
    assert len(drawn.candles["BTCUSDT", "1h"]) == CANDLES_KEPT
