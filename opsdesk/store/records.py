"""The shared shape of create/update/delete for register records, so each service states only its rules."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, object_session

from opsdesk.domain.validation import Field, clean
from opsdesk.errors import ConflictError, NotFoundError, ValidationError
from opsdesk.store import queries
from opsdesk.store.models import AuditEvent
from opsdesk.store.workspace import Tx

M = TypeVar("M")
D = TypeVar("D")


def to_dto(dto_cls: type[D], obj: Any, **extra: Any) -> D:
    """Build a DTO dataclass from the attributes of ``obj`` with the same names (plus ``extra``)."""
    values = {}
    row = obj if isinstance(obj, Mapping) else None  # a row read with read_row
    for f in dataclasses.fields(dto_cls):  # type: ignore[arg-type]
        if f.name in extra:
            values[f.name] = extra[f.name]
        elif row is not None:
            if f.name in row:
                values[f.name] = row[f.name]
        elif hasattr(obj, f.name):
            values[f.name] = getattr(obj, f.name)
    return dto_cls(**values)


def dto_columns(dto_cls: type[Any], model: type[Any]) -> list[Any]:
    """The columns of ``model`` named like the fields of ``dto_cls``, in their order: ``dto_cls(*row)`` of a Core
    ``select(*dto_columns(...))`` builds the DTO without an ORM object per row (a long register reads in a
    fraction of the time)."""
    return [getattr(model, f.name) for f in dataclasses.fields(dto_cls)]


_GET_BY: dict[tuple[type[Any], tuple[str, ...]], Any] = {}


def get_by(session: Session, model: type[M], entity: str, **where: Any) -> M:
    names = tuple(where)
    if any(value is None for value in where.values()):  # "IS NULL", not a bound value
        direct = select(model)
        for name, value in where.items():
            direct = direct.where(getattr(model, name) == value)
        obj = session.scalar(direct)
    else:
        stmt = _GET_BY.get((model, names))
        if stmt is None:  # built once per model and fields: building a select per call costs more than running it
            stmt = select(model)
            for name in names:
                stmt = stmt.where(getattr(model, name) == bindparam(f"w_{name}"))
            _GET_BY[(model, names)] = stmt
        obj = session.scalar(stmt, {f"w_{name}": value for name, value in where.items()})
    if obj is None:
        raise NotFoundError(entity, next(iter(where.values())))
    return obj


def ensure_unique(session: Session | Connection, model: type[Any], field: str, value: Any, entity: str,
                  exclude_id: int | None = None) -> None:
    stmt = select(model.id).where(getattr(model, field) == value)
    existing = session.scalar(stmt)
    if existing is not None and existing != exclude_id:
        raise ValidationError(field, f"'{value}' is already used by another {entity}", entity=entity)


def check_version(obj: Any, expected: int | None, entity: str) -> None:
    """Optimistic concurrency: refuse a save based on a version someone else has since replaced, and say what
    the other person changed (from the audit trail)."""
    if expected is None or getattr(obj, "version", expected) == expected:
        return
    session = object_session(obj)
    _refuse_stale(session.connection() if session is not None else None, entity,
                  getattr(obj, "code", None) or obj.id, expected, obj.version)


_HISTORY = (select(AuditEvent.actor, AuditEvent.at, AuditEvent.before, AuditEvent.after)
            .where(AuditEvent.entity == bindparam("entity"), AuditEvent.entity_id == bindparam("ident"))
            .order_by(AuditEvent.seq.desc()).limit(50))


def _refuse_stale(conn: Connection | None, entity: str, key: Any, expected: int, current: Any) -> None:
    """Refuse the save, saying what others changed since ``expected`` (from the audit trail, when readable)."""
    changes: list[str] = []
    if conn is not None:
        for actor, at, before, after in conn.execute(_HISTORY, {"entity": entity, "ident": str(key)}):
            after = after or {}
            if int(after.get("version", 0) or 0) <= expected:
                break
            before = before or {}
            diffs = [f"{k}: {before.get(k)!r} → {after.get(k)!r}" for k in sorted(after)
                     if k != "version" and before.get(k) != after.get(k)]
            changes.append(f"{actor} at {at:%Y-%m-%d %H:%M} UTC changed " + ("; ".join(diffs) or "it"))
    detail = (" — " + " | ".join(reversed(changes))) if changes else ""
    raise ConflictError(
        f"{entity} {key} was changed by someone else since you opened it (your version {expected}, now "
        f"{current}){detail}. Nothing of yours was saved; reload it and apply your change again"
    )


_READ_ROW: dict[tuple[type[Any], tuple[str, ...]], Any] = {}


def read_row(conn: Connection, model: type[Any], entity: str, **where: Any) -> dict[str, Any]:
    """The record of ``model`` where the given attributes equal the given (non-null) values, as plain values
    (mapped attribute -> value, in the mapping's order) read with one SELECT, no ORM object; NotFoundError when
    there is none. What :func:`update_row` and ``Tx.update_row`` take."""
    names = tuple(where)
    stmt = _READ_ROW.get((model, names))
    if stmt is None:  # built once per model and fields
        mapper = sa_inspect(model)
        cols = [getattr(model, attr.key).label(attr.key) for attr in mapper.column_attrs]
        stmt = select(*cols)
        for name in names:
            stmt = stmt.where(getattr(model, name) == bindparam(f"w_{name}"))
        _READ_ROW[(model, names)] = stmt
    rows = queries.read_plain(conn, stmt, {f"w_{name}": value for name, value in where.items()})
    if not rows:
        raise NotFoundError(entity, next(iter(where.values())))
    return dict(zip(stmt.selected_columns.keys(), rows[0], strict=True))


def create(tx: Tx, model: type[M], entity: str, schema: tuple[Field, ...], values: Mapping[str, Any],
           *, unique: tuple[str, ...] = (), rules: Callable[[dict[str, Any]], None] | None = None,
           extra: Mapping[str, Any] | None = None) -> M:
    cleaned = clean(schema, values)
    for name in unique:
        ensure_unique(tx.session, model, name, cleaned[name], entity)
    if rules:
        rules(cleaned)
    obj = model(**cleaned, **(extra or {}))
    return tx.add(obj, entity)


def update(tx: Tx, obj: M, entity: str, schema: tuple[Field, ...], changes: Mapping[str, Any],
           *, unique: tuple[str, ...] = (), expected_version: int | None = None,
           rules: Callable[[dict[str, Any]], None] | None = None) -> bool:
    check_version(obj, expected_version, entity)
    cleaned = clean(schema, changes, partial=True)
    for name in unique:
        if name in cleaned:
            ensure_unique(tx.session, type(obj), name, cleaned[name], entity, exclude_id=obj.id)  # type: ignore[attr-defined]
    if rules:
        merged = {f.name: getattr(obj, f.name) for f in schema} | cleaned
        rules(merged)
    return tx.update(obj, entity, cleaned)


def update_row(tx: Tx, model: type[Any], entity: str, schema: tuple[Field, ...], row: dict[str, Any],
               changes: Mapping[str, Any], *, unique: tuple[str, ...] = (), expected_version: int | None = None,
               rules: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """:func:`update` of a row read with :func:`read_row`, without the ORM (one UPDATE, one audit event; the same
    checks). Returns the row as it now is."""
    if expected_version is not None and row.get("version", expected_version) != expected_version:
        _refuse_stale(tx.conn, entity, row.get("code") or row["id"], expected_version, row["version"])
    cleaned = clean(schema, changes, partial=True)
    for name in unique:
        if name in cleaned:
            ensure_unique(tx.conn, model, name, cleaned[name], entity, exclude_id=row["id"])
    if rules:
        rules({f.name: row[f.name] for f in schema} | cleaned)
    return tx.update_row(model, row, entity, cleaned)
