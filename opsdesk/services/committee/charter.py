"""The committee's charter: members (people with a committee role), quorum rule, voting rule and the
classification scheme of the workspace."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from opsdesk.domain.committee import Charter
from opsdesk.domain.enums import VOTING_ROLES, CommitteeRole, Discipline
from opsdesk.errors import ValidationError
from opsdesk.store import records
from opsdesk.store.models import DataAsset, Initiative, Model, Person, WorkspaceInfo
from opsdesk.store.workspace import Workspace

VOTING_RULES = {"simple_majority": "Simple majority of votes cast", "two_thirds": "Two thirds of votes cast"}


@dataclass(frozen=True)
class MemberDTO:
    person_id: int
    name: str
    discipline: Discipline
    role: CommitteeRole
    unit: str

    @property
    def voting(self) -> bool:
        return self.role in VOTING_ROLES


@dataclass(frozen=True)
class CharterDTO:
    charter: Charter
    members: list[MemberDTO]
    classification_scheme: tuple[str, ...]


def charter(session: Any) -> Charter:
    info = session.scalar(select(WorkspaceInfo))
    return Charter.from_json(info.charter if info else None)


def get(ws: Workspace) -> CharterDTO:
    with ws.read() as s:
        info = s.scalar(select(WorkspaceInfo))
        members = [MemberDTO(p.id, p.name, p.discipline, p.committee_role, p.unit) for p in s.scalars(
            select(Person).where(Person.active.is_(True), Person.committee_role != CommitteeRole.NONE)
            .order_by(Person.name))]
        scheme = tuple(info.classification_scheme) if info else ("OFFICIAL",)
        return CharterDTO(Charter.from_json(info.charter if info else None), members, scheme)


def set_charter(ws: Workspace, new: Charter) -> None:
    if new.min_voting_members < 1:
        raise ValidationError("min_voting_members", "must be at least 1", entity="charter")
    if new.voting_rule not in VOTING_RULES:
        raise ValidationError("voting_rule", "must be " + " or ".join(VOTING_RULES), entity="charter")
    with ws.write() as tx:
        info = tx.session.scalar(select(WorkspaceInfo))
        assert info is not None
        tx.update(info, "workspace", {"charter": new.to_json()}, key="charter")


def set_member_role(ws: Workspace, person_id: int, role: CommitteeRole | str) -> None:
    """Membership of the committee is a person's committee role (none = not a member)."""
    parsed = CommitteeRole.parse(role)
    with ws.write() as tx:
        person = records.get_by(tx.session, Person, "person", id=person_id)
        if not person.active and parsed is not CommitteeRole.NONE:
            raise ValidationError("committee_role", f"{person.name} is inactive", entity="person")
        tx.update(person, "person", {"committee_role": parsed})


def set_classification_scheme(ws: Workspace, scheme: Sequence[str]) -> None:
    """Replace the ordered markings (lowest first). Every marking in use must stay in the scheme."""
    cleaned = [m.strip().upper() for m in scheme if m.strip()]
    if not cleaned:
        raise ValidationError("classification_scheme", "needs at least one marking", entity="workspace")
    if len(set(cleaned)) != len(cleaned):
        raise ValidationError("classification_scheme", "lists a marking twice", entity="workspace")
    with ws.write() as tx:
        in_use: set[str] = set()
        for model in (Initiative, DataAsset, Model):
            in_use |= set(tx.session.scalars(select(model.classification).distinct()))
        missing = sorted(m for m in in_use - set(cleaned) if m)
        if missing:
            raise ValidationError("classification_scheme", "still in use: " + ", ".join(missing), entity="workspace")
        info = tx.session.scalar(select(WorkspaceInfo))
        assert info is not None
        tx.update(info, "workspace", {"classification_scheme": cleaned}, key="classification_scheme")
