"""Output files named by the user (`analyze -o`, `export -o`): written to, never replaced by
something else. Symlinks stay links, FIFOs and devices stay what they are, modes follow the
umask, and a full disk is one line."""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from cryptotui.commands import main
from cryptotui.outfile import OutputError, open_output
from cryptotui.store.writer import Writer
from tests.store.helpers import candle

CSV = "open_time,open,high,low,close,volume\n" + "".join(
    f"{i * 60_000},{10 + i},{11 + i},{9 + i},{10.5 + i},{1 + i}\n" for i in range(30)
)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "in" / "candles.csv"
    path.parent.mkdir()
    path.write_text(CSV)
    return path


@pytest.fixture
def full_device(tmp_path: Path) -> Path:
    """A device that refuses every write with ENOSPC, like /dev/full (named .csv: export wants
    a suffix). As root it is a fresh node, so a regression cannot turn the system's /dev/full
    into a file; without the privilege to make one, it is a link to /dev/full, which is then
    safe (only root can rename over it)."""
    node = tmp_path / "full.csv"
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    except PermissionError:
        node.symlink_to("/dev/full")
    return node


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o027)
    yield
    os.umask(old)


def analyze(source: Path, output: Path | str) -> int:
    return main(["analyze", str(source), "--indicators", "sma:3", "-o", str(output)])


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A directory holding a database of five candles and an empty configuration."""
    home = tmp_path / "in"
    home.mkdir(exist_ok=True)
    writer = Writer(home / "store.db")
    writer.put_many(candle("BTCUSDT", "1m", i) for i in range(5))
    assert writer.close() == 0
    (home / "config.toml").write_text("")
    return home


def export(store: Path, output: Path | str) -> int:
    return main(
        ["--config", str(store / "config.toml"), "export", "candles", "--db",
         str(store / "store.db"), "-o", str(output)]
    )  # fmt: skip


def test_analyze_writes_through_a_symlink(tmp_path: Path, source: Path) -> None:
    target = tmp_path / "real.csv"
    target.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    assert analyze(source, link) == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text().startswith("open_time,sma_3\n")
    assert len(target.read_text().splitlines()) == 31
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "link.csv", "real.csv"]


def test_a_dangling_symlink_creates_its_target(tmp_path: Path, source: Path) -> None:
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "new.csv")
    assert analyze(source, link) == 0
    assert link.is_symlink() and (tmp_path / "new.csv").read_text().startswith("open_time")


def _reader(fifo: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)


def _read(reader: subprocess.Popen[bytes]) -> bytes:
    try:
        out, _ = reader.communicate(timeout=10)
    except subprocess.TimeoutExpired:  # the FIFO was never opened for writing
        reader.kill()
        reader.communicate()
        raise AssertionError("nothing was written to the FIFO") from None
    return out


def test_analyze_writes_into_a_fifo(tmp_path: Path, source: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = _reader(fifo)
    assert analyze(source, fifo) == 0
    out = _read(reader).decode()
    assert out.startswith("open_time,sma_3\n") and len(out.splitlines()) == 31
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_failed_run_sends_nothing_into_a_fifo(
    tmp_path: Path, source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with source.open("a") as f:
        f.write("9999999,1,2,0,x,1\n")  # the last row is bad: found after 30 rows were computed
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = _reader(fifo)
    assert analyze(source, fifo) == 2
    assert _read(reader) == b""
    assert "row 32" in capsys.readouterr().err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.parametrize("command", [analyze, export], ids=["analyze", "export"])
def test_a_full_device_is_one_line_and_stays_a_device(
    tmp_path: Path,
    source: Path,
    store: Path,
    full_device: Path,
    capsys: pytest.CaptureFixture[str],
    command,
) -> None:
    before = sorted(tmp_path.iterdir())
    assert command(source if command is analyze else store, full_device) in (1, 2)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"cannot write {full_device}" in err and "disk full" in err
    assert stat.S_ISCHR(os.stat(full_device).st_mode)
    assert sorted(tmp_path.iterdir()) == before


def test_a_new_file_follows_the_umask_and_a_replaced_one_keeps_its_mode(
    tmp_path: Path, source: Path, store: Path, umask: None
) -> None:
    new = tmp_path / "new.csv"
    assert analyze(source, new) == 0
    assert stat.S_IMODE(new.stat().st_mode) == 0o640  # 0666 & ~0027, as `>` would make it
    kept = tmp_path / "kept.csv"
    kept.write_text("old\n")
    kept.chmod(0o604)
    assert analyze(source, kept) == 0
    assert stat.S_IMODE(kept.stat().st_mode) == 0o604 and kept.read_text() != "old\n"
    exported = tmp_path / "out.jsonl"
    assert export(store, exported) == 0
    assert stat.S_IMODE(exported.stat().st_mode) == 0o640


def test_export_writes_through_a_symlink(tmp_path: Path, store: Path) -> None:
    target = tmp_path / "real.csv"
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    assert export(store, link) == 0
    assert link.is_symlink() and len(target.read_text().splitlines()) == 6


def test_a_directory_is_refused(
    tmp_path: Path, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(OutputError, match="it is a directory"), open_output(tmp_path):
        raise AssertionError("not reached")
    (tmp_path / "d.csv").mkdir()
    assert export(store, tmp_path / "d.csv") in (1, 2)
    assert "it is a directory" in capsys.readouterr().err


def test_binary_output_and_errors_inside_the_block(tmp_path: Path) -> None:
    target = tmp_path / "data.bin"
    with open_output(target, binary=True) as out:
        out.write(b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    with pytest.raises(OutputError, match=r"data\.bin: Broken pipe"), open_output(target) as out:
        out.write("half")
        raise BrokenPipeError(32, "Broken pipe")  # an OSError while writing is the output's
    assert target.read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.bin"]
