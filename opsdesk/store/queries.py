"""Queries and bulk statements that take a connection; engine-specific SQL lives only here."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain
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
    arr = np.asarray(rows, dtype=np.float64)
    return arr[:, 0].astype(np.int64), arr[:, 1]


def _cursor_sql(conn: Connection, sql: str) -> tuple[Any, str]:
    """A raw DBAPI cursor and ``sql`` in the driver's parameter style (``?`` written, ``%s`` on PostgreSQL)."""
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    return dbapi.cursor(), (sql.replace("?", "%s") if conn.dialect.name == "postgresql" else sql)


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    for k in range(0, len(ids), size):
        yield ids[k:k + size]


def window_points(conn: Connection, series_ids: Iterable[int], start: int, end: int) -> Any:
    """(series ids, timestamps, values) as numpy arrays for many series between two epoch seconds (inclusive),
    sorted by series then time. Uses the (series_id, ts) key, so it reads only the window of each series."""
    import numpy as np

    ids = sorted(set(series_ids))
    rows: list[tuple[int, int, float]] = []
    for chunk in _chunks(ids):
        cur, sql = _cursor_sql(conn, "SELECT series_id, ts, value FROM metric_point WHERE series_id IN ("
                               + ",".join("?" * len(chunk)) + ") AND ts >= ? AND ts <= ? ORDER BY series_id, ts")
        cur.execute(sql, (*chunk, start, end))
        rows.extend(cur.fetchall())
        cur.close()
    if not rows:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64)
    arr = np.fromiter(chain.from_iterable(rows), dtype=np.float64, count=3 * len(rows)).reshape(-1, 3)
    return arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64), arr[:, 2]


def first_points(conn: Connection, series_id: int, n: int) -> Any:
    """The first ``n`` values of a series (its baseline period), as a numpy array."""
    import numpy as np

    cur, sql = _cursor_sql(conn, "SELECT value FROM metric_point WHERE series_id = ? ORDER BY ts LIMIT ?")
    cur.execute(sql, (series_id, n))
    rows = cur.fetchall()
    cur.close()
    return np.asarray([r[0] for r in rows], dtype=np.float64)


def latest_ts(conn: Connection) -> int | None:
    """The latest timestamp of any metric point: one key seek per series inside the database (a plain
    ``MAX(ts)`` would read every point, since the key starts with the series)."""
    row = conn.execute(text("SELECT MAX(last) FROM (SELECT (SELECT MAX(p.ts) FROM metric_point p "
                            "WHERE p.series_id = s.id) AS last FROM metric_series s) AS latest")).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def daily_mean(conn: Connection, series_ids: Iterable[int], start: int | None = None,
               end: int | None = None, *, total: bool = False) -> Any:
    """(timestamps, mean value — or the sum with ``total``) over many series, one row per timestamp, as numpy
    arrays."""
    import numpy as np

    ids = sorted(set(series_ids))
    if not ids:
        return np.empty(0, np.int64), np.empty(0, np.float64)
    sums: dict[int, list[float]] = {}
    for chunk in _chunks(ids):
        where = "series_id IN (" + ",".join("?" * len(chunk)) + ")"
        params: list[Any] = list(chunk)
        if start is not None:
            where += " AND ts >= ?"
            params.append(start)
        if end is not None:
            where += " AND ts <= ?"
            params.append(end)
        cur, sql = _cursor_sql(conn, f"SELECT ts, SUM(value), COUNT(*) FROM metric_point WHERE {where} GROUP BY ts")
        cur.execute(sql, params)
        for ts, part, count in cur.fetchall():
            acc = sums.setdefault(int(ts), [0.0, 0.0])
            acc[0] += float(part)
            acc[1] += count
        cur.close()
    keys = np.asarray(sorted(sums), dtype=np.int64)
    means = np.asarray([sums[k][0] if total else sums[k][0] / sums[k][1] for k in keys.tolist()], dtype=np.float64)
    return keys, means


def spend_rows(conn: Connection, before: Any) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Cost records billed before ``before`` as (id, first day, end day, effective cost, currency) and every
    allocation as (cost record id, initiative id, amount, currency), read through the raw driver: money comes
    back as ``Decimal`` and periods as dates (UTC) on both engines (SQLite keeps them as text)."""
    import datetime as dt
    from decimal import Decimal

    def when(value: Any) -> dt.date:
        return value.date() if isinstance(value, dt.datetime) else dt.date.fromisoformat(value[:10])

    naive = before.replace(tzinfo=None) if getattr(before, "tzinfo", None) else before
    cur, sql = _cursor_sql(conn, "SELECT id, charge_period_start, charge_period_end, effective_cost, "
                                 "billing_currency FROM cost_record WHERE charge_period_start < ?")
    cur.execute(sql, (naive if conn.dialect.name == "postgresql" else naive.strftime("%Y-%m-%d %H:%M:%S.%f"),))
    records = [(rid, when(start), when(end), Decimal(str(cost)), currency)
               for rid, start, end, cost, currency in cur.fetchall()]
    cur.execute("SELECT cost_record_id, initiative_id, amount, currency FROM allocation")
    allocations = [(rid, init_id, Decimal(str(amount)), currency) for rid, init_id, amount, currency in cur.fetchall()]
    cur.close()
    return records, allocations
