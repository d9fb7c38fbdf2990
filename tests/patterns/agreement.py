"""Run the scanner and TA-Lib over the same series and compare them candle by candle."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import talib

from cryptotui.models import Candle
from cryptotui.patterns.candles import PATTERNS, CandlestickScanner
from tests.patterns.series import Series


def talib_output(name: str, s: Series) -> np.ndarray:
    """`talib.CDL<NAME>` with its default parameters."""
    return getattr(talib, f"CDL{name.upper()}")(s.open, s.high, s.low, s.close)


def candles(s: Series) -> list[Candle]:
    """The series as the model objects the app feeds the scanner (one minute apart)."""
    return [
        Candle("TEST", "1m", i * 60_000, i * 60_000 + 59_999, o, h, lo, c, 1.0)
        for i, (o, h, lo, c) in enumerate(s.rows())
    ]


def scan(s: Series, scanner: CandlestickScanner) -> dict[str, np.ndarray]:
    """Scanner output as one TA-Lib-shaped integer array per pattern."""
    out = {name: np.zeros(len(s), dtype=np.int32) for name in scanner.names}
    for i, candle in enumerate(candles(s)):
        for name, value in scanner.update(candle).items():
            out[name][i] = value
    return out


@dataclass(slots=True)
class PatternAgreement:
    """One pattern over the whole corpus."""

    name: str
    candles: int = 0
    mismatches: int = 0
    firings: dict[str, int] = field(default_factory=dict)
    """Series name -> candles where TA-Lib reported the pattern."""
    values: dict[int, int] = field(default_factory=dict)
    """Non-zero TA-Lib value -> count, over all series."""
    first_mismatch: str = ""

    @property
    def agreement_pct(self) -> float:
        return 100.0 * (self.candles - self.mismatches) / self.candles if self.candles else 0.0

    def add(self, series: Series, expected: np.ndarray, actual: np.ndarray) -> None:
        bad = np.flatnonzero(expected != actual)
        if len(bad) and not self.first_mismatch:
            i = int(bad[0])
            self.first_mismatch = f"{series.name}[{i}]: talib {expected[i]}, scanner {actual[i]}"
        self.candles += len(series)
        self.mismatches += len(bad)
        self.firings[series.name] = int(np.count_nonzero(expected))
        for value, count in zip(
            *np.unique(expected[expected != 0], return_counts=True), strict=True
        ):
            self.values[int(value)] = self.values.get(int(value), 0) + int(count)


def compare(corpus: tuple[Series, ...]) -> dict[str, PatternAgreement]:
    """Every pattern, one full scanner per series."""
    result = {name: PatternAgreement(name) for name in PATTERNS}
    for s in corpus:
        actual = scan(s, CandlestickScanner())
        for name, agreement in result.items():
            agreement.add(s, talib_output(name, s), actual[name])
    return result


def table(result: dict[str, PatternAgreement], series_names: list[str]) -> list[str]:
    """Markdown: firings per series, total candles compared, agreement."""
    head = ["pattern", *series_names, "candles", "agree %"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for a in result.values():
        cells = [a.name, *(str(a.firings.get(n, 0)) for n in series_names)]
        cells += [str(a.candles), f"{a.agreement_pct:.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines
