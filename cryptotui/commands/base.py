"""What every command shares: its registration record, the global options, the configuration
they select, and the mapping of expected failures to one line and an exit code.

Exit codes: 0 success; 1 a runtime failure (network, database, disk); 2 bad input or
configuration (one line on stderr naming what to fix); 130 interrupted with Ctrl-C; 141 the
reader of the output went away (`| head`), which ends the command quietly as it does any
Unix tool.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from cryptotui import fmt, validators
from cryptotui.config import Config, ConfigError, load_config

if TYPE_CHECKING:
    import sqlite_utils

    from cryptotui.binance.rest import Rest
    from cryptotui.store.settings import StoreConfig

PROG = "cryptotui"

EXIT_CODES = """\
exit codes: 0 done; 1 runtime failure (network, database, disk); 2 bad input or
configuration (one line on stderr says what to fix); 130 interrupted (Ctrl-C); 141 the
output pipe was closed early (e.g. `| head`), quietly, like other Unix tools."""


@dataclass(slots=True, frozen=True)
class Command:
    """One `cryptotui <name>`: its help line, its arguments and what it does."""

    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    """Returns the exit code; expected failures may also be raised (see `failure_code`)."""


class Parser(argparse.ArgumentParser):
    """argparse with its refusals in one line, like every other bad input (the usage it would
    print first is what `--help` is for)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {fmt.safe(message)} (see {self.prog} --help)\n")


# --- global options --------------------------------------------------------------------------


def global_options(*, after_command: bool) -> Parser:
    """The options every command takes, before or after the command name.

    The main parser declares them with real defaults; each command's parser declares them again
    with `argparse.SUPPRESS` defaults, so a value given after the command lands in the result
    and a value given before it is not overwritten by the command's default.
    """
    parser = Parser(add_help=False)
    group = parser.add_argument_group("global options (before or after the command)")

    def default(value: Any) -> dict[str, Any]:
        return {"default": argparse.SUPPRESS if after_command else value}

    group.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="config file to use instead of the user's",
        **default(None),
    )
    group.add_argument(
        "--rest-url",
        type=validators.rest_url,
        metavar="URL",
        help="REST base URL (the client appends /api/v3/...)",
        **default(None),
    )
    group.add_argument(
        "--ws-url",
        type=validators.ws_url,
        metavar="URL",
        help="WebSocket base URL (the client appends /stream?...)",
        **default(None),
    )
    group.add_argument(
        "--db",
        type=validators.database_file,
        metavar="FILE",
        help="history database (default: [store] path, else cryptotui.db in the user data "
        "directory; with --demo nothing is recorded unless --db is given)",
        **default(None),
    )
    group.add_argument(
        "--demo",
        action="store_true",
        help="use the built-in simulated exchange (offline, labelled SIMULATED)",
        **default(False),
    )
    group.add_argument(
        "--seed",
        type=validators.non_negative_int,
        help="simulator seed for --demo",
        **default(None),
    )
    group.add_argument(
        "--speed",
        type=validators.non_negative_float,
        help="simulator speed multiplier for --demo; replay speed for --replay (default 1, "
        "0 = as fast as possible)",
        **default(None),
    )
    group.add_argument(
        "-v", "--verbose", action="store_true", help="debug logging on stderr", **default(False)
    )
    return parser


def config_of(args: argparse.Namespace, **overrides: dict[str, Any]) -> Config:
    """The configuration the global options select (flags win over files and environment);
    `overrides` adds a command's own sections. Raises ConfigError."""
    flags: dict[str, dict[str, Any]] = {
        "exchange": {"rest_url": args.rest_url, "ws_url": args.ws_url},
        # With --replay, --speed is the replay's (0 allowed), not the simulator's.
        "demo": {"seed": args.seed, "speed": None if _replaying(args) else args.speed},
    }
    for section, values in overrides.items():
        flags.setdefault(section, {}).update(values)
    return load_config(args.config, overrides=flags)


def _replaying(args: argparse.Namespace) -> bool:
    return getattr(args, "replay", None) is not None


def store_of(args: argparse.Namespace) -> tuple[Config, StoreConfig]:
    """The configuration and its `[store]` settings, `--db` winning over `[store] path`."""
    from cryptotui.store.settings import store_config

    config = config_of(args)
    return config, store_config(config, args.db)


@contextmanager
def existing_db(args: argparse.Namespace) -> Iterator[sqlite_utils.Database]:
    """The configured database for a reading command, read-only: it must exist and be a
    cryptotui database (StoreError says so)."""
    from cryptotui.store.schema import open_db

    _, settings = store_of(args)
    db = open_db(settings.path, readonly=True)
    try:
        yield db
    finally:
        db.close()


async def exchange_now(rest: Rest) -> int:
    """The exchange's clock in ms: relative times (`--days`, ages, retention) count back from
    it, since a testnet, a replay or the simulator may run on another clock than this machine.
    An endpoint that does not answer like Binance is bad input (a wrong --rest-url), said in
    one line."""
    import msgspec

    from cryptotui.binance.rest import BinanceError

    try:
        return int(await rest.server_time())
    except (BinanceError, msgspec.DecodeError, KeyError, TypeError, ValueError) as exc:
        raise validators.Invalid(
            f"{rest.base_url} does not answer like a Binance API (GET /api/v3/time: {exc}); "
            "check --rest-url or [exchange] rest_url"
        ) from None


# --- failures --------------------------------------------------------------------------------


def say(text: str) -> None:
    """One line on stderr: control characters (exchange text may carry some) removed."""
    print(f"{PROG}: {fmt.safe(text)}", file=sys.stderr)


def fail(text: str, code: int = 2) -> int:
    say(text)
    return code


def failure_code(exc: BaseException) -> int | None:
    """The exit code of an expected failure, or None for a bug (left to raise).

    Exchange and store errors are checked only if their modules were imported: if they were
    not, nothing could have raised them, and commands that never touch the network or the
    database start without importing httpx or SQLite.
    """
    if isinstance(exc, ConfigError | validators.Invalid):
        return 2
    store = sys.modules.get("cryptotui.store.schema")
    if store is not None and isinstance(exc, store.StoreError):
        return 2 if isinstance(exc, store.NotADatabase) else 1  # the wrong file was named
    errors = sys.modules.get("cryptotui.binance.errors")
    if errors is not None and isinstance(exc, errors.ExchangeError):
        from cryptotui.binance.rest import BinanceError

        # Refused by the exchange itself (a wrong symbol, a URL that is not a Binance API) is
        # bad input; banned or unreachable (5xx and timeouts, after retries) is a runtime one.
        return 2 if isinstance(exc, BinanceError) else 1
    return None
