"""Skills, person × skill levels, and training records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from opsdesk.analytics.skills import read_levels
from opsdesk.domain.enums import Discipline
from opsdesk.domain.records import quick_init
from opsdesk.domain.validation import Field, clean
from opsdesk.errors import ValidationError
from opsdesk.store import queries, records
from opsdesk.store.models import Person, PersonSkill, Skill, TrainingRecord
from opsdesk.store.workspace import Workspace

SKILL = "skill"
PERSON_SKILL = "person_skill"
TRAINING = "training_record"

SKILL_SCHEMA = (
    Field("name", required=True),
    Field("discipline", kind="enum", enum=Discipline, required=True),
    Field("description"),
)

TRAINING_SCHEMA = (
    Field("course", required=True),
    Field("provider"),
    Field("hours", kind="decimal", minimum=Decimal("0"), maximum=Decimal("2000"), default=Decimal("0")),
    Field("completed_on", kind="date", required=True),
    Field("discipline", kind="enum", enum=Discipline, required=True),
    Field("certificate_ref"),
    Field("expires_on", kind="date"),
)


@dataclass(frozen=True)
class SkillDTO:
    id: int
    name: str
    discipline: Discipline
    description: str


@quick_init
@dataclass(frozen=True)
class TrainingDTO:
    id: int
    person_id: int
    course: str
    provider: str
    hours: Decimal
    completed_on: dt.date
    discipline: Discipline
    certificate_ref: str
    expires_on: dt.date | None


def create_skill(ws: Workspace, values: Mapping[str, Any]) -> SkillDTO:
    with ws.write() as tx:
        return records.to_dto(SkillDTO, records.create(tx, Skill, SKILL, SKILL_SCHEMA, values, unique=("name",)))


def list_skills(ws: Workspace) -> list[SkillDTO]:
    with ws.read() as s:
        return [SkillDTO(*row) for row in s.execute(select(*records.dto_columns(SkillDTO, Skill))
                                                    .order_by(Skill.discipline, Skill.name))]


def set_level(ws: Workspace, person_id: int, skill_id: int, level: int | str,
              assessed_on: dt.date | str | None = None) -> None:
    from opsdesk.domain.validation import clean_value

    lvl = clean_value(Field("level", kind="int", required=True, minimum=0, maximum=4), level)
    when = clean_value(Field("assessed_on", kind="date"), assessed_on)
    with ws.write() as tx:
        records.get_by(tx.session, Person, "person", id=person_id)
        records.get_by(tx.session, Skill, SKILL, id=skill_id)
        row = tx.session.get(PersonSkill, (person_id, skill_id))
        key = f"{person_id}:{skill_id}"
        if row is None:
            tx.add(PersonSkill(person_id=person_id, skill_id=skill_id, level=lvl, assessed_on=when), PERSON_SKILL, key)
        else:
            tx.update(row, PERSON_SKILL, {"level": lvl, "assessed_on": when}, key)


def levels(ws: Workspace) -> dict[tuple[int, int], int]:
    """(person id, skill id) → level."""
    with ws.read() as s:
        return read_levels(s)


def add_training(ws: Workspace, person_id: int, values: Mapping[str, Any]) -> TrainingDTO:
    cleaned = clean(TRAINING_SCHEMA, values)
    if cleaned["expires_on"] and cleaned["expires_on"] < cleaned["completed_on"]:
        raise ValidationError("expires_on", "must not be before the completion date", entity=TRAINING)
    with ws.write() as tx:
        records.get_by(tx.session, Person, "person", id=person_id)
        row = TrainingRecord(person_id=person_id, **cleaned)
        tx.add(row, TRAINING)
        return records.to_dto(TrainingDTO, row)


def list_training(ws: Workspace, person_id: int | None = None) -> list[TrainingDTO]:
    with ws.read() as s:
        if person_id is None:
            return read_all_training(s.connection())
        stmt = _training_statement().where(TrainingRecord.person_id == person_id)
        return [TrainingDTO(*row) for row in s.connection().execute(stmt).all()]


def read_all_training(conn: Connection) -> list[TrainingDTO]:
    """Every training record, the latest completed first, on a connection already open (plain rows, each stored
    value converted once)."""
    return [TrainingDTO(*row) for row in queries.read_plain(conn, _training_statement())]


def list_expiring(ws: Workspace, start: dt.date, end: dt.date) -> list[TrainingDTO]:
    """The training records whose certificate expires between ``start`` and ``end`` (both included)."""
    stmt = _training_statement().where(TrainingRecord.expires_on.between(start, end))
    with ws.read() as s:
        return [TrainingDTO(*row) for row in s.connection().execute(stmt).all()]


def training_hours(ws: Workspace) -> list[tuple[dt.date, Discipline, Decimal, int]]:
    """Each distinct (completion date, discipline, hours) of the training records and how many records have it:
    what the hours per quarter are summed from, without a row per record."""
    stmt = (select(TrainingRecord.completed_on, TrainingRecord.discipline, TrainingRecord.hours, func.count())
            .group_by(TrainingRecord.completed_on, TrainingRecord.discipline, TrainingRecord.hours))
    with ws.read() as s:
        return [(day, discipline, hours, n) for day, discipline, hours, n in s.connection().execute(stmt).all()]


@cache
def _training_statement() -> Any:
    return select(*records.dto_columns(TrainingDTO, TrainingRecord)).order_by(TrainingRecord.completed_on.desc())


def starter_catalogue() -> list[dict[str, str]]:
    """The starter skills shipped in ``resources/skills/starter-skills.json``."""
    import json

    from opsdesk import paths

    data = json.loads((paths.resources_dir() / "skills" / "starter-skills.json").read_text(encoding="utf-8"))
    return list(data["skills"])


def adopt_starter_skills(ws: Workspace) -> list[SkillDTO]:
    """Add every starter skill the catalogue does not have yet (by name), in one transaction."""
    catalogue = starter_catalogue()
    with ws.write() as tx:
        have = {n.lower() for n in tx.session.scalars(select(Skill.name))}
        added = []
        for item in catalogue:
            if item["name"].lower() in have:
                continue
            added.append(records.to_dto(SkillDTO, records.create(tx, Skill, SKILL, SKILL_SCHEMA, item)))
        return added
