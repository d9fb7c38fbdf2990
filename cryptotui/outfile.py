"""Writing a file the user named (`analyze -o`, `export -o`, the simulator's ground truth).

`open_output(path)` hands out a file object; what is written becomes visible only if the block
completes, and a failure leaves the path as it was. How depends on what the path is:

- a regular file, or nothing yet: written to a temporary file beside it, then renamed over it
  (`os.replace`), so a reader never sees half a file. Through a symlink, the file the link
  points to is replaced and the link stays a link. A replaced file keeps its permission bits;
  a new one gets 0666 minus the umask, like any file a shell redirection creates.
- anything else that can be opened for writing (a FIFO, a terminal, `/dev/null`, `/dev/full`):
  renaming over it would turn a device or pipe into a regular file, so it is opened and
  written in place. The output is spooled first and written only once the block completes,
  so a failure half-way sends nothing.
- no path (None): the same spooling, to stdout.

Every OSError, whether opening, writing inside the block or finishing, becomes an OutputError
whose message is one line naming the file and what to do.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

SPOOL_BYTES = 16 << 20
"""Output kept in memory before the spool moves to a temporary file on disk."""


class OutputError(Exception):
    """The output cannot be written; the message is one line shown to the user as is."""


@contextmanager
def open_output(path: Path | str | None, *, binary: bool = False) -> Iterator[IO[Any]]:
    """A file object for `path` (stdout if None) whose content lands only if the block
    completes. Text mode is UTF-8 with newlines written as given (what `csv` expects)."""
    if path is None:
        sink = sys.stdout.buffer if binary else sys.stdout
        with _spooled(binary, "stdout") as spool:
            yield spool
            _copy(spool, sink, "stdout")
        return
    path = Path(path)
    try:
        st: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        st = None  # a new file (or a dangling symlink: its target is created)
    except OSError as exc:
        raise _error(path, exc) from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise OutputError(f"cannot write {path}: it is a directory; name a file in it")
    if st is None or stat.S_ISREG(st.st_mode):
        with _replacing(path, None if st is None else stat.S_IMODE(st.st_mode), binary) as out:
            yield out
    else:
        with _through(path, binary) as out:
            yield out


@contextmanager
def _replacing(path: Path, mode: int | None, binary: bool) -> Iterator[IO[Any]]:
    """A temporary file beside the real target, renamed over it when the block completes;
    `mode` is the permission bits of the file it replaces (None: a new file)."""
    target = Path(os.path.realpath(path))
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
    try:
        # Created 0666: the kernel applies the umask (and a directory's default ACL), exactly
        # as for a file a shell redirection creates. (tempfile.mkstemp would make it 0600.)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        raise _error(path, exc) from None
    try:
        with _fdopen(fd, binary) as out:
            yield out
            out.flush()
            if mode is not None:
                os.fchmod(out.fileno(), mode)
            os.fsync(out.fileno())  # the rename must never expose a file still being written
        os.replace(tmp, target)
    except OSError as exc:
        raise _error(path, exc) from None
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


@contextmanager
def _through(path: Path, binary: bool) -> Iterator[IO[Any]]:
    """Open `path` now (so a refusal shows before any work), write it when the block is done."""
    try:
        sink = _open(path, binary)
    except OSError as exc:
        raise _error(path, exc) from None
    try:
        with _spooled(binary, path) as spool:
            yield spool
            _copy(spool, sink, path)
        try:
            sink.close()  # a device such as /dev/full refuses the data only on flush
        except OSError as exc:
            raise _error(path, exc) from None
    finally:
        if not sink.closed:
            with suppress(OSError):  # already failing: the first error is the one reported
                sink.close()


@contextmanager
def _spooled(binary: bool, name: Path | str) -> Iterator[IO[Any]]:
    try:
        spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115  (closed below)
            SPOOL_BYTES, mode="w+b" if binary else "w+", **({} if binary else _TEXT)
        )
    except OSError as exc:
        raise _error(name, exc) from None
    with spool:
        try:
            yield spool
        except BrokenPipeError:
            raise  # a closed stdout, passed on by `_copy`
        except OSError as exc:  # the spool itself ran out of room
            raise _error(name, exc) from None


def _copy(spool: IO[Any], sink: IO[Any], name: Path | str) -> None:
    spool.seek(0)
    try:
        shutil.copyfileobj(spool, sink)
        sink.flush()
    except OSError as exc:
        if name == "stdout" and isinstance(exc, BrokenPipeError):
            raise  # the reader went away (`| head`): the command line ends quietly
        raise _error(name, exc) from None


_TEXT: dict[str, Any] = {"encoding": "utf-8", "newline": ""}


def _fdopen(fd: int, binary: bool) -> IO[Any]:
    return os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", **_TEXT)


def _open(path: Path, binary: bool) -> IO[Any]:
    return path.open("wb") if binary else path.open("w", **_TEXT)


def _error(name: Path | str, exc: OSError) -> OutputError:
    where = "to stdout" if name == "stdout" else str(name)
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        reason += " (disk full): free some space or write elsewhere"
    return OutputError(f"cannot write {where}: {reason}")
