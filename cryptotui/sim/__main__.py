"""`python -m cryptotui.sim`: run the simulated exchange until SIGINT/SIGTERM.

The first stdout line names the bound port (flushed), so a parent process started with
`--port 0` can read it and connect. Scenarios run at sim seconds after the start; faults fire at
wall seconds after the start. `--replay FILE` serves a recording (`cryptotui record`) as the
market instead of generating one.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptotui import validators
from cryptotui.sim.faults import Faults
from cryptotui.sim.scenarios import SCENARIOS
from cryptotui.sim.server import SimExchange
from cryptotui.sim.symbols import DEFAULT_SYMBOLS

_FAULTS: dict[str, Callable[[Faults, list[str]], None]] = {
    "drop_after": lambda f, a: f.drop_after(int(a[0])),
    "stall": lambda f, a: f.stall(float(a[0])),
    "malformed": lambda f, a: f.malformed(int(a[0])),
    "refuse_connections": lambda f, a: f.refuse_connections(int(a[0])),
    "rest_errors": lambda f, a: f.rest_errors(
        int(a[0]), int(a[1]), float(a[2]) if len(a) > 2 else None
    ),
    "server_shutdown": lambda f, a: f.server_shutdown(),
}


def _value(text: str) -> Any:
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text


def parse_scenario(text: str) -> tuple[str, str, float, dict[str, Any]]:
    """`name:SYMBOL:at_seconds[:key=value,...]`."""
    parts = text.split(":", 3)
    if len(parts) < 3 or parts[0] not in SCENARIOS:
        raise argparse.ArgumentTypeError(
            f"expected name:SYMBOL:at_seconds[:key=value,...] with name in {', '.join(SCENARIOS)}"
        )
    params: dict[str, Any] = {}
    if len(parts) == 4 and parts[3]:
        for item in parts[3].split(","):
            key, sep, value = item.partition("=")
            if not sep:
                raise argparse.ArgumentTypeError(f"scenario parameter {item!r} is not key=value")
            params[key] = _value(value)
    return parts[0], parts[1].upper(), float(parts[2]), params


def parse_fault(text: str) -> tuple[str, list[str], float]:
    """`kind[:arg...][@seconds]`, e.g. `drop_after:100@10`, `rest_errors:429:3:30@5`."""
    spec, _, at = text.partition("@")
    kind, *args = spec.split(":")
    if kind not in _FAULTS:
        raise argparse.ArgumentTypeError(
            f"unknown fault {kind!r}; choose from {', '.join(_FAULTS)}"
        )
    return kind, args, float(at or 0)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m cryptotui.sim",
        description="Simulated Binance spot market data (REST + WebSocket) on one local port.",
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port (printed)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--speed", type=float, default=1.0, help="sim seconds per wall second")
    p.add_argument(
        "--symbols",
        type=validators.symbols,
        default=DEFAULT_SYMBOLS,
        help=f"comma list (default {','.join(DEFAULT_SYMBOLS)})",
    )
    p.add_argument("--start-time-ms", type=int, default=None, help="default: now")
    p.add_argument("--trade-rate", type=float, default=5.0, help="BTCUSDT aggTrades per sim s")
    p.add_argument("--weight-limit", type=int, default=6000)
    p.add_argument("--max-connection-age", type=float, default=86_400.0, help="wall seconds")
    p.add_argument("--ground-truth", metavar="FILE", help="write injected scenarios here")
    p.add_argument(
        "--scenario",
        action="append",
        default=[],
        type=parse_scenario,
        metavar="NAME:SYMBOL:AT_S[:K=V,...]",
        help=f"inject at sim seconds after start; names: {', '.join(SCENARIOS)}",
    )
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        type=parse_fault,
        metavar="KIND[:ARG...][@WALL_S]",
        help=f"arm a fault at wall seconds after start; kinds: {', '.join(_FAULTS)}",
    )
    p.add_argument(
        "--replay",
        type=Path,
        metavar="FILE",
        help="serve a recording (`cryptotui record`) as the market: its symbols, at --speed",
    )
    p.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow binding a non-loopback host (never needed for tests or the TUI)",
    )
    return p


async def run(args: argparse.Namespace) -> int:
    recorded = None
    if args.replay is not None:
        from cryptotui.replay.recording import Recording
        from cryptotui.sim.recorded import RecordedMarket

        if args.scenario:
            raise ValueError("--scenario cannot be injected into a recording (--replay)")
        recorded = RecordedMarket(
            Recording(args.replay), lambda text: print(f"cryptotui.sim: {text}", file=sys.stderr)
        )
    sim = SimExchange(
        args.symbols,
        seed=args.seed,
        speed=args.speed,
        start_time_ms=args.start_time_ms,
        host=args.host,
        port=args.port,
        weight_limit=args.weight_limit,
        max_connection_age=args.max_connection_age,
        trade_rate=args.trade_rate,
        ground_truth_path=args.ground_truth,
        allow_remote=args.allow_remote,
        recorded=recorded,
    )
    for name, symbol, at_s, params in args.scenario:
        sim.inject(name, symbol, sim.market.start_ms + int(at_s * 1000), **params)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):  # before the port line: a parent may signal at once
        loop.add_signal_handler(sig, stop.set)
    await sim.start()
    print(
        f"cryptotui.sim listening on {sim.host}:{sim.port} rest={sim.rest_url} ws={sim.ws_url}",
        flush=True,
    )
    for kind, fault_args, at in args.fault:
        loop.call_later(at, _FAULTS[kind], sim.faults, fault_args)
    try:
        await stop.wait()
    finally:
        await sim.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return asyncio.run(run(args))
    except ValueError as exc:
        print(f"cryptotui.sim: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
