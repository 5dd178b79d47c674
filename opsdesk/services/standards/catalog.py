"""Standards, their requirements, and conformance of initiatives to them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from opsdesk.domain import schemas
from opsdesk.domain.enums import (
    RiskTier,
    StandardCategory,
    StandardStatus,
)
from opsdesk.domain.validation import clean
from opsdesk.errors import ValidationError
from opsdesk.store import records
from opsdesk.store.models import Conformance, Requirement, Standard
from opsdesk.store.workspace import Tx, Workspace

STANDARD = "standard"
REQUIREMENT = "requirement"
CONFORMANCE = "conformance"

STANDARD_SCHEMA = schemas.STANDARD
REQUIREMENT_SCHEMA = schemas.REQUIREMENT


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
    supersedes_id: int | None = None
    risk_tiers: list[str] = field(default_factory=list)


def _standard_dto(std: Standard) -> StandardDTO:
    reqs = [RequirementDTO(r.id, r.code, r.text, list(r.stages or [])) for r in std.requirements]
    return records.to_dto(StandardDTO, std, requirements=reqs, risk_tiers=list(std.risk_tiers or []))


def _clean_requirements(requirements: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, raw in enumerate(requirements, start=1):
        try:
            values = clean(REQUIREMENT_SCHEMA, raw)
        except ValidationError as exc:
            raise ValidationError(f"requirements[{i}].{exc.field}", exc.reason, entity=STANDARD) from None
        if values["code"] in seen:
            raise ValidationError(f"requirements[{i}].code", f"'{values['code']}' appears twice", entity=STANDARD)
        seen.add(values["code"])
        cleaned.append(values)
    return cleaned


def create_standard(ws: Workspace, values: Mapping[str, Any],
                    requirements: Sequence[Mapping[str, Any]] = ()) -> StandardDTO:
    with ws.write() as tx:
        return _create_standard_tx(tx, values, requirements)


def _create_standard_tx(tx: Tx, values: Mapping[str, Any], requirements: Sequence[Mapping[str, Any]],
                        supersedes_id: int | None = None) -> StandardDTO:
    cleaned = clean(STANDARD_SCHEMA, values)
    cleaned["version_label"] = cleaned["version_label"] or "1.0"
    cleaned["risk_tiers"] = [RiskTier.parse(t).value for t in cleaned["risk_tiers"]]
    reqs = _clean_requirements(requirements)
    if tx.session.scalar(select(Standard).where(Standard.code == cleaned["code"],
                                                Standard.version_label == cleaned["version_label"])):
        raise ValidationError("version_label", f"{cleaned['code']} {cleaned['version_label']} already exists",
                              entity=STANDARD)
    std = Standard(**cleaned, supersedes_id=supersedes_id)
    tx.add(std, STANDARD, key=f"{std.code}:{std.version_label}")
    for req_values in reqs:
        req = Requirement(standard_id=std.id, **req_values)
        tx.add(req, REQUIREMENT, key=f"{std.code}:{std.version_label}:{req.code}")
    tx.session.refresh(std)
    return _standard_dto(std)


def publish_new_version(ws: Workspace, standard_id: int, version_label: str,
                        changes: Mapping[str, Any] | None = None,
                        requirements: Sequence[Mapping[str, Any]] | None = None,
                        *, carry_forward: bool = True) -> StandardDTO:
    """Publish ``version_label`` of a standard as a new record that supersedes ``standard_id``.

    The old version stays, with every conformance row recorded against it, and is marked retired when the new
    one is adopted. Requirements are copied unless ``requirements`` replaces them; with ``carry_forward`` the
    conformance of a requirement whose code and text did not change is copied onto the new version (the copy
    says where it came from in its evidence).
    """
    with ws.write() as tx:
        old = records.get_by(tx.session, Standard, STANDARD, id=standard_id)
        newer = tx.session.scalar(select(Standard).where(Standard.supersedes_id == old.id))
        if newer is not None:
            raise ValidationError("version_label", f"{old.code} {old.version_label} is already superseded by "
                                                   f"{newer.version_label}", entity=STANDARD)
        base = {f.name: getattr(old, f.name) for f in STANDARD_SCHEMA}
        base |= {"status": StandardStatus.ADOPTED} | dict(changes or {}) | {"version_label": version_label}
        if requirements is None:
            requirements = [{"code": r.code, "text": r.text, "stages": list(r.stages or [])}
                            for r in old.requirements]
        new = _create_standard_tx(tx, base, requirements, supersedes_id=old.id)
        if new.status is StandardStatus.ADOPTED and old.status is not StandardStatus.RETIRED:
            tx.update(old, STANDARD, {"status": StandardStatus.RETIRED}, key=f"{old.code}:{old.version_label}",
                      note=f"superseded by {new.version_label}")
        if carry_forward:
            _carry_forward(tx, old, new)
        return new


def _carry_forward(tx: Tx, old: Standard, new: StandardDTO) -> None:
    same = {(r.code, r.text): r.id for r in new.requirements}
    for old_req in old.requirements:
        new_req_id = same.get((old_req.code, old_req.text))
        if new_req_id is None:
            continue
        for c in tx.session.scalars(select(Conformance).where(Conformance.requirement_id == old_req.id)):
            copied = Conformance(
                initiative_id=c.initiative_id, requirement_id=new_req_id, status=c.status,
                evidence=(c.evidence + "\n" if c.evidence else "") + f"(carried forward from {old.version_label})",
                waiver_reason=c.waiver_reason, waiver_approver=c.waiver_approver, waiver_expires=c.waiver_expires,
                reviewer=c.reviewer, reviewed_on=c.reviewed_on)
            tx.add(copied, CONFORMANCE, key=f"{c.initiative_id}:{new.code}:{new.version_label}:{old_req.code}",
                   note="carried forward")


def add_requirement(ws: Workspace, standard_id: int, values: Mapping[str, Any]) -> RequirementDTO:
    cleaned = clean(REQUIREMENT_SCHEMA, values)
    with ws.write() as tx:
        std = records.get_by(tx.session, Standard, STANDARD, id=standard_id)
        if any(r.code == cleaned["code"] for r in std.requirements):
            raise ValidationError("code", f"'{cleaned['code']}' is already a requirement of {std.code}",
                                  entity=REQUIREMENT)
        req = Requirement(standard_id=std.id, **cleaned)
        tx.add(req, REQUIREMENT, key=f"{std.code}:{std.version_label}:{req.code}")
        return RequirementDTO(req.id, req.code, req.text, list(req.stages or []))


def update_requirement(ws: Workspace, requirement_id: int, changes: Mapping[str, Any]) -> RequirementDTO:
    with ws.write() as tx:
        req = records.get_by(tx.session, Requirement, REQUIREMENT, id=requirement_id)
        cleaned = clean(REQUIREMENT_SCHEMA, changes, partial=True)
        if "code" in cleaned and cleaned["code"] != req.code and any(
                r.code == cleaned["code"] for r in req.standard.requirements):
            raise ValidationError("code", f"'{cleaned['code']}' is already a requirement of {req.standard.code}",
                                  entity=REQUIREMENT)
        tx.update(req, REQUIREMENT, cleaned, key=f"{req.standard.code}:{req.standard.version_label}:{req.code}")
        return RequirementDTO(req.id, req.code, req.text, list(req.stages or []))


def delete_requirement(ws: Workspace, requirement_id: int) -> None:
    """Remove a requirement nobody has assessed yet; one with conformance changes only in a new version."""
    with ws.write() as tx:
        req = records.get_by(tx.session, Requirement, REQUIREMENT, id=requirement_id)
        if tx.session.scalar(select(Conformance.id).where(Conformance.requirement_id == req.id).limit(1)):
            raise ValidationError("requirement", f"{req.code} has recorded conformance; publish a new version "
                                                 "of the standard without it instead", entity=REQUIREMENT)
        tx.delete(req, REQUIREMENT, key=f"{req.standard.code}:{req.standard.version_label}:{req.code}")


def get_standard(ws: Workspace, standard_id: int) -> StandardDTO:
    with ws.read() as s:
        return _standard_dto(records.get_by(s, Standard, STANDARD, id=standard_id))


def update_standard(ws: Workspace, standard_id: int, changes: Mapping[str, Any]) -> StandardDTO:
    if "version_label" in changes:
        raise ValidationError("version_label", "a new version is published with publish_new_version, so the old "
                                               "one and its conformance stay", entity=STANDARD)
    changes = dict(changes)
    if "risk_tiers" in changes:
        tiers = clean(STANDARD_SCHEMA, {"risk_tiers": changes["risk_tiers"]}, partial=True)["risk_tiers"]
        changes["risk_tiers"] = [RiskTier.parse(t).value for t in tiers]
    with ws.write() as tx:
        std = records.get_by(tx.session, Standard, STANDARD, id=standard_id)
        records.update(tx, std, STANDARD, STANDARD_SCHEMA, changes)
        return _standard_dto(std)


def list_standards(ws: Workspace) -> list[StandardDTO]:
    with ws.read() as s:
        return [_standard_dto(x) for x in s.scalars(select(Standard).order_by(Standard.category, Standard.code,
                                                                               Standard.version_label))]
