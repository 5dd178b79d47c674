"""Lessons learned at stage gates, and finding them for similar initiatives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from opsdesk.domain import schemas
from opsdesk.domain.enums import Stage
from opsdesk.store import records
from opsdesk.store.models import DataAsset, Initiative, InitiativeDataAsset, InitiativeObjective, Lesson
from opsdesk.store.workspace import Tx, Workspace

ENTITY = "lesson"
SCHEMA = schemas.LESSON


@dataclass(frozen=True)
class LessonDTO:
    id: int
    initiative_code: str | None
    stage: Stage
    category: str
    what_happened: str
    recommendation: str
    tags: list[str]
    recorded_on: dt.date


def _dto(lesson: Lesson, code: str | None) -> LessonDTO:
    return records.to_dto(LessonDTO, lesson, tags=list(lesson.tags or []), initiative_code=code)


def _codes(session: Any) -> dict[int, str]:
    return dict(session.execute(select(Initiative.id, Initiative.code)).all())


def _code_of(session: Any, lesson: Lesson) -> str | None:
    """The code of the lesson's initiative (one row read, not every initiative's code)."""
    if not lesson.initiative_id:
        return None
    return session.scalar(select(Initiative.code).where(Initiative.id == lesson.initiative_id))


def create(ws: Workspace, initiative_code: str | None, values: Mapping[str, Any]) -> LessonDTO:
    with ws.write() as tx:
        return create_tx(tx, initiative_code, values)


def create_tx(tx: Tx, initiative_code: str | None, values: Mapping[str, Any],
              decision_id: int | None = None) -> LessonDTO:
    """``decision_id``: the decision the lesson was recorded with (the minutes show it beside the decision)."""
    init_id = None
    if initiative_code:
        init_id = records.get_by(tx.session, Initiative, "initiative", code=initiative_code).id
    lesson = records.create(tx, Lesson, ENTITY, SCHEMA, values,
                            extra={"initiative_id": init_id, "decision_id": decision_id})
    return _dto(lesson, _code_of(tx.session, lesson))


def update(ws: Workspace, lesson_id: int, changes: Mapping[str, Any]) -> LessonDTO:
    with ws.write() as tx:
        lesson = records.get_by(tx.session, Lesson, ENTITY, id=lesson_id)
        records.update(tx, lesson, ENTITY, SCHEMA, changes)
        return _dto(lesson, _code_of(tx.session, lesson))


def delete(ws: Workspace, lesson_id: int) -> None:
    with ws.write() as tx:
        tx.delete(records.get_by(tx.session, Lesson, ENTITY, id=lesson_id), ENTITY)


def list_all(ws: Workspace, initiative_code: str | None = None) -> list[LessonDTO]:
    with ws.read() as s:
        stmt = (select(Lesson, Initiative.code).outerjoin(Initiative, Initiative.id == Lesson.initiative_id)
                .order_by(Lesson.recorded_on.desc(), Lesson.id))
        if initiative_code:
            stmt = stmt.where(Initiative.code == initiative_code)
        return [_dto(x, code) for x, code in s.execute(stmt)]


def similar(ws: Workspace, initiative_code: str) -> list[tuple[LessonDTO, str]]:
    """Lessons from other initiatives that share an objective, a tag or a data asset, each with why it was
    chosen."""
    with ws.read() as s:
        init = records.get_by(s, Initiative, "initiative", code=initiative_code)
        mine_obj = set(s.scalars(select(InitiativeObjective.objective_id)
                                 .where(InitiativeObjective.initiative_id == init.id)))
        mine_assets = _assets(s, init.id)
        asset_names = dict(s.execute(select(DataAsset.id, DataAsset.name)).all())
        mine_tags = set(init.tags or [])
        codes = _codes(s)
        out: list[tuple[LessonDTO, str]] = []
        for lesson in s.scalars(select(Lesson).order_by(Lesson.recorded_on.desc())):
            if lesson.initiative_id == init.id or lesson.initiative_id is None:
                continue
            other = s.get(Initiative, lesson.initiative_id)
            assert other is not None
            reasons = []
            shared_obj = mine_obj & set(s.scalars(select(InitiativeObjective.objective_id)
                                                  .where(InitiativeObjective.initiative_id == other.id)))
            if shared_obj:
                reasons.append("shares an objective")
            shared_tags = mine_tags & (set(other.tags or []) | set(lesson.tags or []))
            if shared_tags:
                reasons.append("shares tags " + ", ".join(sorted(shared_tags)))
            shared_assets = mine_assets & _assets(s, other.id)
            if shared_assets:
                reasons.append("uses data " + ", ".join(sorted(asset_names[a] for a in shared_assets)))
            if reasons:
                out.append((_dto(lesson, codes.get(lesson.initiative_id)), "; ".join(reasons)))
        return out


def _assets(session: Any, initiative_id: int) -> set[int]:
    return set(session.scalars(select(InitiativeDataAsset.data_asset_id)
                               .where(InitiativeDataAsset.initiative_id == initiative_id)))
