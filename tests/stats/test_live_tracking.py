"""Live outcome tracking end to end: `cryptotui --log` against the simulator stores every
signal's outcomes as candles close, and a restart resolves those left open."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cryptotui.sim import SimExchange
from tests.test_headless import T0, cryptotui, daemon_args, stopping


async def run_for(sim: SimExchange, cfg: Path, db: Path, candles: int) -> None:
    """The daemon until it has printed `candles` closed candles, then SIGINT."""

    def closed(lines: list[str]) -> int:
        return sum(" BTCUSDT 1m " in ln and " ALERT " not in ln for ln in lines)

    argv = daemon_args(sim, cfg, db, "BTCUSDT", "--candles")
    async with stopping(await cryptotui(*argv), timeout=15) as d:
        await d.read_until(lambda lines: closed(lines) >= candles, 40)
    assert d.proc.returncode == 0, d.err


def check_outcomes(db: Path) -> list[tuple]:
    """Every stored outcome against the stored candles: entry = the signal candle's close."""
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT s.time, s.direction, o.horizon, o.forward_return, o.hit FROM outcomes o "
        "JOIN signals s ON s.id = o.signal_id WHERE s.kind = 'pattern'"
    ).fetchall()
    closes = dict(conn.execute("SELECT close_time, close FROM candles WHERE interval = '1m'"))
    times = sorted(closes)
    for at, direction, h, r, hit in rows:
        t = times.index(at)
        assert r == pytest.approx(closes[times[t + h]] / closes[at] - 1, rel=1e-9, abs=1e-12)
        want = None if direction == "neutral" else int(r > 0 if direction == "bullish" else r < 0)
        assert hit == want
    return rows


async def test_outcomes_are_stored_live_and_completed_after_a_restart(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("")
    db = tmp_path / "history.db"
    async with SimExchange(symbols=["BTCUSDT"], seed=4, speed=300, start_time_ms=T0) as sim:
        await run_for(sim, cfg, db, 12)
        first = check_outcomes(db)
        conn = sqlite3.connect(db)
        open_before = conn.execute(
            "SELECT COUNT(*) FROM signals s WHERE (SELECT COUNT(*) FROM outcomes o "
            "WHERE o.signal_id = s.id) < 4"
        ).fetchone()[0]
        assert first and open_before > 0  # live outcomes, and some still waiting
        await run_for(sim, cfg, db, 25)  # the restart (plus 25 more candles) closes them
    second = check_outcomes(db)
    assert len(second) > len(first)
    conn = sqlite3.connect(db)
    # Every signal of the first run whose 20th candle is stored now has all four outcomes.
    times = [t for (t,) in conn.execute("SELECT close_time FROM candles ORDER BY open_time")]
    for sid, at in conn.execute("SELECT id, time FROM signals WHERE kind = 'pattern'"):
        if at <= max(t for t, *_ in first) and times.index(at) + 20 < len(times):
            done = conn.execute("SELECT COUNT(*) FROM outcomes WHERE signal_id = ?", (sid,))
            assert done.fetchone()[0] == 4, at
    stored = conn.execute("SELECT SUM(n) FROM track_record").fetchone()[0]
    assert stored == len(conn.execute("SELECT * FROM outcomes").fetchall())
