"""Engines for a workspace: SQLite file (default) or a PostgreSQL URL.

SQLite follows SQLAlchemy's documented recipe for transactional DDL with pysqlite: the driver runs in autocommit
mode and SQLAlchemy emits ``BEGIN`` itself, so that schema changes (migrations) are inside the transaction and a
failure rolls them back whole.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, make_url
from sqlalchemy.engine import URL, Engine

from opsdesk.errors import WorkspaceBusy

_log = logging.getLogger("opsdesk.store.engine")
WRITE_OPTION = "opsdesk_write"


_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/:")
_ESCAPE = re.compile(rb"%([0-9A-Fa-f]{2})")


def _quote(text: str) -> str:
    """Percent-encode every byte but unreserved characters, ``/`` and ``:`` (RFC 3986; urllib is not imported:
    OpsDesk's code names no network library)."""
    return "".join(chr(b) if b in _SAFE else f"%{b:02X}" for b in os.fsencode(text))


def _unquote_plus(text: str) -> str:
    raw = _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), text.replace("+", " ").encode("utf-8",
                                                                                            "surrogateescape"))
    return raw.decode("utf-8", "replace")


def sqlite_ro_uri(path: Path | str) -> str:
    """A read-only SQLite URI for a file path, percent-encoded so that ``%``, ``?`` and ``#`` in a name stay part
    of the name (``file:`` URIs treat them as escapes, query and fragment)."""
    posix = Path(os.path.abspath(path)).as_posix()
    return "file://" + ("" if posix.startswith("/") else "/") + _quote(posix) + "?mode=ro"


def sqlite_url(path: Path | str, *, read_only: bool = False) -> URL:
    """The engine URL for a workspace file, built from its parts and never parsed, so a name holding ``%20``,
    ``?`` or ``#`` opens exactly that file (a parsed ``sqlite:///`` string would decode or split it)."""
    if read_only:
        return URL.create("sqlite", database=sqlite_ro_uri(path), query={"uri": "true"})
    return URL.create("sqlite", database=Path(os.path.abspath(path)).as_posix())


def is_server_url(location: str) -> bool:
    return "://" in location and not location.startswith("sqlite")


#: a password given as ``key=value`` anywhere: a URL's query (``?password=``, ``&sslpassword=``), a ``dsn`` or
#: ``options`` value, or a libpq connection string (``host=h password=p``)
_PASSWORD_KEY = re.compile(r"(?:^|[\s?&;,'\"])(?:ssl)?(?:password|passwd|pass|pwd)\s*=", re.IGNORECASE)
PASSWORD_REFUSED = ("the database location contains a password, which OpsDesk never takes from a URL, a setting "
                    "or the command line (nothing was opened); put it in a passfile (~/.pgpass or PGPASSFILE) or "
                    "leave it out to be asked for it")


def _decoded(text: str) -> str:
    """``text`` with percent-encoding undone until nothing changes (``pass%2577ord`` is ``password`` too)."""
    for _ in range(5):
        plain = _unquote_plus(text)
        if plain == text:
            break
        text = plain
    return text


def inline_password(location: str) -> bool:
    """Whether a database location carries a password in any form: userinfo (``user:pw@``, also percent-encoded),
    a ``password``/``sslpassword`` query key in any case or encoding, or a ``dsn``/conninfo ``password=``."""
    text = _decoded(location)
    if _PASSWORD_KEY.search(text):
        return True
    if "://" in text:
        authority = text.split("://", 1)[1].split("/", 1)[0]
        if "@" in authority and ":" in authority.rsplit("@", 1)[0]:
            return True
    return False


def check_server_url(url: str) -> None:
    """Refuse a password on the command line, in settings or logs: it belongs in a passfile or a prompt. The
    refusal never repeats the URL."""
    if inline_password(url):
        raise ValueError(PASSWORD_REFUSED)
    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - SQLAlchemy's message would repeat the URL
        raise ValueError("the database URL cannot be read (expected postgresql+psycopg://user@host/db)") from None
    if parsed.password is not None:
        raise ValueError(PASSWORD_REFUSED)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"unsupported database '{parsed.get_backend_name()}' (OpsDesk supports SQLite files "
                         "and PostgreSQL)")


def redact(url: str) -> str:
    """The URL as it may be shown or logged: never a password, in whatever form it came."""
    if not is_server_url(url):
        return "(a connection string with a password)" if inline_password(url) else url
    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - unreadable: show only its scheme
        return url.split("://", 1)[0] + "://…"
    query = {k: "***" if inline_password(f"?{k}={v if isinstance(v, str) else ' '.join(v)}") else v
             for k, v in parsed.query.items()}
    return parsed.set(query=query).render_as_string(hide_password=True)


#: ``PRAGMA synchronous`` per durability setting (``opsdesk settings durability``): in WAL mode NORMAL never
#: corrupts the file but a power loss may lose the last commits; FULL syncs the log at every commit.
SYNCHRONOUS = {"normal": "NORMAL", "full": "FULL"}


def make_engine(url: str | URL, *, read_only: bool = False, echo: bool = False,
                password: str | None = None, durability: str = "normal") -> Engine:
    if isinstance(url, URL) or url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, future=True)
        _install_sqlite_recipe(engine, read_only=read_only, synchronous=SYNCHRONOUS[durability])
        return engine
    connect_args: dict[str, Any] = {"connect_timeout": 10, "application_name": "opsdesk"}
    if password:
        connect_args["password"] = password
    return create_engine(url, echo=echo, pool_pre_ping=True, connect_args=connect_args)


def _install_sqlite_recipe(engine: Engine, *, read_only: bool, synchronous: str = "NORMAL") -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # the driver no longer opens transactions on its own
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=5000")
        if not read_only:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A write transaction takes the write lock up front, so the audit chain's "read the last hash, append"
        # can never interleave with another writer; readers stay deferred and never block writers.
        immediate = not read_only and conn.get_execution_options().get(WRITE_OPTION, False)
        if not immediate:
            conn.exec_driver_sql("BEGIN")
            return
        _begin_writing(conn.connection.driver_connection)


#: how long a writer waits its turn behind another process's write transaction before it says the workspace is
#: busy (``$OPSDESK_WRITE_WAIT`` seconds; SQLite's own busy timeout is one 5-second step of it)
WRITE_WAIT_SECONDS = 300.0
_wait_notices: list[Callable[[str], None]] = []


def on_wait(notice: Callable[[str], None]) -> None:
    """Call ``notice(message)`` once per wait when a writer has to wait for another process (the CLI prints it)."""
    _wait_notices.append(notice)


def _begin_writing(dbapi_conn: Any) -> None:
    """``BEGIN IMMEDIATE``, waiting for another writer's transaction to end (saying so once), for at most
    :data:`WRITE_WAIT_SECONDS`; then one line that the workspace is busy, never a raw "database is locked"."""
    limit = float(os.environ.get("OPSDESK_WRITE_WAIT", WRITE_WAIT_SECONDS))
    deadline = time.monotonic() + limit
    told = False
    while True:
        try:
            dbapi_conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() >= deadline:
                raise WorkspaceBusy(f"the workspace is busy: another process has been writing to it for more than "
                                    f"{limit:.0f} s; nothing was changed — try again when it has finished") from None
            if not told:
                told = True
                message = "another process is writing to the workspace; waiting for it to finish…"
                _log.info(message)
                for notice in list(_wait_notices):
                    notice(message)
