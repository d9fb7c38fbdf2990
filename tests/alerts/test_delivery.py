"""Alert delivery: each channel on its own, real programs and a real HTTP server on 127.0.0.1,
and what a `--log` daemon delivers when it is stopped with SIGTERM."""

from __future__ import annotations

import io
import json
import os
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Event, Thread

from cryptotui.alerts import delivery
from cryptotui.alerts.delivery import Dispatcher
from cryptotui.models import Alert, Direction
from cryptotui.sim import SimExchange
from tests.conftest import until
from tests.test_headless import T0, cryptotui, daemon_args, stopping


def alert(n: int = 0) -> Alert:
    return Alert(
        time=1_767_225_600_000 + n, symbol="BTCUSDT", interval="1m", kind="pattern",
        name="volume_spike", direction=Direction.BULLISH, confidence=0.8, price=97_000.0,
        factors={"z": 7.0}, message="BTCUSDT volume spike",
    )  # fmt: skip


class Receiver:
    """A real HTTP server on 127.0.0.1 that fails the first `fail` posts; with `hold` every
    request waits until `release()` (a webhook endpoint that hangs)."""

    def __init__(self, fail: int = 0, hold: bool = False) -> None:
        self.bodies: list[dict] = []
        self.requests = 0
        self.fail = fail
        self._release = Event()
        if not hold:
            self._release.set()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                outer.requests += 1
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer._release.wait(30)
                if outer.fail:
                    outer.fail -= 1
                    self.send_response(503)
                else:
                    outer.bodies.append(json.loads(body))
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        Thread(target=self.server.serve_forever, daemon=True).start()

    def release(self) -> None:
        self._release.set()

    def close(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()


def jsonl(path: Path) -> list[dict]:
    return [json.loads(ln) for ln in path.read_text().splitlines()] if path.exists() else []


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent to reap it counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def pids_in(path: Path) -> list[int]:
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def reap(pids: list[int]) -> None:
    """Test hygiene: whatever the code under test left running is killed."""
    for pid in pids:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


async def test_webhook_posts_alert_json_and_retries():
    rx = Receiver(fail=2)
    try:
        d = Dispatcher(webhook_url=rx.url)
        d.submit(alert())
        assert await d.drain() == 0
        assert rx.bodies == [alert().to_json()] and d.failures == 0 and d.delivered == 1
    finally:
        rx.close()


async def test_webhook_failure_is_logged_and_never_blocks(caplog):
    rx = Receiver(fail=10)
    try:
        d = Dispatcher(webhook_url=rx.url, webhook_retries=1)
        d.submit(alert())  # returns at once
        assert d.pending == 1
        await d.drain()
        assert rx.bodies == [] and d.failures == 1 and d.delivered == 0
        assert "failed 2 times (HTTP 503)" in caplog.text
    finally:
        rx.close()


async def test_command_gets_alert_json_on_stdin_and_jsonl_log(tmp_path):
    out = tmp_path / "seen.json"
    script = f"import sys, pathlib; pathlib.Path({str(out)!r}).write_text(sys.stdin.read())"
    log = tmp_path / "alerts.jsonl"
    d = Dispatcher(command=[sys.executable, "-c", script], jsonl_path=str(log))
    d.submit(alert())
    d.submit(alert())
    await d.drain()
    assert json.loads(out.read_text()) == alert().to_json()
    assert jsonl(log) == [alert().to_json()] * 2


async def test_failing_command_is_reported_not_raised(caplog):
    d = Dispatcher(command=[sys.executable, "-c", "import sys; sys.exit(3)"])
    d.submit(alert())
    await d.drain()
    assert d.failures == 1 and "exited 3" in caplog.text


async def test_nothing_configured_means_nothing_queued():
    d = Dispatcher()
    d.submit(alert())
    assert not d.active and d.pending == 0
    assert await d.drain() == 0


async def test_hanging_webhook_delays_neither_the_jsonl_file_nor_the_bell(tmp_path, caplog):
    rx = Receiver(hold=True)
    log, bell = tmp_path / "alerts.jsonl", io.StringIO()
    try:
        d = Dispatcher(jsonl_path=str(log), bell=True, bell_stream=bell, webhook_url=rx.url)
        for n in range(60):
            d.submit(alert(n))
        await until(lambda: len(jsonl(log)) == 60, timeout=2, what="60 alerts in the JSONL file")
        assert "\a" in bell.getvalue()
        await until(lambda: rx.requests == 1, what="the webhook's first post")  # and it waits
        started = time.monotonic()
        assert await d.drain(0.3) == 60  # the one in flight and the 59 behind it
        assert time.monotonic() - started < 2  # a bounded grace period, not the HTTP timeout
    finally:
        rx.close()
    assert [a["time"] for a in jsonl(log)] == [alert(n).time for n in range(60)]
    assert f"webhook {rx.url}: 60 alert(s) undelivered at exit" in caplog.text


async def test_hanging_command_and_what_it_started_are_terminated_at_exit(tmp_path, caplog):
    pids, log = tmp_path / "pids", tmp_path / "alerts.jsonl"
    hang = f"echo $$ >> {pids}; sleep 30 & echo $! >> {pids}; wait"
    d = Dispatcher(command=["sh", "-c", hang], jsonl_path=str(log))
    try:
        for n in range(3):
            d.submit(alert(n))
        await until(lambda: len(pids_in(pids)) == 2, what="the command and its child")
        assert len(jsonl(log)) == 3
        assert await d.drain(0.2) == 3
        assert [p for p in pids_in(pids) if alive(p)] == []
    finally:
        reap(pids_in(pids))
    assert "command sh: 3 alert(s) undelivered at exit" in caplog.text


async def test_command_over_its_time_limit_is_killed_and_the_next_alert_runs(
    tmp_path, monkeypatch, caplog
):
    monkeypatch.setattr(delivery, "COMMAND_TIMEOUT", 0.3)
    pids = tmp_path / "pids"
    d = Dispatcher(command=["sh", "-c", f"echo $$ >> {pids}; exec sleep 30"])
    try:
        d.submit(alert(0))
        d.submit(alert(1))
        await until(lambda: len(pids_in(pids)) == 2, what="the second alert's command")
        assert not alive(pids_in(pids)[0])
        assert "took longer than 0.3 s; killed" in caplog.text
        await d.drain(0)
        assert [p for p in pids_in(pids) if alive(p)] == []
    finally:
        reap(pids_in(pids))


async def test_sigterm_flushes_the_jsonl_file_and_ends_commands_while_the_webhook_hangs(tmp_path):
    rx = Receiver(hold=True)
    pids, log, cfg = tmp_path / "pids", tmp_path / "alerts.jsonl", tmp_path / "config.toml"
    cfg.write_text(
        "[engine]\ndetectors = []\n[alerts]\n"
        f'jsonl_path = "{log}"\nwebhook_url = "{rx.url}"\n'
        f'command = ["sh", "-c", "echo $$ >> {pids}; exec sleep 30"]\n'
        'rules = [{ name = "every-close", when = "price > 0" }]\n'
    )
    try:
        async with SimExchange(
            symbols=["BTCUSDT", "ETHUSDT"], seed=3, speed=300, start_time_ms=T0
        ) as sim:
            db = tmp_path / "history.db"
            argv = daemon_args(sim, cfg, db, "BTCUSDT,ETHUSDT", "--format", "jsonl")
            async with stopping(await cryptotui(*argv), signal.SIGTERM, timeout=20) as d:
                await d.read_until(lambda lines: len(lines) >= 12, 30)
            assert d.proc.returncode == 0, d.err
        printed = [json.loads(ln) for ln in d.lines + d.rest.splitlines()]
        assert jsonl(log) == printed  # every alert, in order, none lost at exit
        stderr = d.err
        assert f"webhook {rx.url}: " in stderr and "undelivered at exit" in stderr
        assert "command sh: " in stderr
        assert pids_in(pids) and [p for p in pids_in(pids) if alive(p)] == []
    finally:
        rx.close()
        reap(pids_in(pids))
