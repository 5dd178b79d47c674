"""AI impact assessments, one versioned record per initiative: purpose and context, affected groups, expected
benefits and potential harms, data and demographic features used, testing and its results, human oversight and
appeal, the monitoring plan, the conclusion, the assessor, the approver and the dates.

A draft is edited freely; approval fixes it. A change to an approved assessment is a new version, a draft copied
from the latest, approved in its turn. The *current* assessment is the latest approved version still within its
review date (a year after approval unless it names its own). High-impact initiatives need one before the gates to
Pilot and beyond (:func:`gate_check`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsdesk.domain.enums import RiskTier, Stage
from opsdesk.domain.risk import AssessmentStatus, assessment_current, needs_assessment
from opsdesk.domain.validation import Field, clean
from opsdesk.errors import ValidationError
from opsdesk.services.risk.risks import find_person
from opsdesk.store import records
from opsdesk.store.models import ImpactAssessment, Initiative, Person
from opsdesk.store.workspace import Tx, Workspace

ENTITY = "impact_assessment"
TEXT_FIELDS = ("purpose", "affected_groups", "expected_benefits", "potential_harms", "data_used",
               "demographic_features", "testing", "test_results", "human_oversight", "appeal", "monitoring_plan",
               "conclusion")
LABELS = {"purpose": "Purpose and context", "affected_groups": "Affected groups",
          "expected_benefits": "Expected benefits", "potential_harms": "Potential harms",
          "data_used": "Data used", "demographic_features": "Demographic features used",
          "testing": "Testing done", "test_results": "Test results", "human_oversight": "Human oversight",
          "appeal": "Appeal and redress", "monitoring_plan": "Monitoring plan", "conclusion": "Conclusion"}
SCHEMA = (
    *(Field(name, kind="text") for name in TEXT_FIELDS),
    Field("assessor", max_len=320),
    Field("assessed_on", kind="date"),
    Field("review_by", kind="date"),
)
#: What approval needs filled in (OMB M-25-21's minimum: purpose, benefits, harms, data, testing, oversight,
#: monitoring, and a conclusion).
REQUIRED_FOR_APPROVAL = ("purpose", "affected_groups", "expected_benefits", "potential_harms", "data_used",
                         "testing", "test_results", "human_oversight", "monitoring_plan", "conclusion")


@dataclass(frozen=True)
class AssessmentDTO:
    id: int
    initiative_code: str
    version_number: int
    status: AssessmentStatus
    texts: dict[str, str]
    assessor: str
    assessed_on: dt.date | None
    approver: str
    approved_on: dt.date | None
    review_by: dt.date | None
    current: bool
    currency_note: str

    def __getattr__(self, name: str) -> Any:
        if name in TEXT_FIELDS:
            return self.texts[name]
        raise AttributeError(name)


def _dto(session: Session, a: ImpactAssessment, today: dt.date, latest_approved: int | None) -> AssessmentDTO:
    code = session.scalar(select(Initiative.code).where(Initiative.id == a.initiative_id)) or ""
    names = dict(session.execute(select(Person.id, Person.name)).all())
    ok, note = assessment_current(a.status, a.approved_on, a.review_by, today)
    if a.status is AssessmentStatus.APPROVED and latest_approved is not None and a.version_number < latest_approved:
        ok, note = False, f"superseded by version {latest_approved}"
    return AssessmentDTO(a.id, code, a.version_number, a.status, {n: getattr(a, n) for n in TEXT_FIELDS},
                         names.get(a.assessor_id, "") if a.assessor_id else "", a.assessed_on,
                         names.get(a.approver_id, "") if a.approver_id else "", a.approved_on, a.review_by, ok, note)


def _latest_approved(session: Session, initiative_id: int) -> int | None:
    return session.scalar(select(ImpactAssessment.version_number)
                          .where(ImpactAssessment.initiative_id == initiative_id,
                                 ImpactAssessment.status == AssessmentStatus.APPROVED)
                          .order_by(ImpactAssessment.version_number.desc()).limit(1))


def _columns(session: Session, cleaned: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(cleaned)
    if "assessor" in out:
        out["assessor_id"] = find_person(session, out.pop("assessor"), "assessor", ENTITY)
    return out


def new_version(ws: Workspace, initiative_code: str, values: Mapping[str, Any] | None = None) -> AssessmentDTO:
    """Start the next version as a draft: a copy of the latest version with ``values`` applied."""
    with ws.write() as tx:
        a = new_version_tx(tx, initiative_code, values or {})
        return _dto(tx.session, a, ws.clock().date(), _latest_approved(tx.session, a.initiative_id))


def new_version_tx(tx: Tx, initiative_code: str, values: Mapping[str, Any]) -> ImpactAssessment:
    init = records.get_by(tx.session, Initiative, "initiative", code=initiative_code)
    latest = tx.session.scalar(select(ImpactAssessment).where(ImpactAssessment.initiative_id == init.id)
                               .order_by(ImpactAssessment.version_number.desc()).limit(1))
    if latest is not None and latest.status is AssessmentStatus.DRAFT:
        raise ValidationError("version", f"version {latest.version_number} of {init.code}'s assessment is still a "
                                         "draft; edit or approve it first", entity=ENTITY)
    copied: dict[str, Any] = {n: getattr(latest, n) for n in TEXT_FIELDS} if latest else {}
    if latest is not None:
        copied["assessor_id"] = latest.assessor_id
    copied.update(_columns(tx.session, clean(SCHEMA, values, partial=True)))
    a = ImpactAssessment(initiative_id=init.id, version_number=(latest.version_number + 1) if latest else 1,
                         status=AssessmentStatus.DRAFT, **copied)
    tx.add(a, ENTITY, f"{init.code} v{a.version_number}")
    return a


def _draft(tx: Tx, assessment_id: int) -> tuple[ImpactAssessment, str]:
    a = records.get_by(tx.session, ImpactAssessment, ENTITY, id=assessment_id)
    code = tx.session.scalar(select(Initiative.code).where(Initiative.id == a.initiative_id)) or ""
    if a.status is not AssessmentStatus.DRAFT:
        raise ValidationError("status", f"version {a.version_number} of {code}'s assessment is approved and "
                                        "cannot change; start a new version", entity=ENTITY)
    return a, f"{code} v{a.version_number}"


def update(ws: Workspace, assessment_id: int, changes: Mapping[str, Any]) -> AssessmentDTO:
    with ws.write() as tx:
        a, key = _draft(tx, assessment_id)
        tx.update(a, ENTITY, _columns(tx.session, clean(SCHEMA, changes, partial=True)), key)
        return _dto(tx.session, a, ws.clock().date(), _latest_approved(tx.session, a.initiative_id))


def approve(ws: Workspace, assessment_id: int, approver: str, approved_on: dt.date | None = None,
            review_by: dt.date | None = None) -> AssessmentDTO:
    """Approve a draft: every required part is filled in, an assessor is named, and the approver is someone else."""
    with ws.write() as tx:
        a = approve_tx(tx, assessment_id, approver, approved_on or ws.clock().date(), review_by)
        return _dto(tx.session, a, ws.clock().date(), _latest_approved(tx.session, a.initiative_id))


def approve_tx(tx: Tx, assessment_id: int, approver: str, approved_on: dt.date,
               review_by: dt.date | None = None) -> ImpactAssessment:
    a, key = _draft(tx, assessment_id)
    missing = [LABELS[n] for n in REQUIRED_FOR_APPROVAL if not getattr(a, n).strip()]
    if missing:
        raise ValidationError(next(n for n in REQUIRED_FOR_APPROVAL if not getattr(a, n).strip()),
                              "cannot approve while these are empty: " + ", ".join(missing), entity=ENTITY)
    if a.assessor_id is None:
        raise ValidationError("assessor", "an assessment names its assessor before approval", entity=ENTITY)
    approver_id = find_person(tx.session, approver, "approver", ENTITY)
    if approver_id is None:
        raise ValidationError("approver", "is required", entity=ENTITY)
    if approver_id == a.assessor_id:
        raise ValidationError("approver", "the approver is someone other than the assessor", entity=ENTITY)
    if review_by is not None and review_by <= approved_on:
        raise ValidationError("review_by", "is after the approval date", entity=ENTITY)
    tx.update(a, ENTITY, {"status": AssessmentStatus.APPROVED, "approver_id": approver_id,
                          "approved_on": approved_on, "review_by": review_by,
                          "assessed_on": a.assessed_on or approved_on}, key)
    return a


def withdraw_approval(ws: Workspace, assessment_id: int) -> AssessmentDTO:
    """Undo of an approval made by mistake: the version is a draft again (audited like the approval)."""
    with ws.write() as tx:
        a = records.get_by(tx.session, ImpactAssessment, ENTITY, id=assessment_id)
        code = tx.session.scalar(select(Initiative.code).where(Initiative.id == a.initiative_id)) or ""
        tx.update(a, ENTITY, {"status": AssessmentStatus.DRAFT, "approver_id": None, "approved_on": None,
                              "review_by": None}, f"{code} v{a.version_number}")
        return _dto(tx.session, a, ws.clock().date(), _latest_approved(tx.session, a.initiative_id))


def delete_draft(ws: Workspace, assessment_id: int) -> None:
    with ws.write() as tx:
        a, key = _draft(tx, assessment_id)
        tx.delete(a, ENTITY, key)


def history(ws: Workspace, initiative_code: str) -> list[AssessmentDTO]:
    """Every version, the newest first."""
    with ws.read() as s:
        init = records.get_by(s, Initiative, "initiative", code=initiative_code)
        latest = _latest_approved(s, init.id)
        return [_dto(s, a, ws.clock().date(), latest) for a in s.scalars(
            select(ImpactAssessment).where(ImpactAssessment.initiative_id == init.id)
            .order_by(ImpactAssessment.version_number.desc()))]


def list_all(ws: Workspace, initiative_code: str | None = None) -> list[AssessmentDTO]:
    """Every version of every initiative's assessment (or one initiative's), by initiative, newest first."""
    with ws.read() as s:
        stmt = select(ImpactAssessment)
        if initiative_code:
            stmt = stmt.where(ImpactAssessment.initiative_id == records.get_by(
                s, Initiative, "initiative", code=initiative_code).id)
        out = [_dto(s, a, ws.clock().date(), _latest_approved(s, a.initiative_id)) for a in s.scalars(stmt)]
        return sorted(out, key=lambda x: (x.initiative_code, -x.version_number))


def current(ws: Workspace, initiative_code: str, today: dt.date | None = None) -> AssessmentDTO | None:
    """The latest approved version, whether or not it is still current (``.current`` says)."""
    with ws.read() as s:
        return current_in(s, initiative_code, today or ws.clock().date())


def current_in(session: Session, initiative_code: str, today: dt.date) -> AssessmentDTO | None:
    init = records.get_by(session, Initiative, "initiative", code=initiative_code)
    latest = _latest_approved(session, init.id)
    if latest is None:
        return None
    a = session.scalar(select(ImpactAssessment).where(ImpactAssessment.initiative_id == init.id,
                                                      ImpactAssessment.version_number == latest))
    assert a is not None
    return _dto(session, a, today, latest)


def gate_check(session: Session, initiative_code: str, tier: RiskTier, target: Stage,
               today: dt.date) -> tuple[bool, str] | None:
    """None when the gate needs no assessment; else (met, what the committee reads)."""
    if not needs_assessment(tier, target):
        return None
    a = current_in(session, initiative_code, today)
    if a is None:
        return False, "high-impact: no approved impact assessment"
    if not a.current:
        return False, f"version {a.version_number}: {a.currency_note}"
    return True, f"version {a.version_number}, {a.currency_note}, approved by {a.approver}"
