"""The hot path's two builds: which one loads, and that they give the same results bit for bit.

`make test` also runs tests/indicators and tests/patterns with CRYPTOTUI_PURE=1 after the whole
suite has run on the compiled build; here the pure build (in a subprocess) is compared with the
one this process loaded, on every indicator's updates and previews, the swing-point detectors,
every candlestick rule, and the engine's scored signals and alerts.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

from cryptotui import hotpath
from cryptotui.alerts.router import AlertRouter
from cryptotui.engine import Engine
from cryptotui.indicators import REGISTRY, build_one
from cryptotui.models import Alert, Signal, Ticker
from cryptotui.patterns import CANDLE_DETECTORS
from cryptotui.patterns.candles import CandlestickScanner
from cryptotui.stats.outcomes import OutcomeTracker
from tests.indicators.series import KINDS, market
from tests.patterns.agreement import candles as pattern_candles
from tests.patterns.series import engineered, random_walk
from tests.test_engine import candles as engine_candles

ROOT = Path(__file__).resolve().parent.parent


def digest() -> str:
    """repr of every indicator's update and preview (of a nudged candle), the swing-point
    detectors' signals and every candlestick pattern value on generated series: repr shows
    each float's shortest round-trip, so equal digests mean bit-identical results."""
    out = []
    items = [*REGISTRY, "vwap:5", "macd:3:5:2", "bbands:5:1.5"]
    for kind in KINDS:
        series = market(kind, seed=3).candles()[:400]
        for item in items:
            indicator = build_one(item)
            for candle in series:
                nudged = replace(candle, close=candle.close * 1.0001, high=candle.high * 1.0002)
                out.append(repr((indicator.preview(nudged), indicator.update(candle))))
    detectors = ("chart", "sr_levels", "trendlines", "divergence", "ad_phase")
    for kind in KINDS:
        series = market(kind, seed=5).candles()
        for name in detectors:
            detector = CANDLE_DETECTORS[name]("TEST", "1m")
            out.extend(repr(detector.on_candle(candle)) for candle in series)
    for s in (random_walk("walk-tick", 1500, seed=3, vol=0.004, tick=0.01), engineered(5, 800, 1)):
        scanner = CandlestickScanner()
        out.extend(repr(sorted(scanner.update(c).items())) for c in pattern_candles(s))
    return "\n".join(out)


def signals_digest() -> str:
    """repr of everything an engine emits (signals with their factors, scores and confidence,
    alerts, outcomes) with every detector, two intervals, a track record and market breadth:
    the detectors, the scoring and the engine's glue give the same floats on both builds."""
    out: list[object] = []
    engine = Engine(
        ["BTCUSDT"],
        ["1m", "5m"],
        emit=out.append,
        router=AlertRouter(min_confidence=0.5, cooldown_s=0),
        tracker=OutcomeTracker(),
    )
    minutes = engine_candles(3000, seed=4, volume_sigma=1.0)
    fives = engine_candles(600, seed=5, interval="5m", volume_sigma=1.0)
    for i, c in enumerate(sorted([*minutes, *fives], key=lambda c: (c.close_time, c.interval))):
        if i % 40 == 0:
            for symbol, change in (("BTCUSDT", 1.0 + i % 3), ("ETHUSDT", -1.0)):
                engine.on_event(Ticker(symbol, c.close_time, 100.0 + change, 100.0, 0, 0, 0, 0))
        engine.on_event(c)
    assert sum(type(ev) is Signal for ev in out) > 1000  # every part of the glue ran
    return "\n".join(repr(replace(ev, received_ns=0) if type(ev) is Alert else ev) for ev in out)


def run_pure(code: str) -> str:
    env = {**os.environ, hotpath.PURE_ENV: "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_pure_build_gives_bit_identical_results_to_the_loaded_one():
    pure = run_pure("from tests.test_hotpath import digest; print(digest(), end='')")
    assert pure == digest()


def test_pure_build_gives_bit_identical_signals_to_the_loaded_one():
    pure = run_pure("from tests.test_hotpath import signals_digest as d; print(d(), end='')")
    assert pure == signals_digest()


def test_pure_is_forced_by_the_environment_and_reported():
    out = run_pure(
        "import sys; from cryptotui.commands import main\n"
        "import cryptotui.indicators.moving as m, cryptotui.patterns.candles as c\n"
        "print(m.__file__, c.__file__)\n"
        "sys.argv = ['cryptotui', '--version']; main()"
    )
    files, version = out.splitlines()
    assert all(f.endswith(".py") for f in files.split())
    assert (
        version.startswith("cryptotui ")
        and "hot path pure Python (CRYPTOTUI_PURE is set)" in version
    )


def test_loaded_build_matches_what_is_reported():
    import cryptotui.indicators.moving as m

    assert hotpath.is_compiled() == (not m.__file__.endswith(".py"))
    assert hotpath.describe().startswith("compiled" if hotpath.is_compiled() else "pure Python")


def _tree(root: Path, built: tuple[str, ...], newer: bool = True) -> None:
    for module in hotpath.MODULES:
        path = hotpath.source(module, root)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
        os.utime(path, (1_000, 1_000))
        if module in built:
            ext = hotpath.extension(module, root)
            ext.write_text("")
            os.utime(ext, (2_000, 2_000) if newer else (500, 500))


def test_compiled_build_runs_only_when_complete_fresh_and_not_refused(tmp_path):
    _tree(tmp_path / "none", ())
    assert hotpath.compiled_state(tmp_path / "none", {}) == "not compiled: make compile"
    _tree(tmp_path / "all", hotpath.MODULES)
    assert hotpath.compiled_state(tmp_path / "all", {}) is None
    assert hotpath.compiled_state(tmp_path / "all", {hotpath.PURE_ENV: "1"}) == (
        "CRYPTOTUI_PURE is set"
    )
    _tree(tmp_path / "part", hotpath.MODULES[1:])
    assert hotpath.compiled_state(tmp_path / "part", {}) == "compiled build is stale: make compile"
    _tree(tmp_path / "old", hotpath.MODULES, newer=False)
    assert hotpath.compiled_state(tmp_path / "old", {}) == "compiled build is stale: make compile"


def test_a_module_compiled_by_another_checkout_means_pure_and_is_imported_from_source(tmp_path):
    """A build of a checkout that compiled more modules leaves their extensions behind: Python
    would load one instead of this checkout's `.py`."""
    _tree(tmp_path, hotpath.MODULES)
    stray = tmp_path / "cryptotui" / f"fmt{EXTENSION_SUFFIXES[0]}"
    stray.write_text("")
    (tmp_path / "cryptotui" / "fmt.py").write_text("")
    assert hotpath.strays(tmp_path) == [stray]
    assert hotpath.compiled_state(tmp_path, {}) == (
        "a module compiled by an older build is left: make compile"
    )
    spec = hotpath._SourceFirst().find_spec("cryptotui.fmt", [str(tmp_path / "cryptotui")])
    assert spec is not None and spec.origin == str(tmp_path / "cryptotui" / "fmt.py")
