"""What an exchange bundle carries, and how a record travels between workspaces whose ids differ.

Each kind of record has a natural key (codes, names, e-mails, dates) and its foreign keys travel as the natural
keys of the records they point to. A record's *portable* form is plain JSON: the same record gives the same
portable form (and digest) in every workspace, which is what tells "unchanged", "updated" and "conflict" apart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Enum, Select, select, union
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from opsdesk.domain.enums import NodeKind, SubjectKind
from opsdesk.store.audit import jsonable
from opsdesk.store.models import (
    ActionItem,
    AgendaItem,
    Allocation,
    Attendance,
    ConflictOfInterest,
    Conformance,
    CostRecord,
    DataAsset,
    Decision,
    EvidenceFile,
    ImpactAssessment,
    Incident,
    IncidentAction,
    Initiative,
    InitiativeDataAsset,
    InitiativeObjective,
    IssuedPaper,
    IssuedPaperFile,
    Job,
    Lesson,
    LineageLink,
    Meeting,
    MetricSeries,
    Mitigation,
    Model,
    Objective,
    Person,
    Requirement,
    Risk,
    StageChange,
    Standard,
    TeamMember,
    Vote,
)
from opsdesk.store.types import Money, UTCDateTime

ALWAYS_SKIPPED = ("id", "version", "batch_id", "row_number")


@dataclass(frozen=True)
class Scope:
    initiative_ids: frozenset[int]
    start: dt.datetime | None = None  # inclusive, UTC
    end: dt.datetime | None = None  # exclusive, UTC
    lineage_link_ids: frozenset[int] = frozenset()  # the links upstream of the initiatives (see lineage_links)


def lineage_links(session: Session, initiative_ids: Iterable[int]) -> frozenset[int]:
    """The lineage links upstream of the initiatives: data assets → jobs → models → the initiatives (walked
    from each initiative against the direction of the links)."""
    links = list(session.execute(select(LineageLink.id, LineageLink.source_kind, LineageLink.source_id,
                                        LineageLink.target_kind, LineageLink.target_id)))
    into: dict[tuple[str, int], list[tuple[int, tuple[str, int]]]] = {}
    for lid, sk, sid, tk, tid in links:
        into.setdefault((tk.value, tid), []).append((lid, (sk.value, sid)))
    seen = {("initiative", i) for i in initiative_ids}
    frontier = list(seen)
    found: set[int] = set()
    while frontier:
        node = frontier.pop()
        for lid, source in into.get(node, []):
            found.add(lid)
            if source not in seen:
                seen.add(source)
                frontier.append(source)
    return frozenset(found)


def _lineage_node_ids(s: Scope, kind: NodeKind) -> Select[Any]:
    ids: Any = union(
        select(LineageLink.source_id).where(LineageLink.id.in_(s.lineage_link_ids), LineageLink.source_kind == kind),
        select(LineageLink.target_id).where(LineageLink.id.in_(s.lineage_link_ids), LineageLink.target_kind == kind))
    sub = ids.subquery()
    return select(sub.c[0])


@dataclass(frozen=True)
class Kind:
    name: str
    model: type
    key: tuple[str, ...]
    refs: Mapping[str, str] = field(default_factory=dict)
    skip: tuple[str, ...] = ()
    scope: Callable[[Scope], Select[Any]] | None = None

    def columns(self) -> list[str]:
        mapper: Any = sa_inspect(self.model)
        return [a.key for a in mapper.column_attrs if a.key not in ALWAYS_SKIPPED and a.key not in self.skip]


def _ids(column: Any, scope: Scope) -> Any:
    return column.in_(scope.initiative_ids)


def _agenda_ids(s: Scope) -> Select[Any]:
    return select(AgendaItem.id).where(_ids(AgendaItem.initiative_id, s))


def _meeting_ids(s: Scope) -> Select[Any]:
    return select(AgendaItem.meeting_id).where(_ids(AgendaItem.initiative_id, s))


def _decision_ids(s: Scope) -> Select[Any]:
    return select(Decision.id).where(Decision.agenda_item_id.in_(_agenda_ids(s)))


def _conformance_ids(s: Scope) -> Select[Any]:
    return select(Conformance.id).where(_ids(Conformance.initiative_id, s))


def _cost_ids(s: Scope) -> Select[Any]:
    stmt = select(Allocation.cost_record_id).join(CostRecord, CostRecord.id == Allocation.cost_record_id).where(
        _ids(Allocation.initiative_id, s))
    if s.start is not None:
        stmt = stmt.where(CostRecord.charge_period_start >= s.start)
    if s.end is not None:
        stmt = stmt.where(CostRecord.charge_period_start < s.end)
    return stmt


def _paper_ids(s: Scope) -> Select[Any]:
    """Issued papers that speak only of the bundle's initiatives: an item's brief about one of them, or a pack
    or minutes of a meeting whose every item about an initiative is about one of them."""
    foreign = select(AgendaItem.meeting_id).where(AgendaItem.initiative_id.is_not(None),
                                                  AgendaItem.initiative_id.not_in(s.initiative_ids))
    return select(IssuedPaper.id).where(
        IssuedPaper.agenda_item_id.in_(_agenda_ids(s))
        | (IssuedPaper.agenda_item_id.is_(None) & IssuedPaper.meeting_id.in_(_meeting_ids(s))
           & IssuedPaper.meeting_id.not_in(foreign)))


def _people(s: Scope) -> Select[Any]:
    ids: Any = union(
        select(TeamMember.person_id).where(_ids(TeamMember.initiative_id, s)),
        select(Attendance.person_id).where(Attendance.meeting_id.in_(_meeting_ids(s))),
        select(Vote.person_id).where(Vote.decision_id.in_(_decision_ids(s))),
        select(ConflictOfInterest.person_id).where(ConflictOfInterest.agenda_item_id.in_(_agenda_ids(s))),
        select(ActionItem.owner_id).where(_ids(ActionItem.initiative_id, s), ActionItem.owner_id.is_not(None)),
        select(Risk.owner_id).where(_ids(Risk.initiative_id, s), Risk.owner_id.is_not(None)),
        select(Risk.accepted_by_id).where(_ids(Risk.initiative_id, s), Risk.accepted_by_id.is_not(None)),
        select(Mitigation.owner_id).where(Mitigation.risk_id.in_(_risk_ids(s)), Mitigation.owner_id.is_not(None)),
        select(ImpactAssessment.assessor_id).where(_ids(ImpactAssessment.initiative_id, s),
                                                   ImpactAssessment.assessor_id.is_not(None)),
        select(ImpactAssessment.approver_id).where(_ids(ImpactAssessment.initiative_id, s),
                                                   ImpactAssessment.approver_id.is_not(None)),
    )
    return select(Person).where(Person.id.in_(ids))


def _risk_ids(s: Scope) -> Select[Any]:
    return select(Risk.id).where(_ids(Risk.initiative_id, s))


def _incident_ids(s: Scope) -> Select[Any]:
    return select(Incident.id).where(_ids(Incident.initiative_id, s))


def _requirement_ids(s: Scope) -> Select[Any]:
    return select(Conformance.requirement_id).where(_ids(Conformance.initiative_id, s))


# In dependency order: a kind only refers to kinds listed before it (or to itself).
KINDS: tuple[Kind, ...] = (
    Kind("person", Person, ("email",), scope=_people),
    Kind("objective", Objective, ("code",), scope=lambda s: select(Objective).where(Objective.id.in_(
        select(InitiativeObjective.objective_id).where(_ids(InitiativeObjective.initiative_id, s))))),
    Kind("initiative", Initiative, ("code",), scope=lambda s: select(Initiative).where(_ids(Initiative.id, s))),
    Kind("initiative_objective", InitiativeObjective, ("initiative_id", "objective_id"),
         {"initiative_id": "initiative", "objective_id": "objective"},
         scope=lambda s: select(InitiativeObjective).where(_ids(InitiativeObjective.initiative_id, s))),
    Kind("team_member", TeamMember, ("initiative_id", "person_id"),
         {"initiative_id": "initiative", "person_id": "person"},
         scope=lambda s: select(TeamMember).where(_ids(TeamMember.initiative_id, s))),
    Kind("data_asset", DataAsset, ("name",), scope=lambda s: select(DataAsset).where(DataAsset.id.in_(union(
        select(InitiativeDataAsset.data_asset_id).where(_ids(InitiativeDataAsset.initiative_id, s)),
        select(Risk.data_asset_id).where(_ids(Risk.initiative_id, s), Risk.data_asset_id.is_not(None))))
        | DataAsset.id.in_(_lineage_node_ids(s, NodeKind.DATA_ASSET)))),
    Kind("initiative_data_asset", InitiativeDataAsset, ("initiative_id", "data_asset_id"),
         {"initiative_id": "initiative", "data_asset_id": "data_asset"},
         scope=lambda s: select(InitiativeDataAsset).where(_ids(InitiativeDataAsset.initiative_id, s))),
    Kind("model", Model, ("name", "version_label"), {"initiative_id": "initiative"},
         scope=lambda s: select(Model).where(_ids(Model.initiative_id, s)
                                             | Model.id.in_(_lineage_node_ids(s, NodeKind.MODEL)))),
    Kind("job", Job, ("namespace", "name"),
         scope=lambda s: select(Job).where(Job.id.in_(_lineage_node_ids(s, NodeKind.JOB)))),
    Kind("lineage_link", LineageLink, ("source_kind", "source_id", "target_kind", "target_id", "kind"),
         {"source_id": "", "target_id": ""},
         scope=lambda s: select(LineageLink).where(LineageLink.id.in_(s.lineage_link_ids))),
    Kind("standard", Standard, ("code", "version_label"), {"supersedes_id": "standard"},
         scope=lambda s: select(Standard).where(Standard.id.in_(
             select(Requirement.standard_id).where(Requirement.id.in_(_requirement_ids(s)))))),
    Kind("requirement", Requirement, ("standard_id", "code"), {"standard_id": "standard"},
         scope=lambda s: select(Requirement).where(Requirement.id.in_(_requirement_ids(s)))),
    Kind("conformance", Conformance, ("initiative_id", "requirement_id"),
         {"initiative_id": "initiative", "requirement_id": "requirement"},
         scope=lambda s: select(Conformance).where(_ids(Conformance.initiative_id, s))),
    Kind("evidence_file", EvidenceFile, ("conformance_id", "sha256"), {"conformance_id": "conformance"},
         skip=("content",),
         scope=lambda s: select(EvidenceFile).where(EvidenceFile.conformance_id.in_(_conformance_ids(s)))),
    Kind("meeting", Meeting, ("title", "starts_at"),
         scope=lambda s: select(Meeting).where(Meeting.id.in_(_meeting_ids(s)))),
    Kind("attendance", Attendance, ("meeting_id", "person_id"), {"meeting_id": "meeting", "person_id": "person"},
         scope=lambda s: select(Attendance).where(Attendance.meeting_id.in_(_meeting_ids(s)))),
    Kind("agenda_item", AgendaItem, ("meeting_id", "position"),
         {"meeting_id": "meeting", "initiative_id": "initiative", "minutes_meeting_id": "meeting"},
         scope=lambda s: select(AgendaItem).where(_ids(AgendaItem.initiative_id, s))),
    Kind("conflict_of_interest", ConflictOfInterest, ("agenda_item_id", "person_id"),
         {"agenda_item_id": "agenda_item", "person_id": "person"},
         scope=lambda s: select(ConflictOfInterest).where(ConflictOfInterest.agenda_item_id.in_(_agenda_ids(s)))),
    Kind("decision", Decision, ("agenda_item_id", "decided_at"),
         {"agenda_item_id": "agenda_item", "corrects_id": "decision"},
         scope=lambda s: select(Decision).where(Decision.id.in_(_decision_ids(s)))),
    Kind("vote", Vote, ("decision_id", "person_id"), {"decision_id": "decision", "person_id": "person"},
         scope=lambda s: select(Vote).where(Vote.decision_id.in_(_decision_ids(s)))),
    Kind("stage_change", StageChange, ("initiative_id", "changed_at", "to_stage"),
         {"initiative_id": "initiative", "decision_id": "decision"},
         scope=lambda s: select(StageChange).where(_ids(StageChange.initiative_id, s))),
    Kind("action_item", ActionItem, ("initiative_id", "decision_id", "title"),
         {"initiative_id": "initiative", "decision_id": "decision", "owner_id": "person"},
         scope=lambda s: select(ActionItem).where(_ids(ActionItem.initiative_id, s))),
    Kind("lesson", Lesson, ("initiative_id", "stage", "recorded_on", "category"),
         {"initiative_id": "initiative", "decision_id": "decision"},
         scope=lambda s: select(Lesson).where(_ids(Lesson.initiative_id, s))),
    Kind("issued_paper", IssuedPaper, ("doc_id", "edition"),
         {"meeting_id": "meeting", "agenda_item_id": "agenda_item"},
         scope=lambda s: select(IssuedPaper).where(IssuedPaper.id.in_(_paper_ids(s)))),
    Kind("issued_paper_file", IssuedPaperFile, ("paper_id", "form"), {"paper_id": "issued_paper"},
         skip=("content",),
         scope=lambda s: select(IssuedPaperFile).where(IssuedPaperFile.paper_id.in_(_paper_ids(s)))),
    Kind("metric_series", MetricSeries, ("subject_kind", "subject_id", "name"), {"initiative_id": "initiative"},
         scope=lambda s: select(MetricSeries).where(_ids(MetricSeries.initiative_id, s))),
    Kind("cost_record", CostRecord,
         ("charge_period_start", "charge_period_end", "billing_account_id", "sub_account_id", "resource_id",
          "sku_id", "service_name", "charge_category", "charge_description", "billed_cost", "billing_currency"),
         scope=lambda s: select(CostRecord).where(CostRecord.id.in_(_cost_ids(s)))),
    Kind("allocation", Allocation, ("cost_record_id", "initiative_id"),
         {"cost_record_id": "cost_record", "initiative_id": "initiative"}, skip=("rule_id",),
         scope=lambda s: select(Allocation).where(_ids(Allocation.initiative_id, s),
                                                  Allocation.cost_record_id.in_(_cost_ids(s)))),
    # the risk, impact assessment and incident registers of the initiatives
    Kind("risk", Risk, ("initiative_id", "number"),
         {"initiative_id": "initiative", "model_id": "model", "data_asset_id": "data_asset", "owner_id": "person",
          "accepted_by_id": "person", "trigger_series_id": "metric_series"},
         scope=lambda s: select(Risk).where(_ids(Risk.initiative_id, s))),
    Kind("mitigation", Mitigation, ("risk_id", "position"), {"risk_id": "risk", "owner_id": "person"},
         scope=lambda s: select(Mitigation).where(Mitigation.risk_id.in_(_risk_ids(s)))),
    Kind("impact_assessment", ImpactAssessment, ("initiative_id", "version_number"),
         {"initiative_id": "initiative", "assessor_id": "person", "approver_id": "person"},
         scope=lambda s: select(ImpactAssessment).where(_ids(ImpactAssessment.initiative_id, s))),
    Kind("incident", Incident, ("initiative_id", "number"), {"initiative_id": "initiative", "model_id": "model"},
         scope=lambda s: select(Incident).where(_ids(Incident.initiative_id, s))),
    Kind("incident_action", IncidentAction, ("incident_id", "action_item_id"),
         {"incident_id": "incident", "action_item_id": "action_item"},
         scope=lambda s: select(IncidentAction).where(IncidentAction.incident_id.in_(_incident_ids(s)))),
)
BY_NAME = {k.name: k for k in KINDS}
SUBJECT_KINDS = {SubjectKind.INITIATIVE.value: "initiative", SubjectKind.MODEL.value: "model",
                 SubjectKind.DATA_ASSET.value: "data_asset"}

KeyMaps = dict[str, dict[int, list[Any]]]


def key_text(key: list[Any]) -> str:
    return json.dumps(key, ensure_ascii=False, separators=(",", ":"))


def label(key: list[Any]) -> str:
    """A natural key for people: its parts flattened and joined."""
    parts: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, list):
            for v in value:
                walk(v)
        elif value is not None:
            parts.append(str(value))

    walk(key)
    return " · ".join(parts)


def digest(record: Mapping[str, Any]) -> str:
    text = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


NODE_KINDS = {NodeKind.DATA_ASSET.value: "data_asset", NodeKind.MODEL.value: "model",
              NodeKind.INITIATIVE.value: "initiative", NodeKind.JOB.value: "job"}


def _ref_kind(kind: Kind, column: str, obj_or_record: Any) -> str | None:
    if kind.model is LineageLink and column in ("source_id", "target_id"):
        field_ = column.replace("_id", "_kind")
        nk = obj_or_record[field_] if isinstance(obj_or_record, Mapping) else getattr(obj_or_record, field_)
        return NODE_KINDS.get(nk.value if hasattr(nk, "value") else nk)
    if kind.model is MetricSeries and column == "subject_id":
        sk = obj_or_record["subject_kind"] if isinstance(obj_or_record, Mapping) else obj_or_record.subject_kind
        return SUBJECT_KINDS.get(sk.value if hasattr(sk, "value") else sk)
    return kind.refs.get(column)


def portable(kind: Kind, obj: Any, keymaps: KeyMaps) -> dict[str, Any] | None:
    """The record as plain JSON with references as natural keys; None when a required reference is unknown."""
    out: dict[str, Any] = {}
    table: Any = sa_inspect(kind.model).columns
    for name in kind.columns():
        value = getattr(obj, name)
        ref = _ref_kind(kind, name, obj)
        if ref is not None or name in kind.refs:
            if value is None:
                out[name] = None
                continue
            target = keymaps.get(ref or "", {}).get(value)
            if target is None and not table[name].nullable:
                return None
            out[name] = target
            if target is None and kind.model is MetricSeries and name == "subject_id":
                return None  # a series about something outside the bundle travels with it or not at all
            if target is None and kind.model is LineageLink:
                return None  # a link to something outside the bundle does not travel
        else:
            out[name] = jsonable(value)
    return out


def key_of(kind: Kind, record: Mapping[str, Any]) -> list[Any]:
    return [record[f] for f in kind.key]


def index(kind: Kind, objs: Iterable[Any], keymaps: KeyMaps) -> dict[int | tuple[Any, ...], tuple[list[Any], dict[str, Any], Any]]:
    """{identity: (natural key, portable record, object)} and fills ``keymaps[kind]`` with id → natural key.
    Two passes so that a kind that refers to itself (a standard superseding another) resolves."""
    objs = list(objs)
    mapper: Any = sa_inspect(kind.model)
    has_id = "id" in mapper.columns
    keymaps.setdefault(kind.name, {})
    for obj in objs:
        rec = portable(kind, obj, keymaps)
        if rec is not None and has_id:
            keymaps[kind.name][obj.id] = key_of(kind, rec)
    out: dict[int | tuple[Any, ...], tuple[list[Any], dict[str, Any], Any]] = {}
    for obj in objs:
        rec = portable(kind, obj, keymaps)
        if rec is None:
            continue
        ident = obj.id if has_id else mapper.primary_key_from_instance(obj)
        out[ident if has_id else tuple(ident)] = (key_of(kind, rec), rec, obj)
    return out


def column_values(kind: Kind, record: Mapping[str, Any], local_ids: Mapping[str, Mapping[str, int]]) -> dict[str, Any]:
    """Python values for the model's columns from a portable record, references resolved to local ids."""
    from opsdesk.errors import ValidationError

    table: Any = sa_inspect(kind.model).columns
    values: dict[str, Any] = {}
    for name in kind.columns():
        if name not in record:
            continue
        raw = record[name]
        ref = _ref_kind(kind, name, record)
        if ref is not None or name in kind.refs:
            if raw is None:
                values[name] = None
                continue
            local = local_ids.get(ref or "", {}).get(key_text(raw))
            if local is None and not table[name].nullable:
                raise ValidationError(name, f"refers to a {ref} {raw} that is neither here nor in the bundle",
                                      entity=kind.name)
            values[name] = local
            continue
        values[name] = _python_value(table[name].type, raw)
    return values


def _python_value(col_type: Any, raw: Any) -> Any:
    if raw is None:
        return None
    if isinstance(col_type, Money):
        return Decimal(str(raw))
    if isinstance(col_type, UTCDateTime):
        return dt.datetime.fromisoformat(str(raw).rstrip("Z")).replace(tzinfo=dt.UTC)
    if isinstance(col_type, Date):
        return dt.date.fromisoformat(raw)
    if isinstance(col_type, Enum) and col_type.enum_class is not None:
        return col_type.enum_class(raw)
    return raw


def scoped(session: Session, kind: Kind, scope: Scope) -> list[Any]:
    assert kind.scope is not None
    return list(session.scalars(kind.scope(scope)))
