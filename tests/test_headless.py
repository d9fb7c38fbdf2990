"""`cryptotui --log` as a user runs it: a real process against the sim, stopped with SIGINT."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from cryptotui.sim import SimExchange

T0 = 1_767_225_600_000


async def cryptotui(*argv: str) -> asyncio.subprocess.Process:
    """`python -m cryptotui ARGV` with piped stdout/stderr, as a user would run it."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cryptotui", *argv,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


@dataclass
class Daemon:
    """A running process's stdout lines read so far; after `stopping`: what it printed after
    them and its stderr."""

    proc: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    rest: str = ""
    err: str = ""

    async def read_until(self, enough: Callable[[list[str]], bool], timeout: float) -> None:
        """stdout lines until `enough(lines)`; an early exit fails with the process's stderr."""
        assert self.proc.stdout is not None and self.proc.stderr is not None
        async with asyncio.timeout(timeout):
            while not enough(self.lines):
                line = await self.proc.stdout.readline()
                assert line, (await self.proc.stderr.read()).decode()
                self.lines.append(line.decode())


@asynccontextmanager
async def stopping(
    proc: asyncio.subprocess.Process, sig: int = signal.SIGINT, timeout: float = 10
) -> AsyncIterator[Daemon]:
    """`proc` for the block, then stopped as a user would (`sig`) and waited for; a test that
    fails inside the block still leaves no process behind."""
    daemon = Daemon(proc)
    try:
        yield daemon
    finally:
        if proc.returncode is None:
            proc.send_signal(sig)
        async with asyncio.timeout(timeout):
            out, err = await proc.communicate()
        daemon.rest, daemon.err = out.decode(), err.decode()


def daemon_args(sim, cfg, db, symbols: str, *extra: str) -> list[str]:
    """`--log` against the simulator, isolated: its own config file and database."""
    return [
        "--log", *extra, "--db", str(db), "--config", str(cfg), "--symbols", symbols,
        "--intervals", "1m", "--rest-url", sim.rest_url, "--ws-url", sim.ws_url,
    ]  # fmt: skip


async def test_log_prints_closed_candles_and_exits_cleanly_on_sigint(tmp_path):
    empty = tmp_path / "config.toml"
    empty.write_text("")  # hermetic: no user config from the machine running the test
    async with SimExchange(
        symbols=["BTCUSDT", "ETHUSDT"], seed=2, speed=300, start_time_ms=T0
    ) as sim:
        argv = daemon_args(sim, empty, tmp_path / "history.db", "BTCUSDT,ETHUSDT", "--candles")
        async with stopping(await cryptotui(*argv)) as d:
            await d.read_until(lambda lines: sum(" ALERT " not in ln for ln in lines) >= 6, 20)
        assert d.proc.returncode == 0, d.err
    lines = d.lines + d.rest.splitlines(keepends=True)
    lines = [ln for ln in lines if " ALERT " not in ln]  # candle lines only
    btc = [ln.split() for ln in lines if " BTCUSDT 1m " in ln]
    assert btc and {ln.split()[1] for ln in lines} <= {"BTCUSDT", "ETHUSDT"}
    first = btc[0]
    assert first[0].endswith(":00Z") and first[3] == "O" and first[5] == "H"
    assert len(first[4].split(".")[1]) == 2  # BTCUSDT tick size 0.01 → 2 decimals
    times = [row[0] for row in btc]
    assert times == sorted(set(times))  # each closed candle once, in order
    assert "watching BTCUSDT, ETHUSDT 1m" in d.err and "stopped:" in d.err


async def test_a_forged_symbol_is_neither_printed_nor_stored(tmp_path):
    """Kline frames on btcusdt@kline_1m naming `EVIL<ESC>[2J<BEL><U+202E>USDT`: no raw escape,
    bell or bidi override reaches the terminal, no such series reaches the database."""
    empty = tmp_path / "config.toml"
    empty.write_text("")
    db = tmp_path / "history.db"
    async with SimExchange(symbols=["BTCUSDT"], seed=3, speed=300, start_time_ms=T0) as sim:
        async with stopping(
            await cryptotui(*daemon_args(sim, empty, db, "BTCUSDT", "--candles"))
        ) as d:
            await d.read_until(lambda lines: len(lines) == 1, 20)  # running: now forge
            sim.faults.foreign_symbol(20, "EVIL\x1b[2J\x07\u202eUSDT")
            await d.read_until(lambda lines: len(lines) == 6, 20)
        assert d.proc.returncode == 0, d.err
    out = "".join(d.lines) + d.rest
    for raw in ("\x1b", "\x07", "\u202e"):
        assert raw not in out and raw not in d.err
    assert "EVIL" not in out and "unsubscribed stream" in d.err  # forged frames came, ignored
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT DISTINCT symbol FROM candles").fetchall() == [("BTCUSDT",)]


async def test_broken_config_file_names_file_line_and_key(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[watchlist]\nsymbols = ["BTCUSDT"]\nintervals = ["2m"]\n')
    proc = await cryptotui("--log", "--config", str(cfg))
    async with asyncio.timeout(20):
        _, err = await proc.communicate()
    assert proc.returncode == 2
    message = err.decode().strip()
    assert message.count("\n") == 0, message
    assert "config.toml:3" in message and "watchlist.intervals" in message and "'2m'" in message


JSONL_KEYS = {
    "time", "symbol", "interval", "kind", "name", "direction", "confidence", "price", "factors",
    "message",
}  # fmt: skip


async def test_log_jsonl_reports_injected_scenarios_once_each(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        "[engine]\n"
        'detectors = ["whale_trade", "volume_spike", "round_number_cross"]\n'
        "[alerts]\nmin_confidence = 0.3\n"
        'rules = [{ name = "eth-up", when = "price > 1", symbols = ["ETHUSDT"],'
        ' frequency = "once" }]\n'
    )
    async with SimExchange(
        symbols=["BTCUSDT", "ETHUSDT"], seed=8, speed=120, start_time_ms=T0
    ) as sim:
        db = tmp_path / "history.db"
        argv = daemon_args(sim, cfg, db, "BTCUSDT,ETHUSDT", "--format", "jsonl")
        async with stopping(await cryptotui(*argv)) as d:
            # The rule's alert says the daemon is warm and streaming: the scenarios come after.
            await d.read_until(lambda lines: any('"eth-up"' in ln for ln in lines), 30)
            now = sim.sim_time_ms()
            truths = [
                sim.inject("whale_trade", "BTCUSDT", now + 1 * 60_000, side="buy"),
                sim.inject("volume_spike", "ETHUSDT", now + 2 * 60_000, mult=20.0),
                sim.inject("round_number_cross", "BTCUSDT", now + 4 * 60_000),
            ]
            fits = (
                lambda a: a["time"] == truths[0].start_ms,
                lambda a: truths[1].start_ms <= a["time"] <= truths[1].end_ms + 1,
                lambda a: a["factors"]["level"] == truths[2].details["level"],
            )

            def caught(lines: list[str]) -> list[dict | None]:
                """Each scenario's alert: its name on its symbol, where it was planted (other
                alerts may come too: the whale's volume can make its candle a volume spike)."""
                alerts = [json.loads(ln) for ln in lines]
                return [
                    next((a for a in alerts if a["name"] == t.scenario and a["symbol"] == t.symbol
                          and fit(a)), None)
                    for t, fit in zip(truths, fits, strict=True)
                ]  # fmt: skip

            await d.read_until(lambda lines: None not in caught(lines), 40)
        assert d.proc.returncode == 0, d.err
    alerts = [json.loads(ln) for ln in d.lines + d.rest.splitlines()]
    assert all(set(a) == JSONL_KEYS for a in alerts)
    keys = [(a["name"], a["symbol"], a["interval"], a["time"]) for a in alerts]
    assert len(keys) == len(set(keys)), "an alert was delivered twice"
    whale, spike, cross = caught(d.lines)
    assert whale is not None and spike is not None and cross is not None
    assert whale["direction"] == "bullish" and whale["interval"] is None
    assert whale["kind"] == "pattern" and spike["interval"] == "1m"
    by_name = {a["name"]: a for a in alerts}
    rule = by_name["eth-up"]
    assert rule["kind"] == "rule" and sum(a["name"] == "eth-up" for a in alerts) == 1
    assert all(0.3 <= a["confidence"] <= 1 for a in alerts)
    # everything alerted was recorded: the history command lists it after the daemon stopped
    proc = await cryptotui(
        "--config", str(cfg), "history", "--db", str(db), "--format", "jsonl", "--limit", "1000"
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    stored = {
        (r["name"], r["symbol"], r["time"]) for r in map(json.loads, out.decode().splitlines())
    }
    assert {(a["name"], a["symbol"], a["time"]) for a in alerts} <= stored


async def test_sighup_reloads_rules_and_refuses_a_broken_config(tmp_path):
    cfg = tmp_path / "config.toml"

    def rules(name: str, when: str = "price > 0") -> None:
        rule = f'{{ name = "{name}", when = "{when}", symbols = ["ETHUSDT"], frequency = "once" }}'
        cfg.write_text(f"[engine]\ndetectors = []\n[alerts]\nrules = [{rule}]\n")

    rules("first")
    async with SimExchange(symbols=["ETHUSDT"], seed=8, speed=120, start_time_ms=T0) as sim:
        db = tmp_path / "history.db"
        async with stopping(
            await cryptotui(*daemon_args(sim, cfg, db, "ETHUSDT", "--format", "jsonl"))
        ) as d:
            proc = d.proc
            assert proc.stdout is not None and proc.stderr is not None
            async with asyncio.timeout(30):
                names = [json.loads(await proc.stdout.readline())["name"]]
                rules("broken", "price >> 1")
                proc.send_signal(signal.SIGHUP)
                line = await proc.stderr.readline()
                while b"reload" not in line:
                    line = await proc.stderr.readline()
                assert b"reload refused" in line and b"price >> 1" in line, line
                rules("second")
                proc.send_signal(signal.SIGHUP)
                names.append(json.loads(await proc.stdout.readline())["name"])
        assert proc.returncode == 0, d.err
    assert names == ["first", "second"]


async def test_log_jsonl_candles_are_objects_of_their_own_kind(tmp_path):
    """`--format jsonl --candles` used to drop the candles silently."""

    def closed(lines: list[str]) -> int:
        return sum(json.loads(ln)["kind"] == "candle" for ln in lines)

    empty = tmp_path / "config.toml"
    empty.write_text("")
    async with SimExchange(symbols=["BTCUSDT"], seed=2, speed=300, start_time_ms=T0) as sim:
        argv = daemon_args(
            sim, empty, tmp_path / "h.db", "BTCUSDT", "--format", "jsonl", "--candles"
        )
        async with stopping(await cryptotui(*argv)) as d:
            await d.read_until(lambda lines: closed(lines) >= 3, 20)
        assert d.proc.returncode == 0, d.err
    records = [json.loads(ln) for ln in d.lines]
    candles = [r for r in records if r["kind"] == "candle"]
    assert list(candles[0]) == [
        "kind", "symbol", "interval", "open_time", "close_time", "open", "high", "low", "close",
        "volume", "quote_volume", "trades", "taker_buy_volume", "taker_buy_quote_volume",
    ]  # fmt: skip
    assert {c["symbol"] for c in candles} == {"BTCUSDT"} and candles[0]["interval"] == "1m"
    times = [c["open_time"] for c in candles]
    assert times == sorted(set(times)) and times[1] - times[0] == 60_000
    assert all(set(r) == JSONL_KEYS for r in records if r["kind"] != "candle")  # alerts as before


async def test_a_quiet_start_at_1x_says_what_runs_and_when_candles_close(tmp_path):
    """`--demo --log` at 1× prints no alert for minutes: stderr says at once which detectors
    run and when the first candle of each interval closes; stdout stays for alerts."""
    import io
    import re

    from cryptotui import headless
    from cryptotui.config import load_config
    from cryptotui.feed import feed_factory
    from cryptotui.sources import simulated
    from tests.conftest import until

    cfg = tmp_path / "config.toml"
    cfg.write_text("[demo]\nspeed = 1.0\n")
    config = load_config(cfg, env={})
    out, err, stop = io.StringIO(), io.StringIO(), asyncio.Event()

    async def stop_after_intro() -> None:
        await until(lambda: "first candles close" in err.getvalue(), timeout=20, what="intro")
        stop.set()

    waiting = asyncio.create_task(stop_after_intro())
    make = feed_factory(config, ["BTCUSDT"], ["1m", "1h"])
    code = await headless.run(simulated(config), make, out=out, err=err, stop=stop)
    await waiting
    assert code == 0 and out.getvalue() == ""
    (line,) = [ln for ln in err.getvalue().splitlines() if "first candles close" in ln]
    assert line.startswith("cryptotui: info: detectors: candlestick, volume_spike, ")
    assert re.search(
        r"close: 1m at [-\d ]*\d\d:\d\d:00 UTC \(in (\d+ s|1 min)\), 1h at [-\d ]*\d\d:00:00", line
    )
