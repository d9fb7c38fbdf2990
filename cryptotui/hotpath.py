"""Which build of the per-candle hot path runs: mypyc-compiled or pure Python.

The indicators, the candlestick rules, the swing-point detectors (chart formations, levels,
trendlines, divergences), the other candle and trade detectors with their framework, the
`Signal` they build, the scoring and the engine that runs them per candle (what every signal
costs: building it and its confidence), the outcome tracking with its track record (a
signal's outcomes, the largest share of a backtest after the detectors) and a backtest's
signal log are plain typed Python. `make compile` (`build()`) compiles the same source with
mypyc into extension modules next to it, which Python then imports instead of the `.py`
files; nothing else changes, and the pure path stays the reference the compiled one is tested
against (`make test` runs the indicator and pattern suites on both).

A class built per candle or per signal declares its own `__init__` (`@dataclass(init=False)`):
mypyc builds a dataclass through the `__init__` that the dataclasses module generates, which
runs interpreted and boxes every field into a tuple first (~300 ns for a dozen fields), where a
compiled `__init__` fills the object directly (~40 ns).

The compiled modules are used only when every one of them is present and newer than its source:
an edited source, a checkout that moved it, or `CRYPTOTUI_PURE=1` in the environment loads the
pure modules instead (a meta-path finder picks the `.py` files), so a stale build never runs.
`cryptotui --version` and the TUI's Health view say which path is active.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping, Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import EXTENSION_SUFFIXES, ModuleSpec
from importlib.util import spec_from_file_location
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

# `@mypyc_attr(allow_interpreted_subclasses=True)` lets interpreted code subclass a class that
# mypyc compiles (tests do). mypy comes with mypyc; without it nothing is compiled and the
# decorator has nothing to say.
if TYPE_CHECKING:
    from mypy_extensions import mypyc_attr
else:
    try:
        from mypy_extensions import mypyc_attr
    except ImportError:

        def mypyc_attr(*_attrs, **_kwattrs):
            return lambda cls: cls


PURE_ENV = "CRYPTOTUI_PURE"
"""Set (non-empty) to run the pure-Python modules even when a compiled build is present."""

MODULES: tuple[str, ...] = (
    "cryptotui.indicators.base",
    "cryptotui.indicators.moving",
    "cryptotui.indicators.momentum",
    "cryptotui.indicators.volatility",
    "cryptotui.indicators.volume",
    "cryptotui.indicators.trend",
    "cryptotui.indicators.profile",
    "cryptotui.patterns.candle_settings",
    "cryptotui.patterns.candle_rules",
    "cryptotui.patterns.candles",
    "cryptotui.patterns.swings",
    "cryptotui.patterns.chart",
    "cryptotui.patterns.levels",
    "cryptotui.patterns.trendlines",
    "cryptotui.patterns.divergence",
    "cryptotui.signals",
    "cryptotui.patterns.base",
    "cryptotui.patterns.candlestick",
    "cryptotui.patterns.crypto",
    "cryptotui.patterns.trend",
    "cryptotui.scoring",
    "cryptotui.alerts.router",
    "cryptotui.engine",
    "cryptotui.stats.record",
    "cryptotui.stats.outcomes",
    "cryptotui.stats.signal_log",
)
"""Compiled together as one mypyc group (calls between them are native C calls)."""

GROUP = "cryptotui._hotpath"
"""The group's shared library: `cryptotui/_hotpath__mypyc.*.so`."""

ROOT = Path(__file__).resolve().parent.parent
"""The directory holding the `cryptotui` package (the checkout, for an editable install)."""


def source(module: str, root: Path = ROOT) -> Path:
    return root.joinpath(*module.split(".")).with_suffix(".py")


def extension(module: str, root: Path = ROOT) -> Path:
    """Where mypyc puts the compiled module for this interpreter (`base.cpython-311-…so`)."""
    return source(module, root).with_suffix(EXTENSION_SUFFIXES[0])


def compiled_state(root: Path = ROOT, env: Mapping[str, str] = os.environ) -> str | None:
    """None when the compiled build can run; otherwise why the pure path runs instead."""
    if env.get(PURE_ENV):
        return f"{PURE_ENV} is set"
    if strays(root):
        return "a module compiled by an older build is left: make compile"
    built = [extension(m, root) for m in MODULES]
    if not any(p.exists() for p in built):
        return "not compiled: make compile"
    for module, ext in zip(MODULES, built, strict=True):
        if not ext.exists() or ext.stat().st_mtime < source(module, root).stat().st_mtime:
            return "compiled build is stale: make compile"
    return None


def strays(root: Path = ROOT) -> list[Path]:
    """Compiled modules no longer in `MODULES` (left by a build of another checkout): Python
    would import one instead of its `.py`, so they mean pure until `build()` removes them."""
    wanted = {extension(m, root) for m in MODULES}
    return [
        p
        for p in root.joinpath("cryptotui").rglob(f"*{EXTENSION_SUFFIXES[0]}")
        if p not in wanted and not p.name.startswith(GROUP.rpartition(".")[2])
    ]


class _SourceFirst(MetaPathFinder):
    """Imports the package's modules from their `.py` files, whatever extension sits beside
    them (a build of another checkout may have compiled modules this one does not list)."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if not fullname.startswith("cryptotui."):
            return None
        leaf = fullname.rpartition(".")[2]
        for entry in path or ():
            candidate = Path(entry, f"{leaf}.py")
            if candidate.exists():
                return spec_from_file_location(fullname, candidate)
        return None


_WHY_PURE: str | None = "not selected yet"


def select() -> None:
    """Decide once per process, before any hot-path module is imported (`cryptotui/__init__`)."""
    global _WHY_PURE
    _WHY_PURE = compiled_state()
    if _WHY_PURE is not None and not any(isinstance(f, _SourceFirst) for f in sys.meta_path):
        sys.meta_path.insert(0, _SourceFirst())


def is_compiled() -> bool:
    """True when the compiled hot path is the one loaded (or about to be)."""
    if _WHY_PURE is not None:
        return False
    loaded = sys.modules.get(MODULES[0])
    return loaded is None or not (loaded.__file__ or "").endswith(".py")


def describe(why: bool = True) -> str:
    """`compiled (mypyc)` or `pure Python`, with the reason for `--version` (`why`), without it
    for the Health view's narrow column."""
    if is_compiled():
        return "compiled (mypyc)"
    return f"pure Python ({_WHY_PURE})" if why else "pure Python"


def build() -> int:
    """Compile `MODULES` in place with mypyc (needs mypy, setuptools and a C compiler)."""
    if compiled_state(env={}) is None:
        print("hot path: compiled build is up to date")
        return 0
    try:
        from mypyc.build import mypycify
        from setuptools import setup
    except ImportError as exc:
        print(f"hot path: cannot compile ({exc}); pip install -e '.[dev]'")
        return 1
    os.chdir(ROOT)
    for stray in strays():
        stray.unlink()
    started = time.time()
    paths = [str(source(m).relative_to(ROOT)) for m in MODULES]
    setup(
        name="cryptotui-hotpath",
        packages=[],
        py_modules=[],
        ext_modules=mypycify(paths, opt_level="3", group_name=GROUP),
        script_args=["--quiet", "build_ext", "--inplace"],
    )
    # Dated when the build started: a rebuild that found nothing to compile leaves the older
    # files in place, and a source edited while compiling must still count as newer.
    for module in MODULES:
        os.utime(extension(module), (started, started))
    print(f"hot path: compiled {len(MODULES)} modules with mypyc")
    return 0
