"""Reconciliation: every audited record's current state against the state its last audit event recorded.

An audit event records the full state of a record in two ways: the snapshot a create/update/delete event carries
(``Tx.add``, ``Tx.update``, ``Tx.delete``), and ``record_states``, the final state of every other row a transaction
touched through the ORM (kept on the transaction's last event, inside its hash). The newest of these per row is
what the audit says the row is. A row that differs, is missing, or exists without any such record was changed
behind the audit's back.

Bulk tables written by the raw driver (metric points, cost records, allocations), derived or bookkeeping tables and
the workspace's identity are not reconciled row by row (``NOT_RECONCILED``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper

from opsdesk.store.audit import jsonable
from opsdesk.store.base import Base
from opsdesk.store.types import Money

NOT_RECONCILED = frozenset({
    "audit_event", "audit_checkpoint", "data_version", "dashboard_summary", "alembic_version",
    "metric_point", "cost_record", "allocation",
    "workspace_identity",  # random per workspace; the signed checkpoint names it, and verify compares the two
})
SNAPSHOT_ACTIONS = ("create", "update", "delete")
NATURAL_KEYS = ("code", "email", "fingerprint", "workspace_uuid", "name", "label", "title")
CHUNK = 2000
CACHED = 256  # snapshot shapes ``Expectations`` remembers
_UNSEEN: Any = object()

Key = tuple[Any, ...]


@dataclass(frozen=True)
class TableInfo:
    name: str
    mapper: Mapper[Any]
    keys: tuple[str, ...]  # attribute keys, in column order
    pk: tuple[str, ...]
    money: frozenset[str]
    natural: str | None
    cascade_parents: tuple[tuple[str, str], ...]  # (attribute, parent table) with ON DELETE CASCADE
    null_parents: frozenset[str]  # attributes with ON DELETE SET NULL

    def label(self, pk: Key, state: dict[str, Any] | None = None) -> str:
        ident = ", ".join(f"{k} {v}" for k, v in zip(self.pk, pk, strict=True))
        if state and self.natural and state.get(self.natural) not in (None, ""):
            return f"{self.name} {state[self.natural]} ({ident})"
        return f"{self.name} ({ident})"


@cache
def tables() -> dict[str, TableInfo]:
    """Every reconciled table by name."""
    out: dict[str, TableInfo] = {}
    for m in Base.registry.mappers:
        table = m.local_table
        name = getattr(table, "name", None)
        if name is None or name in NOT_RECONCILED:
            continue
        keys, pk, money, cascade, set_null = [], [], set(), [], set()
        pk_cols = set(m.primary_key)
        for attr in m.column_attrs:
            col = attr.columns[0]
            keys.append(attr.key)
            if col in pk_cols:
                pk.append(attr.key)
            if isinstance(col.type, Money):
                money.add(attr.key)
            for fk in col.foreign_keys:
                if (fk.ondelete or "").upper() == "CASCADE":
                    cascade.append((attr.key, fk.column.table.name))
                elif (fk.ondelete or "").upper() == "SET NULL":
                    set_null.add(attr.key)
        pk_sorted = tuple(a.key for c in m.primary_key for a in m.column_attrs if a.columns[0] is c)
        natural = next((k for k in NATURAL_KEYS if k in keys), None)
        out[name] = TableInfo(name, m, tuple(keys), pk_sorted, frozenset(money), natural, tuple(cascade),
                              frozenset(set_null))
    return out


@cache
def _by_keyset() -> dict[frozenset[str], list[str]]:
    out: dict[frozenset[str], list[str]] = {}
    for info in tables().values():
        out.setdefault(frozenset(info.keys), []).append(info.name)
    return out


def table_for_snapshot(entity: str, snap: Any) -> str | None:
    """The table whose full row ``snap`` is (the snapshot of a create/update/delete event), or None."""
    if not isinstance(snap, dict):
        return None
    names = _by_keyset().get(frozenset(snap))
    if not names:
        return None
    if len(names) == 1:
        return names[0]
    return entity if entity in names else None


def row_key(obj: Any) -> tuple[str, Key] | None:
    """(table, primary key) of a mapped object when its table is reconciled."""
    state = sa_inspect(obj)
    info = tables().get(getattr(state.mapper.local_table, "name", ""))
    if info is None:
        return None
    ident = state.identity
    if ident is None:
        ident = state.mapper.primary_key_from_instance(obj)
    return info.name, tuple(ident)


def _pk_of(info: TableInfo, snap: dict[str, Any]) -> Key | None:
    try:
        return tuple(snap[k] for k in info.pk)
    except KeyError:
        return None


@dataclass(frozen=True)
class Difference:
    table: str
    record: str
    kind: str  # changed | deleted | inserted
    field: str | None = None
    current: Any = None
    recorded: Any = None
    seq: int | None = None

    def line(self) -> str:
        if self.kind == "changed":
            return (f"record changed outside OpsDesk: {self.record}, field {self.field} is {_show(self.current)} "
                    f"but its last audit event (#{self.seq}) recorded {_show(self.recorded)}")
        if self.kind == "deleted":
            return (f"record deleted outside OpsDesk: {self.record} is gone but its last audit event "
                    f"(#{self.seq}) recorded it")
        if self.seq is not None:
            return (f"record inserted outside OpsDesk: {self.record} exists but its last audit event "
                    f"(#{self.seq}) deleted it")
        return f"record inserted outside OpsDesk: {self.record} has no audit event"


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "…"


class Expectations:
    """What the audit says every row is, filled from the chain as it streams by (``add_event``)."""

    def __init__(self) -> None:
        self.state: dict[str, dict[Key, tuple[dict[str, Any] | None, int]]] = {}
        # the table of a snapshot by (entity, its keys in order): a chain holds few such shapes, so each is
        # looked up once (cleared past CACHED shapes, so a chain of odd snapshots cannot grow it)
        self._shapes: dict[tuple[str, tuple[str, ...]], TableInfo | None] = {}

    def add_event(self, seq: int, action: str, entity: str, before: Any, after: Any, states: Any) -> None:
        if action in SNAPSHOT_ACTIONS:
            snap = after if action != "delete" else before
            if isinstance(snap, dict):
                shape = (entity, tuple(snap))
                info = self._shapes.get(shape, _UNSEEN)
                if info is _UNSEEN:
                    if len(self._shapes) >= CACHED:
                        self._shapes.clear()
                    name = table_for_snapshot(entity, snap)
                    info = self._shapes[shape] = None if name is None else tables()[name]
                if info is not None:
                    assert isinstance(info, TableInfo)
                    pk = _pk_of(info, snap)
                    if pk is not None:
                        self.state.setdefault(info.name, {})[pk] = (None if action == "delete" else snap, seq)
        if states:
            for item in states:
                name = item.get("t")
                if name in tables():
                    self.state.setdefault(name, {})[tuple(item.get("k") or ())] = (item.get("s"), seq)


def _same(info: TableInfo, field: str, current: Any, recorded: Any) -> bool:
    if current == recorded:
        return True
    if field in info.money and current is not None and recorded is not None:
        try:
            return Decimal(str(current)) == Decimal(str(recorded))
        except InvalidOperation:
            return False
    return False


def _rows(conn: Connection, info: TableInfo) -> Iterator[dict[str, Any]]:
    cols = [info.mapper.columns[k] for k in info.keys]
    stmt = select(*cols).order_by(*(info.mapper.columns[k] for k in info.pk))
    result = conn.execution_options(yield_per=CHUNK).execute(stmt)
    keys = info.keys
    for part in result.partitions():
        for row in part:
            yield {k: jsonable(v) for k, v in zip(keys, row, strict=True)}


def reconcile(conn: Connection, expected: Expectations, *, report_unrecorded: bool,
              limit: int = 200) -> tuple[int, list[Difference]]:
    """Compare every row of every reconciled table with what the audit recorded. Returns (rows checked,
    differences, at most ``limit`` of them)."""
    diffs: list[Difference] = []
    present: dict[str, set[Key]] = {}
    checked = 0
    infos = tables()
    for info in infos.values():
        wanted = expected.state.get(info.name, {})
        seen: set[Key] = set()
        for row in _rows(conn, info):
            checked += 1
            pk = tuple(row[k] for k in info.pk)
            seen.add(pk)
            rec = wanted.get(pk)
            if rec is None or rec[0] is None:
                if rec is not None or report_unrecorded:
                    diffs.append(Difference(info.name, info.label(pk, row), "inserted",
                                            seq=rec[1] if rec else None))
                continue
            snap, seq = rec
            assert snap is not None
            for field, value in snap.items():
                if field not in row or _same(info, field, row[field], value):
                    continue
                diffs.append(Difference(info.name, info.label(pk, row), "changed", field, row[field], value, seq))
        present[info.name] = seen
    for name, wanted in expected.state.items():
        info = infos[name]
        seen = present.get(name, set())
        for pk, (snap, seq) in wanted.items():
            if snap is None or pk in seen:
                continue
            if any(snap.get(attr) is not None and (snap[attr],) not in present.get(parent, set())
                   for attr, parent in info.cascade_parents if parent in present):
                continue  # removed with its parent by ON DELETE CASCADE
            diffs.append(Difference(name, info.label(pk, snap), "deleted", seq=seq))
    diffs = [d for d in diffs if not _set_null_follows(d, infos, present)]
    return checked, diffs[:limit] if limit else diffs


def _set_null_follows(d: Difference, infos: dict[str, TableInfo], present: dict[str, set[Key]]) -> bool:
    """A field the database set to NULL because the row it referred to was deleted (ON DELETE SET NULL)."""
    if d.kind != "changed" or d.current is not None or d.field not in infos[d.table].null_parents:
        return False
    info = infos[d.table]
    col = info.mapper.columns[d.field]
    parent = next(iter(col.foreign_keys)).column.table.name
    return parent in present and (d.recorded,) not in present[parent]


