"""AI initiatives: the register's central record, its objectives, team and stage."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Text, bindparam, func, select, type_coerce

from opsdesk.domain import schemas
from opsdesk.domain.enums import APPROVING_OUTCOMES, AgendaKind, Discipline, RiskTier, Stage, TeamRole
from opsdesk.domain.records import quick_init
from opsdesk.domain.rules import INITIATIVE_CODE, allowed_next_stages
from opsdesk.errors import ValidationError
from opsdesk.store import queries, records
from opsdesk.store.models import (
    AgendaItem,
    Allocation,
    Decision,
    Initiative,
    InitiativeObjective,
    Objective,
    Person,
    StageChange,
    TeamMember,
    WorkspaceInfo,
)
from opsdesk.store.workspace import Tx, Workspace

ENTITY = "initiative"


SCHEMA = schemas.INITIATIVE


@quick_init
@dataclass(frozen=True)
class InitiativeRow:
    """One line of the register (made by the thousand on every load: see quick_init)."""

    id: int
    code: str
    name: str
    stage: Stage
    risk_tier: RiskTier
    owner: str
    classification: str
    budget: Decimal
    currency: str
    objectives: tuple[str, ...]
    spend_to_date: Decimal
    disciplines: tuple[str, ...]
    tags: tuple[str, ...]
    version: int


@dataclass(frozen=True)
class TeamMemberDTO:
    person_id: int
    name: str
    discipline: Discipline
    role: TeamRole


@dataclass(frozen=True)
class StageChangeDTO:
    from_stage: Stage | None
    to_stage: Stage
    changed_at: dt.datetime
    decision_id: int | None
    note: str


@dataclass(frozen=True)
class InitiativeDetail:
    id: int
    code: str
    name: str
    problem: str
    expected_benefits: str
    outputs: str
    owner: str
    sponsor: str
    stage: Stage
    risk_tier: RiskTier
    classification: str
    budget: Decimal
    currency: str
    cost_centre: str
    tags: list[str]
    disciplines: list[str]
    start_date: dt.date | None
    end_date: dt.date | None
    version: int
    objectives: list[tuple[str, str, Decimal]] = field(default_factory=list)  # code, title, weight
    team: list[TeamMemberDTO] = field(default_factory=list)
    stage_history: list[StageChangeDTO] = field(default_factory=list)


def _rules(ws_scheme: Sequence[str] | None):
    """The rules across fields; the marking is checked against the scheme when one is given (it is read only
    when the marking is among the changes: an edit of another field does not re-judge the marking)."""
    def check(values: dict[str, Any]) -> None:
        start, end = values.get("start_date"), values.get("end_date")
        if start and end and end < start:
            raise ValidationError("end_date", "must not be before the start date", entity=ENTITY)
        marking = values.get("classification")
        if marking and ws_scheme is not None and marking not in ws_scheme:
            raise ValidationError("classification", f"'{marking}' is not one of {', '.join(ws_scheme)}",
                                  entity=ENTITY)
        for d in values.get("disciplines") or []:
            try:
                Discipline.parse(d)
            except ValueError as exc:
                raise ValidationError("disciplines", str(exc), entity=ENTITY) from None
    return check


def _scheme(tx_or_session: Any) -> list[str]:
    session = getattr(tx_or_session, "session", tx_or_session)
    info = session.scalar(select(WorkspaceInfo))
    return list(info.classification_scheme) if info else ["OFFICIAL"]


def next_code(ws: Workspace) -> str:
    with ws.read() as s:
        codes = s.scalars(select(Initiative.code)).all()
    numbers = [int(c.split("-")[1]) for c in codes if INITIATIVE_CODE.match(c)]
    return f"AI-{(max(numbers) + 1) if numbers else 1:04d}"


def create(ws: Workspace, values: Mapping[str, Any], *, objectives: Mapping[str, Decimal | float] | None = None,
           team: Mapping[int, TeamRole | str] | None = None) -> InitiativeDetail:
    with ws.write() as tx:
        obj = records.create(tx, Initiative, ENTITY, SCHEMA, values, unique=("code",),
                             rules=_rules(_scheme(tx)), extra={"stage": Stage.PROPOSED, "created_at": ws.clock()})
        tx.session.add(StageChange(initiative_id=obj.id, from_stage=None, to_stage=Stage.PROPOSED,
                                   changed_at=ws.clock(), note="registered"))
        if objectives:
            _set_objectives(tx, obj, objectives)
        if team:
            _set_team(tx, obj, team)
        return _detail(tx.session, obj)


def update(ws: Workspace, code: str, changes: Mapping[str, Any], expected_version: int | None = None, *,
           objectives: Mapping[str, Decimal | float] | None = None,
           team: Mapping[int, TeamRole | str] | None = None) -> InitiativeDetail:
    """Change fields (and, when given, the objectives served with their weights, and the team: person id -> role)
    in one action."""
    if "stage" in changes:
        raise ValidationError("stage", "changes only through a stage-gate decision (use change_stage)", entity=ENTITY)
    with ws.write() as tx:
        if objectives is None and team is None:  # the usual edit: the row's fields, without the ORM
            row = records.read_row(tx.conn, Initiative, ENTITY, code=code)
            if changes:
                row = records.update_row(tx, Initiative, ENTITY, SCHEMA, row, changes, unique=("code",),
                                         expected_version=expected_version,
                                         rules=_rules(_scheme(tx) if "classification" in changes else None))
            return _detail_of(tx.conn, row)
        obj = records.get_by(tx.session, Initiative, ENTITY, code=code)
        if changes:
            records.update(tx, obj, ENTITY, SCHEMA, changes, unique=("code",), expected_version=expected_version,
                           rules=_rules(_scheme(tx) if "classification" in changes else None))
        if objectives is not None:
            _set_objectives(tx, obj, objectives)
        if team is not None:
            _set_team(tx, obj, team)
        return _detail(tx.session, obj)


def delete(ws: Workspace, code: str) -> None:
    """Remove an initiative registered by mistake. One that has moved through a gate, been on the committee's
    agenda or carries allocated cost stays in the record: it is retired through a stage gate instead."""
    with ws.write() as tx:
        obj = records.get_by(tx.session, Initiative, ENTITY, code=code)
        if obj.stage is not Stage.PROPOSED or tx.session.scalar(
                select(func.count()).select_from(AgendaItem).where(AgendaItem.initiative_id == obj.id)):
            raise ValidationError("code", f"{code} has committee history; retire it through a stage gate "
                                          "instead of deleting it", entity=ENTITY)
        if tx.session.scalar(select(func.count()).select_from(Allocation).where(Allocation.initiative_id == obj.id)):
            raise ValidationError("code", f"{code} has allocated costs; retire it instead of deleting it",
                                  entity=ENTITY)
        tx.delete(obj, ENTITY)


def set_objectives(ws: Workspace, code: str, weights: Mapping[str, Decimal | float]) -> InitiativeDetail:
    with ws.write() as tx:
        obj = records.get_by(tx.session, Initiative, ENTITY, code=code)
        _set_objectives(tx, obj, weights)
        return _detail(tx.session, obj)


def _set_objectives(tx: Tx, obj: Initiative, weights: Mapping[str, Decimal | float]) -> None:
    before = {link.objective.code: str(link.weight) for link in obj.objective_links}
    obj.objective_links.clear()
    tx.session.flush()
    for obj_code, weight in weights.items():
        objective = records.get_by(tx.session, Objective, "objective", code=obj_code)
        w = Decimal(str(weight))
        if w <= 0 or w > 1:
            raise ValidationError("objectives", f"weight for {obj_code} must be above 0 and at most 1", entity=ENTITY)
        obj.objective_links.append(InitiativeObjective(objective=objective, weight=w))
    tx.session.flush()
    after = {k: str(Decimal(str(v))) for k, v in weights.items()}
    if before != after:
        tx.audit("set_objectives", ENTITY, obj.code, before, after)


def set_team(ws: Workspace, code: str, team: Mapping[int, TeamRole | str]) -> InitiativeDetail:
    with ws.write() as tx:
        obj = records.get_by(tx.session, Initiative, ENTITY, code=code)
        _set_team(tx, obj, team)
        return _detail(tx.session, obj)


def _set_team(tx: Tx, obj: Initiative, team: Mapping[int, TeamRole | str]) -> None:
    before = {str(m.person_id): m.role.value for m in obj.team}
    obj.team.clear()
    tx.session.flush()
    for person_id, role in team.items():
        records.get_by(tx.session, Person, "person", id=person_id)
        try:
            parsed = TeamRole.parse(role)
        except ValueError as exc:
            raise ValidationError("team", str(exc), entity=ENTITY) from None
        obj.team.append(TeamMember(person_id=person_id, role=parsed))
    tx.session.flush()
    after = {str(m.person_id): m.role.value for m in obj.team}
    if before != after:
        tx.audit("set_team", ENTITY, obj.code, before, after)


def change_stage(ws: Workspace, code: str, new_stage: Stage | str, *, decision_id: int | None,
                 note: str = "") -> InitiativeDetail:
    """Move an initiative to its next stage. Only an approving decision on a stage-gate item for this
    initiative and this stage allows it."""
    with ws.write() as tx:
        return change_stage_tx(tx, code, new_stage, decision_id=decision_id, note=note)


def change_stage_tx(tx: Tx, code: str, new_stage: Stage | str, *, decision_id: int | None,
                    note: str = "") -> InitiativeDetail:
    """:func:`change_stage` inside the caller's transaction (a gate decision and its stage move are one action)."""
    target = Stage.parse(new_stage)
    clock = tx.ws.clock
    obj = records.get_by(tx.session, Initiative, ENTITY, code=code)
    if target not in allowed_next_stages(obj.stage):
        allowed = ", ".join(s.value for s in allowed_next_stages(obj.stage)) or "none"
        raise ValidationError("stage", f"cannot move from {obj.stage.value} to {target.value} "
                                       f"(allowed: {allowed})", entity=ENTITY)
    if decision_id is None:
        raise ValidationError("decision_id", "a stage change needs the committee decision that approved it",
                              entity=ENTITY)
    decision = tx.session.get(Decision, decision_id)
    if decision is None:
        raise ValidationError("decision_id", f"decision {decision_id} does not exist", entity=ENTITY)
    item = tx.session.get(AgendaItem, decision.agenda_item_id)
    assert item is not None
    if item.kind is not AgendaKind.STAGE_GATE or item.initiative_id != obj.id:
        raise ValidationError("decision_id", f"decision {decision_id} is not on a stage-gate item for {code}",
                              entity=ENTITY)
    if item.target_stage is not None and item.target_stage is not target:
        raise ValidationError("decision_id", f"decision {decision_id} approved {item.target_stage.value}, "
                                             f"not {target.value}", entity=ENTITY)
    if decision.outcome not in APPROVING_OUTCOMES:
        raise ValidationError("decision_id", f"decision {decision_id} was '{decision.outcome.label}', "
                                             "not an approval", entity=ENTITY)
    used = tx.session.scalar(select(StageChange).where(StageChange.decision_id == decision_id))
    if used is not None:
        raise ValidationError("decision_id", f"decision {decision_id} has already been used for a stage change",
                              entity=ENTITY)
    before = obj.stage
    obj.stage = target
    tx.session.add(StageChange(initiative_id=obj.id, from_stage=before, to_stage=target, changed_at=clock(),
                               decision_id=decision_id, note=note))
    tx.session.flush()
    tx.audit("change_stage", ENTITY, obj.code, {"stage": before.value}, {"stage": target.value,
             "decision_id": decision_id}, note)
    return _detail(tx.session, obj)


def _detail(session: Any, obj: Initiative) -> InitiativeDetail:
    """The record as the caller shows it: its collections read with one plain query each (joined to the names
    they show), never through lazy loads of every link, member and person."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    return _detail_of(session.connection(), obj)


def _detail_of(conn: Any, obj: Initiative | dict[str, Any]) -> InitiativeDetail:
    """:func:`_detail` of an object or of a row read with ``records.read_row``."""
    row = obj if isinstance(obj, dict) else None
    ident, tags, disciplines = ((row["id"], row["tags"], row["disciplines"]) if row is not None
                                else (obj.id, obj.tags, obj.disciplines))  # type: ignore[union-attr]
    objectives = queries.read_plain(conn, _OBJECTIVES, {"ident": ident})
    team = [TeamMemberDTO(*r) for r in queries.read_plain(conn, _TEAM, {"ident": ident})]
    history = [StageChangeDTO(*r) for r in queries.read_plain(conn, _HISTORY, {"ident": ident})]
    return records.to_dto(InitiativeDetail, obj, tags=list(tags or []), disciplines=list(disciplines or []),
                          objectives=objectives, team=team, stage_history=history)


_OBJECTIVES = (select(Objective.code, Objective.title, InitiativeObjective.weight)
               .join(Objective, Objective.id == InitiativeObjective.objective_id)
               .where(InitiativeObjective.initiative_id == bindparam("ident"))
               .order_by(InitiativeObjective.objective_id))
_TEAM = (select(TeamMember.person_id, Person.name, Person.discipline, TeamMember.role)
         .join(Person, Person.id == TeamMember.person_id)
         .where(TeamMember.initiative_id == bindparam("ident")).order_by(TeamMember.person_id))
_HISTORY = (select(StageChange.from_stage, StageChange.to_stage, StageChange.changed_at, StageChange.decision_id,
                   StageChange.note)
            .where(StageChange.initiative_id == bindparam("ident")).order_by(StageChange.changed_at, StageChange.id))


def get(ws: Workspace, code: str) -> InitiativeDetail:
    with ws.read() as s:
        return _detail(s, records.get_by(s, Initiative, ENTITY, code=code))


def spend_by_initiative(session: Any) -> dict[tuple[int, str], Decimal]:
    """Allocated spend per (initiative id, currency), summed exactly in Python (SQLite keeps money as text)."""
    totals: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for init_id, currency, amount in session.execute(
        select(Allocation.initiative_id, Allocation.currency, Allocation.amount)
    ):
        totals[(init_id, currency)] += amount
    return totals


def list_rows(ws: Workspace) -> list[InitiativeRow]:
    with ws.read() as s:
        conn = s.connection()  # plain columns, no ORM: fast for long lists
        objectives: dict[int, list[str]] = defaultdict(list)
        for init_id, obj_code in conn.execute(_ROW_OBJECTIVES):
            objectives[init_id].append(obj_code)
        spend = spend_by_initiative(s)
        lists: dict[str, tuple[str, ...]] = {}  # JSON text -> its tuple: a long register repeats a few lists

        def as_tuple(text: str | None) -> tuple[str, ...]:
            if text is None:
                return ()
            got = lists.get(text)
            if got is None:
                got = lists[text] = tuple(json.loads(text) or ())
            return got

        return [InitiativeRow(ident, code, name, stage, risk, owner, marking, budget, currency,
                              tuple(objectives.get(ident, ())), spend.get((ident, currency), _ZERO),
                              as_tuple(disciplines), as_tuple(tags), version)
                for (ident, code, name, stage, risk, owner, marking, budget, currency, disciplines, tags, version)
                in queries.read_plain(conn, _ROWS, {})]


_ZERO = Decimal("0")
_ROW_OBJECTIVES = (select(InitiativeObjective.initiative_id, Objective.code)
                   .join(Objective, Objective.id == InitiativeObjective.objective_id).order_by(Objective.code))
_ROWS = (select(Initiative.id, Initiative.code, Initiative.name, Initiative.stage, Initiative.risk_tier,
                Initiative.owner, Initiative.classification, Initiative.budget, Initiative.currency,
                type_coerce(Initiative.disciplines, Text), type_coerce(Initiative.tags, Text),  # the JSON as text
                Initiative.version)
         .order_by(Initiative.code))


def codes(ws: Workspace) -> list[str]:
    """Every initiative code, in order (for pickers)."""
    with ws.read() as s:
        return list(s.scalars(select(Initiative.code).order_by(Initiative.code)))


def count(ws: Workspace) -> int:
    with ws.read() as s:
        return s.scalar(select(func.count()).select_from(Initiative)) or 0


def highest_classification(ws: Workspace) -> str:
    from opsdesk.domain.classification import highest

    with ws.read() as s:
        scheme = _scheme(s)
        markings = s.scalars(select(Initiative.classification).distinct()).all()
    return highest(markings, scheme)
