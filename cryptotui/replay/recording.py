"""The recording file: JSON Lines, plain (`.jsonl`) or gzip-compressed (`.jsonl.gz`).

The first line is a header (format name and version, the endpoints, what was watched, the app
version); every other line is one thing the client saw, in the order it saw it, stamped with
the local receive time in ms:

    {"k":"open","t":…,"c":1,"url":"wss://…/stream?streams=…"}      a connection opened
    {"k":"frame","t":…,"c":1,"raw":"{\"stream\":…}"}                a frame, as received
    {"k":"close","t":…,"c":1,"reason":"…"}                          a connection ended
    {"k":"rest","t":…,"path":"klines","params":[["interval","1m"],…],"status":200,"body":"[…]"}

The order is what makes a replay deterministic: a REST answer sits between the frames the
client had processed before it arrived and those it processed after.

A recording may be split by size into parts `NAME.jsonl`, `NAME.1.jsonl`, `NAME.2.jsonl`… (the
same with `.jsonl.gz`); each starts with the header (with its `part` number) and a replay of the
first part continues through the others. Reading stops at the first damaged line (cut short,
not JSON, a compressed stream that ends early) and says where (`Damaged`).
"""

from __future__ import annotations

import contextlib
import gzip
import logging
import re
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import msgspec

from cryptotui import __version__
from cryptotui.validators import RECORDING_SUFFIXES, Invalid

log = logging.getLogger(__name__)

FORMAT = "cryptotui-recording"
VERSION = 1
"""Bumped when a line changes meaning; a reader refuses a newer version rather than guess."""
FLUSH_SECONDS = 1.0
CHUNK = 1 << 14
"""Lines are written (and compressed) in chunks of about this many bytes: one call per chunk,
not per frame. A part may exceed `--max-size` by up to this (plus what gzip still holds)."""
GZIP_LEVEL = 3
"""Half the CPU of gzip's default level 6 for a quarter more bytes (`bench_replay`): the
recorder runs on the receive path."""
"""A killed recorder loses about the last second of traffic at most (and for `.gz`, the
compressed stream stays readable up to the last flush)."""


class Header(msgspec.Struct, tag_field="k", tag="header", kw_only=True):
    format: str = FORMAT
    version: int = VERSION
    app: str = __version__
    created: int = 0
    """ms UTC, local clock, when the recording started."""
    source: str = "Binance"
    rest_url: str = ""
    ws_url: str = ""
    symbols: list[str] = []
    intervals: list[str] = []
    streams: list[str] = []
    """Stream kinds recorded: kline, aggTrade, miniTicker, bookTicker (tickers always)."""
    part: int = 0


class Frame(msgspec.Struct, tag_field="k", tag="frame"):
    t: int
    c: int
    raw: str


class Opened(msgspec.Struct, tag_field="k", tag="open"):
    t: int
    c: int
    url: str


class Closed(msgspec.Struct, tag_field="k", tag="close"):
    t: int
    c: int
    reason: str


class Answer(msgspec.Struct, tag_field="k", tag="rest"):
    t: int
    path: str
    """The endpoint under /api/v3/ (`klines`, `exchangeInfo`, …)."""
    params: list[tuple[str, str]]
    """Sorted (name, value) pairs: what identifies the request."""
    status: int
    body: str
    retry_after: str | None = None

    @property
    def key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        return request_key(self.path, self.params)


Line = Frame | Opened | Closed | Answer

_encode = msgspec.json.Encoder().encode
_decode_line = msgspec.json.Decoder(Line).decode
_decode_header = msgspec.json.Decoder(Header).decode


def request_key(
    path: str, params: list[tuple[str, str]] | tuple[tuple[str, str], ...] | dict
) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A request as the recording identifies it: the endpoint and its sorted parameters."""
    items = params.items() if isinstance(params, dict) else params
    return path, tuple(sorted((str(k), str(v)) for k, v in items))


def _text(data: str | bytes) -> str:
    return data if isinstance(data, str) else data.decode("utf-8", "replace")


# --- names -----------------------------------------------------------------------------------


def suffix_of(path: Path) -> str | None:
    name = path.name
    return next((s for s in RECORDING_SUFFIXES if name.endswith(s) and len(name) > len(s)), None)


def part_path(path: Path, part: int) -> Path:
    """`rec.jsonl.gz` part 2 → `rec.2.jsonl.gz` (part 0 is the path itself)."""
    if part == 0:
        return path
    suffix = suffix_of(path) or ""
    return path.with_name(f"{path.name.removesuffix(suffix)}.{part}{suffix}")


def first_part(path: Path) -> Path:
    """`rec.2.jsonl` → `rec.jsonl`."""
    suffix = suffix_of(path) or ""
    stem = re.sub(r"\.\d+$", "", path.name.removesuffix(suffix))
    return path.with_name(stem + suffix)


def _open_read(path: Path) -> gzip.GzipFile | BinaryIO:
    return gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")


# --- writing ---------------------------------------------------------------------------------


class Recorder:
    """Writes what a `Stream` and a `Rest` saw (it is their `Tap`) to the recording file.

    Called on the feed's loop for every frame, so each call only encodes one line and queues
    it; the queue is written (and compressed) a chunk at a time and flushed once a second. A
    write that fails (disk full) stops the recording, never the stream: `problem` says why and
    `on_problem` is told.
    """

    def __init__(
        self,
        path: Path,
        header: Header,
        *,
        max_size: int | None = None,
        on_problem: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.header = header
        self.max_size = max_size
        self.on_problem = on_problem
        self._clock = clock
        self.part = 0
        self.frames = 0
        self.answers = 0
        self.problem = ""
        self._raw: BinaryIO | None = None
        self._file: gzip.GzipFile | BinaryIO | None = None
        self._done = 0
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._flushed = time.monotonic()
        self._open()

    def _open(self) -> None:
        path = part_path(self.path, self.part)
        raw = open(path, "wb")  # noqa: SIM115 - closed in _close_part
        self._raw = raw
        self._file = raw
        if path.name.endswith(".gz"):
            self._file = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=GZIP_LEVEL, mtime=0)
        header = msgspec.structs.replace(self.header, part=self.part)
        self._write(_encode(header) + b"\n")

    # -------------------------------------------------------------- the Tap

    def frame(self, conn_id: int, received_ms: int, raw: str | bytes) -> None:
        self.frames += 1
        self._write(_encode(Frame(received_ms, conn_id, _text(raw))) + b"\n")

    def opened(self, conn_id: int, url: str) -> None:
        self._write(_encode(Opened(self._now(), conn_id, url)) + b"\n")

    def closed(self, conn_id: int, reason: str) -> None:
        self._write(_encode(Closed(self._now(), conn_id, reason)) + b"\n")

    def answer(
        self, endpoint: str, params: dict, status: int, body: bytes, retry_after: str | None
    ) -> None:
        self.answers += 1
        _, items = request_key(endpoint, params)
        line = Answer(self._now(), endpoint, list(items), status, _text(body), retry_after)
        self._write(_encode(line) + b"\n")

    # -------------------------------------------------------------- file

    def _now(self) -> int:
        return int(self._clock() * 1000)

    def _write(self, data: bytes) -> None:
        if self._file is None:
            return
        self._pending.append(data)
        self._pending_size += len(data)
        now = time.monotonic()
        due = now - self._flushed >= FLUSH_SECONDS
        if self._pending_size < CHUNK and not due:
            return
        try:
            self._drain()
            if due:
                self._flushed = now
                self._file.flush()
            if self.max_size is not None and self._size() >= self.max_size:
                self._close_part()
                self.part += 1
                self._open()
        except OSError as exc:
            self._fail(f"cannot write {part_path(self.path, self.part)}: {exc.strerror or exc}")

    def _drain(self) -> None:
        if self._pending and self._file is not None:
            self._file.write(b"".join(self._pending))
        self._pending.clear()
        self._pending_size = 0

    def _size(self) -> int:
        assert self._raw is not None
        return self._raw.tell()

    def _close_part(self) -> None:
        try:
            self._drain()
        finally:
            file, raw, self._file, self._raw = self._file, self._raw, None, None
        try:
            if file is not None and file is not raw:
                file.close()
        finally:
            if raw is not None:
                self._done += raw.tell()
                raw.close()

    def _fail(self, text: str) -> None:
        self.problem = text
        log.error("recording stopped: %s", text)
        with contextlib.suppress(OSError):
            self._close_part()
        if self.on_problem is not None:
            self.on_problem(f"recording stopped: {text}")

    @property
    def parts(self) -> int:
        return self.part + 1

    @property
    def size(self) -> int:
        """Bytes written so far over all parts."""
        return self._done + (self._size() if self._raw is not None else 0)

    def close(self) -> None:
        try:
            self._close_part()
        except OSError as exc:
            self._fail(f"cannot finish {part_path(self.path, self.part)}: {exc.strerror or exc}")


# --- reading ---------------------------------------------------------------------------------


class Damaged(Exception):
    """The recording cannot be read past `where` (`FILE:LINE`)."""

    def __init__(self, where: str, what: str) -> None:
        super().__init__(f"{where}: {what}")
        self.where = where
        self.what = what


class Recording:
    """A recording to read: its header (checked when opened) and its lines, over every part."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.header = read_header(path)

    def lines(self) -> Iterator[Line]:
        """Every line after the header, part after part, in order; raises `Damaged` at the
        first line that cannot be read (everything before it has been yielded)."""
        part = 0
        path = self.path
        while True:
            yield from _part_lines(path, part)
            part += 1
            path = part_path(self.path, part)
            if not path.exists():
                return


def read_header(path: Path) -> Header:
    """The header of a recording's first part; `Invalid` (one line, exit 2) if the file cannot
    be read, is not a recording, is of a newer format, or is a later part."""
    try:
        with _open_read(path) as f:
            first = f.readline()
    except FileNotFoundError:
        raise Invalid(
            f"{path}: no such recording; record one with `cryptotui record FILE`"
        ) from None
    except (OSError, EOFError, zlib.error) as exc:
        raise Invalid(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    header = _header(path, first)
    if header.part != 0:
        raise Invalid(
            f"{path} is part {header.part} of a recording; replay its first part, "
            f"{first_part(path)}"
        )
    return header


def _header(path: Path, first: bytes) -> Header:
    try:
        generic = msgspec.json.decode(first)
    except msgspec.DecodeError:
        generic = None
    if not isinstance(generic, dict) or generic.get("format") != FORMAT:
        raise Invalid(
            f"{path}:1: not a cryptotui recording (no header line); "
            "record one with `cryptotui record FILE`"
        )
    version = generic.get("version")
    if isinstance(version, int) and version > VERSION:
        raise Invalid(
            f"{path}: recording format version {version} is newer than this cryptotui reads "
            f"({VERSION}); upgrade cryptotui to replay it"
        )
    try:
        return _decode_header(first)
    except msgspec.ValidationError as exc:
        raise Invalid(f"{path}:1: a damaged recording header ({exc})") from None


def _part_lines(path: Path, part: int) -> Iterator[Line]:
    number = 0
    try:
        with _open_read(path) as f:
            for number, data in enumerate(f, start=1):
                if number == 1:
                    header = _damaged_header(path, data)
                    if header.part != part:
                        raise Damaged(f"{path}:1", f"part {header.part} where part {part} belongs")
                    continue
                try:
                    yield _decode_line(data)
                except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                    what = (
                        "line cut short (the recording was interrupted?)"
                        if not data.endswith(b"\n")
                        else f"not a recording line ({exc})"
                    )
                    raise Damaged(f"{path}:{number}", what) from None
    except FileNotFoundError:
        raise Damaged(str(path), "part missing") from None
    except (EOFError, zlib.error, gzip.BadGzipFile, OSError) as exc:
        detail = "the compressed data ends early (file cut short?)"
        if not isinstance(exc, EOFError):
            detail = f"unreadable ({getattr(exc, 'strerror', None) or exc})"
        raise Damaged(f"{path}:{number + 1}", detail) from None


def _damaged_header(path: Path, data: bytes) -> Header:
    try:
        return _header(path, data)
    except Invalid as exc:
        raise Damaged(f"{path}:1", str(exc)) from None
