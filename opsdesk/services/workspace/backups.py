"""Restore a workspace from a backup (verified first, the replaced file kept) and automatic backups on open."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from opsdesk import log
from opsdesk.errors import WorkspaceError
from opsdesk.services.workspace import instance_lock
from opsdesk.services.workspace.lifecycle import backup, copy_sqlite, open_workspace
from opsdesk.store import audit
from opsdesk.store.workspace import Workspace

_log = log.get("services.backups")
AUTO_SUFFIX = ".backups"


@dataclass(frozen=True)
class RestoreResult:
    source: Path
    target: Path
    kept: Path | None
    events: int


def verify_file(path: Path) -> int:
    """Open ``path`` read-only, run ``integrity_check`` and recompute the audit chain; return the event count.
    Raises WorkspaceError naming what is wrong."""
    if not path.is_file():
        raise WorkspaceError(f"{path} does not exist")
    try:
        ws = open_workspace(path, read_only=True)
    except WorkspaceError as exc:
        raise WorkspaceError(f"{path} cannot be restored: {exc}") from None
    try:
        report = audit.verify(ws)
    finally:
        ws.close()
    if report.integrity != "ok":
        raise WorkspaceError(f"{path} cannot be restored: integrity check failed ({report.integrity})")
    if report.broken_seq is not None:
        raise WorkspaceError(f"{path} cannot be restored: audit chain broken at event {report.broken_seq} "
                             f"({report.reason})")
    return report.events


def restore(src: str | Path, target: str | Path, *, now: dt.datetime | None = None,
            held_lock: instance_lock.InstanceLock | None = None) -> RestoreResult:
    """Replace ``target`` by a verified copy of ``src``. The current target is first copied (with SQLite's
    backup API, so its WAL is included) to ``<name>.replaced-<time>.opsdesk`` next to it. Refused while another
    OpsDesk process has the target open. ``held_lock`` is the caller's own lock on the target (the GUI)."""
    source = Path(src).expanduser().resolve()
    dest = Path(target).expanduser().resolve()
    if source == dest:
        raise WorkspaceError("the backup and the workspace are the same file")
    events = verify_file(source)
    lock = held_lock
    own = held_lock is None
    if own:
        lock = instance_lock.acquire(dest)
        if lock is None:
            holder = instance_lock.holder(dest)
            raise WorkspaceError(f"{dest} is open in another OpsDesk process ({holder}); close it first")
    try:
        kept = None
        stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
        if dest.exists():
            kept = dest.with_name(f"{dest.stem}.replaced-{stamp}{dest.suffix}")
            copy_sqlite(dest, kept)
        tmp = dest.with_name(dest.name + ".restoring")
        copy_sqlite(source, tmp)
        for extra in (Path(f"{dest}-wal"), Path(f"{dest}-shm")):
            extra.unlink(missing_ok=True)
        os.replace(tmp, dest)
    finally:
        if own and lock is not None:
            lock.release()
    _log.info("restored %s from %s (kept %s)", dest, source, kept)
    return RestoreResult(source, dest, kept, events)


def auto_backup_dir(location: str | Path) -> Path:
    path = Path(location)
    return path.with_name(path.name + AUTO_SUFFIX)


def auto_backup(ws: Workspace, keep: int) -> Path | None:
    """Copy the workspace into ``<name>.backups/`` beside it and keep only the newest ``keep`` copies."""
    if keep <= 0 or ws.engine.dialect.name != "sqlite":
        return None
    folder = auto_backup_dir(ws.location)
    folder.mkdir(parents=True, exist_ok=True)
    stem = Path(ws.location).stem
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{stem}-{stamp}.opsdesk"
    raw = ws.engine.raw_connection()
    try:
        dest_conn = sqlite3.connect(target)
        try:
            raw.driver_connection.backup(dest_conn)  # type: ignore[union-attr]
        finally:
            dest_conn.close()
    finally:
        raw.close()
    for old in list_auto_backups(ws.location)[keep:]:
        old.unlink(missing_ok=True)
    return target


def list_auto_backups(location: str | Path) -> list[Path]:
    """Automatic backups of a workspace, newest first."""
    folder = auto_backup_dir(location)
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{Path(location).stem}-*.opsdesk"), key=lambda p: p.name, reverse=True)


__all__ = ["restore", "auto_backup", "list_auto_backups", "verify_file", "backup"]
