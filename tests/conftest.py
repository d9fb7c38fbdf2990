"""Shared test helpers: Binance JSON documents as they travel on the wire (tests/fixtures/binance:
examples from the official spot docs and documented behaviour they have no example for), and
`until`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "binance"


def _isolate_user_files() -> None:
    """Nothing the suite runs reads or writes the real user's files: the platform directories
    (config, data, state, cache; platformdirs reads XDG_*) point into a temporary home, for
    the test process and every process it starts. Set at import, before any test module
    computes a default path."""
    import atexit
    import os
    import shutil
    import tempfile

    home = Path(tempfile.mkdtemp(prefix="cryptotui-tests-home-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    for name, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_CACHE_HOME", ".cache"),
    ):
        os.environ[name] = str(home / sub)


_isolate_user_files()


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text()


def fixture_json(name: str):
    return json.loads(fixture_text(name))


@pytest.fixture
def binance_fixture():
    return fixture_json


async def until(predicate, timeout: float = 10.0, what: str = "condition") -> None:
    """Poll `predicate` every 10 ms; fail the test with `what` if it stays false for `timeout`."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.01)


@pytest.fixture
def run_cli(tmp_path, monkeypatch: pytest.MonkeyPatch):
    """`run_cli("history", "--db", path)` → exit code of the real `cryptotui` command line,
    isolated from the user's configuration and environment; output via capsys."""
    import os

    from cryptotui.commands import main

    for name in list(os.environ):
        if name.startswith("CRYPTOTUI_"):
            monkeypatch.delenv(name)
    config = tmp_path / "config.toml"
    config.write_text("")

    def run(*argv: str) -> int:
        return main(["--config", str(config), *argv])

    return run
