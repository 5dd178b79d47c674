"""Organisational objectives that initiatives serve."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from opsdesk.domain import schemas
from opsdesk.errors import ValidationError
from opsdesk.store import records
from opsdesk.store.models import Initiative, InitiativeObjective, Objective
from opsdesk.store.workspace import Workspace

ENTITY = "objective"
SCHEMA = schemas.OBJECTIVE


@dataclass(frozen=True)
class ObjectiveDTO:
    id: int
    code: str
    title: str
    description: str
    owner: str
    kpi_name: str
    kpi_target: str
    due_date: dt.date | None
    version: int


def create(ws: Workspace, values: Mapping[str, Any]) -> ObjectiveDTO:
    with ws.write() as tx:
        obj = records.create(tx, Objective, ENTITY, SCHEMA, values, unique=("code",))
        return records.to_dto(ObjectiveDTO, obj)


def update(ws: Workspace, code: str, changes: Mapping[str, Any], expected_version: int | None = None) -> ObjectiveDTO:
    with ws.write() as tx:
        obj = records.get_by(tx.session, Objective, ENTITY, code=code)
        records.update(tx, obj, ENTITY, SCHEMA, changes, unique=("code",), expected_version=expected_version)
        return records.to_dto(ObjectiveDTO, obj)


def delete(ws: Workspace, code: str) -> None:
    """Remove an objective no initiative serves; one that is served stays until the initiatives stop serving it,
    so no alignment disappears without a trace on those initiatives."""
    with ws.write() as tx:
        obj = records.get_by(tx.session, Objective, ENTITY, code=code)
        serving = list(tx.session.scalars(
            select(Initiative.code).join(InitiativeObjective, InitiativeObjective.initiative_id == Initiative.id)
            .where(InitiativeObjective.objective_id == obj.id).order_by(Initiative.code)))
        if serving:
            raise ValidationError("code", f"{code} is served by {', '.join(serving)}; take it out of their "
                                          "objectives first", entity=ENTITY)
        tx.delete(obj, ENTITY)


def get(ws: Workspace, code: str) -> ObjectiveDTO:
    with ws.read() as s:
        return records.to_dto(ObjectiveDTO, records.get_by(s, Objective, ENTITY, code=code))


def list_all(ws: Workspace) -> list[ObjectiveDTO]:
    with ws.read() as s:
        return [records.to_dto(ObjectiveDTO, o) for o in s.scalars(select(Objective).order_by(Objective.code))]
