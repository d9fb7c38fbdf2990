"""Store test fixtures: the real `cryptotui` command line, isolated from the user's
configuration and environment."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from cryptotui.cli import main


@pytest.fixture
def run_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., int]:
    """`run_cli("history", "--db", path)` → exit code; output via capsys."""
    for name in list(os.environ):
        if name.startswith("CRYPTOTUI_"):
            monkeypatch.delenv(name)
    config = tmp_path / "config.toml"
    config.write_text("")

    def run(*argv: str) -> int:
        return main(["--config", str(config), *argv])

    return run
