"""Frames/s decoded and dispatched, stdlib json vs orjson vs msgspec (why codec.py uses orjson).

Each row decodes realistic frames (8-decimal strings, combined-stream wrappers) through the real
`Decoder` into model objects, on one core. Target: ≥ 50,000 kline frames/s.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import msgspec
import orjson

from cryptotui.binance.codec import Decoder


def _kline(i: int) -> str:
    t = 1_751_132_700_000 + i * 60_000
    data = {
        "e": "kline",
        "E": t + 1234,
        "s": "BTCUSDT",
        "k": {
            "t": t,
            "T": t + 59_999,
            "s": "BTCUSDT",
            "i": "1m",
            "f": 100 + i,
            "L": 200 + i,
            "o": f"{107400 + i % 13:.8f}",
            "c": f"{107410 + i % 7:.8f}",
            "h": f"{107450 + i % 5:.8f}",
            "l": f"{107390 - i % 3:.8f}",
            "v": "12.34567000",
            "n": 100,
            "x": i % 30 == 0,
            "q": "1325432.12345678",
            "V": "6.10000000",
            "Q": "654321.00000000",
            "B": "0",
        },
    }
    return json.dumps({"stream": "btcusdt@kline_1m", "data": data})


def _agg(i: int) -> str:
    data = {
        "e": "aggTrade",
        "E": 1_751_132_700_000 + i,
        "s": "BTCUSDT",
        "a": 26129 + i,
        "p": f"{107400 + i % 17:.8f}",
        "q": "0.01230000",
        "f": 100 + i,
        "l": 105 + i,
        "T": 1_751_132_700_000 + i,
        "m": bool(i % 2),
        "M": True,
    }
    return json.dumps({"stream": "btcusdt@aggTrade", "data": data})


def _mini_arr(i: int, n: int = 400) -> str:
    data = [
        {
            "e": "24hrMiniTicker",
            "E": 1_751_132_700_000 + i,
            "s": f"SYM{k}USDT",
            "c": f"{1.5 + k:.8f}",
            "o": f"{1.4 + k:.8f}",
            "h": f"{1.6 + k:.8f}",
            "l": f"{1.3 + k:.8f}",
            "v": "1000.00000000",
            "q": "1500.00000000",
        }
        for k in range(n)
    ]
    return json.dumps({"stream": "!miniTicker@arr", "data": data})


LIBRARIES: dict[str, Callable] = {
    "json (stdlib)": json.loads,
    "orjson": orjson.loads,
    "msgspec": msgspec.json.Decoder().decode,
}


def _rate(loads: Callable, frames: list[str], repeat: int) -> float:
    decoder = Decoder(loads)
    best = 0.0
    for _ in range(repeat):
        started = time.perf_counter()
        for raw in frames:
            decoder.decode(raw)
        best = max(best, len(frames) / (time.perf_counter() - started))
    assert not decoder.errors, decoder.errors
    return best


def main() -> None:
    kinds = {
        "kline (combined)": ([_kline(i) for i in range(20_000)], 5),
        "aggTrade (combined)": ([_agg(i) for i in range(20_000)], 5),
        "!miniTicker@arr, 400 symbols": ([_mini_arr(i) for i in range(100)], 5),
    }
    names = list(LIBRARIES)
    print("| frames/s (best of 5, one core) | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for kind, (frames, repeat) in kinds.items():
        rates = [_rate(LIBRARIES[n], frames, repeat) for n in names]
        print(f"| {kind} | " + " | ".join(f"{r:,.0f}" for r in rates) + " |")


if __name__ == "__main__":
    main()
