"""Alert delivery: the channels besides the screen and stdout (JSONL file, bell, desktop
notification, command, webhook)."""

from __future__ import annotations

import asyncio
import logging
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path

import httpx

from cryptotui.binance import codec
from cryptotui.models import Alert

log = logging.getLogger(__name__)


class Dispatcher:
    """Delivers alerts to the configured channels without ever blocking the engine.

    `submit` only appends to a bounded queue; one worker task runs the channels (JSONL file,
    bell, desktop notification, command, webhook). A failing channel is logged and retried where
    that makes sense (webhook), never raised into the engine.
    """

    def __init__(
        self,
        *,
        jsonl_path: str = "",
        bell: bool = False,
        desktop: bool = False,
        command: Iterable[str] = (),
        webhook_url: str = "",
        webhook_retries: int = 3,
        bell_stream=None,
    ) -> None:
        self.queue: asyncio.Queue[Alert] = asyncio.Queue(maxsize=10_000)
        self.jsonl_path = Path(jsonl_path).expanduser() if jsonl_path else None
        self.bell = bell
        self.bell_stream = bell_stream or sys.stderr
        self.desktop = desktop and shutil.which("notify-send") is not None
        self.command = list(command)
        self.webhook_url = webhook_url
        self.webhook_retries = webhook_retries
        self.delivered = 0
        self.failures = 0
        self.dropped = 0
        self._task: asyncio.Task | None = None
        self._http: httpx.AsyncClient | None = None

    @property
    def active(self) -> bool:
        return bool(
            self.jsonl_path or self.bell or self.desktop or self.command or self.webhook_url
        )

    def submit(self, alert: Alert) -> None:
        if not self.active:
            return
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._work())
        try:
            self.queue.put_nowait(alert)
        except asyncio.QueueFull:
            self.dropped += 1

    async def _work(self) -> None:
        while True:
            alert = await self.queue.get()
            try:
                await self._deliver(alert)
            finally:
                self.queue.task_done()

    async def _deliver(self, alert: Alert) -> None:
        body = codec.dumps(alert.to_json())
        if self.jsonl_path is not None:
            try:
                with self.jsonl_path.open("a", encoding="utf-8") as f:
                    f.write(body + "\n")
            except OSError as exc:
                self._fail(f"cannot append to {self.jsonl_path}: {exc}")
        if self.bell:
            self.bell_stream.write("\a")
            self.bell_stream.flush()
        jobs = []
        if self.desktop:
            urgency = "critical" if alert.confidence >= 0.8 else "normal"
            jobs.append(self._run(["notify-send", "-u", urgency, "cryptotui", alert.message], None))
        if self.command:
            jobs.append(self._run(self.command, body.encode()))
        if self.webhook_url:
            jobs.append(self._post(body))
        if jobs:
            await asyncio.gather(*jobs)
        self.delivered += 1

    def _fail(self, text: str) -> None:
        self.failures += 1
        log.warning("alert delivery: %s", text)

    async def _run(self, argv: list[str], stdin: bytes | None) -> None:
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            async with asyncio.timeout(10):
                _, err = await proc.communicate(stdin)
            if proc.returncode:
                self._fail(
                    f"{argv[0]} exited {proc.returncode}: {err.decode(errors='replace')[:200]}"
                )
        except TimeoutError:
            proc.kill()
            self._fail(f"{argv[0]} took longer than 10 s; killed")
        except OSError as exc:
            self._fail(f"cannot run {argv[0]}: {exc}")

    async def _post(self, body: str) -> None:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=5.0)
        delay = 0.25
        for attempt in range(self.webhook_retries + 1):
            try:
                resp = await self._http.post(
                    self.webhook_url, content=body, headers={"Content-Type": "application/json"}
                )
                if resp.status_code < 300:
                    return
                reason = f"HTTP {resp.status_code}"
            except httpx.HTTPError as exc:
                reason = f"{type(exc).__name__}: {exc}"
            if attempt < self.webhook_retries:
                await asyncio.sleep(delay)
                delay *= 2
        self._fail(f"webhook {self.webhook_url} failed {self.webhook_retries + 1} times ({reason})")

    async def drain(self, timeout: float = 5.0) -> None:
        """Deliver what is queued (shutdown), then stop the worker."""
        if self._task is None:
            return
        try:
            async with asyncio.timeout(timeout):
                await self.queue.join()
        except TimeoutError:
            log.warning("alert delivery: %d alert(s) undelivered at exit", self.queue.qsize())
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        self._task = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None
