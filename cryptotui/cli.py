"""Command line: `cryptotui` (TUI), `--demo`, `--log`, and subcommands.

Exit codes: 0 success, 1 runtime failure, 2 bad usage or configuration (one clear line on
stderr naming what to fix).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from cryptotui import __version__
from cryptotui.config import Config, ConfigError, load_config, render, user_config_path
from cryptotui.store.commands import SUBCOMMANDS as STORE_COMMANDS
from cryptotui.ui.oneshot import SUBCOMMANDS as ONESHOT_COMMANDS

EPILOG = """\
examples:
  cryptotui                         watchlist on live Binance (public data, no API keys)
  cryptotui --demo                  the same on the built-in simulated market (offline)
  cryptotui --log --symbols BTCUSDT,ETHUSDT --intervals 1m,5m
                                    headless: one line per closed candle on stdout
  cryptotui --rest-url http://127.0.0.1:8000 --ws-url ws://127.0.0.1:8000
                                    any Binance-compatible endpoint (testnet, simulator)
  cryptotui analyze candles.csv     indicators over a CSV of candles
  cryptotui config show             the effective configuration and where it came from

configuration: defaults from config/default.toml, overridden by the user file
({user}), then CRYPTOTUI_<SECTION>_<KEY> environment variables, then flags.
"""


def _csv(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cryptotui",
        description="Terminal dashboard and alert daemon for Binance market data.",
        epilog=EPILOG.format(user=user_config_path()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"cryptotui {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="run against the built-in simulated exchange (offline, labelled SIMULATED)",
    )
    parser.add_argument("--log", action="store_true", help="headless: print, don't draw")
    parser.add_argument("--symbols", type=_csv, help="comma list, e.g. BTCUSDT,ETHUSDT")
    parser.add_argument("--intervals", type=_csv, help="comma list of kline intervals, e.g. 1m,1h")
    parser.add_argument("--rest-url", help="REST base URL (the client appends /api/v3/...)")
    parser.add_argument("--ws-url", help="WebSocket base URL (the client appends /stream?...)")
    parser.add_argument("--config", type=Path, help="config file to use instead of the user's")
    parser.add_argument(
        "--db",
        type=Path,
        help="history database (default: [store] path, else cryptotui.db in the user data "
        "directory; with --demo nothing is recorded unless --db is given)",
    )
    parser.add_argument("--seed", type=int, help="simulator seed for --demo")
    parser.add_argument("--speed", type=float, help="simulator speed multiplier for --demo")
    parser.add_argument("--output", type=Path, help="with --log: append lines to FILE")
    parser.add_argument(
        "--format",
        choices=("text", "jsonl"),
        default="text",
        help="with --log: readable lines or one JSON object per alert",
    )
    parser.add_argument(
        "--candles", action="store_true", help="with --log: also print each closed candle (text)"
    )
    parser.add_argument(
        "--min-confidence",
        type=float,
        metavar="X",
        help="only pattern alerts with confidence ≥ X (0-1; default from the config)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")

    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    cfg = sub.add_parser("config", help="show, validate or locate the configuration")
    cfg.add_argument("action", nargs="?", choices=("show", "validate", "path"), default="show")
    analyze = sub.add_parser(
        "analyze", help="indicators over a CSV of candles, written as CSV", description=None
    )
    from cryptotui import analyze as analyze_cmd

    analyze_cmd.add_arguments(analyze)
    for name, command in (*STORE_COMMANDS.items(), *ONESHOT_COMMANDS.items()):
        command.add_arguments(sub.add_parser(name, help=command.help, description=command.help))
    return parser


def _overrides(args: argparse.Namespace) -> dict:
    return {
        "exchange": {"rest_url": args.rest_url, "ws_url": args.ws_url},
        "watchlist": {"symbols": args.symbols, "intervals": args.intervals},
        "demo": {"seed": args.seed, "speed": args.speed},
        "alerts": {"min_confidence": args.min_confidence},
    }


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.command == "analyze":
        from cryptotui import analyze as analyze_cmd

        return analyze_cmd.run(args)
    if args.command in STORE_COMMANDS:
        return STORE_COMMANDS[args.command].run(args)
    if args.command in ONESHOT_COMMANDS:
        return ONESHOT_COMMANDS[args.command].run(args)
    try:
        config = load_config(args.config, overrides=_overrides(args))
    except ConfigError as exc:
        print(f"cryptotui: {exc}", file=sys.stderr)
        return 2
    if args.command == "config":
        if args.action == "path":
            print(args.config or user_config_path())
        elif args.action == "validate":
            print(f"configuration OK ({', '.join(config.sources)})")
        else:
            print(render(config), end="")
        return 0
    # The demo market has its own symbol list unless --symbols names one.
    demo_list = args.demo and not args.symbols
    symbols = list(config.demo.symbols if demo_list else config.watchlist.symbols)
    intervals = list(config.watchlist.intervals)
    if args.log:
        try:
            store = _store(args, config)
        except ConfigError as exc:
            print(f"cryptotui: {exc}", file=sys.stderr)
            return 2
        return _headless(args, config, symbols, intervals, store)
    return _tui(args, config, symbols, intervals)


def _store(args: argparse.Namespace, config: Config):
    """Where to record history, or None: simulated data stays out of the real history unless
    --db names a database for it."""
    from cryptotui.store.settings import store_config

    settings = store_config(config, args.db)
    if not settings.enabled or (args.demo and args.db is None):
        return None
    return settings


def _source(args: argparse.Namespace, config: Config, symbols: list[str]):
    from cryptotui import sources

    return sources.simulated(config, symbols) if args.demo else sources.live(config)


async def _reload(args: argparse.Namespace, feed) -> str:
    """Re-read the configuration and apply what can change while running."""
    from cryptotui.engine import reconfigure

    config = load_config(args.config, overrides=_overrides(args))
    return await reconfigure(feed.engine, config)


def _headless(args, config: Config, symbols: list[str], intervals: list[str], store) -> int:
    from cryptotui import headless
    from cryptotui.feed import feed_factory

    out = args.output.open("a", encoding="utf-8") if args.output else sys.stdout
    try:
        return asyncio.run(
            headless.run(
                _source(args, config, symbols),
                feed_factory(config, symbols, intervals, store=store),
                out=out,
                jsonl=args.format == "jsonl",
                candles=args.candles,
                reload=lambda feed: _reload(args, feed),
            )
        )
    finally:
        if args.output:
            out.close()


def _tui(args, config: Config, symbols: list[str], intervals: list[str]) -> int:
    from cryptotui.sources import SIMULATED
    from cryptotui.ui.launch import run_tui

    label = SIMULATED if args.demo else "Binance"
    source = _source(args, config, symbols)
    # --symbols watches exactly those for this run; otherwise the saved watchlists come back.
    return run_tui(config, symbols, intervals, source, label, db=args.db, restore=not args.symbols)
