"""The code's own explanations stand on their own: no docstring or comment sends the reader to
a planning document that is not part of this repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ELSEWHERE = re.compile(
    r"\b(?:DESIGN|STYLE|PITFALLS|PROTOCOL|MISSION|VALIDATION)\.md\b|\bshared/(?:binance|hooks)\b"
)


def test_no_reference_to_documents_outside_the_repository():
    files = [*ROOT.glob("cryptotui/**/*.py"), *ROOT.glob("tests/**/*.py"), ROOT / "README.md"]
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in files
        if path != Path(__file__).resolve()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ELSEWHERE.search(line)
    ]
    assert found == []
