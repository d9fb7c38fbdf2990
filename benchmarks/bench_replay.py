"""Record and replay: what recording costs, and how fast a recording plays back.

- Recording: 20 simulated symbols × (kline_1m + aggTrade + 24 h ticker), one sim hour of the
  seeded market, each frame written by the real `Recorder` as `Stream` hands it over: CPU per
  frame beside what decoding the same frame costs, and bytes per hour, plain and gzip'd. Frame
  rates are the simulator's (BTCUSDT ~5 aggTrades/s, the others fewer); a busy real hour has
  more frames, and the cost scales with them.
- Replay: a recording of the simulator (20 symbols, kline_1m + aggTrade, 10 s at 60×, made by
  `cryptotui record`) played by `cryptotui --replay FILE --log --speed 0`: frames/s through the
  codec, the gates and the engine, start-up (warm-up REST answers) included.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import msgspec

from cryptotui.binance.codec import Decoder
from cryptotui.commands import main as cli
from cryptotui.replay.recording import Frame, Header, Recorder, Recording
from cryptotui.sim import Market
from cryptotui.sources import DEMO_MARKET

SYMBOLS = ["BTCUSDT", "ETHUSDT", *DEMO_MARKET[:18]]
HOUR = 3_600_000


def _market_hour() -> list[str]:
    market = Market(SYMBOLS, seed=1, start_time_ms=1_751_132_760_000)
    wanted = {f"{s.lower()}@{k}" for s in SYMBOLS for k in ("kline_1m", "aggTrade", "ticker")}
    encode = msgspec.json.encode
    frames = market.advance(market.start_ms + HOUR, wanted)
    return [encode({"stream": s, "data": d}).decode() for s, d in frames]


def _recording_cost(frames: list[str], root: Path) -> None:
    decoder = Decoder()
    started = time.process_time()
    for raw in frames:
        decoder.decode(raw)
    decode_us = (time.process_time() - started) / len(frames) * 1e6
    print(f"{len(frames):,} frames in the sim hour; decoding one costs {decode_us:.1f} µs\n")
    print("| file | µs CPU per frame | share of decoding | MB per hour |")
    print("|---|---:|---:|---:|")
    for name in ("hour.jsonl", "hour.jsonl.gz"):
        recorder = Recorder(root / name, Header(symbols=SYMBOLS, intervals=["1m"]))
        started = time.process_time()
        for i, raw in enumerate(frames):
            recorder.frame(1, i, raw)
        recorder.close()
        us = (time.process_time() - started) / len(frames) * 1e6
        print(f"| {name} | {us:.1f} | {us / decode_us:.0%} | {recorder.size / 1e6:.1f} |")


def _replay_speed(root: Path) -> None:
    config = root / "config.toml"
    config.write_text("")
    path = root / "sim.jsonl.gz"
    null = os.devnull
    sim = subprocess.Popen(
        [sys.executable, "-m", "cryptotui.sim", "--symbols", ",".join(SYMBOLS), "--speed", "60"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert sim.stdout is not None
        url = sim.stdout.readline().split("rest=")[1].split()[0]  # the port line
        cli(["--config", str(config), "record", str(path), "--rest-url", url,
             "--ws-url", url.replace("http", "ws"), "--symbols", ",".join(SYMBOLS),
             "--intervals", "1m", "--streams", "kline,aggTrade", "--duration", "10s",
             "--output", null])  # fmt: skip
    finally:
        sim.terminate()
        sim.wait(10)
    frames = sum(isinstance(line, Frame) for line in Recording(path).lines())
    started = time.perf_counter()
    code = cli(["--config", str(config), "--replay", str(path), "--log", "--speed", "0",
                "--output", null])  # fmt: skip
    elapsed = time.perf_counter() - started
    assert code == 0
    print(f"\nreplay --speed 0: {frames:,} frames in {elapsed:.2f} s = {frames / elapsed:,.0f} "
          "frames/s (start-up included)")  # fmt: skip


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _recording_cost(_market_hour(), root)
        _replay_speed(root)


if __name__ == "__main__":
    main()
