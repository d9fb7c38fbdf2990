"""`cryptotui analyze`: input formats, output, and one-line errors that leave nothing behind."""

from __future__ import annotations

import csv
import gc
import io
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from cryptotui import analyze
from cryptotui.commands import main
from cryptotui.indicators import build
from tests.indicators.series import market

SPEC = "sma:5,macd:3:6:2,bbands:5:2,stoch:5:3:3,obv,vwap,volume_spike:5"


def run(*argv: str) -> int:
    """`cryptotui analyze ARGV...` through the real command line."""
    return main(["analyze", *argv])


def write_header_csv(path: Path, n: int = 120) -> list[list[str]]:
    """Columns shuffled and extras mixed in: only the six named ones may matter."""
    series = market("walk", n=n, seed=3)
    rows = [
        [str(c), "BTCUSDT", str(v), str(t), str(h), str(lo), str(o), "x"]
        for t, o, h, lo, c, v in zip(
            series.time.tolist(),
            series.open.tolist(),
            series.high.tolist(),
            series.low.tolist(),
            series.close.tolist(),
            series.volume.tolist(),
            strict=True,
        )
    ]
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["close", "symbol", "Volume", "open_time", "high", "low", "open", "note"])
        writer.writerows(rows)
    return rows


def write_binance_csv(path: Path, rows: list[list[str]], scale: int) -> None:
    """The same candles as Binance public data: 12 columns, no header, time in ms or µs."""
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        for c, _, v, t, h, lo, o, _ in rows:
            start = int(t) * scale
            writer.writerow(
                [start, o, h, lo, c, v, start + 59_999 * scale, "1", "9", "0", "0", "0"]
            )


def read_output(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def expected_output(path: Path, spec: str) -> list[list[str]]:
    """What the indicator classes give when driven directly (the engine's path)."""
    indicators = build(spec)
    table = [["open_time", *(c for ind in indicators for c in ind.columns)]]
    for candle in analyze.read_candles(path):
        row = [str(candle.open_time)]
        for ind in indicators:
            row += ["" if v is None else repr(v) for v in ind.cells(ind.update(candle))]
        table.append(row)
    return table


def test_header_csv_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "candles.csv"
    rows = write_header_csv(source)
    assert run(str(source), "--indicators", SPEC) == 0
    out, err = capsys.readouterr()
    assert err == ""
    table = read_output(out)
    assert table == expected_output(source, SPEC)
    assert table[0][:4] == ["open_time", "sma_5", "macd_3_6_2", "macd_3_6_2_signal"]
    assert [r[0] for r in table[1:]] == [r[3] for r in rows]
    assert table[1][1] == "" and table[5][1] != ""  # warm-up cells are empty
    # Full precision: every number reads back as the very float the indicator produced.
    close_sum = sum(float(r[0]) for r in rows[:5])
    assert float(table[5][1]) == pytest.approx(close_sum / 5, rel=1e-15)


def test_default_spec_is_the_full_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "candles.csv"
    write_header_csv(source, n=60)
    assert run(str(source)) == 0
    header = read_output(capsys.readouterr().out)[0]
    assert header == ["open_time", *(c for ind in build() for c in ind.columns)]
    assert "volume_spike_20" in header and "stoch_14_3_3_d" in header


@pytest.mark.parametrize("scale", [1, 1000], ids=["ms", "us"])
def test_binance_kline_files_in_ms_and_us(tmp_path: Path, scale: int) -> None:
    header_csv = tmp_path / "candles.csv"
    rows = write_header_csv(header_csv)
    kline_csv = tmp_path / "BTCUSDT-1m-2023-11-14.csv"
    write_binance_csv(kline_csv, rows, scale)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert run(str(header_csv), "--indicators", SPEC, "--output", str(a)) == 0
    assert run(str(kline_csv), "--indicators", SPEC, "--output", str(b)) == 0
    assert a.read_text() == b.read_text()  # open_time comes out in ms either way


def test_output_file_replaces_atomically(tmp_path: Path) -> None:
    source = tmp_path / "candles.csv"
    write_header_csv(source)
    target = tmp_path / "out.csv"
    target.write_text("old")
    assert run(str(source), "--indicators", "rsi:3", "-o", str(target)) == 0
    assert read_output(target.read_text())[0] == ["open_time", "rsi_3"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["candles.csv", "out.csv"]


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[list[str], list[str]]]:
    """name -> (argv, fragments the one error line must contain)."""
    good = tmp_path / "good.csv"
    write_header_csv(good, n=30)
    lines = good.read_text().splitlines()

    def variant(name: str, line: int | None = None, text: str = "", column: int = -1) -> str:
        """good.csv with line `line` (1-based) replaced, or only its cell `column` replaced."""
        changed = list(lines)
        if line is not None:
            cells = changed[line - 1].split(",")
            changed[line - 1] = (
                text if column < 0 else ",".join([*cells[:column], text, *cells[column + 1 :]])
            )
        path = tmp_path / name
        path.write_text("".join(f"{x}\n" for x in changed))
        return str(path)

    empty = tmp_path / "empty.csv"
    empty.write_text("\n")
    headerless = tmp_path / "noheader.csv"
    headerless.write_text("".join(f"{x}\n" for x in lines[1:]))
    kline = tmp_path / "kline.csv"
    write_binance_csv(kline, [line.split(",") for line in lines[1:]], 1)
    klines = kline.read_text().splitlines()
    klines[2] = ",".join(klines[2].split(",")[:7])
    kline.write_text("".join(f"{x}\n" for x in klines))
    time_of_row_3 = lines[2].split(",")[3]
    return {
        "missing file": ([str(tmp_path / "nope.csv")], ["nope.csv", "No such file"]),
        "directory": ([str(tmp_path)], [str(tmp_path), "cannot read"]),
        "empty": ([str(empty)], ["empty.csv", "empty"]),
        "missing column": (
            [variant("nolow.csv", 1, lines[0].replace("low", "lo"))],
            ["nolow.csv", "missing column low"],
        ),
        "not a number": (
            [variant("text.csv", 8, "n/a", column=5)],
            ["text.csv", "row 8", "column 'low'", "'n/a'"],
        ),
        "nan": (
            [variant("nan.csv", 5, "nan", column=0)],
            ["nan.csv", "row 5", "column 'close'", "'nan'"],
        ),
        "bad time": (
            [variant("time.csv", 4, "12:00", column=3)],
            ["time.csv", "row 4", "column 'open_time'", "'12:00'"],
        ),
        "short row": ([variant("short.csv", 10, "1,2")], ["short.csv", "row 10", "2 column(s)"]),
        "long row": (
            [variant("long.csv", 10, lines[9] + ",extra")],
            ["long.csv", "row 10", "9 column(s), expected 8"],
        ),
        "kline row of 7 columns": (
            [str(kline)],
            ["kline.csv", "row 3", "7 column(s), expected 12"],
        ),
        "repeated row": (
            [variant("again.csv", 6, lines[4])],
            ["again.csv", "row 6", "column 'open_time'", "repeats row 5", "one row per open time"],
        ),
        "time going back": (
            [variant("back.csv", 7, time_of_row_3, column=3)],
            ["back.csv", "row 7", "column 'open_time'", "before row 6", "sort the rows"],
        ),
        "high below low": (
            [variant("hilo.csv", 9, "0.5", column=4)],
            ["hilo.csv", "row 9", "column 'high'", "0.5 is below the low"],
        ),
        "open above high": (
            [variant("open.csv", 9, "1e6", column=6)],
            ["open.csv", "row 9", "column 'open'", "1e6 is outside the candle's low and high"],
        ),
        "negative price": (
            [variant("neg.csv", 4, "-1", column=5)],
            ["neg.csv", "row 4", "column 'low'", "from 1e-15 to 1e+15", "'-1'"],
        ),
        "negative volume": (
            [variant("negvol.csv", 4, "-3", column=2)],
            ["negvol.csv", "row 4", "column 'volume'", "from 0 to 1e+18", "'-3'"],
        ),
        "huge price": (
            [variant("huge.csv", 12, "1e308", column=0)],
            ["huge.csv", "row 12", "column 'close'", "'1e308'"],
        ),
        "huge volume": (
            [variant("hugevol.csv", 12, "1e308", column=2)],
            ["hugevol.csv", "row 12", "column 'volume'", "'1e308'"],
        ),
        "time beyond µs": (
            [variant("future.csv", 5, "1" + "0" * 17, column=3)],
            ["future.csv", "row 5", "column 'open_time'", "ms or µs"],
        ),
        "headerless, not binance": ([str(headerless)], ["noheader.csv", "row 1", "expected 12"]),
        "unknown indicator": (
            [str(good), "--indicators", "rsi:14,supertrend:10"],
            ["'supertrend'", "valid names", "bbands", "volume_spike"],
        ),
        "huge period": (
            [str(good), "--indicators", "sma:100000000000"],
            ["'sma:100000000000'", "at most 1,000,000"],
        ),
    }


BAD = ["missing file", "directory", "empty", "missing column", "not a number", "nan",
       "bad time", "short row", "headerless, not binance", "unknown indicator", "long row",
       "kline row of 7 columns", "repeated row", "time going back", "high below low", "huge period",
       "open above high", "negative price", "negative volume", "huge price", "huge volume",
       "time beyond µs"]  # fmt: skip


@pytest.mark.parametrize("case", BAD)
def test_bad_input_one_line_exit_2_nothing_left(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    argv, fragments = _bad_inputs(tmp_path)[case]
    before = sorted(tmp_path.iterdir())
    target = tmp_path / "out.csv"
    assert run(*argv, "--output", str(target)) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("cryptotui analyze: error: ")
    for fragment in fragments:
        assert fragment in err
    assert sorted(tmp_path.iterdir()) == before  # no output, no temp file


def test_read_candles_raises_one_typed_error_naming_file_row_and_column(tmp_path: Path) -> None:
    """The reader is shared (analyze, backtest): its errors are InputError, ready to print."""
    path = tmp_path / "c.csv"
    path.write_text("open_time,open,high,low,close,volume\n0,1,2,0.5,1.5,3\n0,1,2,0.5,1.5,3\n")
    with pytest.raises(analyze.InputError) as raised:
        list(analyze.read_candles(path))
    assert str(raised.value) == (
        f"{path}: row 3, column 'open_time': 0 repeats row 2; keep one row per open time"
    )


def test_failure_late_in_the_file_keeps_the_previous_output(tmp_path: Path) -> None:
    source = tmp_path / "candles.csv"
    write_header_csv(source, n=400)
    with source.open("a") as f:
        f.write("oops,BTCUSDT,1,1800000000000,1,1,1,x\n")  # bad close on the last row
    target = tmp_path / "out.csv"
    target.write_text("previous run\n")
    assert run(str(source), "--indicators", "sma:3", "-o", str(target)) == 2
    assert target.read_text() == "previous run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["candles.csv", "out.csv"]


@pytest.mark.parametrize("refused", [False, True], ids=["done", "refused"])
def test_the_interpreter_is_left_as_it_was(tmp_path: Path, refused: bool) -> None:
    """A run turns the cyclic collector off and shortens the GIL's switch interval; the
    process gets both back, whether the run finished or was refused halfway."""
    source = tmp_path / "candles.csv"
    write_header_csv(source, n=400)
    if refused:
        with source.open("a") as f:
            f.write("oops,BTCUSDT,1,1800000000000,1,1,1,x\n")
    interval = sys.getswitchinterval()
    assert gc.isenabled()
    assert run(str(source), "--indicators", "sma:3", "-o", str(tmp_path / "out.csv")) == (
        2 if refused else 0
    )
    assert gc.isenabled() and sys.getswitchinterval() == interval


def test_unwritable_output_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "candles.csv"
    write_header_csv(source, n=10)
    assert run(str(source), "-o", str(tmp_path / "missing" / "out.csv")) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write" in err and "missing" in err


def test_progress_bar_for_large_inputs_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "candles.csv"
    write_header_csv(source, n=9000)
    screen = io.StringIO()
    monkeypatch.setattr(analyze, "PROGRESS_MIN_ROWS", 5000)
    monkeypatch.setattr(
        analyze, "_stderr_console", lambda: Console(file=screen, force_terminal=True)
    )
    assert run(str(source), "--indicators", "sma:3", "-o", str(tmp_path / "out.csv")) == 0
    assert "analyze" in screen.getvalue()
    assert len((tmp_path / "out.csv").read_text().splitlines()) == 9001


def test_patterns_columns_agree_with_talib(tmp_path):
    """`--patterns` adds cdl_<name> columns holding TA-Lib's values for each candle."""
    import numpy as np
    import talib

    rng = np.random.default_rng(12)
    n = 600
    close = 100 + np.cumsum(rng.normal(0, 1, n)).round(2)
    open_ = np.concatenate(([close[0]], close[:-1])) + rng.normal(0, 0.3, n).round(2)
    high = np.maximum(open_, close) + np.abs(rng.normal(0, 0.6, n)).round(2)
    low = np.minimum(open_, close) - np.abs(rng.normal(0, 0.6, n)).round(2)
    src = tmp_path / "c.csv"
    lines = ["open_time,open,high,low,close,volume"]
    lines += [
        f"{i * 60000},{o},{h},{lo},{c},1"
        for i, (o, h, lo, c) in enumerate(zip(open_, high, low, close, strict=True))
    ]
    src.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "cryptotui", "analyze", str(src), "--indicators", "sma:5",
         "--patterns", "engulfing,hammer,doji", "--output", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == ["open_time", "sma_5", "cdl_engulfing", "cdl_hammer", "cdl_doji"]
    for name, fn in (
        ("engulfing", talib.CDLENGULFING),
        ("hammer", talib.CDLHAMMER),
        ("doji", talib.CDLDOJI),
    ):
        want = fn(open_, high, low, close)
        got = np.array([int(r[f"cdl_{name}"]) for r in rows])
        assert (got == want).all() and (want != 0).sum() > 0, name


def test_unknown_pattern_is_one_clear_error(tmp_path):
    src = tmp_path / "c.csv"
    src.write_text("open_time,open,high,low,close,volume\n0,1,2,0.5,1.5,3\n")
    proc = subprocess.run(
        [sys.executable, "-m", "cryptotui", "analyze", str(src), "--patterns", "engulfin"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "engulfin" in proc.stderr and proc.stdout == ""


def test_stored_candles_are_analysed_like_a_file(tmp_path):
    from cryptotui.models import Candle
    from cryptotui.store import Writer

    db = tmp_path / "h.db"
    writer = Writer(db)
    closes = [10.0, 11.0, 12.0, 13.0, 12.0]
    for i, c in enumerate(closes):
        writer(Candle("BTCUSDT", "1h", i * 3_600_000, (i + 1) * 3_600_000 - 1, c, c, c, c, 1.0))
    assert writer.close() == 0
    cfg = tmp_path / "config.toml"
    cfg.write_text("")
    run = [sys.executable, "-m", "cryptotui", "--config", str(cfg), "--db", str(db), "analyze"]
    proc = subprocess.run(
        [*run, "--symbol", "btcusdt", "--interval", "1h", "--indicators", "sma:3"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert [r["sma_3"] for r in rows] == ["", "", "11.0", "12.0", "12.333333333333334"]
    missing = subprocess.run(
        [*run, "--symbol", "ETHUSDT", "--interval", "1h"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 2 and "cryptotui backfill ETHUSDT --interval 1h" in missing.stderr
    both = subprocess.run(
        [*run, "x.csv", "--symbol", "A"], capture_output=True, text=True, check=False
    )
    assert both.returncode == 2 and "not both" in both.stderr


def test_trend_and_volume_profile_indicators(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "candles.csv"
    write_header_csv(source, n=120)
    spec = "mk:20,hp:1600,vp:50:24"
    assert run(str(source), "--indicators", spec) == 0
    table = read_output(capsys.readouterr().out)
    assert table == expected_output(source, spec)
    assert table[0] == [
        "open_time", "mk_20_tau", "mk_20_p", "mk_20_slope", "hp_1600",
        "vp_50_24_poc", "vp_50_24_vah", "vp_50_24_val",
    ]  # fmt: skip
    rows = table[1:]
    first_value = [next(i for i, row in enumerate(rows, 1) if row[k]) for k in (2, 4, 5)]
    assert first_value == [20, 3, 50]  # candle numbers: warm-ups N-1, 2 and N-1


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("vp:50:0", "'vp:50:0': bins must be at least 1, got 0"),
        ("hp:-5", "'hp:-5': lambda must be at least 0.0, got -5"),
        ("mk:1", "'mk:1': period must be at least 2, got 1"),
    ],
)
def test_bad_trend_specs_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str, fragment: str
) -> None:
    source = tmp_path / "candles.csv"
    write_header_csv(source, n=10)
    assert run(str(source), "--indicators", spec) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and fragment in err
