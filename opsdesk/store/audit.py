"""The hash-chained audit log: append inside the caller's transaction, verify the whole chain, read history."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol, cast

from sqlalchemy import Table, func, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from opsdesk.store import queries
from opsdesk.store.models import AuditEvent


class Workspace(Protocol):
    """What the readers below need of the open workspace (``opsdesk.store.workspace.Workspace``); a protocol, so
    the chain does not import the workspace that appends to it."""

    @property
    def engine(self) -> Any: ...

    def read(self) -> AbstractContextManager[Session]: ...

GENESIS = "0" * 64


_PLAIN = frozenset({str, int, float, bool, type(None)})


def jsonable(value: Any) -> Any:
    if type(value) in _PLAIN:  # most column values: returned as they are (an enum or a str subclass is not plain)
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(timespec="seconds") + "Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def snapshot(obj: Any) -> dict[str, Any]:
    """The column values of a mapped object as JSON-safe data (binary content as its SHA-256)."""
    mapper = inspect(obj).mapper
    return {attr.key: jsonable(getattr(obj, attr.key)) for attr in mapper.column_attrs}


def event_hash(
    *, seq: int, at: str, actor: str, action: str, entity: str, entity_id: str,
    before: Any, after: Any, note: str, prev_hash: str, record_states: Any = None,
) -> str:
    doc = {"seq": seq, "at": at, "actor": actor, "action": action, "entity": entity, "entity_id": entity_id,
           "before": before, "after": after, "note": note, "prev_hash": prev_hash}
    if record_states is not None:  # events before revision 1001 have none, and hash as they always did
        doc["record_states"] = record_states
    canonical = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class Appended:
    """An event this transaction appended: its number, its hash, and what the hash was computed from (kept to
    seal the transaction's row states onto its last event)."""

    seq: int
    hash: str
    hashed: dict[str, Any]


def seal_states(session: Session | Connection, event: Appended, states: list[dict[str, Any]]) -> None:
    """Put the final state of the rows the transaction touched on its last event, and rehash that event (it is
    still uncommitted and the chain's lock is held, so nothing links to it yet)."""
    event.hash = event_hash(**event.hashed, record_states=states)
    table = _table()
    _connection(session).execute(table.update().where(table.c.seq == event.seq)
                                 .values(record_states=states, hash=event.hash))


def _table() -> Table:
    return cast(Table, AuditEvent.__table__)


def _connection(target: Session | Connection) -> Connection:
    """The connection the writer's transaction runs on (the writers pass theirs; a session gives its own)."""
    return target if isinstance(target, Connection) else target.connection()


_LAST = select(_table().c.seq, _table().c.hash).order_by(_table().c.seq.desc()).limit(1)
_INSERT = _table().insert()


def append(
    session: Session | Connection, *, at: dt.datetime, actor: str, action: str, entity: str, entity_id: object,
    before: Any = None, after: Any = None, note: str = "", snapshots: bool = False,
) -> Appended:
    """Append one event after the current last one, holding the chain's lock until the transaction ends: one
    read of the head and one INSERT, through the connection (no ORM object, no flush)."""
    conn = _connection(session)
    queries.lock_audit_chain(conn)
    last = queries.run_plain(conn, _LAST, {}).fetchone()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    if not snapshots:  # ``snapshots``: before and after are ``snapshot()``s, JSON-safe already
        before, after = jsonable(before), jsonable(after)
    at = at.astimezone(dt.UTC).replace(microsecond=0)
    at_text, ident = jsonable(at), str(entity_id)
    hashed = {"seq": seq, "at": at_text, "actor": actor, "action": action, "entity": entity, "entity_id": ident,
              "before": before, "after": after, "note": note, "prev_hash": prev}
    digest = event_hash(**hashed)
    queries.run_plain(conn, _INSERT, hashed | {"at": at, "hash": digest})
    return Appended(seq, digest, hashed)


def append_many(session: Session | Connection, *, at: dt.datetime, actor: str,
                events: Iterable[tuple[str, str, object, Any, Any, str]]) -> list[Appended]:
    """Append several events (``action, entity, entity_id, before, after, note`` each) after the current last one,
    as :func:`append` would one by one, written with one INSERT of many rows."""
    conn = _connection(session)
    queries.lock_audit_chain(conn)
    last = conn.execute(_LAST).first()
    seq, prev = (last[0], last[1]) if last else (0, GENESIS)
    at = at.astimezone(dt.UTC).replace(microsecond=0)
    when = jsonable(at)
    out: list[Appended] = []
    rows = []
    for action, entity, entity_id, before, after, note in events:
        seq += 1
        hashed = {"seq": seq, "at": when, "actor": actor, "action": action, "entity": entity,
                  "entity_id": str(entity_id), "before": jsonable(before), "after": jsonable(after), "note": note,
                  "prev_hash": prev}
        prev = event_hash(**hashed)
        out.append(Appended(seq, prev, hashed))
        rows.append(hashed | {"at": at, "hash": prev})
    if rows:
        conn.execute(_INSERT, rows)
    return out


@dataclass(frozen=True)
class ChainReport:
    events: int
    broken_seq: int | None
    reason: str
    integrity: str

    @property
    def ok(self) -> bool:
        return self.broken_seq is None and self.integrity == "ok"


@dataclass
class ChainScan:
    """The chain as recomputed: how many events, the first break, the last event, and the hashes asked for."""

    events: int = 0
    broken_seq: int | None = None
    reason: str = "chain intact"
    last_seq: int = 0
    last_hash: str = GENESIS
    hashes: dict[int, str] = field(default_factory=dict)


CHUNK = 2000


def scan_chain(conn: Connection, *, want: Iterable[int] = (),
               sink: Callable[[int, str, str, Any, Any, Any], None] | None = None) -> ChainScan:
    """Recompute every hash, streaming the events in chunks of plain rows. Keeps the stored hash of each
    sequence number in ``want``; hands every event to ``sink(seq, action, entity, before, after, states)``.
    Goes on after the first break, so the last event and the wanted hashes are those the table holds."""
    wanted = set(want)
    c = AuditEvent.__table__.c
    stmt = select(c.seq, c.at, c.actor, c.action, c.entity, c.entity_id, c.before, c.after, c.note, c.prev_hash,
                  c.hash, c.record_states).order_by(c.seq)
    scan = ChainScan()
    prev, expected = GENESIS, 1
    result = conn.execution_options(yield_per=CHUNK).execute(stmt)
    for part in result.partitions():
        for seq, at, actor, action, entity, entity_id, before, after, note, prev_hash, digest, states in part:
            scan.events += 1
            if scan.broken_seq is None:
                if seq != expected:
                    scan.broken_seq, scan.reason = expected, f"event {expected} is missing (next is {seq})"
                elif prev_hash != prev:
                    scan.broken_seq, scan.reason = seq, f"event {seq} does not link to the event before it"
                elif event_hash(seq=seq, at=jsonable(at), actor=actor, action=action, entity=entity,
                                entity_id=entity_id, before=before, after=after, note=note, prev_hash=prev_hash,
                                record_states=states) != digest:
                    scan.broken_seq = seq
                    scan.reason = f"event {seq} was altered after it was written (hash mismatch)"
            if seq in wanted:
                scan.hashes[seq] = digest
            if sink is not None:
                sink(seq, action, entity, before, after, states)
            prev, expected = digest, seq + 1
            scan.last_seq, scan.last_hash = seq, digest
    return scan


def verify_chain(session: Session) -> tuple[int, int | None, str]:
    """Recompute every hash. Returns (events checked, first bad sequence number or None, reason)."""
    scan = scan_chain(session.connection())
    return scan.events, scan.broken_seq, scan.reason


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    before: Any
    after: Any
    note: str

    def changes(self) -> list[tuple[str, Any, Any]]:
        """(field, before, after) for every field that differs."""
        b = self.before or {}
        a = self.after or {}
        keys = sorted(set(b) | set(a))
        return [(k, b.get(k), a.get(k)) for k in keys if b.get(k) != a.get(k)]


def _entry(ev: AuditEvent) -> AuditEntry:
    return AuditEntry(ev.seq, ev.at, ev.actor, ev.action, ev.entity, ev.entity_id, ev.before, ev.after, ev.note)


def history(ws: Workspace, entity: str, entity_id: object, limit: int = 500) -> list[AuditEntry]:
    """The record's audit events, newest first."""
    with ws.read() as s:
        rows = s.execute(
            select(AuditEvent).where(AuditEvent.entity == entity, AuditEvent.entity_id == str(entity_id))
            .order_by(AuditEvent.seq.desc()).limit(limit)
        ).scalars()
        return [_entry(e) for e in rows]


def recent(ws: Workspace, limit: int = 100) -> list[AuditEntry]:
    with ws.read() as s:
        rows = s.execute(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit)).scalars()
        return [_entry(e) for e in rows]


def count(ws: Workspace) -> int:
    with ws.read() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent)) or 0


def verify(ws: Workspace) -> ChainReport:
    """Recompute the audit chain and run the engine's integrity check."""
    with ws.read() as s:
        n, bad, reason = verify_chain(s)
        integrity = "ok"
        if ws.engine.dialect.name == "sqlite":
            rows = [r[0] for r in s.connection().exec_driver_sql("PRAGMA integrity_check").fetchall()]
            integrity = "ok" if rows == ["ok"] else "; ".join(rows[:5])
    return ChainReport(n, bad, reason, integrity)
