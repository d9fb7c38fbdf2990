"""The shape every `cryptotui <command>` module registers, so `cli.py` wires them in one loop."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True, frozen=True)
class Subcommand:
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    """Exit code: 0 success, 1 runtime failure, 2 bad usage or configuration."""
