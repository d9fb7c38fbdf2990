"""Shared corpus for the pattern tests; `pytest -v` also prints the agreement table.

(pyproject's `addopts = -q` makes plain runs verbosity -1, so `-v` lands on 0.)"""

from __future__ import annotations

import pytest

from tests.patterns.agreement import PatternAgreement, compare, table
from tests.patterns.series import Series, all_series

_REPORT: list[str] = []


@pytest.fixture(scope="session")
def corpus() -> tuple[Series, ...]:
    return all_series()


@pytest.fixture(scope="session")
def agreement(corpus: tuple[Series, ...]) -> dict[str, PatternAgreement]:
    """Scanner vs TA-Lib for every pattern over the corpus, computed once per session."""
    result = compare(corpus)
    _REPORT[:] = table(result, [s.name for s in corpus])
    return result


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config):
    if _REPORT and config.get_verbosity() >= 0:
        terminalreporter.section("candlestick patterns: scanner vs TA-Lib (firings per series)")
        for line in _REPORT:
            terminalreporter.write_line(line)
