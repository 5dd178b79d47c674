"""Meetings, agendas, decisions with roll-call votes, conflicts of interest and action items."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from opsdesk.domain.committee import Charter, Member, outcome_problem, quorum, tally
from opsdesk.domain.enums import (
    VOTING_ROLES,
    ActionStatus,
    AgendaKind,
    MeetingStatus,
    Outcome,
    Stage,
    VoteChoice,
)
from opsdesk.domain.validation import Field, clean
from opsdesk.errors import ValidationError
from opsdesk.services import records
from opsdesk.services.context import Tx, Workspace
from opsdesk.store.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    ConflictOfInterest,
    Decision,
    Initiative,
    Meeting,
    Person,
    Vote,
    WorkspaceInfo,
)

MEETING_SCHEMA = (
    Field("title", required=True),
    Field("location"),
)


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


@dataclass(frozen=True)
class MeetingDTO:
    id: int
    title: str
    starts_at: dt.datetime
    location: str
    status: MeetingStatus
    items: list[AgendaItemDTO]
    present: list[int]


def charter(session: Any) -> Charter:
    info = session.scalar(select(WorkspaceInfo))
    return Charter.from_json(info.charter if info else None)


def create_meeting(ws: Workspace, values: Mapping[str, Any], starts_at: dt.datetime) -> int:
    cleaned = clean(MEETING_SCHEMA, values)
    with ws.write() as tx:
        m = Meeting(starts_at=starts_at, status=MeetingStatus.PLANNED, **cleaned)
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


def add_item(ws: Workspace, meeting_id: int, kind: AgendaKind | str, title: str, *,
             initiative_code: str | None = None, requested_decision: str = "",
             target_stage: Stage | str | None = None) -> int:
    k = AgendaKind.parse(kind)
    if not title.strip():
        raise ValidationError("title", "is required", entity="agenda_item")
    with ws.write() as tx:
        m = _open_meeting(tx, meeting_id)
        init_id = None
        if initiative_code:
            init_id = records.get_by(tx.session, Initiative, "initiative", code=initiative_code).id
        if k is AgendaKind.STAGE_GATE and (init_id is None or target_stage is None):
            raise ValidationError("target_stage", "a stage-gate item names an initiative and the stage requested",
                                  entity="agenda_item")
        item = AgendaItem(meeting_id=m.id, position=len(m.items) + 1, kind=k, title=title.strip(),
                          initiative_id=init_id, requested_decision=requested_decision,
                          target_stage=Stage.parse(target_stage) if target_stage else None)
        tx.add(item, "agenda_item")
        return item.id


def declare_conflict(ws: Workspace, item_id: int, person_id: int, description: str) -> None:
    with ws.write() as tx:
        item = records.get_by(tx.session, AgendaItem, "agenda_item", id=item_id)
        _open_meeting(tx, item.meeting_id)
        records.get_by(tx.session, Person, "person", id=person_id)
        tx.add(ConflictOfInterest(agenda_item_id=item_id, person_id=person_id, description=description),
               "conflict_of_interest")


def record_decision(ws: Workspace, item_id: int, outcome: Outcome | str, *, votes: Mapping[int, VoteChoice | str],
                    rationale: str = "", conditions: str = "", override_reason: str = "",
                    decided_at: dt.datetime | None = None) -> int:
    """Record the committee's decision on an item with its roll-call votes, after checking quorum, recusals
    and the voting rule."""
    out = Outcome.parse(outcome)
    parsed = {int(p): VoteChoice.parse(c) for p, c in votes.items()}
    if out is Outcome.APPROVED_WITH_CONDITIONS and not conditions.strip():
        raise ValidationError("conditions", "an approval with conditions states the conditions", entity="decision")
    with ws.write() as tx:
        item = records.get_by(tx.session, AgendaItem, "agenda_item", id=item_id)
        _open_meeting(tx, item.meeting_id)
        if tx.session.scalar(select(Decision).where(Decision.agenda_item_id == item_id,
                                                    Decision.corrects_id.is_(None))):
            raise ValidationError("agenda_item", f"item {item_id} already has a decision", entity="decision")
        ch = charter(tx.session)
        conflicted = set(tx.session.scalars(select(ConflictOfInterest.person_id)
                                            .where(ConflictOfInterest.agenda_item_id == item_id)))
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
        problem = outcome_problem(ch, out, tally(parsed))
        if problem and not override_reason.strip():
            raise ValidationError("outcome", problem + " (record why, e.g. the chair's casting vote)",
                                  entity="decision")
        d = Decision(agenda_item_id=item_id, outcome=out, rationale=rationale, conditions=conditions,
                     override_reason=override_reason, decided_at=decided_at or ws.clock())
        tx.add(d, "decision")
        for pid, choice in sorted(parsed.items()):
            tx.session.add(Vote(decision_id=d.id, person_id=pid, choice=choice))
        tx.session.flush()
        tx.audit("votes", "decision", d.id, None, {str(k): v.value for k, v in sorted(parsed.items())})
        return d.id


def _present_voting(session: Any, meeting_id: int) -> list[Member]:
    rows = session.execute(
        select(Person.id, Person.discipline).join(Attendance, Attendance.person_id == Person.id)
        .where(Attendance.meeting_id == meeting_id, Attendance.present.is_(True),
               Person.committee_role.in_(VOTING_ROLES))
    )
    return [Member(pid, disc) for pid, disc in rows]


def add_action(ws: Workspace, title: str, *, initiative_code: str | None = None, owner_id: int | None = None,
               due_on: dt.date | None = None, decision_id: int | None = None) -> int:
    if not title.strip():
        raise ValidationError("title", "is required", entity="action_item")
    with ws.write() as tx:
        init_id = records.get_by(tx.session, Initiative, "initiative", code=initiative_code).id if initiative_code else None
        a = ActionItem(title=title.strip(), initiative_id=init_id, owner_id=owner_id, due_on=due_on,
                       decision_id=decision_id, status=ActionStatus.OPEN)
        tx.add(a, "action_item")
        return a.id


def set_action_status(ws: Workspace, action_id: int, status: ActionStatus | str) -> None:
    with ws.write() as tx:
        a = records.get_by(tx.session, ActionItem, "action_item", id=action_id)
        tx.update(a, "action_item", {"status": ActionStatus.parse(status)})


def set_meeting_status(ws: Workspace, meeting_id: int, status: MeetingStatus | str) -> None:
    new = MeetingStatus.parse(status)
    order = [MeetingStatus.PLANNED, MeetingStatus.HELD, MeetingStatus.CLOSED]
    with ws.write() as tx:
        m = records.get_by(tx.session, Meeting, "meeting", id=meeting_id)
        if order.index(new) < order.index(m.status):
            raise ValidationError("status", f"a {m.status.value} meeting cannot go back to {new.value}",
                                  entity="meeting")
        tx.update(m, "meeting", {"status": new})


def list_meetings(ws: Workspace) -> list[MeetingDTO]:
    with ws.read() as s:
        codes = dict(s.execute(select(Initiative.id, Initiative.code)).all())
        out = []
        for m in s.scalars(select(Meeting).order_by(Meeting.starts_at)):
            items = []
            for it in m.items:
                d = s.scalar(select(Decision).where(Decision.agenda_item_id == it.id).order_by(Decision.id.desc()))
                ddto = None
                if d is not None:
                    v = {p: c for p, c in s.execute(select(Vote.person_id, Vote.choice)
                                                    .where(Vote.decision_id == d.id))}
                    ddto = DecisionDTO(d.id, it.id, d.outcome, d.rationale, d.conditions, d.decided_at,
                                       d.override_reason, v)
                items.append(AgendaItemDTO(it.id, it.position, it.kind, it.title,
                                           codes.get(it.initiative_id) if it.initiative_id else None,
                                           it.requested_decision, it.target_stage, ddto))
            present = list(s.scalars(select(Attendance.person_id).where(Attendance.meeting_id == m.id)))
            out.append(MeetingDTO(m.id, m.title, m.starts_at, m.location, m.status, items, present))
        return out


def set_charter(ws: Workspace, new: Charter) -> None:
    if new.min_voting_members < 1:
        raise ValidationError("min_voting_members", "must be at least 1", entity="charter")
    if new.voting_rule not in ("simple_majority", "two_thirds"):
        raise ValidationError("voting_rule", "must be simple_majority or two_thirds", entity="charter")
    with ws.write() as tx:
        info = tx.session.scalar(select(WorkspaceInfo))
        assert info is not None
        tx.update(info, "workspace", {"charter": new.to_json()}, key="charter")
