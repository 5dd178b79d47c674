"""Files a user names, taken for what they are: only regular files are read, every read is bounded, and a path
is shown shortened and on one line.

A FIFO would block the reader forever, ``/dev/zero`` or a ``/proc`` stream never ends, a directory cannot be read
as a file: each is refused with one line naming it (:class:`FileRefused`), before anything is read or written.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from opsdesk.errors import OpsDeskError

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB
#: what an import file may hold (a 1 M-row metrics CSV is about 60 MB)
IMPORT_LIMIT = 2 * GIB
#: a key, a settings or manifest file
SMALL_LIMIT = 16 * MIB
_SHOWN = 160


class FileRefused(OpsDeskError):
    """A path that is not a regular file, cannot be read, or holds more than OpsDesk reads."""


def shown(path: str | os.PathLike[str]) -> str:
    """``path`` fit for a one-line message: control characters escaped, the middle of a very long path elided."""
    text = os.fspath(path)
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    if len(text) > _SHOWN:
        text = f"{text[:60]}…({len(text) - 100} characters)…{text[-40:]}"
    return text


def os_error_line(exc: OSError, path: str | os.PathLike[str] | None = None) -> str:
    """One line for an operating-system error on a path."""
    where = path if path is not None else exc.filename
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENAMETOOLONG:
        reason = "the path is too long"
    return f"{shown(where)}: {reason}" if where is not None else reason


def kind_of(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def regular_or_missing(path: str | os.PathLike[str], what: str = "file") -> bool:
    """True when ``path`` is a regular file, False when nothing is there; refuses anything else in one line."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise FileRefused(os_error_line(exc, path)) from None
    if not stat.S_ISREG(st.st_mode):
        raise FileRefused(f"{shown(path)} is {kind_of(st.st_mode)}, not a {what}")
    return True


def require_regular(path: str | os.PathLike[str], what: str = "file") -> os.stat_result:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise FileRefused(f"{shown(path)} does not exist") from None
    except OSError as exc:
        raise FileRefused(os_error_line(exc, path)) from None
    if not stat.S_ISREG(st.st_mode):
        raise FileRefused(f"{shown(path)} is {kind_of(st.st_mode)}, not a {what}")
    return st


def read_bounded(path: str | os.PathLike[str], limit: int = IMPORT_LIMIT, what: str = "file") -> bytes:
    """The bytes of a regular file, refusing anything else and anything larger than ``limit``. The file is opened
    without blocking (a FIFO swapped in after the check cannot hang the reader) and read at most ``limit + 1``
    bytes deep (a ``/proc`` file reports size 0 and may never end)."""
    require_regular(path, what)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise FileRefused(os_error_line(exc, path)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise FileRefused(f"{shown(path)} is {kind_of(st.st_mode)}, not a {what}")
        if st.st_size > limit:
            raise FileRefused(f"{shown(path)} holds {st.st_size:,} bytes; OpsDesk reads at most {limit:,}")
        chunks, size = [], 0
        while size <= limit:
            # no bigger a buffer than the file needs (os.read allocates what it is asked for before it reads)
            want = max(st.st_size - size + 1, 64 * 1024)
            chunk = os.read(fd, min(8 * MIB, limit + 1 - size, want))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise FileRefused(f"{shown(path)} holds more than {limit:,} bytes; OpsDesk reads at most that")
        return b"".join(chunks)
    except OSError as exc:
        raise FileRefused(os_error_line(exc, path)) from None
    finally:
        os.close(fd)


def read_text_bounded(path: str | os.PathLike[str], limit: int = SMALL_LIMIT, what: str = "file",
                      encoding: str = "utf-8", errors: str = "strict") -> str:
    return read_bounded(path, limit, what).decode(encoding, errors)


def as_path(location: str | os.PathLike[str]) -> Path:
    return Path(location).expanduser()


def read_head(path: str | os.PathLike[str], n: int) -> bytes:
    """The first ``n`` bytes of a regular file (without blocking on anything else)."""
    require_regular(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise FileRefused(os_error_line(exc, path)) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise FileRefused(f"{shown(path)} is {kind_of(os.fstat(fd).st_mode)}, not a file")
        return os.read(fd, n)
    except OSError as exc:
        raise FileRefused(os_error_line(exc, path)) from None
    finally:
        os.close(fd)
