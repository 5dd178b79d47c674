"""Queries and bulk statements that take a connection; engine-specific SQL lives only here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection


def bulk_upsert_points(conn: Connection, rows: Iterable[tuple[int, int, float]], batch_id: int | None) -> int:
    """Insert metric points through the raw driver's executemany with tuples; replaces a point at the same
    (series, timestamp). Works on SQLite and PostgreSQL (both accept ON CONFLICT ... DO UPDATE)."""
    sql_sqlite = ("INSERT INTO metric_point (series_id, ts, value, batch_id) VALUES (?, ?, ?, ?) "
                  "ON CONFLICT (series_id, ts) DO UPDATE SET value = excluded.value, batch_id = excluded.batch_id")
    sql_pg = sql_sqlite.replace("?", "%s")
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
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
