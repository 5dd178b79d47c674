"""A PostgreSQL server for the tests: each test gets its own database, made from a template and dropped after.

The server comes from OPSDESK_TEST_PG_URL (default: the local server with trust authentication). Without a
reachable server the PostgreSQL half of the tests skips with a visible reason — except under CI (CI=true), where
an unreachable server fails the run.
"""

from __future__ import annotations

import os
import uuid
from functools import cache

import pytest

ADMIN_URL = os.environ.get("OPSDESK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _psycopg_conninfo(url: str) -> str:
    from sqlalchemy import make_url

    u = make_url(url)
    parts = [f"dbname={u.database}", f"host={u.host or '127.0.0.1'}", f"port={u.port or 5432}"]
    if u.username:
        parts.append(f"user={u.username}")
    return " ".join(parts)


@cache
def server_problem() -> str | None:
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    try:
        with psycopg.connect(_psycopg_conninfo(ADMIN_URL), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return f"no PostgreSQL server at {ADMIN_URL}: {str(exc).strip().splitlines()[0]}"
    return None


def require_server() -> None:
    problem = server_problem()
    if problem is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI needs PostgreSQL: {problem}")
    pytest.skip(problem)


def admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(_psycopg_conninfo(ADMIN_URL), autocommit=True) as conn:
        conn.execute(sql)


def url_for(dbname: str, user: str | None = None) -> str:
    from sqlalchemy import make_url

    u = make_url(ADMIN_URL).set(database=dbname)
    if user:
        u = u.set(username=user)
    return u.render_as_string(hide_password=False)


def new_database(template: str | None = None) -> str:
    name = f"opsdesk_t_{uuid.uuid4().hex[:12]}"
    admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return name


def drop_database(name: str) -> None:
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
