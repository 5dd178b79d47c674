"""Engines for a workspace: SQLite file (default) or a PostgreSQL URL.

SQLite follows SQLAlchemy's documented recipe for transactional DDL with pysqlite: the driver runs in autocommit
mode and SQLAlchemy emits ``BEGIN`` itself, so that schema changes (migrations) are inside the transaction and a
failure rolls them back whole.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, make_url
from sqlalchemy.engine import Engine

WRITE_OPTION = "opsdesk_write"


def sqlite_url(path: Path | str, *, read_only: bool = False) -> str:
    p = Path(path).resolve()
    if read_only:
        return f"sqlite:///file:{p.as_posix()}?mode=ro&uri=true"
    return f"sqlite:///{p.as_posix()}"


def is_server_url(location: str) -> bool:
    return "://" in location and not location.startswith("sqlite")


def check_server_url(url: str) -> None:
    """Refuse a password on the command line, in settings or logs: it belongs in a passfile or a prompt."""
    parsed = make_url(url)
    if parsed.password:
        raise ValueError("the database URL contains a password; put it in a passfile (~/.pgpass or PGPASSFILE) "
                         "or leave it out to be asked for it")
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"unsupported database '{parsed.get_backend_name()}' (OpsDesk supports SQLite files "
                         "and PostgreSQL)")


def redact(url: str) -> str:
    """The URL as it may be shown or logged."""
    if not is_server_url(url):
        return url
    return make_url(url).render_as_string(hide_password=True)


def make_engine(url: str, *, read_only: bool = False, echo: bool = False, password: str | None = None) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, future=True)
        _install_sqlite_recipe(engine, read_only=read_only)
        return engine
    connect_args: dict[str, Any] = {"connect_timeout": 10, "application_name": "opsdesk"}
    if password:
        connect_args["password"] = password
    return create_engine(url, echo=echo, pool_pre_ping=True, connect_args=connect_args)


def _install_sqlite_recipe(engine: Engine, *, read_only: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # the driver no longer opens transactions on its own
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=5000")
        if not read_only:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A write transaction takes the write lock up front, so the audit chain's "read the last hash, append"
        # can never interleave with another writer; readers stay deferred and never block writers.
        immediate = not read_only and conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
