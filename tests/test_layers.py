"""Headless mode runs without the UI: `cryptotui --log` never imports Textual.

The import contracts (`lint-imports`, in `make lint`) check the static imports; this checks what a
real `--demo --log` process has loaded by the time it exits, lazy imports included (the store,
alert delivery, the in-process simulator all import inside functions).
"""

from __future__ import annotations

import asyncio
import os
import sys

from tests.test_headless import stopping

PROBE = """\
import sys
from cryptotui.commands import main
sys.argv[0] = "cryptotui"
try:
    code = main()
finally:
    loaded = sorted({m.split(".")[0] for m in sys.modules} & {"textual"})
    print(f"probe: loaded {loaded}", file=sys.stderr)
raise SystemExit(code)
"""


async def test_log_mode_never_imports_textual(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("")  # hermetic: no user config from the machine running the test
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRYPTOTUI_")}
    env["CRYPTOTUI_DEMO_SPEED"] = "120"  # a 1m candle closes every half second
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", PROBE,
        "--demo", "--log", "--candles", "--config", str(config), "--db", str(tmp_path / "h.db"),
        "--symbols", "BTCUSDT", "--intervals", "1m",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    async with stopping(proc, timeout=20) as d:
        # generous: it takes seconds, but CI machines vary
        await d.read_until(lambda lines: len(lines) == 1, 120)
        assert " BTCUSDT 1m O " in d.lines[0], d.lines
    stderr = d.err
    assert proc.returncode == 0, stderr
    assert "stopped:" in stderr  # the feed ran and shut down through the normal path
    assert "probe: loaded []" in stderr, stderr
