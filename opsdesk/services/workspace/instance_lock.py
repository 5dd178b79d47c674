"""One OpsDesk process at a time per workspace: a lock file beside it holding the owner's PID, host and start
time, with an operating-system lock on it for as long as the workspace is open.

The OS releases its lock when the process dies however it dies, so a lock file left behind by a crash is
detected as stale (nobody holds the OS lock) and taken over. A second process finds the OS lock held and opens
the workspace read-only instead, naming the owner.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import IO

from opsdesk import log

_log = log.get("services.instance_lock")


def lock_path(workspace: str | Path) -> Path:
    p = Path(workspace)
    return p.with_name(p.name + ".lock")


class InstanceLock:
    def __init__(self, path: Path, fh: IO[str], stale_from: dict | None) -> None:
        self.path = path
        self._fh: IO[str] | None = fh
        self.stale_from = stale_from  # what a dead owner had written, when the lock was taken over

    def release(self) -> None:
        fh, self._fh = self._fh, None
        if fh is None:
            return
        try:
            fh.seek(0)
            fh.truncate()
            fh.flush()
        except OSError:
            pass
        _unlock(fh)
        fh.close()
        with contextlib.suppress(OSError):
            self.path.unlink()

    @property
    def held(self) -> bool:
        return self._fh is not None


def _try_lock(fh: IO[str]) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl

    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def _unlock(fh: IO[str]) -> None:
    try:
        if sys.platform == "win32":
            import msvcrt

            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    except OSError:
        pass


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def acquire(workspace: str | Path) -> InstanceLock | None:
    """Take the workspace's lock, or return None when another live process holds it."""
    path = lock_path(workspace)
    path.parent.mkdir(parents=True, exist_ok=True)
    previous = _read(path)
    fh = open(path, "a+", encoding="utf-8")  # noqa: SIM115 (held open for the life of the lock)
    if not _try_lock(fh):
        fh.close()
        return None
    stale = previous if previous.get("pid") and previous.get("pid") != os.getpid() else None
    if stale:
        _log.warning("taking over a stale lock on %s left by PID %s", workspace, stale.get("pid"))
    fh.seek(0)
    fh.truncate()
    fh.write(json.dumps({"pid": os.getpid(), "host": platform.node(),
                         "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}))
    fh.flush()
    return InstanceLock(path, fh, stale)


def holder(workspace: str | Path) -> str:
    """Who holds the lock, in words."""
    info = _read(lock_path(workspace))
    if not info:
        return "another process"
    if info.get("pid") == os.getpid() and info.get("host") == platform.node():
        return "another window of this OpsDesk"
    return f"PID {info.get('pid', '?')} on {info.get('host', '?')} since {info.get('since', '?')}"


# --- the writers' lock: shared by every writer, exclusive for whoever replaces the file ------------------------

ACCESS_SUFFIX = ".writers"
#: how long a writer waits for a restore or replacement of the file to finish before it says the file is busy
SHARE_WAIT_SECONDS = 30.0


def access_path(workspace: str | Path) -> Path:
    p = Path(workspace)
    return p.with_name(p.name + ACCESS_SUFFIX)


class AccessLock:
    """An OS lock on ``NAME.opsdesk.writers``: every process that writes the workspace (the window, every command)
    holds it shared; restore, ``init --force``, ``demo --force`` and every other replacement of the file hold it
    exclusively, so they wait for nobody and nobody writes into a file that is being replaced. The OS drops it
    when the process dies, however it dies."""

    def __init__(self, path: Path, fh: IO[str], exclusive: bool) -> None:
        self.path = path
        self._fh: IO[str] | None = fh
        self.exclusive = exclusive

    @property
    def held(self) -> bool:
        return self._fh is not None

    def upgrade(self) -> bool:
        """Shared → exclusive, when no other process holds it (the window restoring its own workspace)."""
        if self._fh is None:
            return False
        if not self.exclusive:
            if not _flock(self._fh, exclusive=True):
                # flock converts by dropping the shared lock first: take it back
                for _ in range(50):
                    if _flock(self._fh, exclusive=False):
                        break
                    time.sleep(0.02)
                return False
            self.exclusive = True
            _note_owner(self._fh)
        return True

    def downgrade(self) -> None:
        if self._fh is not None and self.exclusive:
            _clear(self._fh)
            _flock(self._fh, exclusive=False, wait=True)
            self.exclusive = False

    def release(self) -> None:
        fh, self._fh = self._fh, None
        if fh is None:
            return
        # The last holder removes the file: only while it holds it exclusively (nobody else can be using it);
        # a process that opened the old file meanwhile notices it is gone and opens the new one (see _open_locked).
        if sys.platform != "win32" and (self.exclusive or _flock(fh, exclusive=True)):
            with contextlib.suppress(OSError):
                self.path.unlink()
        _unlock(fh)
        fh.close()


def _flock(fh: IO[str], *, exclusive: bool, wait: bool = False) -> bool:
    if sys.platform == "win32":  # msvcrt has no shared lock: one byte per holder, all bytes for exclusive
        import msvcrt

        try:
            if exclusive:
                fh.seek(1)
                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 64)
            else:
                for slot in range(1, 65):
                    fh.seek(slot)
                    with contextlib.suppress(OSError):
                        msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
                        return True
                return False
            return True
        except OSError:
            return False
    import fcntl

    op = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | (0 if wait else fcntl.LOCK_NB)
    try:
        fcntl.flock(fh.fileno(), op)
        return True
    except OSError:
        return False


def _note_owner(fh: IO[str]) -> None:
    with contextlib.suppress(OSError):
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps({"pid": os.getpid(), "host": platform.node(),
                             "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}))
        fh.flush()


def _clear(fh: IO[str]) -> None:
    with contextlib.suppress(OSError):
        fh.seek(0)
        fh.truncate()
        fh.flush()


def _open_locked(path: Path, *, exclusive: bool) -> IO[str] | None:
    """Open ``path`` and lock it, or None when another process holds a conflicting lock. Retries when the file
    it locked was removed by its last holder in the meantime."""
    from opsdesk.errors import WorkspaceError
    from opsdesk.files import os_error_line

    for _ in range(20):
        try:
            fh = open(path, "a+", encoding="utf-8")  # noqa: SIM115 (held open for the life of the lock)
        except OSError as exc:
            raise WorkspaceError(f"cannot take the workspace's lock: {os_error_line(exc, path)}") from None
        if not _flock(fh, exclusive=exclusive):
            fh.close()
            return None
        if sys.platform == "win32":
            return fh
        try:
            same = os.path.samestat(os.fstat(fh.fileno()), os.stat(path))
        except OSError:
            same = False
        if same:
            return fh
        _unlock(fh)
        fh.close()
    return None


def _who(workspace: Path) -> str:
    info = _read(access_path(workspace)) or _read(lock_path(workspace))
    if info.get("pid") and info.get("pid") != os.getpid():
        return f"PID {info.get('pid', '?')} on {info.get('host', '?')} since {info.get('since', '?')}"
    if _read(lock_path(workspace)):
        return holder(workspace)
    return "another OpsDesk window or command"


def share(workspace: str | Path, *, wait: float | None = None) -> AccessLock:
    """Take the writers' lock shared, waiting up to ``wait`` seconds while a restore or replacement holds it."""
    from opsdesk.errors import WorkspaceBusy

    path = access_path(workspace)
    limit = SHARE_WAIT_SECONDS if wait is None else wait
    deadline = time.monotonic() + limit
    told = False
    while True:
        fh = _open_locked(path, exclusive=False)
        if fh is not None:
            return AccessLock(path, fh, exclusive=False)
        if time.monotonic() >= deadline:
            raise WorkspaceBusy(f"{workspace} is being restored or replaced by {_who(Path(workspace))}; nothing was "
                                "changed — try again when it has finished")
        if not told:
            told = True
            _log.info("waiting for a restore or replacement of %s to finish", workspace)
        time.sleep(0.1)


def exclusive(workspace: str | Path) -> AccessLock:
    """Take the writers' lock exclusively, or refuse at once in one line while anyone holds it."""
    from opsdesk.errors import WorkspaceBusy

    path = access_path(workspace)
    fh = _open_locked(path, exclusive=True)
    if fh is None:
        raise WorkspaceBusy(f"{workspace} is open in another OpsDesk process ({_who(Path(workspace))}); close it "
                            "first — nothing was changed")
    _note_owner(fh)
    return AccessLock(path, fh, exclusive=True)
