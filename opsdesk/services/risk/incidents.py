"""The incident register: what went wrong with an initiative or one of its models, how severe (1 most severe …
4), who was affected, where it stands, its root cause, its corrective actions (action items the committee
tracks like any other) and whether — and to whom, and when — it was reported."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsdesk.analytics.risk_register import incident_ref
from opsdesk.domain.enums import ActionStatus, Stage
from opsdesk.domain.risk import OPEN_INCIDENT, SERIOUS_SEVERITY, IncidentStatus
from opsdesk.domain.validation import Field, clean
from opsdesk.errors import ValidationError
from opsdesk.services.risk.risks import find_model, find_person
from opsdesk.store import records
from opsdesk.store.models import ActionItem, Incident, IncidentAction, Initiative, Model, Person
from opsdesk.store.workspace import Tx, Workspace

ENTITY = "incident"
LINK = "incident_action"

SCHEMA = (
    Field("title", required=True, max_len=200),
    Field("occurred_on", kind="date", required=True),
    Field("detected_on", kind="date", required=True),
    Field("severity", kind="int", required=True, minimum=1, maximum=4),
    Field("description", kind="text"),
    Field("affected", kind="text"),
    Field("affected_count", kind="int", minimum=0),
    Field("status", kind="enum", enum=IncidentStatus, default=IncidentStatus.OPEN),
    Field("root_cause", kind="text"),
    Field("reportable", kind="bool", default=False),
    Field("report_to", max_len=200),
    Field("reported_on", kind="date"),
    Field("resolved_on", kind="date"),
    Field("model", max_len=400),
)


@dataclass(frozen=True)
class CorrectiveAction:
    id: int
    title: str
    owner: str
    due_on: dt.date | None
    status: ActionStatus
    decision_id: int | None


@dataclass(frozen=True)
class IncidentDTO:
    id: int
    ref: str
    number: int
    initiative_code: str
    stage: Stage
    title: str
    occurred_on: dt.date
    detected_on: dt.date
    severity: int
    description: str
    affected: str
    affected_count: int | None
    status: IncidentStatus
    root_cause: str
    reportable: bool
    report_to: str
    reported_on: dt.date | None
    resolved_on: dt.date | None
    model: str
    actions: list[CorrectiveAction] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.status in OPEN_INCIDENT

    @property
    def serious(self) -> bool:
        return self.open and self.severity <= SERIOUS_SEVERITY

    def values(self) -> dict[str, Any]:
        return {"title": self.title, "occurred_on": self.occurred_on, "detected_on": self.detected_on,
                "severity": self.severity, "description": self.description, "affected": self.affected,
                "affected_count": self.affected_count, "status": self.status.value, "root_cause": self.root_cause,
                "reportable": self.reportable, "report_to": self.report_to, "reported_on": self.reported_on,
                "resolved_on": self.resolved_on, "model": self.model}


def _check(i: Incident) -> None:
    if i.detected_on < i.occurred_on:
        raise ValidationError("detected_on", "is before the incident occurred", entity=ENTITY)
    if i.reportable and not i.report_to.strip():
        raise ValidationError("report_to", "a reportable incident says to whom it is reported", entity=ENTITY)
    if i.reported_on is not None and not i.reportable:
        raise ValidationError("reported_on", "only a reportable incident has a report date", entity=ENTITY)
    if i.reported_on is not None and i.reported_on < i.occurred_on:
        raise ValidationError("reported_on", "is before the incident occurred", entity=ENTITY)
    if i.resolved_on is not None and i.resolved_on < i.occurred_on:
        raise ValidationError("resolved_on", "is before the incident occurred", entity=ENTITY)
    if i.status in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED) and i.resolved_on is None:
        raise ValidationError("resolved_on", f"a {i.status.value} incident says when it was resolved", entity=ENTITY)
    if i.status is IncidentStatus.CLOSED and not i.root_cause.strip():
        raise ValidationError("root_cause", "an incident is closed only once its root cause is recorded",
                              entity=ENTITY)


def _columns(session: Session, init: Initiative, cleaned: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(cleaned)
    if "model" in out:
        out["model_id"] = find_model(session, init, out.pop("model"), ENTITY)
    return out


def create(ws: Workspace, initiative_code: str, values: Mapping[str, Any], *, number: int | None = None) -> IncidentDTO:
    with ws.write() as tx:
        i = create_tx(tx, initiative_code, values, number=number)
        return _dto(tx.session, i)


def create_tx(tx: Tx, initiative_code: str, values: Mapping[str, Any], *, number: int | None = None,
              batch_id: int | None = None, note: str = "") -> Incident:
    init = records.get_by(tx.session, Initiative, "initiative", code=initiative_code)
    cleaned = _columns(tx.session, init, clean(SCHEMA, values))
    taken = set(tx.session.scalars(select(Incident.number).where(Incident.initiative_id == init.id)))
    if number is not None and number in taken:
        raise ValidationError("number", f"{incident_ref(init.code, number)} already exists", entity=ENTITY)
    i = Incident(initiative_id=init.id, number=number or max(taken, default=0) + 1, batch_id=batch_id, **cleaned)
    _check(i)
    tx.add(i, ENTITY, incident_ref(init.code, i.number), note=note)
    return i


def update(ws: Workspace, incident_id: int, changes: Mapping[str, Any]) -> IncidentDTO:
    with ws.write() as tx:
        i = update_tx(tx, records.get_by(tx.session, Incident, ENTITY, id=incident_id), changes)
        return _dto(tx.session, i)


def update_tx(tx: Tx, i: Incident, changes: Mapping[str, Any], note: str = "") -> Incident:
    init = tx.session.get(Initiative, i.initiative_id)
    assert init is not None
    cleaned = _columns(tx.session, init, clean(SCHEMA, changes, partial=True))
    tx.update(i, ENTITY, cleaned, incident_ref(init.code, i.number), note=note)
    _check(i)
    return i


def delete(ws: Workspace, incident_id: int) -> None:
    """Delete an incident record; its corrective actions stay on the action list (they are the committee's)."""
    with ws.write() as tx:
        i = records.get_by(tx.session, Incident, ENTITY, id=incident_id)
        code = tx.session.scalar(select(Initiative.code).where(Initiative.id == i.initiative_id)) or ""
        for link in tx.session.scalars(select(IncidentAction).where(IncidentAction.incident_id == i.id)):
            tx.delete(link, LINK, f"{i.id}:{link.action_item_id}")
        tx.delete(i, ENTITY, incident_ref(code, i.number))


def add_corrective_action(ws: Workspace, incident_id: int, title: str, *, owner: str = "",
                          due_on: dt.date | None = None, decision_id: int | None = None) -> int:
    """A new action item on the incident's initiative, tracked as one of its corrective actions."""
    with ws.write() as tx:
        return add_corrective_action_tx(tx, incident_id, title, owner=owner, due_on=due_on, decision_id=decision_id)


def add_corrective_action_tx(tx: Tx, incident_id: int, title: str, *, owner: str = "", owner_id: int | None = None,
                             due_on: dt.date | None = None, decision_id: int | None = None) -> int:
    i = records.get_by(tx.session, Incident, ENTITY, id=incident_id)
    if not title.strip():
        raise ValidationError("title", "is required", entity="action_item")
    if owner_id is None:
        owner_id = find_person(tx.session, owner, "owner", "action_item")
    a = ActionItem(title=title.strip(), initiative_id=i.initiative_id, owner_id=owner_id, due_on=due_on,
                   decision_id=decision_id, status=ActionStatus.OPEN)
    tx.add(a, "action_item", note=f"corrective action of incident {i.id}")
    tx.add(IncidentAction(incident_id=i.id, action_item_id=a.id), LINK, f"{i.id}:{a.id}")
    return a.id


def remove_corrective_action(ws: Workspace, incident_id: int, action_id: int) -> None:
    """Undo of :func:`add_corrective_action`: the link and the action item it created go."""
    with ws.write() as tx:
        link = tx.session.get(IncidentAction, (incident_id, action_id))
        if link is not None:
            tx.delete(link, LINK, f"{incident_id}:{action_id}")
        a = tx.session.get(ActionItem, action_id)
        if a is not None:
            tx.delete(a, "action_item")


def link_action(ws: Workspace, incident_id: int, action_id: int) -> None:
    """Count an action item already on the list (e.g. one a decision raised) as a corrective action."""
    with ws.write() as tx:
        i = records.get_by(tx.session, Incident, ENTITY, id=incident_id)
        a = records.get_by(tx.session, ActionItem, "action_item", id=action_id)
        if tx.session.get(IncidentAction, (i.id, a.id)) is not None:
            return
        tx.add(IncidentAction(incident_id=i.id, action_item_id=a.id), LINK, f"{i.id}:{a.id}")


def unlink_action(ws: Workspace, incident_id: int, action_id: int) -> None:
    with ws.write() as tx:
        link = tx.session.get(IncidentAction, (incident_id, action_id))
        if link is not None:
            tx.delete(link, LINK, f"{incident_id}:{action_id}")


# --- reading ------------------------------------------------------------------------------------------------------

def _actions(session: Session, incident_id: int) -> list[CorrectiveAction]:
    rows = session.execute(select(ActionItem, Person.name).join(IncidentAction, IncidentAction.action_item_id == ActionItem.id)
                           .outerjoin(Person, Person.id == ActionItem.owner_id)
                           .where(IncidentAction.incident_id == incident_id).order_by(ActionItem.id))
    return [CorrectiveAction(a.id, a.title, name or "", a.due_on, a.status, a.decision_id) for a, name in rows]


def _dto(session: Session, i: Incident) -> IncidentDTO:
    init = session.get(Initiative, i.initiative_id)
    assert init is not None
    model = session.get(Model, i.model_id) if i.model_id else None
    return IncidentDTO(i.id, incident_ref(init.code, i.number), i.number, init.code, init.stage, i.title,
                       i.occurred_on, i.detected_on, i.severity, i.description, i.affected, i.affected_count,
                       i.status, i.root_cause, i.reportable, i.report_to, i.reported_on, i.resolved_on,
                       f"{model.name}:{model.version_label}" if model else "", _actions(session, i.id))


def list_incidents(ws: Workspace, *, initiative_code: str | None = None, open_only: bool = False,
                   since: dt.date | None = None, until: dt.date | None = None) -> list[IncidentDTO]:
    """Newest detected first. ``since``/``until``: detected on or after / before those days."""
    with ws.read() as s:
        stmt = select(Incident).join(Initiative, Initiative.id == Incident.initiative_id)
        if initiative_code:
            stmt = stmt.where(Initiative.code == initiative_code)
        if open_only:
            stmt = stmt.where(Incident.status.in_(OPEN_INCIDENT))
        if since is not None:
            stmt = stmt.where(Incident.detected_on >= since)
        if until is not None:
            stmt = stmt.where(Incident.detected_on < until)
        stmt = stmt.order_by(Incident.detected_on.desc(), Initiative.code, Incident.number.desc())
        return [_dto(s, i) for i in s.scalars(stmt)]


def find(ws: Workspace, ref: str) -> IncidentDTO:
    with ws.read() as s:
        return _dto(s, _by_ref(s, ref))


def _by_ref(session: Session, ref: str) -> Incident:
    text = ref.strip()
    if text.isdigit():
        return records.get_by(session, Incident, ENTITY, id=int(text))
    code, sep, number = text.upper().rpartition("-INC")
    if not sep or not number.isdigit():
        raise ValidationError("ref", f"'{ref}' is not an incident reference such as AI-0003-INC1", entity=ENTITY)
    init = records.get_by(session, Initiative, "initiative", code=code)
    i = session.scalar(select(Incident).where(Incident.initiative_id == init.id, Incident.number == int(number)))
    if i is None:
        raise ValidationError("ref", f"there is no incident {text}", entity=ENTITY)
    return i


def id_of(ws: Workspace, ref: str) -> int:
    with ws.read() as s:
        return _by_ref(s, ref).id


def open_serious(session: Session, initiative_id: int, detected_by: dt.date | None = None) -> list[str]:
    """References and titles of the initiative's open severity-1/2 incidents (what a gate cannot pass over);
    ``detected_by``: only those detected on or before that day."""
    code = session.scalar(select(Initiative.code).where(Initiative.id == initiative_id)) or ""
    stmt = (select(Incident.number, Incident.severity, Incident.title)
            .where(Incident.initiative_id == initiative_id, Incident.status.in_(OPEN_INCIDENT),
                   Incident.severity <= SERIOUS_SEVERITY).order_by(Incident.number))
    if detected_by is not None:
        stmt = stmt.where(Incident.detected_on <= detected_by)
    rows = session.execute(stmt)
    return [f"{incident_ref(code, n)} (severity {sev}): {title}" for n, sev, title in rows]
