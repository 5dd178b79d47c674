"""Standards, their requirements, and conformance of initiatives to them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from opsdesk.domain.enums import ConformanceStatus, Stage, StandardCategory, StandardStatus
from opsdesk.domain.validation import Field, clean
from opsdesk.errors import ValidationError
from opsdesk.services import records
from opsdesk.services.context import Workspace
from opsdesk.store.models import Conformance, Initiative, Requirement, Standard

STANDARD = "standard"
REQUIREMENT = "requirement"
CONFORMANCE = "conformance"

STANDARD_SCHEMA = (
    Field("code", required=True, max_len=40),
    Field("title", required=True),
    Field("category", kind="enum", enum=StandardCategory, required=True),
    Field("version_label", max_len=20, default="1.0"),
    Field("status", kind="enum", enum=StandardStatus, default=StandardStatus.DRAFT),
    Field("owner"),
    Field("source", max_len=500),
    Field("text", kind="text"),
)


def _stages(values: list[str]) -> str | None:
    for v in values:
        try:
            Stage.parse(v)
        except ValueError as exc:
            return str(exc)
    return None


REQUIREMENT_SCHEMA = (
    Field("code", required=True, max_len=40),
    Field("text", kind="text", required=True),
    Field("stages", kind="list", checks=(_stages,)),
)

CONFORMANCE_SCHEMA = (
    Field("status", kind="enum", enum=ConformanceStatus, required=True),
    Field("evidence", kind="text"),
    Field("waiver_reason", kind="text"),
    Field("waiver_approver"),
    Field("waiver_expires", kind="date"),
    Field("reviewer"),
    Field("reviewed_on", kind="date"),
)


@dataclass(frozen=True)
class RequirementDTO:
    id: int
    code: str
    text: str
    stages: list[str]


@dataclass(frozen=True)
class StandardDTO:
    id: int
    code: str
    title: str
    category: StandardCategory
    version_label: str
    status: StandardStatus
    owner: str
    source: str
    text: str
    requirements: list[RequirementDTO]


@dataclass(frozen=True)
class ConformanceDTO:
    initiative_code: str
    standard_code: str
    requirement_code: str
    status: ConformanceStatus
    evidence: str
    waiver_reason: str
    waiver_approver: str
    waiver_expires: dt.date | None
    reviewer: str
    reviewed_on: dt.date | None


def _standard_dto(std: Standard) -> StandardDTO:
    reqs = [RequirementDTO(r.id, r.code, r.text, list(r.stages or [])) for r in std.requirements]
    return records.to_dto(StandardDTO, std, requirements=reqs)


def create_standard(ws: Workspace, values: Mapping[str, Any],
                    requirements: Sequence[Mapping[str, Any]] = ()) -> StandardDTO:
    with ws.write() as tx:
        cleaned = clean(STANDARD_SCHEMA, values)
        if tx.session.scalar(select(Standard).where(Standard.code == cleaned["code"],
                                                    Standard.version_label == cleaned["version_label"])):
            raise ValidationError("version_label", f"{cleaned['code']} {cleaned['version_label']} already exists",
                                  entity=STANDARD)
        std = Standard(**cleaned)
        tx.add(std, STANDARD, key=f"{std.code}:{std.version_label}")
        seen: set[str] = set()
        for i, raw in enumerate(requirements, start=1):
            try:
                req_values = clean(REQUIREMENT_SCHEMA, raw)
            except ValidationError as exc:
                raise ValidationError(f"requirements[{i}].{exc.field}", exc.reason, entity=STANDARD) from None
            if req_values["code"] in seen:
                raise ValidationError(f"requirements[{i}].code", f"'{req_values['code']}' appears twice",
                                      entity=STANDARD)
            seen.add(req_values["code"])
            req = Requirement(standard_id=std.id, **req_values)
            tx.add(req, REQUIREMENT, key=f"{std.code}:{req.code}")
        tx.session.refresh(std)
        return _standard_dto(std)


def update_standard(ws: Workspace, standard_id: int, changes: Mapping[str, Any]) -> StandardDTO:
    with ws.write() as tx:
        std = records.get_by(tx.session, Standard, STANDARD, id=standard_id)
        records.update(tx, std, STANDARD, STANDARD_SCHEMA, changes)
        return _standard_dto(std)


def list_standards(ws: Workspace) -> list[StandardDTO]:
    with ws.read() as s:
        return [_standard_dto(x) for x in s.scalars(select(Standard).order_by(Standard.category, Standard.code,
                                                                               Standard.version_label))]


def record_conformance(ws: Workspace, initiative_code: str, requirement_id: int,
                       values: Mapping[str, Any]) -> ConformanceDTO:
    cleaned = clean(CONFORMANCE_SCHEMA, values)
    if cleaned["status"] is ConformanceStatus.WAIVED:
        for name, what in (("waiver_reason", "a reason"), ("waiver_approver", "an approver"),
                           ("waiver_expires", "an expiry date")):
            if not cleaned.get(name):
                raise ValidationError(name, f"a waiver needs {what}", entity=CONFORMANCE)
    with ws.write() as tx:
        init = records.get_by(tx.session, Initiative, "initiative", code=initiative_code)
        req = records.get_by(tx.session, Requirement, REQUIREMENT, id=requirement_id)
        row = tx.session.scalar(select(Conformance).where(Conformance.initiative_id == init.id,
                                                          Conformance.requirement_id == req.id))
        key = f"{init.code}:{req.standard.code}:{req.code}"
        if row is None:
            row = Conformance(initiative_id=init.id, requirement_id=req.id, **cleaned)
            tx.add(row, CONFORMANCE, key=key)
        else:
            tx.update(row, CONFORMANCE, cleaned, key=key)
        return _conformance_dto(row, init, req)


def _conformance_dto(row: Conformance, init: Initiative, req: Requirement) -> ConformanceDTO:
    return records.to_dto(ConformanceDTO, row, initiative_code=init.code, standard_code=req.standard.code,
                          requirement_code=req.code)


def list_conformance(ws: Workspace, initiative_code: str | None = None) -> list[ConformanceDTO]:
    with ws.read() as s:
        stmt = (select(Conformance, Initiative, Requirement)
                .join(Initiative, Initiative.id == Conformance.initiative_id)
                .join(Requirement, Requirement.id == Conformance.requirement_id)
                .order_by(Initiative.code, Requirement.code))
        if initiative_code:
            stmt = stmt.where(Initiative.code == initiative_code)
        return [_conformance_dto(c, i, r) for c, i, r in s.execute(stmt)]
