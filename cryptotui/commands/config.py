"""`cryptotui config [show|validate|path]`: the effective configuration, a check of it, or where
the user's file lives."""

from __future__ import annotations

import argparse
import os

from cryptotui.commands.base import Command, config_of


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        nargs="?",
        choices=("show", "validate", "path"),
        default="show",
        help="show (default): the merged configuration as TOML; validate: check it; "
        "path: the user's config file",
    )


def run(args: argparse.Namespace) -> int:
    from cryptotui.config import render, user_file

    if args.action == "path":
        print(user_file(args.config, os.environ))
        return 0
    config = config_of(args)
    if args.action == "validate":
        print(f"configuration OK ({', '.join(config.sources)})")
    else:
        print(render(config), end="")
    return 0


COMMAND = Command("show, validate or locate the configuration", add_arguments, run)
