"""Store test fixtures: a command line shaped like `cryptotui`'s, isolated from the user's
configuration and environment."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from cryptotui.store.commands import SUBCOMMANDS


def build_parser() -> argparse.ArgumentParser:
    """The main parser's global flags the store commands read, plus their subparsers, wired the
    way `cli.py` wires them."""
    parser = argparse.ArgumentParser(prog="cryptotui")
    parser.add_argument("--config", type=Path)
    parser.add_argument("--rest-url")
    parser.add_argument("--demo", action="store_true")
    parser.add_argument("--db", type=Path)
    sub = parser.add_subparsers(dest="command")
    for name, command in SUBCOMMANDS.items():
        command.add_arguments(sub.add_parser(name, help=command.help))
    return parser


@pytest.fixture
def run_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., int]:
    """`run_cli("history", "--db", path)` → exit code; output via capsys."""
    for name in list(os.environ):
        if name.startswith("CRYPTOTUI_"):
            monkeypatch.delenv(name)
    config = tmp_path / "config.toml"
    config.write_text("")

    def run(*argv: str) -> int:
        args = build_parser().parse_args(["--config", str(config), *argv])
        return SUBCOMMANDS[args.command].run(args)

    return run
