"""Scanner API: names, metadata, reset, input checks, and no TA-Lib at runtime."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest
import talib
from talib import abstract

import cryptotui.patterns
from cryptotui.models import Candle
from cryptotui.patterns.candle_rules import Avg, Direction
from cryptotui.patterns.candle_settings import CandleSetting
from cryptotui.patterns.candles import PATTERNS, CandlestickScanner
from tests.patterns.agreement import candles, scan
from tests.patterns.series import engineered, random_walk


def test_covers_every_talib_cdl_function() -> None:
    cdl = talib.get_function_groups()["Pattern Recognition"]
    assert CandlestickScanner().names == tuple(sorted(f.removeprefix("CDL").lower() for f in cdl))


@pytest.mark.parametrize("name", PATTERNS)
def test_metadata(name: str) -> None:
    spec = PATTERNS[name]
    assert spec.lookback == abstract.Function(f"CDL{name.upper()}").lookback
    assert spec.title and spec.description and spec.values and 0 not in spec.values
    assert all(abs(v) in (80, 100, 200) for v in spec.values)


def test_rules_read_exactly_the_averages_they_declare() -> None:
    """A declared average nobody reads wastes a rolling total; an undeclared one would only
    fail (KeyError) on the branch that reads it. Record every read over the engineered series."""
    read: dict[str, set] = {name: set() for name in PATTERNS}

    class Recording(Avg):
        def __init__(self, name: str, avg: Avg) -> None:
            self.name, self.avg = name, avg

        def get(self, setting: CandleSetting, k: int) -> float:
            read[self.name].add((setting, k))
            return self.avg.get(setting, k)

    def recording(name: str, avg: Avg) -> Avg:
        return Recording(name, avg)

    scanner = CandlestickScanner()
    for runner in scanner._runners:
        runner.avg = recording(runner.name, runner.avg)
    for candle in candles(engineered(seed=5)):
        scanner.update(candle)
    assert {n: set(s.averages) for n, s in PATTERNS.items()} == read


def test_bias_reads_the_sign_only_for_signed_patterns() -> None:
    assert PATTERNS["engulfing"].bias(-80) is Direction.BEARISH
    assert PATTERNS["engulfing"].bias(100) is Direction.BULLISH
    assert PATTERNS["hangingman"].bias(-100) is Direction.BEARISH
    assert PATTERNS["spinningtop"].bias(-100) is Direction.NEUTRAL


def test_pattern_names_are_normalised_and_deduplicated() -> None:
    scanner = CandlestickScanner(["CDLEngulfing", "doji", "DOJI"])
    assert scanner.names == ("engulfing", "doji")


def test_unknown_pattern_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown candlestick pattern"):
        CandlestickScanner(["doji", "headandshoulders"])


def test_reports_only_its_own_patterns_and_only_nonzero_values() -> None:
    scanner = CandlestickScanner(["engulfing", "doji"])
    seen = [scanner.update(c) for c in candles(random_walk("w", 500, seed=3, vol=0.01, tick=0.01))]
    assert any(seen)
    assert all(set(r) <= {"engulfing", "doji"} and all(r.values()) for r in seen)


def test_reset_forgets_everything() -> None:
    s = random_walk("w", 800, seed=7, vol=0.01)
    scanner = CandlestickScanner()
    for c in candles(random_walk("other", 300, seed=8, vol=0.05)):
        scanner.update(c)
    scanner.reset()
    again = scan(s, scanner)
    fresh = scan(s, CandlestickScanner())
    assert all((again[n] == fresh[n]).all() for n in PATTERNS)


def test_refuses_a_forming_candle() -> None:
    forming = Candle("X", "1m", 0, 59_999, 1.0, 1.0, 1.0, 1.0, 0.0, closed=False)
    with pytest.raises(ValueError, match="closed"):
        CandlestickScanner().update(forming)


def test_accepts_any_object_with_ohlc() -> None:
    bar = SimpleNamespace(open=1.0, high=2.0, low=0.5, close=1.5)
    assert CandlestickScanner().update(bar) == {}


def test_package_never_imports_talib() -> None:
    for path in Path(cryptotui.patterns.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                assert not any(n.split(".")[0] == "talib" for n in names), path
