"""The command line: `cryptotui [global options] [COMMAND] ...`.

Without a command it watches the market (`watch.py`: the TUI, or `--log`). Each command is one
module here defining `COMMAND`, and is registered by adding its name to `COMMANDS`. Command
modules import only what parsing needs; the work (SQLite, httpx, Rich, Textual) is imported
inside `run`, so `cryptotui --help` and every command start fast.

`main` runs the chosen command and turns what can be expected to go wrong into one line and an
exit code (`base.EXIT_CODES`), in one place for every command: bad input, configuration,
network and database errors, Ctrl-C, and a closed output pipe.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from cryptotui import __version__, hotpath
from cryptotui.commands import watch
from cryptotui.commands.base import (
    EXIT_CODES,
    PROG,
    Command,
    Parser,
    failure_code,
    global_options,
    say,
)
from cryptotui.config import user_config_path

COMMANDS: tuple[str, ...] = (
    "config",
    "analyze",
    "backtest",
    "record",
    "history",
    "export",
    "db",
    "backfill",
    "ticker",
    "movers",
    "holdings",
)
"""Command names, in `--help` order; `cryptotui/commands/<name>.py` defines `COMMAND`."""

EPILOG = """\
examples:
  cryptotui                         watchlist on live Binance (public data, no API keys)
  cryptotui --demo                  the same on the built-in simulated market (offline)
  cryptotui --log --symbols BTCUSDT,ETHUSDT --intervals 1m,5m
                                    headless: one line per alert on stdout
                                    (add --candles for a line per closed candle too)
  cryptotui --rest-url http://127.0.0.1:8000 --ws-url ws://127.0.0.1:8000
                                    any Binance-compatible endpoint (testnet, simulator)
  cryptotui record rec.jsonl.gz --duration 2h
                                    record every frame and REST answer the app sees
  cryptotui --replay rec.jsonl.gz --speed 10
                                    play it back through the same engine (--log too)
  cryptotui analyze candles.csv     indicators over a CSV of candles
  cryptotui holdings add BTC 0.5 --price 61000
                                    record a trade; `cryptotui holdings` values them all
  cryptotui config show             the effective configuration and where it came from
  cryptotui COMMAND --help          a command's own options

configuration: defaults from config/default.toml, overridden by the user file
({user}), then CRYPTOTUI_<SECTION>_<KEY> environment variables, then flags.

{exit_codes}
"""


def command(name: str) -> Command:
    return importlib.import_module(f"cryptotui.commands.{name}").COMMAND


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROG,
        description="Terminal dashboard and alert daemon for Binance market data.",
        epilog=EPILOG.format(user=user_config_path(), exit_codes=EXIT_CODES),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[global_options(after_command=False)],
    )
    version = f"{PROG} {__version__}, hot path {hotpath.describe()}"
    parser.add_argument("--version", action="version", version=version)
    watch.add_arguments(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    after = global_options(after_command=True)
    for name in COMMANDS:
        cmd = command(name)
        cmd.add_arguments(
            sub.add_parser(
                name,
                help=cmd.help,
                description=cmd.help,
                epilog=EXIT_CODES,
                parents=[after],
                formatter_class=argparse.RawDescriptionHelpFormatter,
            )
        )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run `cryptotui ARGV` and return its exit code (argparse's own exits included: 0 after
    --help, 2 for a bad argument)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    run = command(args.command).run if args.command else watch.run
    try:
        code = run(args)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
    except BrokenPipeError:
        _drop_stdout()
        return 141
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    except Exception as exc:
        failed = failure_code(exc)
        if failed is None:
            raise
        say(str(exc))
        return failed
    return code


def _drop_stdout() -> None:
    """Point stdout at /dev/null: Python flushes it once more at exit, and that flush must not
    fail again (it would print "Exception ignored ... BrokenPipeError")."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (tests capture stdout)
        pass
    finally:
        os.close(devnull)
