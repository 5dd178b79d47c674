"""Action items arising from decisions: owner, due date and status; overdue ones surface on the dashboard."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from opsdesk.domain.enums import ActionStatus
from opsdesk.errors import ValidationError
from opsdesk.store import records
from opsdesk.store.models import ActionItem, Initiative, Person
from opsdesk.store.workspace import Tx, Workspace

OPEN_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


@dataclass(frozen=True)
class ActionDTO:
    id: int
    title: str
    initiative_code: str | None
    owner_id: int | None
    owner: str
    due_on: dt.date | None
    status: ActionStatus
    decision_id: int | None

    def overdue(self, as_of: dt.date) -> bool:
        return self.status in OPEN_STATUSES and self.due_on is not None and self.due_on < as_of


def add_action(ws: Workspace, title: str, *, initiative_code: str | None = None, owner_id: int | None = None,
               due_on: dt.date | None = None, decision_id: int | None = None) -> int:
    with ws.write() as tx:
        return add_action_tx(tx, title, initiative_code=initiative_code, owner_id=owner_id, due_on=due_on,
                             decision_id=decision_id)


def add_action_tx(tx: Tx, title: str, *, initiative_code: str | None = None, owner_id: int | None = None,
                  due_on: dt.date | None = None, decision_id: int | None = None) -> int:
    if not title.strip():
        raise ValidationError("title", "is required", entity="action_item")
    init_id = records.get_by(tx.session, Initiative, "initiative", code=initiative_code).id if initiative_code else None
    if owner_id is not None:
        records.get_by(tx.session, Person, "person", id=owner_id)
    a = ActionItem(title=title.strip(), initiative_id=init_id, owner_id=owner_id, due_on=due_on,
                   decision_id=decision_id, status=ActionStatus.OPEN)
    tx.add(a, "action_item")
    return a.id


def set_action_status(ws: Workspace, action_id: int, status: ActionStatus | str) -> None:
    with ws.write() as tx:
        a = records.get_by(tx.session, ActionItem, "action_item", id=action_id)
        tx.update(a, "action_item", {"status": ActionStatus.parse(status)})


def list_actions(ws: Workspace, *, initiative_code: str | None = None,
                 decision_ids: list[int] | None = None) -> list[ActionDTO]:
    """Action items, soonest due first (for one initiative, or arising from some decisions)."""
    with ws.read() as s:
        # the code and owner's name joined to each action: not every initiative's code and every person's name
        stmt = (select(ActionItem, Initiative.code, Person.name)
                .outerjoin(Initiative, Initiative.id == ActionItem.initiative_id)
                .outerjoin(Person, Person.id == ActionItem.owner_id)
                .order_by(ActionItem.due_on, ActionItem.id))
        if initiative_code:
            stmt = stmt.where(Initiative.code == initiative_code)
        if decision_ids is not None:
            stmt = stmt.where(ActionItem.decision_id.in_(decision_ids))
        return [ActionDTO(a.id, a.title, code if a.initiative_id else None, a.owner_id,
                          (name or "") if a.owner_id else "", a.due_on, a.status, a.decision_id)
                for a, code, name in s.execute(stmt)]


def overdue_actions(ws: Workspace, as_of: dt.date | None = None) -> list[ActionDTO]:
    """Open actions past their due date (the dashboard's overdue list)."""
    day = as_of or ws.clock().date()
    return [a for a in list_actions(ws) if a.overdue(day)]
