"""Create, open, back up and check a workspace file (or a server database)."""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import os
import secrets
import shutil
import sqlite3
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import make_url, select, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import DatabaseError, OperationalError

from opsdesk import files, log, settings
from opsdesk.domain.classification import DEFAULT_SCHEME
from opsdesk.errors import WorkspaceError
from opsdesk.services.workspace import checkpoints
from opsdesk.store import migrate, queries
from opsdesk.store.engine import (
    PASSWORD_REFUSED,
    check_server_url,
    inline_password,
    is_server_url,
    make_engine,
    redact,
    sqlite_ro_uri,
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


def _url_and_path(location: str | Path) -> tuple[str | URL, Path | None]:
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
    """Create an empty workspace with the current schema and its first audit event.

    A file is built beside its final place and moved there only when complete (see :func:`build_file`), so a
    killed process never leaves half a workspace, and replacing an existing file (``force``) is refused while
    any OpsDesk process has it open."""
    url, path = _url_and_path(location)
    if path is not None:
        build_file(path, lambda tmp: _create_at(tmp, sqlite_url(tmp), organisation=organisation, currency=currency,
                                                 scheme=scheme, actor=actor, clock=clock).close(), force=force)
        return open_workspace(path, actor=actor, clock=clock)
    return _create_at(None, url, organisation=organisation, currency=currency, scheme=scheme, actor=actor,
                      clock=clock, password=password)


def create_in_place(location: str | Path, *, organisation: str = "My organisation", currency: str = "USD",
                    scheme: tuple[str, ...] = DEFAULT_SCHEME, actor: str | None = None,
                    clock: Clock | None = None) -> Workspace:
    """Create the workspace right at ``location`` without a lock or a move: for the builder of :func:`build_file`
    (a file nobody else knows yet) and for an empty server database."""
    url, path = _url_and_path(location)
    return _create_at(path, url, organisation=organisation, currency=currency, scheme=scheme, actor=actor,
                      clock=clock)


def _create_at(path: Path | None, url: str | URL, *, organisation: str, currency: str, scheme: tuple[str, ...],
               actor: str | None, clock: Clock | None, password: str | None = None) -> Workspace:
    engine = make_engine(url, password=password, durability=settings.durability())
    if path is None:
        assert isinstance(url, str)
        _check_reachable(engine, url)
        with engine.connect() as conn:
            existing = migrate.current_revision(conn)
        if existing is not None:
            engine.dispose()
            raise WorkspaceError(f"{redact(url)} already holds an OpsDesk workspace")
    migrate.upgrade(engine)
    ws = checkpoints.install(Workspace(engine, location=str(path or redact(str(url))), actor=actor, clock=clock))
    with ws.write("workspace") as tx:
        if tx.session.scalar(select(WorkspaceInfo)) is not None:
            raise WorkspaceError(f"{ws.location} already holds a workspace")
        info = WorkspaceInfo(organisation=organisation, default_currency=currency,
                             classification_scheme=list(scheme), fiscal_year_start_month=1, created_at=ws.clock())
        tx.add(info, "workspace", key="workspace")
    _log.info("created workspace %s", ws.location)
    return ws


PARTIAL = ".partial-"


def _partials(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f".{glob.escape(path.name)}{PARTIAL}*"))


def build_file(path: Path, build: Callable[[Path], object], *, force: bool = False) -> Path:
    """Build a workspace file with ``build(tmp)`` in a hidden file beside ``path`` and move it into place only when
    it is complete and on disk. Holds the writers' lock exclusively throughout: refused in one line while anyone
    has the file open; the leftovers of a build that was killed are removed first."""
    from opsdesk.services.workspace import instance_lock

    try:
        exists = files.regular_or_missing(path, "workspace file")
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(f"cannot create {files.os_error_line(exc, path)}") from None
    if exists and not force:
        raise WorkspaceError(f"{path} already exists (use --force to replace it)")
    lock = instance_lock.exclusive(path)
    tmp = path.with_name(f".{path.name}{PARTIAL}{os.getpid()}-{secrets.token_hex(4)}")
    try:
        if path.exists() and not force:
            raise WorkspaceError(f"{path} already exists (use --force to replace it)")
        for old in _partials(path):  # a build killed earlier: nobody else can be building (we hold the lock)
            old.unlink(missing_ok=True)
        try:
            build(tmp)
            _settle(tmp)
            for extra in (Path(f"{path}-wal"), Path(f"{path}-shm")):
                extra.unlink(missing_ok=True)
            os.replace(tmp, path)
            _fsync_dir(path.parent)
        except OSError as exc:
            raise WorkspaceError(f"cannot create {files.os_error_line(exc, path)}") from None
        except (OperationalError, DatabaseError) as exc:
            raise WorkspaceError(f"cannot create {files.shown(path)}: {exc.orig}") from None
    finally:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm"), Path(f"{tmp}-journal")):
            with contextlib.suppress(OSError):
                leftover.unlink()
        lock.release()
    return path


def _settle(path: Path) -> None:
    """Fold the WAL into the file and flush it to disk, so the file alone is the whole workspace."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    if sys.platform == "win32":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


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
    with sqlite3.connect(sqlite_ro_uri(src), uri=True) as source, sqlite3.connect(dest) as target:
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
                   i_have_a_backup: bool = False, exclusive: bool = False, quick_check: bool = True) -> Workspace:
    """Open an existing workspace: pragmas, quick check, backup then migrations when the schema is behind.

    ``exclusive`` (the GUI) takes the instance lock; when another OpsDesk process holds it, the workspace opens
    read-only and ``read_only_reason`` names that process. ``quick_check=False`` (``opsdesk verify``, which runs the
    full ``integrity_check`` itself and reports a damaged file as findings) skips SQLite's ``quick_check``."""
    url, path = _url_and_path(location)
    lock = None
    lock_reason = ""
    access = None
    if path is not None:
        if not files.regular_or_missing(path, "workspace file"):
            raise WorkspaceError(f"{files.shown(path)} does not exist (create it with 'opsdesk init --workspace "
                                 f"{files.shown(path)}')")
        if not looks_like_sqlite(path):
            raise WorkspaceError(f"{files.shown(path)} is not an OpsDesk workspace (not a SQLite database)")
        if exclusive and not read_only:
            from opsdesk.services.workspace import instance_lock

            lock = instance_lock.acquire(path)
            if lock is None:
                read_only = True
                who = instance_lock.holder(path)
                lock_reason = (f"it is open in {who}" if who.startswith("another window")
                               else f"it is open in another OpsDesk process ({who})")
    if path is not None and not read_only:
        unwritable = _unwritable(path)
        if unwritable:
            read_only, lock_reason = True, f"the file cannot be written ({unwritable})"
            if lock is not None:
                lock.release()
                lock = None
    if path is not None and not read_only:
        from opsdesk.services.workspace import instance_lock

        try:
            access = instance_lock.share(path)
        except BaseException:
            if lock is not None:
                lock.release()
            raise
    try:
        ws = _open(location, url, path, actor=actor, clock=clock, read_only=read_only, migrations=migrations,
                   password=password, i_have_a_backup=i_have_a_backup, quick_check=quick_check)
    except BaseException:
        if access is not None:
            access.release()
        if lock is not None:
            lock.release()
        raise
    if lock_reason:
        ws.read_only_reason = lock_reason
    if lock is not None:
        ws.instance_lock = lock
        ws.on_close.append(lock.release)
    if access is not None:
        ws.access_lock = access
        ws.on_close.append(access.release)
    return ws


def _open(location: str | Path, url: str | URL, path: Path | None, *, actor: str | None, clock: Clock | None,
          read_only: bool, migrations: Path | None, password: str | None, i_have_a_backup: bool,
          quick_check: bool = True) -> Workspace:
    engine = make_engine(url if not read_only or path is None else sqlite_url(path, read_only=True),
                         read_only=read_only, password=password, durability=settings.durability())
    if path is None:
        _check_reachable(engine, str(url))
    reason = ""
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite" and quick_check:
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
        where = path if path is not None else redact(str(url))
        raise WorkspaceError(f"{where} is not an OpsDesk workspace (no schema version)")
    if current != head:
        if read_only:
            engine.dispose()
            raise WorkspaceError(f"{location} needs a schema upgrade and is open read-only")
        try:
            saved = str(backup_before_migration(path, current)) if path is not None else \
                _server_backup(str(url), i_have_a_backup)
        except BaseException:
            engine.dispose()
            raise
        _log.info("backup before migrating %s: %s", redact(str(location)), saved)
        try:
            migrate.upgrade(engine, migrations)
        except Exception as exc:
            engine.dispose()
            raise WorkspaceError(f"upgrading {redact(str(location))} failed and was rolled back: {exc}") from exc
    ws = checkpoints.install(Workspace(engine, location=str(path or redact(str(url))), actor=actor, clock=clock,
                                       read_only=read_only, read_only_reason=reason))
    if current != head:
        checkpoints.sign_current_head(ws)  # from the upgrade on, the chain's head is anchored
    _log.info("opened workspace %s%s", ws.location, " read-only" if read_only else "")
    return ws


def _unwritable(path: Path) -> str:
    """Why the file cannot be written (immutable, read-only media, no permission), or ""."""
    try:
        fd = os.open(path, os.O_RDWR | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        return exc.strerror or str(exc)
    os.close(fd)
    return ""


def looks_like_sqlite(path: Path) -> bool:
    """A SQLite header (read without blocking, 16 bytes deep). An empty file is not a workspace: opening it with
    SQLite would write a header into it."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise WorkspaceError(f"cannot open {files.os_error_line(exc, path)}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        header = os.read(fd, 16)
    except OSError:
        return False
    finally:
        os.close(fd)
    return header == b"SQLite format 3\x00"


def data_version(ws: Workspace) -> int:
    """How many write transactions the workspace has committed (by anyone): what the window polls to notice
    changes made by another process or another user of a shared server."""
    with ws.read() as s:
        return queries.data_version(s.connection())


def records_version(ws: Workspace) -> int:
    """How many write transactions changed records (audit-only ones, such as exports, not counted): what the
    dashboard summary is keyed on."""
    with ws.read() as s:
        return queries.records_version(s.connection())


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


def backup(ws: Workspace, dest: str | Path, *, force: bool = False) -> Path:
    """Copy the open workspace to ``dest`` (a file, or a folder to put a dated copy in) with SQLite's online
    backup and record it in the audit trail. The copy is written beside ``dest`` and moved into place when
    complete; an existing file is replaced only with ``force``, and never while an OpsDesk process has it open."""
    target = Path(dest).expanduser()
    if ws.engine.dialect.name != "sqlite":
        raise WorkspaceError("backup of a server database is done with pg_dump by its administrator")
    try:
        if target.is_dir():
            target = target / f"{Path(ws.location).stem}-{ws.clock():%Y%m%dT%H%M%SZ}.opsdesk"
        exists = files.regular_or_missing(target, "backup file")
    except OSError as exc:
        raise WorkspaceError(f"cannot back up to {files.os_error_line(exc, target)}") from None
    if exists and os.path.samefile(target, ws.location):
        raise WorkspaceError(f"{files.shown(target)} is the workspace itself")
    if exists and not force:
        raise WorkspaceError(f"{files.shown(target)} already exists; nothing was written (use --force to "
                             "replace it)")

    def copy(tmp: Path) -> None:
        raw = ws.engine.raw_connection()
        try:
            dest_conn = sqlite3.connect(tmp)
            try:
                raw.driver_connection.backup(dest_conn)  # type: ignore[union-attr]
            finally:
                dest_conn.close()
        finally:
            raw.close()

    build_file(target, copy, force=force)
    if not ws.read_only:
        with ws.write("workspace") as tx:
            tx.audit("backup", "workspace", "workspace", note=str(target))
    return target


def schema_objects(path: Path) -> list[tuple[str, str]]:
    """(type, name) of every schema object in a SQLite file, for tests and diagnostics."""
    with sqlite3.connect(sqlite_ro_uri(path), uri=True) as conn:
        rows = conn.execute("SELECT type, name FROM sqlite_master ORDER BY type, name").fetchall()
    conn.close()
    return rows


def ping(ws: Workspace) -> dt.datetime:
    with ws.read() as s:
        s.execute(text("SELECT 1"))
    return ws.clock()

