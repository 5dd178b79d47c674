"""Restore a workspace from a backup (verified first, the replaced file kept) and automatic backups on open."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from opsdesk import log
from opsdesk.errors import WorkspaceError
from opsdesk.services.workspace import checkpoints, instance_lock, integrity, lifecycle
from opsdesk.services.workspace.lifecycle import backup, copy_sqlite, open_workspace
from opsdesk.store import migrate
from opsdesk.store.workspace import Workspace

_log = log.get("services.backups")
AUTO_SUFFIX = ".backups"


@dataclass(frozen=True)
class RestoreResult:
    source: Path
    target: Path
    kept: Path | None
    events: int
    upgraded_from: str | None = None  # the backup's schema revision when it was older than this OpsDesk
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Staged:
    path: Path
    events: int
    upgraded_from: str | None
    warnings: tuple[str, ...]
    head: checkpoints.SignedHead | None


def _stage(source: Path, folder: Path) -> _Staged:
    """Copy ``source`` into ``folder``, upgrade the copy when its schema is older (a ``.pre-REV.bak`` file, an old
    backup), and verify it whole: the audit chain and its signed head, every audited record against the audit
    (reconciliation), ``integrity_check`` and a read of every text cell. Raises WorkspaceError in one line."""
    if not source.is_file():
        raise WorkspaceError(f"{source} does not exist")
    if not lifecycle.looks_like_sqlite(source):
        raise WorkspaceError(f"{source} is not an OpsDesk workspace (not a SQLite database)")
    staged = folder / "staged.opsdesk"
    try:
        copy_sqlite(source, staged)
        with sqlite3.connect(staged) as conn:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        conn.close()
    except sqlite3.Error as exc:
        raise WorkspaceError(f"{source} cannot be restored: {exc}") from None
    revision = row[0] if row else None
    if revision is not None and not migrate.knows_revision(revision):
        raise WorkspaceError(f"{source} cannot be restored: it was written by a newer OpsDesk (schema {revision})")
    try:
        ws = open_workspace(staged, actor="restore")  # upgrades an older copy, after its own .pre-REV.bak
    except WorkspaceError as exc:
        raise WorkspaceError(f"{source} cannot be restored: {exc}") from None
    try:
        report = integrity.verify(ws)
        with ws.read() as s:
            head = checkpoints.stored_checkpoint(s)
    finally:
        ws.close()
    if report.findings:
        more = len(report.findings) - 1
        raise WorkspaceError(f"{source} cannot be restored: {report.findings[0]}"
                             + (f" (and {more} more; 'opsdesk verify' on the backup lists them)" if more else ""))
    upgraded = revision if revision != migrate.head_revision() else None
    return _Staged(staged, report.events, upgraded, tuple(report.warnings), head)


def verify_file(path: Path) -> int:
    """Check ``path`` as restore would (on an upgraded copy when its schema is older); return the event count.
    Raises WorkspaceError naming what is wrong."""
    with tempfile.TemporaryDirectory(prefix="opsdesk-verify-") as folder:
        return _stage(Path(path), Path(folder)).events


def restore(src: str | Path, target: str | Path, *, now: dt.datetime | None = None,
            held_lock: instance_lock.InstanceLock | None = None) -> RestoreResult:
    """Replace ``target`` by a verified copy of ``src`` (upgraded first when it is an older-schema backup, such
    as the ``.pre-REV.bak`` file written before a migration). The current target is first copied (with SQLite's
    backup API, so its WAL is included) to ``<name>.replaced-<time>.opsdesk`` next to it. Refused while another
    OpsDesk process has the target open. ``held_lock`` is the caller's own lock on the target (the GUI)."""
    source = Path(src).expanduser().resolve()
    dest = Path(target).expanduser().resolve()
    if source == dest:
        raise WorkspaceError("the backup and the workspace are the same file")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{dest.name}.restore-", dir=dest.parent) as folder:
        staged = _stage(source, Path(folder))
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
            copy_sqlite(staged.path, tmp)
            for extra in (Path(f"{dest}-wal"), Path(f"{dest}-shm")):
                extra.unlink(missing_ok=True)
            os.replace(tmp, dest)
        finally:
            if own and lock is not None:
                lock.release()
    if staged.head is not None:  # this location now holds the restored history: anchor that, not the old one
        checkpoints.write_anchor(str(dest), staged.head)
    _log.info("restored %s from %s (kept %s)", dest, source, kept)
    return RestoreResult(source, dest, kept, staged.events, staged.upgraded_from, staged.warnings)


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
