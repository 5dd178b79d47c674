"""Meetings, agendas, decisions with roll-call votes, conflicts of interest and corrections.

The charter and its members are in :mod:`opsdesk.services.committee.charter`, action items in
:mod:`opsdesk.services.committee.actions`, stage gates in :mod:`opsdesk.services.committee.gates`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from opsdesk.domain import schemas
from opsdesk.domain.committee import Member, QuorumResult, Tally, outcome_problem, quorum, tally
from opsdesk.domain.enums import (
    APPROVING_OUTCOMES,
    VOTING_ROLES,
    AgendaKind,
    MeetingStatus,
    Outcome,
    Stage,
    VoteChoice,
)
from opsdesk.domain.validation import clean
from opsdesk.errors import ValidationError
from opsdesk.services.committee.actions import add_action, set_action_status  # noqa: F401  (part of this module's API)
from opsdesk.services.committee.charter import charter, set_charter  # noqa: F401  (part of this module's API)
from opsdesk.services.risk import gate_checks
from opsdesk.store import records
from opsdesk.store.models import (
    AgendaItem,
    Attendance,
    ConflictOfInterest,
    Decision,
    Initiative,
    Meeting,
    Person,
    Vote,
)
from opsdesk.store.workspace import Tx, Workspace

MEETING_SCHEMA = schemas.MEETING


@dataclass(frozen=True)
class DecisionDTO:
    id: int
    agenda_item_id: int
    outcome: Outcome
    rationale: str
    conditions: str
    decided_at: dt.datetime
    override_reason: str
    votes: dict[int, VoteChoice] = field(default_factory=dict)
    corrects_id: int | None = None
    correction_reason: str = ""
    incident_override: str = ""  # why an approval passed over an open serious incident

    @property
    def tally(self) -> Tally:
        return tally(self.votes)


@dataclass(frozen=True)
class ConflictDTO:
    person_id: int
    person: str
    description: str


@dataclass(frozen=True)
class AgendaItemDTO:
    id: int
    position: int
    kind: AgendaKind
    title: str
    initiative_code: str | None
    requested_decision: str
    target_stage: Stage | None
    decision: DecisionDTO | None
    options: str = ""
    recommendation: str = ""
    conflicts: list[ConflictDTO] = field(default_factory=list)
    quorum: QuorumResult | None = None
    history: list[DecisionDTO] = field(default_factory=list)  # every record, the original first
    minutes_meeting_id: int | None = None  # an "approve minutes" item: whose minutes


@dataclass(frozen=True)
class MeetingDTO:
    id: int
    title: str
    starts_at: dt.datetime
    location: str
    status: MeetingStatus
    items: list[AgendaItemDTO]
    present: list[int]

    @property
    def read_only(self) -> bool:
        return self.status is MeetingStatus.CLOSED


# --- meetings and attendance ---------------------------------------------------------------------------------

def create_meeting(ws: Workspace, values: Mapping[str, Any], starts_at: dt.datetime) -> int:
    cleaned = clean(MEETING_SCHEMA, values)
    if starts_at.tzinfo is None:
        raise ValidationError("starts_at", "needs a time zone (times are kept in UTC)", entity="meeting")
    with ws.write() as tx:
        m = Meeting(starts_at=starts_at.astimezone(dt.UTC), status=MeetingStatus.PLANNED, **cleaned)
        tx.add(m, "meeting")
        return m.id


def _open_meeting(tx: Tx, meeting_id: int) -> Meeting:
    m = records.get_by(tx.session, Meeting, "meeting", id=meeting_id)
    if m.status is MeetingStatus.CLOSED:
        raise ValidationError("meeting", f"meeting {meeting_id} is closed; its record is read-only")
    return m


def set_attendance(ws: Workspace, meeting_id: int, person_ids: list[int]) -> None:
    with ws.write() as tx:
        _open_meeting(tx, meeting_id)
        before = sorted(p for (p,) in tx.session.execute(select(Attendance.person_id)
                                                         .where(Attendance.meeting_id == meeting_id)))
        for row in tx.session.scalars(select(Attendance).where(Attendance.meeting_id == meeting_id)):
            tx.session.delete(row)
        tx.session.flush()
        for pid in sorted(set(person_ids)):
            records.get_by(tx.session, Person, "person", id=pid)
            tx.session.add(Attendance(meeting_id=meeting_id, person_id=pid, present=True))
        tx.session.flush()
        tx.audit("set_attendance", "meeting", meeting_id, {"present": before}, {"present": sorted(set(person_ids))})


def not_yet_held(now: dt.datetime, starts_at: dt.datetime) -> bool:
    """Whether a meeting starting at ``starts_at`` is still in the future on ``now``'s day (UTC)."""
    return now.astimezone(dt.UTC).date() < starts_at.astimezone(dt.UTC).date()


def set_meeting_status(ws: Workspace, meeting_id: int, status: MeetingStatus | str) -> None:
    """Planned → held → closed, never back. A closed meeting's record is read-only."""
    new = MeetingStatus.parse(status)
    order = [MeetingStatus.PLANNED, MeetingStatus.HELD, MeetingStatus.CLOSED]
    with ws.write() as tx:
        m = records.get_by(tx.session, Meeting, "meeting", id=meeting_id)
        if order.index(new) < order.index(m.status):
            raise ValidationError("status", f"a {m.status.value} meeting cannot go back to {new.value}",
                                  entity="meeting")
        if new is not MeetingStatus.PLANNED and not_yet_held(tx.ws.clock(), m.starts_at):
            raise ValidationError("status", f"meeting {meeting_id} is on {m.starts_at:%d %B %Y}; it cannot be "
                                            f"marked {new.value} before that day", entity="meeting")
        tx.update(m, "meeting", {"status": new})


# --- agenda items and conflicts --------------------------------------------------------------------------------

def add_item(ws: Workspace, meeting_id: int, kind: AgendaKind | str, title: str, *,
             initiative_code: str | None = None, requested_decision: str = "",
             target_stage: Stage | str | None = None, options: str = "", recommendation: str = "",
             minutes_of: int | None = None) -> int:
    """Add an item. An "approve minutes" item approves the minutes of ``minutes_of`` (default: the latest
    earlier meeting that was held)."""
    with ws.write() as tx:
        return add_item_tx(tx, meeting_id, kind, title, initiative_code=initiative_code,
                           requested_decision=requested_decision, target_stage=target_stage, options=options,
                           recommendation=recommendation, minutes_of=minutes_of)


def add_item_tx(tx: Tx, meeting_id: int, kind: AgendaKind | str, title: str, *,
                initiative_code: str | None = None, requested_decision: str = "",
                target_stage: Stage | str | None = None, options: str = "", recommendation: str = "",
                minutes_of: int | None = None) -> int:
    k = AgendaKind.parse(kind)
    if not title.strip():
        raise ValidationError("title", "is required", entity="agenda_item")
    m = _open_meeting(tx, meeting_id)
    init_id = None
    if initiative_code:
        init_id = records.get_by(tx.session, Initiative, "initiative", code=initiative_code).id
    if k is AgendaKind.STAGE_GATE and (init_id is None or target_stage is None):
        raise ValidationError("target_stage", "a stage-gate item names an initiative and the stage requested",
                              entity="agenda_item")
    earlier = _minutes_to_approve(tx, m, minutes_of) if k is AgendaKind.APPROVE_MINUTES else None
    position = max((it.position for it in m.items), default=0) + 1
    item = AgendaItem(meeting_id=m.id, position=position, kind=k, title=title.strip(), initiative_id=init_id,
                      requested_decision=requested_decision or (
                          f"Approve the minutes of {earlier.title} ({earlier.starts_at:%d %B %Y}) as a true record."
                          if earlier else ""),
                      target_stage=Stage.parse(target_stage) if target_stage else None,
                      options=options, recommendation=recommendation,
                      minutes_meeting_id=earlier.id if earlier else None)
    tx.add(item, "agenda_item")
    return item.id


def _minutes_to_approve(tx: Tx, m: Meeting, minutes_of: int | None) -> Meeting:
    if minutes_of is None:
        earlier = tx.session.scalar(select(Meeting).where(Meeting.starts_at < m.starts_at,
                                                          Meeting.status != MeetingStatus.PLANNED)
                                    .order_by(Meeting.starts_at.desc(), Meeting.id.desc()).limit(1))
        if earlier is None:
            raise ValidationError("minutes_of", "no earlier meeting was held whose minutes this item could approve",
                                  entity="agenda_item")
        return earlier
    earlier = records.get_by(tx.session, Meeting, "meeting", id=minutes_of)
    if earlier.status is MeetingStatus.PLANNED or earlier.starts_at >= m.starts_at:
        raise ValidationError("minutes_of", f"meeting {minutes_of} was not held before meeting {m.id}; only the "
                                            "minutes of an earlier, held meeting are approved", entity="agenda_item")
    return earlier


def set_item_brief(ws: Workspace, item_id: int, *, options: str, recommendation: str,
                   requested_decision: str | None = None) -> None:
    """The secretary's preparation of an item: the options before the committee and the recommendation."""
    with ws.write() as tx:
        item = records.get_by(tx.session, AgendaItem, "agenda_item", id=item_id)
        _open_meeting(tx, item.meeting_id)
        changes: dict[str, Any] = {"options": options.strip(), "recommendation": recommendation.strip()}
        if requested_decision is not None:
            changes["requested_decision"] = requested_decision.strip()
        tx.update(item, "agenda_item", changes)


def declare_conflict(ws: Workspace, item_id: int, person_id: int, description: str) -> None:
    with ws.write() as tx:
        item = records.get_by(tx.session, AgendaItem, "agenda_item", id=item_id)
        _open_meeting(tx, item.meeting_id)
        records.get_by(tx.session, Person, "person", id=person_id)
        if tx.session.scalar(select(ConflictOfInterest).where(ConflictOfInterest.agenda_item_id == item_id,
                                                              ConflictOfInterest.person_id == person_id)):
            raise ValidationError("person", "has already declared a conflict on this item",
                                  entity="conflict_of_interest")
        tx.add(ConflictOfInterest(agenda_item_id=item_id, person_id=person_id, description=description),
               "conflict_of_interest")


# --- decisions -----------------------------------------------------------------------------------------------

def _present_voting(session: Any, meeting_id: int) -> list[Member]:
    rows = session.execute(
        select(Person.id, Person.discipline).join(Attendance, Attendance.person_id == Person.id)
        .where(Attendance.meeting_id == meeting_id, Attendance.present.is_(True),
               Person.committee_role.in_(VOTING_ROLES))
        .order_by(Person.id)
    )
    return [Member(pid, disc) for pid, disc in rows]


def _conflicted(session: Any, item_id: int) -> set[int]:
    return set(session.scalars(select(ConflictOfInterest.person_id)
                               .where(ConflictOfInterest.agenda_item_id == item_id)))


def item_quorum(session: Any, item: AgendaItem) -> QuorumResult:
    """Quorum for one item: voting members present, less those recused for a conflict on it."""
    return quorum(charter(session), _present_voting(session, item.meeting_id), _conflicted(session, item.id))


def _checked_votes(tx: Tx, item: AgendaItem, outcome: Outcome, votes: Mapping[int, VoteChoice | str],
                   override_reason: str) -> dict[int, VoteChoice]:
    parsed = {int(p): VoteChoice.parse(c) for p, c in votes.items()}
    ch = charter(tx.session)
    conflicted = _conflicted(tx.session, item.id)
    present = _present_voting(tx.session, item.meeting_id)
    q = quorum(ch, present, conflicted)
    if not q.met:
        raise ValidationError("quorum", "no quorum: " + "; ".join(q.reasons), entity="decision")
    voting_ids = {m.person_id for m in present}
    for pid, choice in parsed.items():
        if pid not in voting_ids:
            raise ValidationError("votes", f"person {pid} is not a voting member present", entity="decision")
        if pid in conflicted and choice is not VoteChoice.RECUSED:
            raise ValidationError("votes", f"person {pid} declared a conflict and is recused", entity="decision")
    for pid in conflicted & voting_ids:
        parsed[pid] = VoteChoice.RECUSED
    problem = outcome_problem(ch, outcome, tally(parsed))
    if problem and not override_reason.strip():
        raise ValidationError("outcome", problem + " (record why, e.g. the chair's casting vote)", entity="decision")
    return parsed


def record_decision(ws: Workspace, item_id: int, outcome: Outcome | str, *, votes: Mapping[int, VoteChoice | str],
                    rationale: str = "", conditions: str = "", override_reason: str = "",
                    decided_at: dt.datetime | None = None, incident_override: str = "") -> int:
    """Record the committee's decision on an item with its roll-call votes, after checking quorum, recusals
    and the voting rule."""
    with ws.write() as tx:
        return record_decision_tx(tx, item_id, outcome, votes=votes, rationale=rationale, conditions=conditions,
                                  override_reason=override_reason, decided_at=decided_at,
                                  incident_override=incident_override)


def record_decision_tx(tx: Tx, item_id: int, outcome: Outcome | str, *, votes: Mapping[int, VoteChoice | str],
                       rationale: str = "", conditions: str = "", override_reason: str = "",
                       decided_at: dt.datetime | None = None, incident_override: str = "") -> int:
    out = Outcome.parse(outcome)
    _check_conditions(out, conditions)
    item = records.get_by(tx.session, AgendaItem, "agenda_item", id=item_id)
    m = _open_meeting(tx, item.meeting_id)
    now = tx.ws.clock()
    when = decided_at or now
    for label, moment in (("today", now), ("the decision time", when)):
        if not_yet_held(moment, m.starts_at):
            raise ValidationError("decided_at", f"meeting {m.id} is on {m.starts_at:%d %B %Y}; a decision on its "
                                                f"agenda cannot be recorded before that day ({label} is "
                                                f"{moment:%d %B %Y})", entity="decision")
    if tx.session.scalar(select(Decision).where(Decision.agenda_item_id == item_id, Decision.corrects_id.is_(None))):
        raise ValidationError("agenda_item", f"item {item_id} already has a decision; record a correction instead",
                              entity="decision")
    parsed = _checked_votes(tx, item, out, votes, override_reason)
    _check_incidents(tx, item, out, incident_override)
    return _write_decision(tx, item, out, parsed, rationale=rationale, conditions=conditions,
                           override_reason=override_reason, decided_at=when,
                           incident_override=incident_override)


def _check_conditions(out: Outcome, conditions: str) -> None:
    if out is Outcome.APPROVED_WITH_CONDITIONS and not conditions.strip():
        raise ValidationError("conditions", "an approval with conditions states the conditions", entity="decision")
    if out is Outcome.APPROVED and conditions.strip():
        raise ValidationError("conditions", "an approval without conditions has none; record \"approved with "
                                            "conditions\" instead", entity="decision")



def _check_incidents(tx: Tx, item: AgendaItem, outcome: Outcome, incident_override: str,
                     decided_on: dt.date | None = None) -> None:
    """A stage gate is not approved while the initiative has an open severity-1/2 incident, unless the decision
    records why (the override is kept with the decision and printed in its papers)."""
    if item.kind is not AgendaKind.STAGE_GATE or outcome not in APPROVING_OUTCOMES or item.initiative_id is None:
        return
    open_serious = gate_checks.approval_blocker(tx.session, item.initiative_id, decided_on)
    if open_serious and not incident_override.strip():
        raise ValidationError("incident_override", "an open serious incident stands in the way: "
                              + "; ".join(open_serious) + " — resolve it, or record why the committee approves "
                              "regardless", entity="decision")


def _write_decision(tx: Tx, item: AgendaItem, out: Outcome, parsed: dict[int, VoteChoice], *, rationale: str,
                    conditions: str, override_reason: str, decided_at: dt.datetime, corrects_id: int | None = None,
                    correction_reason: str = "", incident_override: str = "") -> int:
    d = Decision(agenda_item_id=item.id, outcome=out, rationale=rationale.strip(), conditions=conditions.strip(),
                 override_reason=override_reason.strip(), decided_at=decided_at, corrects_id=corrects_id,
                 correction_reason=correction_reason.strip(), incident_override=incident_override.strip())
    tx.add(d, "decision")
    for pid, choice in sorted(parsed.items()):
        tx.session.add(Vote(decision_id=d.id, person_id=pid, choice=choice))
    tx.session.flush()
    tx.audit("votes", "decision", d.id, None, {str(k): v.value for k, v in sorted(parsed.items())})
    return d.id


def correct_decision(ws: Workspace, decision_id: int, *, reason: str, outcome: Outcome | str | None = None,
                     votes: Mapping[int, VoteChoice | str] | None = None, rationale: str | None = None,
                     conditions: str | None = None, override_reason: str = "", incident_override: str = "") -> int:
    """A correction is a new decision record that references the one it corrects; the original stays as it was.
    Corrections are allowed on closed meetings (that is what they are for) and follow the same rules."""
    if not reason.strip():
        raise ValidationError("reason", "a correction says what it corrects and why", entity="decision")
    with ws.write() as tx:
        original = records.get_by(tx.session, Decision, "decision", id=decision_id)
        latest = _latest_decision(tx.session, original.agenda_item_id)
        if latest is not None and latest.id != original.id:
            raise ValidationError("decision", f"decision {decision_id} was already corrected by {latest.id}; "
                                              "correct the latest record", entity="decision")
        item = records.get_by(tx.session, AgendaItem, "agenda_item", id=original.agenda_item_id)
        out = Outcome.parse(outcome) if outcome is not None else original.outcome
        cond = conditions if conditions is not None else original.conditions
        _check_conditions(out, cond)
        if votes is None:
            votes = {p: c for p, c in tx.session.execute(select(Vote.person_id, Vote.choice)
                                                         .where(Vote.decision_id == original.id))}
        parsed = _checked_votes(tx, item, out, votes, override_reason or original.override_reason)
        incident_override = incident_override or original.incident_override
        _check_incidents(tx, item, out, incident_override, original.decided_at.date())
        return _write_decision(tx, item, out, parsed,
                               rationale=rationale if rationale is not None else original.rationale,
                               conditions=cond, override_reason=override_reason or original.override_reason,
                               decided_at=tx.ws.clock(), corrects_id=original.id, correction_reason=reason,
                               incident_override=incident_override)


def _latest_decision(session: Any, item_id: int) -> Decision | None:
    return session.scalar(select(Decision).where(Decision.agenda_item_id == item_id).order_by(Decision.id.desc()))


# --- reading -------------------------------------------------------------------------------------------------

def _decision_dto(session: Any, d: Decision) -> DecisionDTO:
    v = {p: c for p, c in session.execute(select(Vote.person_id, Vote.choice).where(Vote.decision_id == d.id)
                                          .order_by(Vote.person_id))}
    return DecisionDTO(d.id, d.agenda_item_id, d.outcome, d.rationale, d.conditions, d.decided_at,
                       d.override_reason, v, d.corrects_id, d.correction_reason, d.incident_override)


def _item_dto(session: Any, it: AgendaItem, codes: Mapping[int, str], names: Mapping[int, str],
              present: list[Member]) -> AgendaItemDTO:
    history = [_decision_dto(session, d) for d in session.scalars(
        select(Decision).where(Decision.agenda_item_id == it.id).order_by(Decision.id))]
    conflicts = [ConflictDTO(c.person_id, names.get(c.person_id, str(c.person_id)), c.description)
                 for c in session.scalars(select(ConflictOfInterest)
                                          .where(ConflictOfInterest.agenda_item_id == it.id)
                                          .order_by(ConflictOfInterest.person_id))]
    q = quorum(charter(session), present, {c.person_id for c in conflicts})
    return AgendaItemDTO(it.id, it.position, it.kind, it.title,
                         codes.get(it.initiative_id) if it.initiative_id else None, it.requested_decision,
                         it.target_stage, history[-1] if history else None, it.options, it.recommendation,
                         conflicts, q, history, it.minutes_meeting_id)


def _meeting_dto(session: Any, m: Meeting) -> MeetingDTO:
    codes = dict(session.execute(select(Initiative.id, Initiative.code)).all())
    names = dict(session.execute(select(Person.id, Person.name)).all())
    present_voting = _present_voting(session, m.id)
    items = [_item_dto(session, it, codes, names, present_voting) for it in m.items]
    present = list(session.scalars(select(Attendance.person_id).where(Attendance.meeting_id == m.id)
                                   .order_by(Attendance.person_id)))
    return MeetingDTO(m.id, m.title, m.starts_at, m.location, m.status, items, present)


def list_meetings(ws: Workspace) -> list[MeetingDTO]:
    with ws.read() as s:
        return [_meeting_dto(s, m) for m in s.scalars(select(Meeting).order_by(Meeting.starts_at, Meeting.id))]


def get_meeting(ws: Workspace, meeting_id: int) -> MeetingDTO:
    with ws.read() as s:
        return _meeting_dto(s, records.get_by(s, Meeting, "meeting", id=meeting_id))


def find_item(ws: Workspace, item_id: int) -> tuple[MeetingDTO, AgendaItemDTO]:
    with ws.read() as s:
        item = records.get_by(s, AgendaItem, "agenda_item", id=item_id)
        meeting = _meeting_dto(s, item.meeting)
    return meeting, next(i for i in meeting.items if i.id == item_id)
