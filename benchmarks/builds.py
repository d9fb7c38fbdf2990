"""Compiled and pure-Python figures side by side: one process loads one build of the hot path
(`cryptotui.hotpath`), so the pure figures are measured by the same function in a subprocess
with CRYPTOTUI_PURE=1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cryptotui import hotpath

ROOT = Path(__file__).resolve().parent.parent


def builds(module: str, function: str) -> dict[str, dict[str, float]]:
    """`{"compiled": figures, "pure": figures}`, or only "pure" when no compiled build runs.

    `module.function()` returns a JSON-able {label: µs} dict for whichever build is loaded.
    """
    figures = getattr(sys.modules[module], function)()
    if not hotpath.is_compiled():
        print(f"(hot path: {hotpath.describe()}; pure-Python figures only)\n")
        return {"pure": figures}
    code = f"import json, {module} as m; print(json.dumps(m.{function}()))"
    env = {**os.environ, hotpath.PURE_ENV: "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return {"compiled": figures, "pure": json.loads(done.stdout.splitlines()[-1])}
