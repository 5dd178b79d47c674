"""The audit chain recomputed for ``opsdesk verify``: in chunks of plain rows, constant memory, several cores.

A SQLite workspace file is read by the raw driver in ranges of sequence numbers (``CHUNK_EVENTS`` each), each
range hashed by a worker process of its own connection when there are enough events to pay for the workers, and
the ranges joined in order: every range checks its own links, and where two ranges meet the first event of one must
follow the last event of the one before. Every event's hash is recomputed by ``fast_hash`` (orjson where its
bytes are provably the reference's, the reference elsewhere). What the audit says every record is
(``reconcile.Expectations``) is gathered per range (the last state of each row in it) and merged in order, so
nothing grows with the number of events. A server workspace is streamed through SQLAlchemy in chunks, hashed the same way.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text, select, type_coerce
from sqlalchemy.engine import Connection, Engine

from opsdesk.store import audit, fast_hash, reconcile
from opsdesk.store.engine import sqlite_ro_uri
from opsdesk.store.models import AuditEvent

CHUNK_EVENTS = 50_000  # events per range handed to a worker
FETCH = 2000  # rows read at a time
PARALLEL_FROM = 40_000  # fewer events than this are hashed in this process (workers cost more to start)
MAX_WORKERS = 4


@dataclass
class RangeScan:
    """One range of the chain as recomputed on its own."""

    first_seq: int | None = None
    first_prev: str = ""
    events: int = 0
    broken_seq: int | None = None
    reason: str = ""
    last_seq: int = 0
    last_hash: str = audit.GENESIS
    hashes: dict[int, str] = field(default_factory=dict)
    state: dict[str, dict[reconcile.Key, tuple[dict[str, Any] | None, int]]] = field(default_factory=dict)


def _at_text(value: Any) -> str:
    """The event time as the hash has it, from the text SQLite keeps (``YYYY-MM-DD HH:MM:SS[.ffffff]``)."""
    if isinstance(value, str) and len(value) >= 19 and value[10] in " T" and value[4] == "-":
        return f"{value[:10]}T{value[11:19]}Z"
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return str(audit.jsonable(value))


_SELECT = ("SELECT seq, at, actor, action, entity, entity_id, before, after, note, prev_hash, hash, record_states "
           "FROM audit_event WHERE seq >= ? AND seq <= ? ORDER BY seq")


_COLUMNS = AuditEvent.__table__.c
#: the whole chain through SQLAlchemy (a server workspace), the JSON columns as the text the table keeps, so that
#: they are read as they are on a SQLite file (``fast_hash``)
_STREAM = select(_COLUMNS.seq, _COLUMNS.at, _COLUMNS.actor, _COLUMNS.action, _COLUMNS.entity, _COLUMNS.entity_id,
                 type_coerce(_COLUMNS.before, Text), type_coerce(_COLUMNS.after, Text), _COLUMNS.note,
                 _COLUMNS.prev_hash, _COLUMNS.hash, type_coerce(_COLUMNS.record_states, Text)).order_by(_COLUMNS.seq)


def scan_range(database: str, lo: int, hi: int, want: frozenset[int]) -> RangeScan:
    """Recompute the events ``lo``…``hi`` of the workspace file at ``database`` (a read-only ``file:`` URI)."""
    conn = sqlite3.connect(database, uri=True)
    try:
        cur = conn.execute(_SELECT, (lo, hi))
        return _scan_rows(_fetched(cur), want)
    finally:
        conn.close()


def _fetched(cur: sqlite3.Cursor) -> Iterator[tuple[Any, ...]]:
    while rows := cur.fetchmany(FETCH):
        yield from rows


def _scan_rows(rows: Iterable[tuple[Any, ...]], want: frozenset[int]) -> RangeScan:
    out = RangeScan()
    expected = reconcile.Expectations()
    prev: str | None = None
    next_seq = 0
    for seq, at, actor, action, entity, entity_id, before_t, after_t, note, prev_hash, digest, states_t in rows:
        computed, before, after, states = fast_hash.stored_event(seq, _at_text(at), actor, action, entity,
                                                                 entity_id, before_t, after_t, note, prev_hash,
                                                                 states_t)
        if out.first_seq is None:
            out.first_seq, out.first_prev = seq, prev_hash
        elif out.broken_seq is None:
            if seq != next_seq:
                out.broken_seq, out.reason = next_seq, f"event {next_seq} is missing (next is {seq})"
            elif prev_hash != prev:
                out.broken_seq, out.reason = seq, f"event {seq} does not link to the event before it"
        if out.broken_seq is None and computed != digest:
            out.broken_seq, out.reason = seq, f"event {seq} was altered after it was written (hash mismatch)"
        if seq in want:
            out.hashes[seq] = digest
        expected.add_event(seq, action, entity, before, after, states)
        prev, next_seq = digest, seq + 1
        out.events += 1
        out.last_seq, out.last_hash = seq, digest
    out.state = expected.state
    return out


def _join(parts: Iterable[RangeScan], expected: reconcile.Expectations) -> audit.ChainScan:
    """The ranges in order as one chain: each range's own first break, or a break where it meets the one before."""
    scan = audit.ChainScan()
    for part in parts:
        if part.first_seq is None:
            continue
        if scan.broken_seq is None:
            want_seq = scan.last_seq + 1
            if part.first_seq != want_seq:
                scan.broken_seq, scan.reason = want_seq, f"event {want_seq} is missing (next is {part.first_seq})"
            elif part.first_prev != scan.last_hash:
                scan.broken_seq = part.first_seq
                scan.reason = f"event {part.first_seq} does not link to the event before it"
            elif part.broken_seq is not None:
                scan.broken_seq, scan.reason = part.broken_seq, part.reason
        scan.events += part.events
        scan.last_seq, scan.last_hash = part.last_seq, part.last_hash
        scan.hashes.update(part.hashes)
        for name, rows in part.state.items():
            expected.state.setdefault(name, {}).update(rows)
    return scan


def _ranges(low: int, high: int) -> list[tuple[int, int]]:
    return [(lo, min(lo + CHUNK_EVENTS - 1, high)) for lo in range(low, high + 1, CHUNK_EVENTS)]


def workers() -> int:
    """Worker processes for a long chain: the machine's cores (``$OPSDESK_VERIFY_WORKERS`` overrides)."""
    wanted = os.environ.get("OPSDESK_VERIFY_WORKERS")
    if wanted and wanted.isdigit():
        return max(1, int(wanted))
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


def database_uri(engine: Engine) -> str | None:
    """A read-only ``file:`` URI of a SQLite workspace file (None for a server or an in-memory database)."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database or ""
    if database.startswith("file:"):
        return database
    if database in ("", ":memory:"):
        return None
    return sqlite_ro_uri(database)


def scan(conn: Connection, database: str | None, *, want: Iterable[int], expected: reconcile.Expectations,
         alongside: Callable[[], object] = lambda: None) -> audit.ChainScan:
    """Recompute the chain as far as the caller's transaction sees it (``conn``), filling ``expected``.

    ``database``: a read-only ``file:`` URI of the SQLite workspace, read in ranges (by worker processes for a long
    chain); None streams the chain through ``conn`` in chunks of ``FETCH`` rows (a server workspace). ``alongside`` is called once the workers
    are started (a thread it starts is never forked into them)."""
    wanted = frozenset(want)
    if database is None:
        alongside()
        result = conn.execution_options(yield_per=FETCH).execute(_STREAM)
        return _join([_scan_rows((row for part in result.partitions() for row in part), wanted)], expected)
    low, high = conn.exec_driver_sql("SELECT min(seq), max(seq) FROM audit_event").one()
    ranges = [] if low is None else _ranges(int(low), int(high))  # later events are left out
    count = workers()
    if count == 1 or len(ranges) < 2 or int(high) - int(low) + 1 < PARALLEL_FROM:
        alongside()
        return _join((scan_range(database, lo, hi, wanted) for lo, hi in ranges), expected)
    reconcile.tables()  # the mappers configured once, before the workers are forked (each would again)
    # fork is quick, but only safe from a process with no other thread (a GUI's would be copied mid-flight)
    alone = threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()
    method = "fork" if alone else "spawn"
    with multiprocessing.get_context(method).Pool(min(count, len(ranges))) as pool:
        alongside()
        parts = pool.imap(_scan_range_args, [(database, lo, hi, wanted) for lo, hi in ranges])
        return _join(parts, expected)


def _scan_range_args(args: tuple[str, int, int, frozenset[int]]) -> RangeScan:
    return scan_range(*args)
