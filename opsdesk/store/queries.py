"""Queries and bulk statements that take a connection; engine-specific SQL lives only here."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice, repeat
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

_UPSERT_POINT = ("INSERT INTO metric_point (series_id, ts, value, batch_id) VALUES (?, ?, ?, ?) "
                 "ON CONFLICT (series_id, ts) DO UPDATE SET value = excluded.value, batch_id = excluded.batch_id")


def _executemany_chunks(conn: Connection, sql_sqlite: str, rows: Iterator[tuple[Any, ...]],
                        chunk_size: int = 50_000) -> int:
    sql = sql_sqlite.replace("?", "%s") if conn.dialect.name == "postgresql" else sql_sqlite
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    cur = dbapi.cursor()
    n = 0
    try:
        while chunk := list(islice(rows, chunk_size)):
            cur.executemany(sql, chunk)
            n += len(chunk)
    finally:
        cur.close()
    return n


def bulk_upsert_points(conn: Connection, rows: Iterable[tuple[int, int, float]], batch_id: int | None) -> int:
    """Insert metric points through the raw driver's executemany with tuples; replaces a point at the same
    (series, timestamp). Works on SQLite and PostgreSQL (both accept ON CONFLICT ... DO UPDATE)."""
    return _executemany_chunks(conn, _UPSERT_POINT, ((s, t, v, batch_id) for s, t, v in rows))


def bulk_upsert_point_columns(conn: Connection, series_ids: Sequence[int], ts: Sequence[int],
                              values: Sequence[float], batch_id: int | None) -> int:
    """The same as :func:`bulk_upsert_points` for three parallel columns; the row tuples are built in C."""
    return _executemany_chunks(conn, _UPSERT_POINT, zip(series_ids, ts, values, repeat(batch_id)))  # noqa: B905


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
    arr = np.asarray(rows, dtype=np.float64)
    return arr[:, 0].astype(np.int64), arr[:, 1]
