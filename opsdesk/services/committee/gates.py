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

from sqlalchemy import func, select

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
from opsdesk.services.registry import initiatives, lessons, metrics
from opsdesk.services.risk import gate_checks
from opsdesk.store import records
from opsdesk.store.models import AgendaItem, Initiative, MetricSeries, Model, StageChange
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

MIN_DAYS_IN_STAGE = 30  # running time in a stage before the evidence for the next gate counts
EVIDENCE_STAGES = (Stage.EXPAND, Stage.PRODUCTION)  # gates that need DataOps and MLOps evidence and time in stage


def _standards_criteria(ws: Workspace, code: str, target: Stage, today: dt.date,
                        rows: Mapping[int, Any] | None = None) -> list[Criterion]:
    from opsdesk.services.standards.conformance import gate_readiness

    out = []
    for g in gate_readiness(ws, code, target, today, rows):
        req_code, _, text = g.requirement.partition(": ")
        note = "; ".join(x for x in (text, g.note) if x)
        status = "waiver expired" if g.waiver_expired else g.status.label if g.status is not None else "not assessed"
        out.append(Criterion("Standards", f"{g.standard.split(' ')[0]} {req_code}", g.met, status, note))
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


def budget_position(ws: Workspace, code: str, at: dt.datetime | None = None) -> tuple[Decimal, Decimal, str]:
    """(budget, spend to date in the budget's currency, currency); ``at``: as the record stood then."""
    from opsdesk.services.committee import asof

    with ws.read() as s:
        init = records.get_by(s, Initiative, "initiative", code=code)
        if at is not None:
            state = asof.audit_states(s, "initiative", [code], at).get(code) or {}
            budget = Decimal(str(state["budget"])) if state.get("budget") is not None else init.budget
            return budget, sum((a for _d, a in asof.spend_to(s, init, at.date())), Decimal(0)), init.currency
        spend = initiatives.spend_by_initiative(s).get((init.id, init.currency), Decimal(0))
        return init.budget, spend, init.currency


@dataclass(frozen=True)
class Evidence:
    """What a gate is judged on when it is not judged on today's record (a paper for a past meeting)."""

    at: dt.datetime
    conformance: Mapping[int, Any]
    stage_since: dt.datetime | None


def _days_in_stage(ws: Workspace, code: str, day: dt.date, evidence: Evidence | None) -> int | None:
    if evidence is not None:
        since = evidence.stage_since
    else:
        with ws.read() as s:
            init = records.get_by(s, Initiative, "initiative", code=code)
            since = s.scalar(select(StageChange.changed_at).where(StageChange.initiative_id == init.id)
                             .order_by(StageChange.changed_at.desc(), StageChange.id.desc()).limit(1))
    return None if since is None else max(0, (day - since.date()).days)


def _evidence_criteria(ws: Workspace, code: str, target: Stage, day: dt.date, kpis: list[KpiView],
                       evidence: Evidence | None) -> list[Criterion]:
    """Missing evidence is not met, and says what is missing: no recent DataOps or MLOps series, too little time
    in the current stage to judge it."""
    from opsdesk.services.committee import asof

    if target not in EVIDENCE_STAGES:
        return []
    out = []
    for discipline in ("DataOps", "MLOps"):
        measured = [k for k in kpis if k.discipline == discipline and k.value is not None]
        out.append(Criterion("Evidence", f"{discipline} series", bool(measured),
                             f"{len(measured)} measured" if measured else "missing",
                             f"{', '.join(k.name for k in measured)}" if measured else
                             f"no {discipline} series with points in the last 30 days: nothing shows it runs"))
    with ws.read() as s:
        init = records.get_by(s, Initiative, "initiative", code=code)
        billed = bool(asof.spend_to(s, init, day))
    out.append(Criterion("Evidence", "FinOps cost", billed, "recorded" if billed else "missing",
                         "allocated cost is recorded" if billed else
                         "no allocated cost at all: spend against budget cannot be judged"))
    days = _days_in_stage(ws, code, day, evidence)
    out.append(Criterion("Evidence", "Time in stage", days is not None and days >= MIN_DAYS_IN_STAGE,
                         f"{days} days" if days is not None else "missing",
                         f"at least {MIN_DAYS_IN_STAGE} days in the current stage before its evidence counts"
                         + (f"; {days} so far" if days is not None else "; no stage change recorded")))
    return out


def _retirement_criteria(ws: Workspace, code: str, day: dt.date, evidence: Evidence | None) -> list[Criterion]:
    """A retirement gate is judged on retirement: data retention and disposal (the standards' requirements for
    the retired stage), models taken out of service, and cost stopped."""
    from opsdesk.services.committee import asof

    standards = _standards_criteria(ws, code, Stage.RETIRED, day, evidence.conformance if evidence else None)
    out = list(standards)
    out.append(Criterion("Retirement", "Data retention and disposal", bool(standards) and all(c.met for c in standards),
                         "recorded" if standards and all(c.met for c in standards) else "missing",
                         "the retention requirements for the retired stage are met" if standards
                         and all(c.met for c in standards) else
                         "no data-retention or disposal requirement is met for the retired stage"
                         if standards else "no data-retention or disposal record: no adopted requirement applies "
                                           "to the retired stage"))
    with ws.read() as s:
        init = records.get_by(s, Initiative, "initiative", code=code)
        spend = asof.spend_to(s, init, day)
        models = s.scalar(select(func.count()).select_from(Model).where(Model.initiative_id == init.id)) or 0
        series = [x for x in s.scalars(select(MetricSeries).where(MetricSeries.initiative_id == init.id))
                  if x.name.lower().startswith(("predictions", "deployments"))]
    last_month = max((d for d, _a in spend), default=None)
    last = sum((a for d, a in spend if d == last_month), Decimal(0)) if last_month else Decimal(0)
    out.append(Criterion("Retirement", "Cost stopped", last_month is None or last == 0,
                         "stopped" if last_month is None or last == 0 else "still billed",
                         "no allocated cost" if last_month is None else
                         f"{last:,.0f} {init.currency} allocated in {last_month:%Y-%m}, the latest billed month"))
    served = 0.0
    seen = False
    end = int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()) + 86399
    for x in series:
        ts, values = metrics.points(ws, x.id)
        keep = (ts > end - 30 * 86400) & (ts <= end)
        if keep.any():
            seen = True
            served += float(values[keep].sum())
    if not models:
        out.append(Criterion("Retirement", "Models out of service", True, "none registered",
                             "no model is registered for this initiative"))
    else:
        out.append(Criterion("Retirement", "Models out of service", seen and served == 0,
                             "out of service" if seen and served == 0 else "in service" if seen else "missing",
                             f"{number(served)} predictions and deployments in the last 30 days" if seen else
                             "no serving series: nothing shows the models were taken out of service"))
    return out


def gate_criteria(ws: Workspace, code: str, target: Stage | str, today: dt.date | None = None,
                  kpis: list[KpiView] | None = None, evidence: Evidence | None = None) -> list[Criterion]:
    """The criteria of a gate and how each stands. Missing evidence counts as not met; a retirement gate is
    judged on retirement criteria, not performance."""
    stage = Stage.parse(target)
    day = today or ws.clock().date()
    if stage is Stage.RETIRED:
        return _retirement_criteria(ws, code, day, evidence)
    out = _standards_criteria(ws, code, stage, day, evidence.conformance if evidence else None)
    kpis = kpis if kpis is not None else initiative_kpis(ws, code)
    for k in kpis:
        if k.rag == "grey":
            continue
        value = "no data" if k.value is None else f"{number(k.value)} {k.unit}"
        out.append(Criterion("KPIs", k.name, k.rag != "red", k.rag, f"{value}; {k.threshold}"))
    out.extend(_evidence_criteria(ws, code, stage, day, kpis, evidence))
    budget, spend, currency = budget_position(ws, code, evidence.at if evidence else None)
    share = f"{spend / budget:.0%} of budget" if budget else "no budget set"
    out.append(Criterion("Budget", "Spend within budget", bool(budget) and spend <= budget,
                         "within" if budget and spend <= budget else "over",
                         f"{spend:,.0f} of {budget:,.0f} {currency} ({share})"))
    out.extend(_team_criteria(ws, code))
    if stage is not Stage.RETIRED:  # retiring a use is never held back by its own risks
        out.extend(Criterion("Risk", c.name, c.met, c.status, c.note)
                   for c in gate_checks.gate_checks(ws, code, stage, day))
    return out


def evidence_at(ws: Workspace, code: str, at: dt.datetime) -> tuple[Stage | None, Evidence]:
    """The initiative's stage and the evidence a gate is judged on, as the record stood at ``at``."""
    from opsdesk.services.committee import asof

    with ws.read() as s:
        init = records.get_by(s, Initiative, "initiative", code=code)
        then = asof.stage_at(s, init.id, at)
        conformance_then = asof.conformance_rows_at(s, init, at)
    return then.stage, Evidence(at, conformance_then, then.since)


def criteria_as_of(ws: Workspace, code: str, target: Stage | str, at: dt.datetime) -> list[Criterion]:
    """The criteria of a gate as they stood just before ``at`` (a decision's time): the record, KPIs and
    conformance of that moment, not today's."""
    before = at - dt.timedelta(seconds=1)
    _stage, evidence = evidence_at(ws, code, before)
    day = before.date()
    return gate_criteria(ws, code, target, day, initiative_kpis(ws, code, day), evidence)


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
            lessons.create_tx(tx, code, values, decision_id=did)
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
