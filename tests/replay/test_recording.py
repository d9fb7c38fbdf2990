"""The recording file: what the recorder writes is what the reader reads, compressed or not,
over rotated parts; damage is reported at its file and line; a failing disk stops the
recording, never the caller."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest

from cryptotui.replay.recording import (
    CHUNK,
    Answer,
    Closed,
    Damaged,
    Frame,
    Header,
    Opened,
    Recorder,
    Recording,
    part_path,
)
from cryptotui.validators import Invalid

HEADER = Header(created=1, symbols=["BTCUSDT"], intervals=["1m"], streams=["kline"])


def _record(path: Path, frames: int, **options) -> Recorder:
    """An open, a frame every ms (each with a digest: as hard to compress as market data), a
    REST answer after every 10th frame, a close."""
    clock = iter(range(10**6, 10**7))
    rec = Recorder(path, HEADER, clock=lambda: next(clock) / 1000, **options)
    rec.opened(1, "ws://x/stream?streams=btcusdt@kline_1m")
    for i in range(frames):
        digest = hashlib.sha256(str(i).encode()).hexdigest()
        rec.frame(
            1, 1000 + i, f'{{"stream":"btcusdt@kline_1m","data":{{"n":{i},"s":"é{digest}"}}}}'
        )
        if i % 10 == 9:
            rec.answer("klines", {"symbol": "BTCUSDT", "limit": 2}, 200, b"[[1,2]]", None)
    rec.closed(1, "done")
    rec.close()
    return rec


@pytest.mark.parametrize("name", ["rec.jsonl", "rec.jsonl.gz"])
def test_what_is_recorded_is_read_back(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    _record(path, 25)
    assert path.read_bytes()[:2] == (b"\x1f\x8b" if name.endswith(".gz") else b'{"')
    recording = Recording(path)
    assert recording.header == HEADER
    lines = list(recording.lines())
    assert isinstance(lines[0], Opened) and lines[0].url.endswith("btcusdt@kline_1m")
    frames = [line for line in lines if isinstance(line, Frame)]
    assert [f.t for f in frames] == list(range(1000, 1025))
    assert frames[3].raw.startswith('{"stream":"btcusdt@kline_1m","data":{"n":3,"s":"é')
    answers = [line for line in lines if isinstance(line, Answer)]
    assert len(answers) == 2 and answers[0].body == "[[1,2]]"
    assert answers[0].key == ("klines", (("limit", "2"), ("symbol", "BTCUSDT")))
    assert isinstance(lines[-1], Closed) and lines[-1].reason == "done"


@pytest.mark.parametrize("name", ["rec.jsonl", "rec.jsonl.gz"])
def test_rotation_splits_by_size_and_the_reader_joins_the_parts(tmp_path: Path, name) -> None:
    path = tmp_path / name
    rec = _record(path, 6000, max_size=100_000)
    parts = [part_path(path, n) for n in range(rec.parts)]
    assert rec.parts >= 3 and all(p.exists() for p in parts)
    assert parts[1].name == name.replace("rec.", "rec.1.")
    assert not part_path(path, rec.parts).exists()
    # Lines go out a chunk at a time; compressed parts also hold what zlib had when checked.
    slack = 1.2 if name.endswith(".gz") else 1.0
    assert all(p.stat().st_size < 100_000 * slack + CHUNK for p in parts)
    assert rec.size == sum(p.stat().st_size for p in parts)
    frames = [line.t for line in Recording(path).lines() if isinstance(line, Frame)]
    assert frames == list(range(1000, 7000))  # every line once, in order, over the parts
    with pytest.raises(Invalid, match=r"part 1 of a recording; replay its first part, .*rec\."):
        Recording(parts[1])


def test_a_corrupt_line_stops_reading_there_and_names_it(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    _record(path, 20)
    lines = path.read_bytes().splitlines(keepends=True)
    lines[7] = b'{"k":"frame","t":"soon"}\n'
    path.write_bytes(b"".join(lines))
    read = []
    with pytest.raises(Damaged) as caught:
        read.extend(Recording(path).lines())
    assert caught.value.where == f"{path}:8" and "not a recording line" in caught.value.what
    assert len(read) == 6  # lines 2-7: everything before the damage


def test_a_compressed_recording_cut_short_is_read_up_to_the_cut(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl.gz"
    _record(path, 5000)
    whole = len(list(Recording(path).lines()))
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    read = []
    with pytest.raises(Damaged, match="compressed data ends early") as caught:
        read.extend(Recording(path).lines())
    assert 0 < len(read) < whole
    assert caught.value.where == f"{path}:{len(read) + 2}"  # after the header and the lines


def test_headers_refused_in_one_line(tmp_path: Path) -> None:
    other = tmp_path / "notes.jsonl"
    other.write_text('{"hello": 1}\n')
    with pytest.raises(Invalid, match=r"notes.jsonl:1: not a cryptotui recording"):
        Recording(other)
    newer = tmp_path / "newer.jsonl.gz"
    newer.write_bytes(gzip.compress(b'{"k":"header","format":"cryptotui-recording","version":7}\n'))
    with pytest.raises(Invalid, match="version 7 is newer than this cryptotui reads"):
        Recording(newer)
    with pytest.raises(Invalid, match="no such recording"):
        Recording(tmp_path / "missing.jsonl")


def test_a_full_disk_stops_the_recording_not_the_caller(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    path.symlink_to("/dev/full")
    told = []
    rec = Recorder(path, HEADER, on_problem=told.append)
    for i in range(20_000):  # more than the write buffer holds
        rec.frame(1, i, "x" * 100)
    rec.close()
    assert rec.problem.startswith(f"cannot write {path}: No space left")
    assert told == [f"recording stopped: {rec.problem}"]
