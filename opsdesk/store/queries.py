"""Queries and bulk statements that take a connection; engine-specific SQL lives only here."""

from __future__ import annotations

import datetime as dt
import enum
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from itertools import chain, repeat
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, CursorResult

AUDIT_LOCK_KEY = 7_244_001  # an arbitrary constant naming "the audit chain" among advisory locks


#: rows of ``data_version``: 1 counts every committed write (the GUI polls it to refresh its pages); 3 counts the
#: writes that only appended audit events (an export, a download recorded). What the dashboard summary is keyed on
#: — the records it is computed from — is row 1 minus row 3, so an older OpsDesk that bumps row 1 alone still
#: invalidates it.
ALL_WRITES, AUDIT_ONLY_WRITES = 1, 3


#: per dialect (its JSON serializer and types convert the values): per statement and given parameters, compiled
_DRIVER: weakref.WeakKeyDictionary[Any, dict[tuple[Any, frozenset[str]], _DriverStatement]] = \
    weakref.WeakKeyDictionary()


class _DriverStatement:
    """A statement compiled once for SQLite: its SQL, and per positional parameter its name, its bound value when
    the caller gives none, and the type's conversion of the value (SQLAlchemy's own, so what is stored is what
    ``conn.execute`` would store)."""

    def __init__(self, conn: Connection, stmt: Any, names: frozenset[str]) -> None:
        compiled = stmt.compile(dialect=conn.dialect, column_keys=sorted(names))
        self.sql = compiled.string
        self.usable = bool(compiled.positional and compiled.positiontup is not None
                           and not compiled.literal_execute_params and not compiled.post_compile_params)
        self.params = []
        for name in compiled.positiontup or ():
            bind = compiled.binds[name]
            proc = bind.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
            self.params.append((name, bind.effective_value, proc))

        self.results: list[Any] = []
        if getattr(stmt, "is_select", False):
            self.results = [c.type.dialect_impl(conn.dialect).result_processor(conn.dialect, None)
                            for c in stmt.selected_columns]

    def args(self, values: dict[str, Any]) -> tuple[Any, ...]:
        out = []
        for name, default, proc in self.params:
            value = values.get(name, default)
            out.append(value if proc is None or value is None else proc(value))
        return tuple(out)


def run_plain(conn: Connection, stmt: Any, params: dict[str, Any]) -> Any:
    """Run a write (or a read of plain integer/text columns) built once, straight on SQLite's cursor: what
    ``conn.execute`` does minus its per-statement bookkeeping, which costs more than the statement on an edit.
    Returns something with ``rowcount`` and ``fetchone()``. Elsewhere (PostgreSQL, an echoing engine, a statement
    that needs SQLAlchemy's expansion) it is ``conn.execute``. The engine's ``before_cursor_execute`` listeners
    still see the statement."""
    if conn.dialect.name != "sqlite" or conn.engine.echo:
        return conn.execute(stmt, params)
    key = (stmt, frozenset(params))
    known = _DRIVER.get(conn.dialect)
    if known is None:
        known = _DRIVER[conn.dialect] = {}
    compiled = known.get(key)
    if compiled is None:
        compiled = known[key] = _DriverStatement(conn, stmt, key[1])
    if not compiled.usable:
        return conn.execute(stmt, params)
    args = compiled.args(params)
    cursor = conn.connection.cursor()
    for listener in conn.dispatch.before_cursor_execute:
        listener(conn, cursor, compiled.sql, args, None, False)
    try:
        cursor.execute(compiled.sql, args)
    except Exception as exc:  # raised as conn.execute would (IntegrityError, OperationalError, a lost connection)
        conn._handle_dbapi_exception(exc, compiled.sql, args, cursor, None)  # noqa: SLF001
        raise
    return cursor


def read_plain(conn: Connection, stmt: Any, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """The rows of a SELECT built once, as tuples, read through :func:`run_plain` on SQLite with each column's type
    converting its value as ``conn.execute`` would (a date, a Decimal, an enum, JSON). A long read converts each
    distinct stored value of a column once (see :func:`_converted`)."""
    params = params or {}
    if conn.dialect.name != "sqlite" or conn.engine.echo:
        return [tuple(r) for r in conn.execute(stmt, params)]
    result = run_plain(conn, stmt, params)
    if isinstance(result, CursorResult):  # conn.execute's rows, converted already
        return [tuple(r) for r in result]
    rows = result.fetchall()
    compiled = _DRIVER[conn.dialect][(stmt, frozenset(params))]
    procs = [(i, p) for i, p in enumerate(compiled.results) if p is not None]
    if not procs or not rows:
        return rows
    if len(rows) < _MEMO_ROWS:
        out = []
        for row in rows:
            values = list(row)
            for i, proc in procs:
                values[i] = proc(values[i])
            out.append(tuple(values))
        return out
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
    for i, proc in procs:
        columns[i] = _converted(columns[i], proc)
    return list(zip(*columns, strict=True))


_MEMO_ROWS = 64  # from this many rows on, read_plain converts column by column, each distinct value once


def _converted(column: Sequence[Any], proc: Any) -> Sequence[Any]:
    """``proc`` of each value of ``column``: each distinct value converted once and the result shared by the rows
    that hold it — when the results are immutable (an enum, a date, a Decimal, a bool, text) and the stored values
    are of one kind (1 and 1.0 are one key; so are 0.0 and -0.0, hence never for floats). A column whose results
    can be changed in place (JSON's lists and dicts) is converted value by value, as each row must own its own."""
    kinds = set(map(type, column)) - {type(None)}
    if len(kinds) > 1 or float in kinds:
        return [proc(v) for v in column]
    memo: dict[Any, Any] = {}
    for value in set(column):
        converted = memo[value] = proc(value)
        if not isinstance(converted, _SHAREABLE) and converted is not None:
            return [proc(v) for v in column]
    return list(map(memo.__getitem__, column))


_SHAREABLE = (str, int, float, bytes, Decimal, dt.date, dt.time, dt.timedelta, enum.Enum)  # bool is an int


_BUMP = text("UPDATE data_version SET counter = counter + 1 WHERE id = 1")


def bump_data_version(conn: Connection, *, audit_only: bool = False) -> None:
    """Count one more committed write (called last in every write transaction; the rows are made when missing)."""
    if audit_only:
        if conn.execute(text("UPDATE data_version SET counter = counter + 1 WHERE id IN (1, 3)")).rowcount == 2:
            return
        have = {r[0] for r in conn.execute(text("SELECT id FROM data_version WHERE id IN (1, 3)"))}
        for ident in {ALL_WRITES, AUDIT_ONLY_WRITES} - have:
            conn.execute(text("INSERT INTO data_version (id, counter) VALUES (:id, 1)"), {"id": ident})
        return
    if run_plain(conn, _BUMP, {}).rowcount == 0:
        conn.execute(text("INSERT INTO data_version (id, counter) VALUES (1, 1)"))


def data_version(conn: Connection) -> int:
    """How many writes have committed (any change, audit-only ones included)."""
    return int(conn.execute(text("SELECT counter FROM data_version WHERE id = 1")).scalar() or 0)


def records_version(conn: Connection) -> int:
    """How many writes have changed records (not only appended audit events): what derived summaries are keyed
    on."""
    counts = {int(ident): int(counter or 0)
              for ident, counter in conn.execute(text("SELECT id, counter FROM data_version WHERE id IN (1, 3)"))}
    return counts.get(ALL_WRITES, 0) - counts.get(AUDIT_ONLY_WRITES, 0)


def read_summary(conn: Connection, key: str) -> str | None:
    return conn.execute(text("SELECT payload FROM dashboard_summary WHERE key = :key"), {"key": key}).scalar()


def write_summary(conn: Connection, key: str, version: int, at: Any, payload: str, keep: int) -> bool:
    """Keep ``payload`` under ``key`` if the data is still at ``version`` (a write that landed while it was being
    computed makes it stale at birth: it is not kept), and only the ``keep`` newest summaries. Returns whether it
    was kept."""
    if records_version(conn) != version:
        return False
    conn.execute(text("DELETE FROM dashboard_summary WHERE key = :key"), {"key": key})
    conn.execute(text("INSERT INTO dashboard_summary (key, data_version, written_at, payload) "
                      "VALUES (:key, :version, :at, :payload)"),
                 {"key": key, "version": version, "at": at, "payload": payload})
    old = [r[0] for r in conn.execute(text("SELECT key FROM dashboard_summary ORDER BY data_version DESC, "
                                           "written_at DESC, key")).fetchall()[keep:]]
    for k in old:
        conn.execute(text("DELETE FROM dashboard_summary WHERE key = :key"), {"key": k})
    return True


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


_UPSERT_POINT = ("INSERT INTO metric_point (series_id, ts, value, batch_id) VALUES (?, ?, ?, ?) "
                 "ON CONFLICT (series_id, ts, ms, step) DO UPDATE SET value = excluded.value, "
                 "batch_id = excluded.batch_id")
_UPSERT_POINT_STEP = ("INSERT INTO metric_point (series_id, ts, value, batch_id, ms, step) VALUES (?, ?, ?, ?, ?, ?) "
                      "ON CONFLICT (series_id, ts, ms, step) DO UPDATE SET value = excluded.value, "
                      "batch_id = excluded.batch_id")


def _sqlite_executemany(conn: Connection, sql: str, rows: Iterator[tuple[Any, ...]]) -> int:
    """SQLite: one executemany over the rows as they come (the driver takes them one by one: no list of tuples is
    built); how many rows it wrote (an upsert counts one change per row, inserted or replaced)."""
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    cur = dbapi.cursor()
    try:
        cur.executemany(sql, rows)
        return max(cur.rowcount, 0)
    finally:
        cur.close()


def _pg_copy_upsert_points(conn: Connection, rows: Iterator[tuple[Any, ...]], steps: bool = False) -> int:
    """PostgreSQL: COPY straight into metric_point inside a savepoint (the common case: all points are new);
    when some point exists already, COPY into a temporary table and merge with one INSERT … ON CONFLICT (the
    last duplicate wins)."""
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    materialized = list(rows)
    if not steps:
        materialized = [(*r, 0, 0) for r in materialized]
    cols = "series_id, ts, value, batch_id, ms, step"
    try:
        with dbapi.transaction(), dbapi.cursor() as cur:  # a savepoint inside the caller's transaction
            _copy_rows(cur, f"metric_point ({cols})", materialized)
        return len(materialized)
    except Exception as exc:
        if getattr(exc, "sqlstate", None) != "23505":  # anything but a unique violation is a real error
            raise
    with dbapi.cursor() as cur:
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS opsdesk_points_in (seq BIGSERIAL, series_id INTEGER, "
                    "ts BIGINT, value DOUBLE PRECISION, batch_id INTEGER, ms SMALLINT, step BIGINT) "
                    "ON COMMIT DROP")
        _copy_rows(cur, f"opsdesk_points_in ({cols})", materialized)
        cur.execute(f"INSERT INTO metric_point ({cols}) "
                    f"SELECT DISTINCT ON (series_id, ts, ms, step) {cols} FROM opsdesk_points_in "
                    "ORDER BY series_id, ts, ms, step, seq DESC "
                    "ON CONFLICT (series_id, ts, ms, step) DO UPDATE SET value = excluded.value, "
                    "batch_id = excluded.batch_id")
        cur.execute("TRUNCATE opsdesk_points_in")
    return len(materialized)


def _copy_rows(cur: Any, target: str, rows: list[tuple[Any, ...]]) -> None:
    with cur.copy(f"COPY {target} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _upsert_points(conn: Connection, rows: Iterator[tuple[Any, ...]], steps: bool = False) -> int:
    if conn.dialect.name == "postgresql":
        return _pg_copy_upsert_points(conn, rows, steps)
    return _sqlite_executemany(conn, _UPSERT_POINT_STEP if steps else _UPSERT_POINT, rows)


#: SQLite's page cache while a bulk load runs (KiB): a million points fill far more than the default 2 MB, and a
#: cache that spills writes its pages to the WAL twice.
BULK_CACHE_KIB = 64 * 1024


@contextmanager
def bulk_load(conn: Connection) -> Iterator[None]:
    """A larger page cache on this connection while a bulk insert runs (SQLite; PostgreSQL needs nothing)."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(before or -2000)}")


def bulk_upsert_points(conn: Connection, rows: Iterable[tuple[int, int, float]], batch_id: int | None) -> int:
    """Insert metric points through the raw driver (executemany with tuples on SQLite, COPY on PostgreSQL);
    replaces a point at the same (series, timestamp)."""
    return _upsert_points(conn, ((s, t, v, batch_id) for s, t, v in rows))


def bulk_upsert_point_columns(conn: Connection, series_ids: Sequence[int], ts: Sequence[int],
                              values: Sequence[float], batch_id: int | None, ms: Sequence[int] | None = None,
                              steps: Sequence[int] | None = None) -> int:
    """The same as :func:`bulk_upsert_points` for parallel columns (``ms`` and ``steps`` optional, 0 when left
    out); the row tuples are built in C."""
    if ms is None and steps is None:
        return _upsert_points(conn, zip(series_ids, ts, values, repeat(batch_id)))  # noqa: B905
    n = len(ts)
    return _upsert_points(conn, zip(series_ids, ts, values, repeat(batch_id),  # noqa: B905
                                    ms if ms is not None else repeat(0, n),
                                    steps if steps is not None else repeat(0, n)), steps=True)


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
    rows = conn.execute(text(f"SELECT ts, value FROM metric_point WHERE {' AND '.join(clauses)} "
                             "ORDER BY ts, ms, step"), params).fetchall()
    if not rows:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    # plain tuples: numpy probing SQLAlchemy Row objects for the array protocol costs ~40x the conversion
    arr = np.asarray([tuple(r) for r in rows], dtype=np.float64)
    return arr[:, 0].astype(np.int64), arr[:, 1]


def daily_cost(conn: Connection, currency: str, start: int | None, end: int | None,
               initiative_ids: Iterable[int] | None = None) -> Any:
    """(day start epoch seconds, EffectiveCost) as numpy arrays: per UTC day of ``charge_period_start``, the
    EffectiveCost of every cost record in ``currency`` — or, with ``initiative_ids``, the amounts allocated to
    those initiatives. The same records and the same day the ledger counts, summed exactly before the float."""
    import datetime as dt
    from decimal import Decimal

    import numpy as np

    def when(value: Any) -> dt.datetime:
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value

    if initiative_ids is None:
        sql = "SELECT charge_period_start, effective_cost FROM cost_record WHERE billing_currency = ?"
        params: list[Any] = [currency]
    else:
        ids = sorted(set(initiative_ids))
        if not ids:
            return np.empty(0, np.int64), np.empty(0, np.float64)
        sql = ("SELECT c.charge_period_start, a.amount FROM allocation a JOIN cost_record c "
               "ON c.id = a.cost_record_id WHERE a.currency = ? AND a.initiative_id IN ("
               + ",".join("?" * len(ids)) + ")")
        params = [currency, *ids]
    cur, sql = _cursor_sql(conn, sql)
    cur.execute(sql, params)
    sums: dict[int, Decimal] = {}
    for stamp, amount in cur.fetchall():
        ts = int(when(stamp).timestamp())
        day = ts - ts % 86_400
        if (start is not None and day < start - start % 86_400) or (end is not None and ts > end):
            continue
        sums[day] = sums.get(day, Decimal(0)) + Decimal(str(amount))
    cur.close()
    days = sorted(sums)
    return (np.asarray(days, dtype=np.int64), np.asarray([float(sums[d]) for d in days], dtype=np.float64))


def series_history(conn: Connection, series_id: int) -> Any:
    """Every point of one series as (epoch milliseconds, step, value) numpy arrays, in time then step order: what
    MLflow logged, point for point."""
    import numpy as np

    cur, sql = _cursor_sql(conn, "SELECT ts, ms, step, value FROM metric_point WHERE series_id = ? "
                                 "ORDER BY ts, ms, step")
    cur.execute(sql, (series_id,))
    rows = cur.fetchall()
    cur.close()
    if not rows:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64)
    ts = np.fromiter((r[0] * 1000 + r[1] for r in rows), dtype=np.int64, count=len(rows))
    steps = np.fromiter((r[2] for r in rows), dtype=np.int64, count=len(rows))
    values = np.fromiter((r[3] for r in rows), dtype=np.float64, count=len(rows))
    return ts, steps, values


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
                               + ",".join("?" * len(chunk)) + ") AND ts >= ? AND ts <= ? ORDER BY series_id, ts, ms, step")
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

    cur, sql = _cursor_sql(conn, "SELECT value FROM metric_point WHERE series_id = ? ORDER BY ts, ms, step LIMIT ?")
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
