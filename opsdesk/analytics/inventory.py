"""Each initiative as a row of the OMB 2025 AI use case inventory, read from the register and its inventory record,
and the dictionary's completion rules applied to it (:mod:`opsdesk.domain.inventory`). Read-only: the reporting
services export these rows; the attention list, briefs and the Reporting page show their gaps."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from opsdesk.domain import inventory as inv
from opsdesk.domain.enums import LineageKind, NodeKind, Stage
from opsdesk.domain.risk import AssessmentStatus, assessment_current
from opsdesk.store.models import (
    DataAsset,
    ImpactAssessment,
    Initiative,
    InitiativeDataAsset,
    LineageLink,
    Model,
    Person,
    StageChange,
    UseCaseRecord,
    WorkspaceInfo,
)
from opsdesk.store.workspace import Workspace


@dataclass(frozen=True)
class UseCaseRow:
    """One initiative as an inventory row: typed values by column, where each value came from, and its gaps."""

    code: str
    name: str
    stage: Stage
    values: dict[str, Any]
    sources: dict[str, str]  # column -> "register", "record", "derived: …"
    gaps: list[inv.Gap]
    retired_on: dt.date | None = None
    cots_task: str | None = None
    record_version: int | None = None
    assessment_date: dt.date | None = None
    unrecognised: dict[str, str] = field(default_factory=dict)
    atrs: dict[str, str] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return not self.gaps


def _members(choice: type[inv.InventoryChoice], names: Iterable[str]) -> list[inv.InventoryChoice]:
    out = []
    for n in names or []:
        try:
            out.append(choice[n])
        except KeyError:
            continue
    return out


def kept(ws: Workspace) -> bool:
    """Whether the workspace keeps an inventory at all (any initiative has a record): only then do its gaps
    reach the attention list and the briefs — an organisation that does not file one is not nagged."""
    with ws.read() as s:
        return s.scalar(select(UseCaseRecord.id).limit(1)) is not None


def as_of_for(year: int | None, today: dt.date) -> dt.date:
    """The date the inventory speaks for: the end of the reporting year, or today while that year runs."""
    if year is None:
        return today
    return min(today, dt.date(year, 12, 31))


def rows(ws: Workspace, year: int | None = None, *, codes: Iterable[str] | None = None,
         today: dt.date | None = None) -> list[UseCaseRow]:
    """Every initiative not retired before ``year`` (all of them without a year), in code order."""
    today = today or ws.clock().date()
    as_of = as_of_for(year, today)
    wanted = set(codes) if codes is not None else None
    with ws.read() as s:
        info = s.scalar(select(WorkspaceInfo))
        organisation = info.organisation if info else ""
        records = {r.initiative_id: r for r in s.scalars(select(UseCaseRecord))}
        agencies = {r.agency for r in records.values() if r.agency}
        agency = agencies.pop() if len(agencies) == 1 else ""  # one agency reports: new use cases are its own
        people = {p.name: p for p in s.scalars(select(Person))}
        first_pilot: dict[int, dt.date] = {}
        retired: dict[int, dt.date] = {}
        for ch in s.scalars(select(StageChange).order_by(StageChange.changed_at)):
            if ch.to_stage is Stage.PILOT and ch.initiative_id not in first_pilot:
                first_pilot[ch.initiative_id] = ch.changed_at.date()
            if ch.to_stage is Stage.RETIRED:
                retired[ch.initiative_id] = ch.changed_at.date()
        assets = _assets_by_initiative(s)
        # the latest approved impact assessment of each initiative: the high-impact answers it gives win
        assessed: dict[int, ImpactAssessment] = {}
        for a in s.scalars(select(ImpactAssessment).where(ImpactAssessment.status == AssessmentStatus.APPROVED)
                           .order_by(ImpactAssessment.version_number)):
            assessed[a.initiative_id] = a
        out = []
        for init in s.scalars(select(Initiative).order_by(Initiative.code)):
            if wanted is not None and init.code not in wanted:
                continue
            gone = retired.get(init.id) if init.stage is Stage.RETIRED else None
            if year is not None and gone is not None and gone.year < year:
                continue
            out.append(_row(init, records.get(init.id), people.get(init.owner), first_pilot.get(init.id),
                            assets.get(init.id, []), organisation, agency, gone, as_of, assessed.get(init.id)))
        return out


def _assets_by_initiative(s: Any) -> dict[int, list[DataAsset]]:
    """The data assets behind each initiative: those linked to it, those its models were trained or evaluated on,
    and the assets those were derived from (one step up the lineage)."""
    by_id = {a.id: a for a in s.scalars(select(DataAsset))}
    found: dict[int, set[int]] = defaultdict(set)
    for init_id, asset_id in s.execute(select(InitiativeDataAsset.initiative_id, InitiativeDataAsset.data_asset_id)):
        found[init_id].add(asset_id)
    model_owner = dict(s.execute(select(Model.id, Model.initiative_id).where(Model.initiative_id.is_not(None))).all())
    derived: dict[int, set[int]] = defaultdict(set)
    for link in s.scalars(select(LineageLink).where(LineageLink.source_kind == NodeKind.DATA_ASSET)):
        if link.target_kind is NodeKind.MODEL and link.kind in (LineageKind.TRAINED_ON, LineageKind.EVALUATED_ON):
            owner = model_owner.get(link.target_id)
            if owner is not None:
                found[owner].add(link.source_id)
        elif link.target_kind is NodeKind.DATA_ASSET and link.kind is LineageKind.DERIVED_FROM:
            derived[link.target_id].add(link.source_id)
    out: dict[int, list[DataAsset]] = {}
    for init_id, ids in found.items():
        ids = ids | {up for i in ids for up in derived.get(i, ())}
        out[init_id] = sorted((by_id[i] for i in ids if i in by_id), key=lambda a: a.name)
    return out


def _row(init: Initiative, rec: UseCaseRecord | None, owner: Person | None, pilot_on: dt.date | None,
         assets: list[DataAsset], organisation: str, agency: str, retired_on: dt.date | None,
         as_of: dt.date, assessment: ImpactAssessment | None = None) -> UseCaseRow:
    v: dict[str, Any] = {}
    src: dict[str, str] = {}

    def put(col: str, value: Any, source: str) -> None:
        v[col] = value
        src[col] = source

    r = rec
    if r and r.agency:
        put("agency", r.agency, "record")
    else:
        put("agency", agency, "derived: the agency of the other use cases")
    if r and r.agency_name:
        put("agency_name", r.agency_name, "record")
    else:
        put("agency_name", organisation, "derived: the workspace's organisation")
    if r and r.use_case_id:
        put("id", r.use_case_id, "record")
    else:
        put("id", init.code, "derived: the initiative code")
    put("use_case_name", (r.full_name if r and r.full_name else init.name), "register")
    if r and r.agency_bureau:
        put("agency_bureau", r.agency_bureau, "record")
    else:
        put("agency_bureau", owner.unit if owner else "", "derived: the owner's unit")
    if r and r.contact_email:
        put("contact_email", r.contact_email, "record")
    else:
        put("contact_email", owner.email if owner else "", "derived: the owner's e-mail")
    put("is_withheld", r.is_withheld if r else None, "record")
    stage = inv.STAGE_TO_INVENTORY[init.stage]
    put("development_stage", stage, f"register: stage {init.stage.label}")
    put("is_high_impact", inv.high_impact(init.risk_tier, bool(r and r.presumed_high_impact)),
        f"register: risk tier {init.risk_tier.label}")
    put("HI_justification", r.hi_justification if r else "", "record")
    put("topic_area", r.topic_area if r else None, "record")
    put("classification", r.ai_classification if r else None, "record")
    put("problem_solved", init.problem, "register")
    put("benefits", init.expected_benefits, "register")
    put("system_outputs", init.outputs, "register")
    if r and r.operational_date:
        put("operational_date", r.operational_date, "record")
    else:
        put("operational_date", pilot_on if stage in inv.LIVE else None, "derived: the date of the pilot gate")
    put("contracting_usage", r.contracting_usage if r else None, "record")
    put("vendor_name", r.vendor_name if r else "", "record")
    put("have_ato", r.have_ato if r else None, "record")
    put("system_name_ato", r.system_name_ato if r else "", "record")
    if r and r.data_description:
        put("data_description", r.data_description, "record")
    else:
        put("data_description", "; ".join(f"{a.name}: {a.description}" if a.description else a.name
                                          for a in assets), "derived: the linked data assets")
    put("link_to_data", r.link_to_data if r else "", "record")
    if r and r.has_pii is not None:
        put("has_pii", r.has_pii, "record")
    else:
        put("has_pii", (inv.YesNo.YES if any(a.contains_pii for a in assets) else inv.YesNo.NO) if assets else None,
            "derived: the linked data assets")
    put("pia_url", r.pia_url if r else "", "record")
    put("demographic_features", _members(inv.DemographicFeature, r.demographic_features if r else []), "record")
    put("has_custom_code", r.has_custom_code if r else None, "record")
    put("code_url", r.code_url if r else "", "record")
    for col in ("hi_testing_conducted", "hi_assessment_completed", "hi_potential_impacts", "hi_independent_review",
                "hi_ongoing_monitoring", "hi_training_established", "hi_failsafe_presence", "hi_appeal_process"):
        put(col, getattr(r, col) if r else None, "record")
    put("hi_public_consultation", _members(inv.PublicConsultation, r.hi_public_consultation if r else []), "record")
    assessment_date = r.impact_assessment_date if r else None
    if assessment is not None and assessment_current(assessment.status, assessment.approved_on,
                                                     assessment.review_by, as_of)[0]:
        # the current approved impact assessment (Risks page) answers for itself; a lapsed one does not
        where = f"impact assessment version {assessment.version_number}, approved {assessment.approved_on}"
        put("hi_assessment_completed", inv.PracticeStatus.YES, where)
        assessment_date = assessment.approved_on or assessment.assessed_on or assessment_date
        if assessment.potential_harms.strip():
            put("hi_potential_impacts", assessment.potential_harms.strip(), where)
        if assessment.testing.strip() or assessment.test_results.strip():
            put("hi_testing_conducted", inv.PracticeStatus.YES, where)
        if assessment.monitoring_plan.strip():
            put("hi_ongoing_monitoring", inv.OngoingMonitoring.ESTABLISHED, where)
    unrecognised = dict(r.unrecognised or {}) if r else {}
    gaps = inv.check(v, as_of=as_of, assessment_date=assessment_date, unrecognised=unrecognised)
    if r and r.cots_task and v["is_high_impact"] is inv.HighImpact.HIGH_IMPACT:
        gaps.append(inv.Gap("is_high_impact", "a high-impact use case cannot be reported in the consolidated COTS "
                                              "file", "inconsistent"))
    return UseCaseRow(init.code, init.name, init.stage, v, src, gaps, retired_on, r.cots_task if r else None,
                      r.version if r else None, assessment_date, unrecognised,
                      dict(r.atrs or {}) if r else {})
