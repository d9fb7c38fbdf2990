"""Crash safety: SIGKILL a process in the middle of heavy writes, several times over.

After every kill the file must open cleanly, pass `PRAGMA integrity_check`, and hold every batch
the killed process had reported as committed (`flush()` returned), its signal exactly once.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cryptotui.store.schema import open_db

from .crash_worker import ROWS, SYMBOL

REPO = Path(__file__).resolve().parents[2]
ROUNDS = 6

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def run_and_kill(path: Path, after: float) -> tuple[list[int], int]:
    """Start the worker, let it write for `after` s past its first committed batch, SIGKILL it.
    Returns the batches it reported and its exit status."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.store.crash_worker", str(path)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline()  # type: ignore[union-attr]
        assert first.endswith("\n"), proc.stderr.read()  # type: ignore[union-attr]
        time.sleep(after)
        proc.send_signal(signal.SIGKILL)
        rest, _ = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    lines = [first, *rest.splitlines(keepends=True)]
    return [int(line) for line in lines if line.endswith("\n")], proc.returncode


def test_sigkill_during_heavy_writes_loses_nothing_committed(tmp_path: Path) -> None:
    rng = random.Random(20240611)
    path = tmp_path / "crash.db"
    reported: list[int] = []
    for _ in range(ROUNDS):
        batches, status = run_and_kill(path, after=rng.uniform(0.02, 0.5))
        assert status == -signal.SIGKILL
        reported += batches

        plain = sqlite3.connect(path)  # no store code: the file alone must be sound
        assert plain.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        plain.close()
        db = open_db(path)
        signals = dict(
            db.execute(
                "SELECT time, COUNT(*) FROM signals WHERE symbol = ? GROUP BY time", (SYMBOL,)
            ).fetchall()
        )
        for k in reported:
            assert signals.get(k) == 1, f"batch {k}: signal stored {signals.get(k, 0)} times"
            (stored,) = db.execute(
                "SELECT COUNT(*) FROM candles WHERE symbol = ? AND interval = '1s' "
                "AND open_time >= ? AND open_time < ?",
                (SYMBOL, k * ROWS * 1000, (k + 1) * ROWS * 1000),
            ).fetchone()
            assert stored == ROWS, f"batch {k}: {stored} of {ROWS} candles"
        assert all(n == 1 for n in signals.values())  # unreported batches too: never twice
        db.close()
    assert len(reported) >= ROUNDS  # every round got at least one batch in before the kill
    assert reported == sorted(set(reported))  # each round resumed after the previous one
