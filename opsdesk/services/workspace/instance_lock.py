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
