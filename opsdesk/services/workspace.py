"""Create, open, back up and check a workspace file (or a server database)."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError, OperationalError

from opsdesk import log
from opsdesk.domain.classification import DEFAULT_SCHEME
from opsdesk.errors import WorkspaceError
from opsdesk.services.context import Clock, Workspace
from opsdesk.store import migrate
from opsdesk.store.engine import make_engine, sqlite_url
from opsdesk.store.models import WorkspaceInfo

_log = log.get("services.workspace")


@dataclass(frozen=True)
class WorkspaceInfoDTO:
    organisation: str
    default_currency: str
    classification_scheme: tuple[str, ...]
    fiscal_year_start_month: int
    location: str


def _url_and_path(location: str | Path) -> tuple[str, Path | None]:
    text_loc = str(location)
    if "://" in text_loc:
        return text_loc, None
    path = Path(location).expanduser()
    return sqlite_url(path), path


def create(location: str | Path, *, organisation: str = "My organisation", currency: str = "USD",
           scheme: tuple[str, ...] = DEFAULT_SCHEME, actor: str | None = None, clock: Clock | None = None,
           force: bool = False) -> Workspace:
    """Create an empty workspace with the current schema and its first audit event."""
    url, path = _url_and_path(location)
    if path is not None:
        if path.exists() and not force:
            raise WorkspaceError(f"{path} already exists (use --force to replace it)")
        if path.exists():
            path.unlink()
            for extra in (Path(f"{path}-wal"), Path(f"{path}-shm")):
                extra.unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    migrate.upgrade(engine)
    ws = Workspace(engine, location=str(path or url), actor=actor, clock=clock)
    with ws.write("workspace") as tx:
        if tx.session.scalar(select(WorkspaceInfo)) is not None:
            raise WorkspaceError(f"{location} already holds a workspace")
        info = WorkspaceInfo(organisation=organisation, default_currency=currency,
                             classification_scheme=list(scheme), fiscal_year_start_month=1, created_at=ws.clock())
        tx.add(info, "workspace", key="workspace")
    _log.info("created workspace %s", ws.location)
    return ws


def backup_before_migration(path: Path, revision: str | None) -> Path:
    stamp = revision or "empty"
    dest = path.with_name(f"{path.name}.pre-{stamp}.bak")
    n = 1
    while dest.exists():
        dest = path.with_name(f"{path.name}.pre-{stamp}.{n}.bak")
        n += 1
    copy_sqlite(path, dest)
    return dest


def copy_sqlite(src: Path, dest: Path) -> None:
    """A consistent copy through SQLite's online backup API (safe while the file is open elsewhere)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        dest.unlink()
    with sqlite3.connect(f"file:{src.as_posix()}?mode=ro", uri=True) as source, sqlite3.connect(dest) as target:
        source.backup(target)
    target.close()
    source.close()


def open_workspace(location: str | Path, *, actor: str | None = None, clock: Clock | None = None,
                   read_only: bool = False, migrations: Path | None = None, exclusive: bool = False) -> Workspace:
    """Open an existing workspace: pragmas, quick check, backup then migrations when the schema is behind.

    ``exclusive`` (the GUI) takes the instance lock; when another OpsDesk process holds it, the workspace opens
    read-only and ``read_only_reason`` names that process."""
    url, path = _url_and_path(location)
    lock = None
    reason = ""
    if path is not None:
        if not path.exists():
            raise WorkspaceError(f"{path} does not exist (create it with 'opsdesk init --workspace {path}')")
        if not _looks_like_sqlite(path):
            raise WorkspaceError(f"{path} is not an OpsDesk workspace (not a SQLite database)")
        if exclusive and not read_only:
            from opsdesk.services import instance_lock

            lock = instance_lock.acquire(path)
            if lock is None:
                read_only = True
                reason = f"it is open in another OpsDesk process ({instance_lock.holder(path)})"
    try:
        ws = _open(location, url, path, actor=actor, clock=clock, read_only=read_only, migrations=migrations)
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    ws.read_only_reason = reason
    if lock is not None:
        ws.instance_lock = lock
        ws.on_close.append(lock.release)
    return ws


def _open(location: str | Path, url: str, path: Path | None, *, actor: str | None, clock: Clock | None,
          read_only: bool, migrations: Path | None) -> Workspace:
    engine = make_engine(url if not read_only or path is None else sqlite_url(path, read_only=True),
                         read_only=read_only)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                result = conn.exec_driver_sql("PRAGMA quick_check").fetchall()
                if [r[0] for r in result] != ["ok"]:
                    raise WorkspaceError(f"{location} failed its integrity check: {result[0][0]}")
            current = migrate.current_revision(conn)
    except (OperationalError, DatabaseError) as exc:
        engine.dispose()
        raise WorkspaceError(f"cannot open {location}: {exc.orig}") from None
    head = migrate.head_revision(migrations)
    if current is None and path is not None:
        engine.dispose()
        raise WorkspaceError(f"{path} is not an OpsDesk workspace (no schema version)")
    if current != head:
        if read_only:
            engine.dispose()
            raise WorkspaceError(f"{location} needs a schema upgrade and is open read-only")
        if path is not None:
            saved = backup_before_migration(path, current)
            _log.info("backed up %s to %s before migrating", path, saved)
        try:
            migrate.upgrade(engine, migrations)
        except Exception as exc:
            engine.dispose()
            raise WorkspaceError(f"upgrading {location} failed and was rolled back: {exc}") from exc
    ws = Workspace(engine, location=str(path or url), actor=actor, clock=clock, read_only=read_only)
    _log.info("opened workspace %s%s", ws.location, " read-only" if read_only else "")
    return ws


def _looks_like_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            header = fh.read(16)
    except OSError:
        return False
    return header == b"SQLite format 3\x00" or header == b""


def info(ws: Workspace) -> WorkspaceInfoDTO:
    with ws.read() as s:
        row = s.scalar(select(WorkspaceInfo))
        if row is None:
            raise WorkspaceError(f"{ws.location} has no workspace record")
        return WorkspaceInfoDTO(row.organisation, row.default_currency, tuple(row.classification_scheme),
                                row.fiscal_year_start_month, ws.location)


def backup(ws: Workspace, dest: str | Path) -> Path:
    """Copy the open workspace to ``dest`` with SQLite's online backup and record it in the audit trail."""
    target = Path(dest).expanduser()
    if ws.engine.dialect.name != "sqlite":
        raise WorkspaceError("backup of a server database is done with pg_dump by its administrator")
    if target.is_dir():
        target = target / f"{Path(ws.location).stem}-{ws.clock():%Y%m%dT%H%M%SZ}.opsdesk"
    raw = ws.engine.raw_connection()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        dest_conn = sqlite3.connect(target)
        try:
            raw.driver_connection.backup(dest_conn)  # type: ignore[union-attr]
        finally:
            dest_conn.close()
    finally:
        raw.close()
    if not ws.read_only:
        with ws.write("workspace") as tx:
            tx.audit("backup", "workspace", "workspace", note=str(target))
    return target


def schema_objects(path: Path) -> list[tuple[str, str]]:
    """(type, name) of every schema object in a SQLite file, for tests and diagnostics."""
    with sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT type, name FROM sqlite_master ORDER BY type, name").fetchall()
    conn.close()
    return rows


def ping(ws: Workspace) -> dt.datetime:
    with ws.read() as s:
        s.execute(text("SELECT 1"))
    return ws.clock()


__all__ = ["create", "open_workspace", "info", "backup", "copy_sqlite", "shutil"]
