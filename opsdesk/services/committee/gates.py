"""Stage gates: the criteria for an initiative's next stage and how each stands, lessons shown alongside, and
recording a gate decision that moves the stage in the same user action.

The criteria come from the standards requirements (``opsdesk.services.standards.conformance.gate_readiness``), the KPIs
(``opsdesk.analytics.kpis.initiative_kpis``), budget against spend, and team coverage
(``opsdesk.analytics.skills.team_coverage``), and the risk, impact assessment and incident registers
(``opsdesk.services.risk.gate_checks``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from opsdesk.domain.enums import (
    APPROVING_OUTCOMES,
    AgendaKind,
    Outcome,
    Stage,
    VoteChoice,
)
from opsdesk.domain.rules import allowed_next_stages
from opsdesk.errors import ValidationError
from opsdesk.reports.content import number
from opsdesk.services.committee import actions, meetings
from opsdesk.services.registry import initiatives, lessons
from opsdesk.services.risk import gate_checks
from opsdesk.store import records
from opsdesk.store.models import AgendaItem, Initiative
from opsdesk.store.workspace import Workspace


@dataclass(frozen=True)
class KpiView:
    """One KPI as a brief and a gate show it (mirrors ``opsdesk.analytics.kpis.KPI``)."""

    name: str
    discipline: str
    value: float | None
    unit: str
    rag: str  # green | amber | red | grey
    threshold: str
    trend: float | None
    series_id: int | None


@dataclass(frozen=True)
class Criterion:
    group: str  # Standards | KPIs | Budget | Team | Risk
    name: str
    met: bool | None  # None: not assessed
    status: str
    note: str = ""


@dataclass(frozen=True)
class GateView:
    code: str
    current: Stage
    target: Stage
    criteria: list[Criterion]
    lessons: list[tuple[lessons.LessonDTO, str]] = field(default_factory=list)

    @property
    def met(self) -> int:
        return sum(1 for c in self.criteria if c.met)

    @property
    def unmet(self) -> list[Criterion]:
        return [c for c in self.criteria if c.met is False]


# --- KPIs ------------------------------------------------------------------------------------------------------

def initiative_kpis(ws: Workspace, code: str, as_of: dt.date | None = None) -> list[KpiView]:
    """The initiative's KPIs as the dashboard computes them."""
    from opsdesk.analytics import kpis

    return [KpiView(k.name, k.discipline.label, k.value, k.unit, k.rag, k.threshold, k.trend, k.series_id)
            for k in kpis.initiative_kpis(ws, code, as_of)]


# --- criteria ----------------------------------------------------------------------------------------------------

def _standards_criteria(ws: Workspace, code: str, target: Stage, today: dt.date) -> list[Criterion]:
    from opsdesk.services.standards.conformance import gate_readiness

    out = []
    for g in gate_readiness(ws, code, target, today):
        req_code, _, text = g.requirement.partition(": ")
        note = "; ".join(x for x in (text, g.note) if x)
        out.append(Criterion("Standards", f"{g.standard.split(' ')[0]} {req_code}", g.met,
                             g.status.label if g.status is not None else "not assessed", note))
    return out


def team_coverage(ws: Workspace, code: str) -> tuple[list[str], list[str]]:
    """(disciplines covered, disciplines missing) by the initiative's team."""
    from opsdesk.analytics.skills import team_coverage as coverage

    cov = coverage(ws, code)
    return [d.label for d in cov.covered], [d.label for d in cov.missing]


def _team_criteria(ws: Workspace, code: str) -> list[Criterion]:
    covered, missing = team_coverage(ws, code)
    return [Criterion("Team", "Disciplines covered", not missing, "covered" if not missing else "gap",
                      ("covered: " + ", ".join(covered) if covered else "nobody on the team")
                      + ("; missing: " + ", ".join(missing) if missing else ""))]


def budget_position(ws: Workspace, code: str) -> tuple[Decimal, Decimal, str]:
    """(budget, spend to date in the budget's currency, currency)."""
    with ws.read() as s:
        init = records.get_by(s, Initiative, "initiative", code=code)
        spend = initiatives.spend_by_initiative(s).get((init.id, init.currency), Decimal(0))
        return init.budget, spend, init.currency


def gate_criteria(ws: Workspace, code: str, target: Stage | str, today: dt.date | None = None,
                  kpis: list[KpiView] | None = None) -> list[Criterion]:
    stage = Stage.parse(target)
    day = today or ws.clock().date()
    out = _standards_criteria(ws, code, stage, day)
    for k in kpis if kpis is not None else initiative_kpis(ws, code):
        if k.rag == "grey":
            continue
        value = "no data" if k.value is None else f"{number(k.value)} {k.unit}"
        out.append(Criterion("KPIs", k.name, k.rag != "red", k.rag, f"{value}; {k.threshold}"))
    budget, spend, currency = budget_position(ws, code)
    share = f"{spend / budget:.0%} of budget" if budget else "no budget set"
    out.append(Criterion("Budget", "Spend within budget", bool(budget) and spend <= budget,
                         "within" if budget and spend <= budget else "over",
                         f"{spend:,.0f} of {budget:,.0f} {currency} ({share})"))
    out.extend(_team_criteria(ws, code))
    if stage is not Stage.RETIRED:  # retiring a use is never held back by its own risks
        out.extend(Criterion("Risk", c.name, c.met, c.status, c.note)
                   for c in gate_checks.gate_checks(ws, code, stage, day))
    return out


def gate_view(ws: Workspace, code: str, target: Stage | str | None = None) -> GateView:
    """What a gate item shows when it is prepared: criteria for the next stage and lessons from similar
    initiatives."""
    current = initiatives.get(ws, code).stage
    nxt = allowed_next_stages(current)
    stage = Stage.parse(target) if target else (nxt[0] if nxt else current)
    return GateView(code, current, stage, gate_criteria(ws, code, stage), lessons.similar(ws, code))


# --- deciding a gate -----------------------------------------------------------------------------------------------

def record_gate_decision(ws: Workspace, item_id: int, outcome: Outcome | str, *,
                         votes: Mapping[int, VoteChoice | str], rationale: str = "", conditions: str = "",
                         override_reason: str = "", incident_override: str = "",
                         lesson: Mapping[str, Any] | None = None,
                         action: Mapping[str, Any] | None = None) -> int:
    """Record the decision on an agenda item; on an approving stage-gate decision the initiative moves to the
    requested stage; a lesson learned and an action item (title, owner_id, due_on) may be recorded with it —
    all in one transaction."""
    out = Outcome.parse(outcome)
    with ws.write() as tx:
        did = meetings.record_decision_tx(tx, item_id, out, votes=votes, rationale=rationale,
                                           conditions=conditions, override_reason=override_reason,
                                           incident_override=incident_override)
        item = records.get_by(tx.session, AgendaItem, "agenda_item", id=item_id)
        code = None
        if item.initiative_id is not None:
            init = tx.session.get(Initiative, item.initiative_id)
            code = init.code if init else None
        if item.kind is AgendaKind.STAGE_GATE and out in APPROVING_OUTCOMES:
            assert code is not None and item.target_stage is not None
            initiatives.change_stage_tx(tx, code, item.target_stage, decision_id=did,
                                        note=f"Gate decision {did}")
        if lesson and str(lesson.get("what_happened", "")).strip():
            if code is None:
                raise ValidationError("lesson", "a lesson belongs to an item about an initiative", entity="lesson")
            values = {"stage": item.target_stage or Stage.PROPOSED, "recorded_on": tx.ws.clock().date(), **lesson}
            lessons.create_tx(tx, code, values)
        if action and str(action.get("title", "")).strip():
            actions.add_action_tx(tx, str(action["title"]), initiative_code=code, owner_id=action.get("owner_id"),
                                  due_on=action.get("due_on"), decision_id=did)
        return did


def default_options(target: Stage) -> str:
    return "\n".join([f"Approve the move to {target.label}.",
                      f"Approve the move to {target.label} with conditions on the criteria not yet met.",
                      "Defer until the criteria not yet met are met.",
                      "Reject: the initiative stays where it is."])


def recommend(view: GateView) -> str:
    """The secretariat's recommendation read from the criteria: approve when all are met, approve with
    conditions when at most two are not, otherwise defer."""
    unmet = view.unmet
    if not unmet:
        return f"Approve the move to {view.target.label}: all {len(view.criteria)} criteria are met."
    names = "; ".join(f"{c.group}: {c.name}" for c in unmet)
    if len(unmet) <= 2:
        return f"Approve with conditions: {names} to be met within 90 days."
    return f"Defer: {len(unmet)} of {len(view.criteria)} criteria are not met ({names})."
