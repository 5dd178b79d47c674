"""Queries and bulk statements that take a connection; engine-specific SQL lives only here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

AUDIT_LOCK_KEY = 7_244_001  # an arbitrary constant naming "the audit chain" among advisory locks


def lock_audit_chain(conn: Connection) -> None:
    """Serialize appends to the audit chain among concurrent writers.

    SQLite: write transactions already start with BEGIN IMMEDIATE (see store.engine), so nothing to do.
    PostgreSQL: a transaction-level advisory lock, released at commit or rollback.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT_LOCK_KEY})


def can_write(conn: Connection) -> bool:
    """Whether the connected role may write (a read-only observer role may not)."""
    if conn.dialect.name != "postgresql":
        return True
    return bool(conn.execute(text("SELECT has_table_privilege(current_user, 'audit_event', 'INSERT')")).scalar())


def bulk_upsert_points(conn: Connection, rows: Iterable[tuple[int, int, float]], batch_id: int | None) -> int:
    """Insert metric points through the raw driver's executemany with tuples; replaces a point at the same
    (series, timestamp). Works on SQLite and PostgreSQL (both accept ON CONFLICT ... DO UPDATE)."""
    sql_sqlite = ("INSERT INTO metric_point (series_id, ts, value, batch_id) VALUES (?, ?, ?, ?) "
                  "ON CONFLICT (series_id, ts) DO UPDATE SET value = excluded.value, batch_id = excluded.batch_id")
    sql_pg = sql_sqlite.replace("?", "%s")
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    if conn.dialect.name == "postgresql":
        return _copy_points(dbapi, rows, batch_id)
    cur = dbapi.cursor()
    n = 0
    chunk: list[tuple[int, int, float, int | None]] = []
    sql = sql_pg if conn.dialect.name == "postgresql" else sql_sqlite
    for series_id, ts, value in rows:
        chunk.append((series_id, ts, value, batch_id))
        if len(chunk) >= 50_000:
            cur.executemany(sql, chunk)
            n += len(chunk)
            chunk.clear()
    if chunk:
        cur.executemany(sql, chunk)
        n += len(chunk)
    cur.close()
    return n


def series_points(conn: Connection, series_id: int, start: int | None, end: int | None) -> Any:
    import numpy as np

    clauses = ["series_id = :sid"]
    params: dict[str, Any] = {"sid": series_id}
    if start is not None:
        clauses.append("ts >= :start")
        params["start"] = start
    if end is not None:
        clauses.append("ts <= :end")
        params["end"] = end
    rows = conn.execute(text(f"SELECT ts, value FROM metric_point WHERE {' AND '.join(clauses)} ORDER BY ts"),
                        params).fetchall()
    if not rows:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    # plain tuples: numpy probing SQLAlchemy Row objects for the array protocol costs ~40x the conversion
    arr = np.asarray([tuple(r) for r in rows], dtype=np.float64)
    return arr[:, 0].astype(np.int64), arr[:, 1]


def _copy_points(dbapi: Any, rows: Iterable[tuple[int, int, float]], batch_id: int | None) -> int:
    """PostgreSQL: COPY straight into the table inside a savepoint (the common case: new points); when a point
    already exists, COPY into a temporary table and merge with ON CONFLICT instead."""
    materialized = rows if isinstance(rows, list) else list(rows)
    try:
        with dbapi.transaction():  # a savepoint inside the caller's transaction
            _copy_into(dbapi, "metric_point", materialized, batch_id)
        return len(materialized)
    except Exception as exc:  # unique violation: some points exist already
        if getattr(exc, "sqlstate", None) != "23505":
            raise
    with dbapi.cursor() as cur:
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS opsdesk_points_in "
                    "(series_id integer, ts bigint, value double precision, batch_id integer) ON COMMIT DROP")
        cur.execute("TRUNCATE opsdesk_points_in")
    _copy_into(dbapi, "opsdesk_points_in", materialized, batch_id)
    with dbapi.cursor() as cur:
        cur.execute("INSERT INTO metric_point (series_id, ts, value, batch_id) "
                    "SELECT DISTINCT ON (series_id, ts) series_id, ts, value, batch_id FROM opsdesk_points_in "
                    "ORDER BY series_id, ts "
                    "ON CONFLICT (series_id, ts) DO UPDATE SET value = excluded.value, batch_id = excluded.batch_id")
    return len(materialized)


def _copy_into(dbapi: Any, table: str, rows: list[tuple[int, int, float]], batch_id: int | None) -> None:
    with dbapi.cursor() as cur, cur.copy(f"COPY {table} (series_id, ts, value, batch_id) FROM STDIN") as copy:
        for series_id, ts, value in rows:
            copy.write_row((series_id, ts, value, batch_id))


def reset_sequences(conn: Connection, tables: Iterable[Any]) -> None:
    """After rows were copied in with explicit ids, move PostgreSQL's sequences past them."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        for column in table.primary_key.columns:
            if column.autoincrement is True or (column.autoincrement == "auto" and len(table.primary_key.columns) == 1
                                                and column.type._type_affinity is not None
                                                and column.type.python_type is int):
                seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                   {"t": table.name, "c": column.name}).scalar()
                if seq:
                    conn.execute(text(f"SELECT setval('{seq}', COALESCE((SELECT MAX({column.name}) FROM "
                                      f"{table.name}), 0) + 1, false)"))
