"""Alert delivery to the channels besides the screen and stdout: JSONL file, bell, desktop
notification, command, webhook.

Each channel has its own bounded queue and worker task, so a slow one delays only itself: a
webhook retrying against a dead server or a command that hangs never holds back the JSONL file
or the bell (the alerts pane and `--log`'s stdout are feed consumers, written synchronously, and
wait on nothing). At shutdown the local channels (file, bell) deliver everything queued; the
others (desktop, command, webhook) get a bounded grace period, then say how many alerts they
could not deliver, and every child process they started is terminated.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

import httpx

from cryptotui.backoff import backoff
from cryptotui.binance import codec
from cryptotui.models import Alert

log = logging.getLogger(__name__)

QUEUE_SIZE = 10_000
"""Alerts held per channel; past this new ones are dropped (and counted) so memory stays
bounded while a channel is stuck."""
COMMAND_TIMEOUT = 10.0
"""Seconds a command (or notify-send) may run per alert before it is killed."""
WEBHOOK_TIMEOUT = 5.0
WEBHOOK_BACKOFF = (0.25, 8.0)
"""Initial and largest wait between webhook retries, in seconds (`backoff`)."""
EXIT_GRACE = 5.0
"""Seconds the desktop, command and webhook channels get at shutdown to deliver what is queued."""
TERMINATE_WAIT = 1.0
"""Seconds between SIGTERM and SIGKILL for a child process that must stop."""


class Channel:
    """One delivery target with its own queue and worker task.

    Subclasses implement `send(alerts)`: a batch of everything queued when `batch` is set (a
    file append, one bell), otherwise one alert at a time. They report failures with `fail`
    and never raise into the worker.
    """

    local = False
    """Never waits on the network or on another program: flushed completely at exit."""
    batch = False

    def __init__(self, label: str) -> None:
        self.label = label
        self.queue: asyncio.Queue[Alert] = asyncio.Queue(maxsize=QUEUE_SIZE)
        self.delivered = 0
        self.failures = 0
        self.dropped = 0
        self._in_flight = 0
        self._task: asyncio.Task | None = None
        self._closed = False

    @property
    def pending(self) -> int:
        """Queued plus being delivered right now."""
        return self.queue.qsize() + self._in_flight

    def submit(self, alert: Alert) -> None:
        if self._closed:
            self.dropped += 1
            return
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._work())
        try:
            self.queue.put_nowait(alert)
        except asyncio.QueueFull:
            self.dropped += 1

    async def send(self, alerts: list[Alert]) -> None:
        raise NotImplementedError

    def fail(self, text: str, count: int = 1) -> None:
        self.failures += count
        log.warning("alert delivery: %s", text)

    async def _work(self) -> None:
        while True:
            alerts = [await self.queue.get()]
            while self.batch and not self.queue.empty():
                alerts.append(self.queue.get_nowait())
            self._in_flight = len(alerts)
            failures = self.failures
            try:
                await self.send(alerts)
            except Exception:  # a bug in a channel must not stop it, nor the others
                self.failures = failures + len(alerts)
                log.exception("alert delivery: %s failed", self.label)
            # not reached when cancelled at exit: `stop` counts those as undelivered
            self.delivered += len(alerts) - (self.failures - failures)
            self._in_flight = 0
            for _ in alerts:
                self.queue.task_done()

    async def stop(self, grace: float | None) -> int:
        """Deliver what is queued — all of it (`grace=None`) or what `grace` seconds allow —
        then stop the worker and release resources. Returns how many alerts were undelivered."""
        self._closed = True
        undelivered = 0
        if self._task is not None:
            try:
                async with asyncio.timeout(grace):
                    await self.queue.join()
            except TimeoutError:
                pass
            undelivered = self.pending
            self._task.cancel()  # a command in flight is terminated by `run_command`
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
            if undelivered:
                log.warning(
                    "alert delivery: %s: %d alert(s) undelivered at exit%s",
                    self.label,
                    undelivered,
                    f" (it had {grace:g} s)" if grace is not None else "",
                )
        await self.aclose()
        return undelivered

    async def aclose(self) -> None:
        """Release what the channel holds (an HTTP client)."""


class JsonlFile(Channel):
    """Appends one JSON line per alert; the file is opened per batch so log rotation works."""

    local = True
    batch = True

    def __init__(self, path: Path) -> None:
        super().__init__(f"JSONL file {path}")
        self.path = path

    async def send(self, alerts: list[Alert]) -> None:
        lines = "".join(codec.dumps(a.to_json()) + "\n" for a in alerts)
        try:
            with self.path.open("a", encoding="utf-8") as f:
                f.write(lines)
        except OSError as exc:
            self.fail(f"cannot append to {self.path}: {exc}", len(alerts))


class Bell(Channel):
    """The terminal bell: one ring for everything that arrived together."""

    local = True
    batch = True

    def __init__(self, stream: TextIO) -> None:
        super().__init__("bell")
        self.stream = stream

    async def send(self, alerts: list[Alert]) -> None:
        try:
            self.stream.write("\a")
            self.stream.flush()
        except (OSError, ValueError) as exc:  # a closed terminal
            self.fail(f"bell: {exc}", len(alerts))


class Command(Channel):
    """Runs a program per alert: `argv(alert)` with `stdin(alert)` on its standard input."""

    def __init__(
        self,
        label: str,
        argv: Callable[[Alert], list[str]],
        stdin: Callable[[Alert], bytes | None],
    ) -> None:
        super().__init__(label)
        self.argv = argv
        self.stdin = stdin

    async def send(self, alerts: list[Alert]) -> None:
        for alert in alerts:
            problem = await run_command(self.argv(alert), self.stdin(alert))
            if problem:
                self.fail(problem)


class Webhook(Channel):
    """POSTs each alert's JSON, retried with backoff on errors and non-2xx answers."""

    def __init__(self, url: str, retries: int) -> None:
        super().__init__(f"webhook {url}")
        self.url = url
        self.retries = retries
        self._http: httpx.AsyncClient | None = None

    async def send(self, alerts: list[Alert]) -> None:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=WEBHOOK_TIMEOUT)
        for alert in alerts:
            await self._post(self._http, codec.dumps(alert.to_json()))

    async def _post(self, http: httpx.AsyncClient, body: str) -> None:
        for attempt in range(self.retries + 1):
            try:
                resp = await http.post(
                    self.url, content=body, headers={"Content-Type": "application/json"}
                )
                if resp.status_code < 300:
                    return
                reason = f"HTTP {resp.status_code}"
            except httpx.HTTPError as exc:
                reason = f"{type(exc).__name__}: {exc}"
            if attempt < self.retries:
                await asyncio.sleep(backoff(attempt, *WEBHOOK_BACKOFF))
        self.fail(f"webhook {self.url} failed {self.retries + 1} times ({reason})")

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None


async def run_command(argv: list[str], stdin: bytes | None) -> str:
    """Run `argv` to completion (at most `COMMAND_TIMEOUT` s); '' or what went wrong.

    The program runs in its own process group, and if it does not finish — too slow, or the
    delivery is cancelled at exit — the whole group (the program and anything it started) is
    terminated, so nothing outlives cryptotui."""
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        return f"cannot run {argv[0]}: {exc}"
    finished = False
    try:
        async with asyncio.timeout(COMMAND_TIMEOUT):
            _, err = await proc.communicate(stdin)
        finished = True
    except TimeoutError:
        return f"{argv[0]} took longer than {COMMAND_TIMEOUT:g} s; killed"
    finally:
        if not finished:
            await _terminate_group(proc)
    if proc.returncode:
        return f"{argv[0]} exited {proc.returncode}: {err.decode(errors='replace')[:200]}"
    return ""


async def _terminate_group(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM to the process group, SIGKILL if the program is still there after
    `TERMINATE_WAIT` s; then SIGKILL to whatever it started that is left in its group."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        try:
            async with asyncio.timeout(TERMINATE_WAIT):
                await proc.wait()
            break
        except TimeoutError:
            continue
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


class Dispatcher:
    """Delivers alerts to the configured channels without ever blocking the engine: `submit`
    only appends to each channel's bounded queue."""

    def __init__(
        self,
        *,
        jsonl_path: str = "",
        bell: bool = False,
        desktop: bool = False,
        command: Iterable[str] = (),
        webhook_url: str = "",
        webhook_retries: int = 3,
        bell_stream: TextIO | None = None,
    ) -> None:
        self.channels: list[Channel] = []
        if jsonl_path:
            self.channels.append(JsonlFile(Path(jsonl_path).expanduser()))
        if bell:
            self.channels.append(Bell(bell_stream or sys.stderr))
        if desktop and shutil.which("notify-send") is not None:
            self.channels.append(Command("desktop notification", _notify_send, lambda _a: None))
        argv = list(command)
        if argv:
            self.channels.append(
                Command(f"command {argv[0]}", lambda _a: argv, lambda a: _body(a).encode())
            )
        if webhook_url:
            self.channels.append(Webhook(webhook_url, webhook_retries))

    @property
    def active(self) -> bool:
        return bool(self.channels)

    @property
    def delivered(self) -> int:
        """Alerts delivered, summed over channels (one alert to two channels counts twice)."""
        return sum(c.delivered for c in self.channels)

    @property
    def failures(self) -> int:
        return sum(c.failures for c in self.channels)

    @property
    def dropped(self) -> int:
        return sum(c.dropped for c in self.channels)

    @property
    def pending(self) -> int:
        return sum(c.pending for c in self.channels)

    def submit(self, alert: Alert) -> None:
        for channel in self.channels:
            channel.submit(alert)

    async def drain(self, grace: float = EXIT_GRACE) -> int:
        """Shutdown: local channels deliver everything queued; the others get `grace` seconds
        (at the same time). Returns how many deliveries were given up."""
        lost = await asyncio.gather(*(c.stop(None if c.local else grace) for c in self.channels))
        return sum(lost)


def _body(alert: Alert) -> str:
    return codec.dumps(alert.to_json())


def _notify_send(alert: Alert) -> list[str]:
    urgency = "critical" if alert.confidence >= 0.8 else "normal"
    return ["notify-send", "-u", urgency, "cryptotui", alert.message]
