"""People: committee members, initiative teams, owners."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from opsdesk.domain import schemas
from opsdesk.domain.enums import CommitteeRole, Discipline
from opsdesk.domain.records import quick_init
from opsdesk.store import queries, records
from opsdesk.store.models import Person
from opsdesk.store.workspace import Workspace

ENTITY = "person"
SCHEMA = schemas.PERSON


@quick_init
@dataclass(frozen=True)
class PersonDTO:
    id: int
    name: str
    email: str
    unit: str
    discipline: Discipline
    committee_role: CommitteeRole
    active: bool
    version: int


def create(ws: Workspace, values: Mapping[str, Any]) -> PersonDTO:
    values = {k: v for k, v in values.items()}
    if "email" in values and isinstance(values["email"], str):
        values["email"] = values["email"].strip().lower()
    with ws.write() as tx:
        obj = records.create(tx, Person, ENTITY, SCHEMA, values, unique=("email",))
        return records.to_dto(PersonDTO, obj)


def update(ws: Workspace, person_id: int, changes: Mapping[str, Any],
           expected_version: int | None = None) -> PersonDTO:
    with ws.write() as tx:
        obj = records.get_by(tx.session, Person, ENTITY, id=person_id)
        records.update(tx, obj, ENTITY, SCHEMA, changes, unique=("email",), expected_version=expected_version)
        return records.to_dto(PersonDTO, obj)


def deactivate(ws: Workspace, person_id: int) -> PersonDTO:
    """People are never deleted (votes and decisions refer to them); they leave by becoming inactive."""
    return update(ws, person_id, {"active": False})


def get(ws: Workspace, person_id: int) -> PersonDTO:
    with ws.read() as s:
        return records.to_dto(PersonDTO, records.get_by(s, Person, ENTITY, id=person_id))


def list_all(ws: Workspace, *, include_inactive: bool = False) -> list[PersonDTO]:
    with ws.read() as s:
        return read_all(s.connection(), include_inactive=include_inactive)


def read_all(conn: Connection, *, include_inactive: bool = False) -> list[PersonDTO]:
    """:func:`list_all` on a connection already open (plain rows, each stored value converted once)."""
    return [PersonDTO(*row) for row in queries.read_plain(conn, _list_statement(include_inactive))]


@cache
def _list_statement(include_inactive: bool) -> Any:
    stmt = select(*records.dto_columns(PersonDTO, Person)).order_by(Person.name)
    return stmt if include_inactive else stmt.where(Person.active.is_(True))


def names(ws: Workspace, *, include_inactive: bool = False) -> list[tuple[int, str, Discipline]]:
    """(id, name, discipline) of every active person (everyone with ``include_inactive``), by name as
    :func:`list_all` orders them: plain rows for pickers, no DTO per person."""
    with ws.read() as s:
        return queries.read_plain(s.connection(), _NAMES if include_inactive else _ACTIVE_NAMES, {})


_NAMES = select(Person.id, Person.name, Person.discipline).order_by(Person.name)
_ACTIVE_NAMES = _NAMES.where(Person.active.is_(True))
