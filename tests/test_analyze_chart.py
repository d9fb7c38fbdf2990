"""`cryptotui analyze --chart`: a chart_<name> column per formation, ±100 on the candle that
confirms one, the same as the live detector; bad names are one line and exit 2."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cryptotui.commands import main
from cryptotui.models import Candle, Direction
from cryptotui.patterns.chart import FORMATIONS, ChartDetector
from tests.patterns.shapes import MINUTE, candles, mirrored, random_walk
from tests.patterns.test_chart import EXPECTED, SHAPES


def write(path: Path, series: list[Candle]) -> Path:
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["open_time", "open", "high", "low", "close", "volume"])
        for c in series:
            out.writerow([c.open_time, c.open, c.high, c.low, c.close, c.volume])
    return path


def analyze(tmp_path: Path, series: list[Candle], *argv: str) -> list[dict[str, str]]:
    source = write(tmp_path / "in.csv", series)
    target = tmp_path / "out.csv"
    assert main(["analyze", str(source), "--indicators", "sma:5", *argv, "-o", str(target)]) == 0
    return list(csv.DictReader(target.open()))


def test_named_formations_in_the_order_given(tmp_path):
    top = candles(SHAPES["double_top"])
    bottom = mirrored(candles(SHAPES["double_top"]))
    for c in bottom:  # the mirror image, after the double top
        c.open_time += len(top) * MINUTE
    rows = analyze(
        tmp_path, top + bottom, "--chart", "double_bottom,double_top", "--patterns", "doji"
    )
    assert list(rows[0]) == ["open_time", "sma_5", "cdl_doji", "chart_double_bottom",
                             "chart_double_top"]  # fmt: skip
    at = EXPECTED["double_top"][0]
    assert marks(rows, "chart_double_top") == {at: "-100"}
    assert marks(rows, "chart_double_bottom") == {len(top) + at: "100"}


def marks(rows: list[dict[str, str]], column: str) -> dict[int, str]:
    """The rows where `column` is not 0."""
    return {i: r[column] for i, r in enumerate(rows) if r[column] != "0"}


def test_all_formations_match_the_detector_on_a_walk(tmp_path):
    walk = random_walk(3_000, 7, vol=0.01)
    rows = analyze(tmp_path, walk, "--chart")
    assert [k for k in rows[0] if k.startswith("chart_")] == [f"chart_{n}" for n in FORMATIONS]
    detector = ChartDetector("", "", ())
    want = {}
    for i, c in enumerate(walk):
        for s in detector.on_candle(c):
            want[(i, s.name)] = {Direction.BULLISH: "100", Direction.BEARISH: "-100"}.get(
                s.direction, "0"
            )
    got = {(i, k): v for i, r in enumerate(rows) for k, v in r.items() if k.startswith("chart_")}
    assert {k: v for k, v in got.items() if v != "0"} == {k: v for k, v in want.items() if v != "0"}
    assert len(want) > 0


@pytest.mark.parametrize(
    ("names", "said"),
    [("double_top,headshoulders", "headshoulders"), (",", "names no formation")],
)
def test_bad_names_are_one_line_and_exit_2(tmp_path, capsys, names, said):
    source = write(tmp_path / "in.csv", candles(SHAPES["double_top"]))
    target = tmp_path / "out.csv"
    assert main(["analyze", str(source), "--chart", names, "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and said in err and "double_top" in err
    assert not target.exists()
