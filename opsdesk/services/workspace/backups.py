"""Restore a workspace from a backup (verified first, the replaced file kept) and automatic backups on open."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from opsdesk import files, log
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
    try:
        if not files.regular_or_missing(path, "backup file"):
            raise WorkspaceError(f"{files.shown(path)} does not exist")
    except files.FileRefused as exc:
        raise WorkspaceError(f"cannot be restored: {exc}") from None
    with tempfile.TemporaryDirectory(prefix="opsdesk-verify-") as folder:
        return _stage(Path(path), Path(folder)).events


def restore(src: str | Path, target: str | Path, *, now: dt.datetime | None = None,
            held_lock: instance_lock.AccessLock | None = None) -> RestoreResult:
    """Replace ``target`` by a verified copy of ``src`` (upgraded first when it is an older-schema backup, such
    as the ``.pre-REV.bak`` file written before a migration). The current target is first copied (with SQLite's
    backup API, so its WAL is included) to ``<name>.replaced-<time>.opsdesk`` next to it. Refused while any other
    OpsDesk process has the target open (a window, or a command writing to it): restore holds the writers' lock
    exclusively, and nobody writes into the file while it is replaced. ``held_lock`` is the caller's own shared
    writers' lock on the target (the window restoring its own workspace), upgraded for the time of the restore."""
    try:
        source = Path(src).expanduser().resolve()
        dest = Path(target).expanduser().resolve()
        exists = files.regular_or_missing(dest, "workspace file")
        if not files.regular_or_missing(source, "backup file"):
            raise WorkspaceError(f"{files.shown(source)} does not exist")
    except files.FileRefused as exc:
        raise WorkspaceError(f"cannot restore: {exc}") from None
    except OSError as exc:
        raise WorkspaceError(f"cannot restore: {files.os_error_line(exc)}") from None
    if exists and not _is_sqlite(dest):
        raise WorkspaceError(f"{files.shown(dest)} is not an OpsDesk workspace; restore replaces workspaces only")
    if source == dest:
        raise WorkspaceError("the backup and the workspace are the same file")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{dest.name}.restore-", dir=dest.parent) as folder:
        staged = _stage(source, Path(folder))
        if held_lock is not None:
            if not held_lock.upgrade():
                raise WorkspaceError(f"{dest} is open in another OpsDesk process as well; close it first")
            lock = held_lock
        else:
            lock = instance_lock.exclusive(dest)
        kept = None
        tmp = dest.with_name(dest.name + ".restoring")
        done = False
        try:
            stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
            if exists:
                kept = dest.with_name(f"{dest.stem}.replaced-{stamp}{dest.suffix}")
                copy_sqlite(dest, kept)
                _fold_wal(dest)  # nobody writes (we hold the lock): the WAL is emptied into the file, losing nothing
            copy_sqlite(staged.path, tmp)
            for extra in (Path(f"{dest}-wal"), Path(f"{dest}-shm")):
                extra.unlink(missing_ok=True)
            os.replace(tmp, dest)
            done = True
        except OSError as exc:
            raise WorkspaceError(f"cannot restore, nothing was changed: {files.os_error_line(exc)}") from None
        except sqlite3.Error as exc:
            raise WorkspaceError(f"cannot restore {files.shown(dest)}, nothing was changed: {exc}") from None
        finally:
            if not done:
                for leftover in (tmp, kept):
                    if leftover is not None:
                        leftover.unlink(missing_ok=True)
            if held_lock is not None:
                held_lock.downgrade()
            else:
                lock.release()
    if staged.head is not None:  # this location now holds the restored history: anchor that, not the old one
        checkpoints.write_anchor(str(dest), staged.head)
    _log.info("restored %s from %s (kept %s)", dest, source, kept)
    return RestoreResult(source, dest, kept, staged.events, staged.upgraded_from, staged.warnings)


def _fold_wal(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout=5000")
        busy, _log_frames, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            raise sqlite3.OperationalError("the workspace is busy")
    finally:
        conn.close()


def _is_sqlite(path: Path) -> bool:
    try:
        return files.read_head(path, 16) == b"SQLite format 3\x00"
    except files.FileRefused:
        return False


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
