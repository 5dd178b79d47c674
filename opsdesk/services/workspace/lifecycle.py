"""Create, open, back up and check a workspace file (or a server database)."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import make_url, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError, OperationalError

from opsdesk import log
from opsdesk.domain.classification import DEFAULT_SCHEME
from opsdesk.errors import WorkspaceError
from opsdesk.store import migrate, queries
from opsdesk.store.engine import (
    PASSWORD_REFUSED,
    check_server_url,
    inline_password,
    is_server_url,
    make_engine,
    redact,
    sqlite_url,
)
from opsdesk.store.models import WorkspaceInfo
from opsdesk.store.workspace import Clock, Workspace

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
    if not isinstance(location, Path) and inline_password(text_loc):
        raise WorkspaceError(PASSWORD_REFUSED)
    if is_server_url(text_loc):
        try:
            check_server_url(text_loc)
        except ValueError as exc:
            raise WorkspaceError(str(exc)) from None
        return text_loc, None
    path = Path(location).expanduser()
    return sqlite_url(path), path


def create(location: str | Path, *, organisation: str = "My organisation", currency: str = "USD",
           scheme: tuple[str, ...] = DEFAULT_SCHEME, actor: str | None = None, clock: Clock | None = None,
           force: bool = False, password: str | None = None) -> Workspace:
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
    engine = make_engine(url, password=password)
    if path is None:
        _check_reachable(engine, url)
        with engine.connect() as conn:
            existing = migrate.current_revision(conn)
        if existing is not None:
            engine.dispose()
            raise WorkspaceError(f"{redact(url)} already holds an OpsDesk workspace")
    migrate.upgrade(engine)
    ws = Workspace(engine, location=str(path or redact(url)), actor=actor, clock=clock)
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


class PasswordRequired(WorkspaceError):
    """The server asked for a password that no passfile supplied; the caller may prompt and try again."""


def _check_reachable(engine: Engine, url: str) -> None:
    try:
        with engine.connect():
            pass
    except (OperationalError, DatabaseError) as exc:
        engine.dispose()
        text_exc = str(exc.orig)
        if "password" in text_exc.lower():
            raise PasswordRequired(f"{redact(url)} needs a password: {text_exc.strip().splitlines()[0]}") from None
        raise WorkspaceError(f"cannot connect to {redact(url)}: {text_exc.strip().splitlines()[0]}") from None


def _server_backup(url: str, confirmed: bool) -> str:
    """Before migrating a server database: run pg_dump when the client tools exist, else insist on a backup."""
    if confirmed:
        return "confirmed by the operator (--i-have-a-backup)"
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise WorkspaceError(f"{redact(url)} needs a schema upgrade; take a backup first and run again with "
                             "--i-have-a-backup (pg_dump was not found to take one automatically)")
    import subprocess

    from opsdesk import paths

    parsed = make_url(url)
    dest = paths.user_data_dir() / f"pg-{parsed.database}-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.dump"
    args = [pg_dump, "--format=custom", f"--file={dest}", f"--dbname={parsed.database}"]
    if parsed.host:
        args.append(f"--host={parsed.host}")
    if parsed.port:
        args.append(f"--port={parsed.port}")
    if parsed.username:
        args.append(f"--username={parsed.username}")
    done = subprocess.run(args, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise WorkspaceError(f"pg_dump failed before the upgrade, nothing was changed: {done.stderr.strip()}")
    return str(dest)


def open_workspace(location: str | Path, *, actor: str | None = None, clock: Clock | None = None,
                   read_only: bool = False, migrations: Path | None = None, password: str | None = None,
                   i_have_a_backup: bool = False, exclusive: bool = False) -> Workspace:
    """Open an existing workspace: pragmas, quick check, backup then migrations when the schema is behind.

    ``exclusive`` (the GUI) takes the instance lock; when another OpsDesk process holds it, the workspace opens
    read-only and ``read_only_reason`` names that process."""
    url, path = _url_and_path(location)
    lock = None
    lock_reason = ""
    if path is not None:
        if not path.exists():
            raise WorkspaceError(f"{path} does not exist (create it with 'opsdesk init --workspace {path}')")
        if not _looks_like_sqlite(path):
            raise WorkspaceError(f"{path} is not an OpsDesk workspace (not a SQLite database)")
        if exclusive and not read_only:
            from opsdesk.services.workspace import instance_lock

            lock = instance_lock.acquire(path)
            if lock is None:
                read_only = True
                who = instance_lock.holder(path)
                lock_reason = (f"it is open in {who}" if who.startswith("another window")
                               else f"it is open in another OpsDesk process ({who})")
    try:
        ws = _open(location, url, path, actor=actor, clock=clock, read_only=read_only, migrations=migrations,
                   password=password, i_have_a_backup=i_have_a_backup)
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    if lock_reason:
        ws.read_only_reason = lock_reason
    if lock is not None:
        ws.instance_lock = lock
        ws.on_close.append(lock.release)
    return ws


def _open(location: str | Path, url: str, path: Path | None, *, actor: str | None, clock: Clock | None,
          read_only: bool, migrations: Path | None, password: str | None, i_have_a_backup: bool) -> Workspace:
    engine = make_engine(url if not read_only or path is None else sqlite_url(path, read_only=True),
                         read_only=read_only, password=password)
    if path is None:
        _check_reachable(engine, url)
    reason = ""
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                result = conn.exec_driver_sql("PRAGMA quick_check").fetchall()
                if [r[0] for r in result] != ["ok"]:
                    raise WorkspaceError(f"{location} failed its integrity check: {result[0][0]}")
            current = migrate.current_revision(conn)
            if current is not None and not read_only and not queries.can_write(conn):
                read_only, reason = True, "your database role can only read"
    except WorkspaceError:
        engine.dispose()
        raise
    except (OperationalError, DatabaseError) as exc:
        engine.dispose()
        raise WorkspaceError(f"cannot open {redact(str(location))}: {exc.orig}") from None
    head = migrate.head_revision(migrations)
    if current is None:
        engine.dispose()
        where = path if path is not None else redact(url)
        raise WorkspaceError(f"{where} is not an OpsDesk workspace (no schema version)")
    if current != head:
        if read_only:
            engine.dispose()
            raise WorkspaceError(f"{location} needs a schema upgrade and is open read-only")
        try:
            saved = str(backup_before_migration(path, current)) if path is not None else \
                _server_backup(url, i_have_a_backup)
        except BaseException:
            engine.dispose()
            raise
        _log.info("backup before migrating %s: %s", redact(str(location)), saved)
        try:
            migrate.upgrade(engine, migrations)
        except Exception as exc:
            engine.dispose()
            raise WorkspaceError(f"upgrading {redact(str(location))} failed and was rolled back: {exc}") from exc
    ws = Workspace(engine, location=str(path or redact(url)), actor=actor, clock=clock, read_only=read_only,
                   read_only_reason=reason)
    _log.info("opened workspace %s%s", ws.location, " read-only" if read_only else "")
    return ws


def _looks_like_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            header = fh.read(16)
    except OSError:
        return False
    return header == b"SQLite format 3\x00" or header == b""


def data_version(ws: Workspace) -> int:
    """How many write transactions the workspace has committed (by anyone): what the window polls to notice
    changes made by another process or another user of a shared server."""
    with ws.read() as s:
        return queries.data_version(s.connection())


def info(ws: Workspace) -> WorkspaceInfoDTO:
    with ws.read() as s:
        row = s.scalar(select(WorkspaceInfo))
        if row is None:
            raise WorkspaceError(f"{ws.location} has no workspace record")
        return WorkspaceInfoDTO(row.organisation, row.default_currency, tuple(row.classification_scheme),
                                row.fiscal_year_start_month, ws.location)


def set_organisation(ws: Workspace, name: str) -> str:
    """Name the organisation the papers are issued by; one audited action."""
    from opsdesk.errors import ValidationError

    cleaned = " ".join(str(name or "").split())
    if not cleaned:
        raise ValidationError("organisation", "is required", entity="workspace")
    if len(cleaned) > 200:
        raise ValidationError("organisation", "is longer than 200 characters", entity="workspace")
    with ws.write("workspace") as tx:
        row = tx.session.scalar(select(WorkspaceInfo))
        if row is None:
            raise WorkspaceError(f"{ws.location} has no workspace record")
        tx.update(row, "workspace", {"organisation": cleaned}, key="organisation")
    return cleaned


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

