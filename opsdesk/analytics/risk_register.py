"""The facts of the risk and incident registers that the gates, the attention list, the dashboard and the briefs
read: each risk's inherent and residual rating, whether it is treated, whether a KPI breach has raised it; the open
incidents; the 5×5 heat map counts. Read-only, no Qt."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from opsdesk.analytics import rag
from opsdesk.domain.enums import Stage
from opsdesk.domain.risk import (
    OPEN_INCIDENT,
    SERIOUS_RATINGS,
    SERIOUS_SEVERITY,
    IncidentStatus,
    MitigationState,
    Rating,
    RiskCategory,
    RiskStatus,
    Treatment,
    rating,
    treated,
)
from opsdesk.store.models import Incident, Initiative, MetricPoint, MetricSeries, Person, Risk


def risk_ref(code: str, number: int) -> str:
    return f"{code}-R{number}"


def incident_ref(code: str, number: int) -> str:
    return f"{code}-INC{number}"


@dataclass(frozen=True)
class RiskFacts:
    id: int
    ref: str
    initiative_code: str
    stage: Stage
    title: str
    category: RiskCategory
    status: RiskStatus
    likelihood: int
    impact: int
    residual_likelihood: int  # after mitigation; the inherent score while none is given or while raised
    residual_impact: int
    inherent: Rating
    residual: Rating
    treatment: Treatment
    treated: bool
    treatment_note: str
    raised: str  # why a KPI breach raised it, or ""
    owner: str
    review_on: dt.date | None

    @property
    def untreated_high(self) -> bool:
        return self.status is RiskStatus.OPEN and self.residual in SERIOUS_RATINGS and not self.treated


@dataclass(frozen=True)
class IncidentFacts:
    id: int
    ref: str
    initiative_code: str
    stage: Stage
    title: str
    severity: int
    status: IncidentStatus
    occurred_on: dt.date
    detected_on: dt.date

    @property
    def open(self) -> bool:
        return self.status in OPEN_INCIDENT

    @property
    def serious(self) -> bool:
        return self.open and self.severity <= SERIOUS_SEVERITY


def _end_ts(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()) + 86400 - 1


def raised_by(session: Session, risks: Iterable[Risk], as_of: dt.date) -> dict[int, str]:
    """Risks whose linked KPI's latest value (up to ``as_of``) is at or past the risk's trigger level."""
    out: dict[int, str] = {}
    end = _end_ts(as_of)
    for r in risks:
        if r.trigger_series_id is None:
            continue
        series = session.get(MetricSeries, r.trigger_series_id)
        if series is None or series.green_threshold is None:
            continue
        last = session.execute(select(MetricPoint.ts, MetricPoint.value)
                               .where(MetricPoint.series_id == series.id, MetricPoint.ts <= end)
                               .order_by(MetricPoint.ts.desc()).limit(1)).first()
        if last is None:
            continue
        colour = rag.rag(last.value, series.green_threshold, series.amber_threshold, series.direction)
        hit = colour == rag.RED or (colour == rag.AMBER and r.trigger_level == "amber")
        if hit:
            day = dt.datetime.fromtimestamp(last.ts, dt.UTC).date()
            out[r.id] = (f"{series.name} is {colour} ({rag.fmt_number(last.value)} on {day.isoformat()}; "
                         f"{rag.threshold_text(series.green_threshold, series.amber_threshold, series.direction, series.unit)})")
    return out


def risk_facts(session: Session, as_of: dt.date, initiative_ids: Iterable[int] | None = None,
               risk_ids: Iterable[int] | None = None) -> list[RiskFacts]:
    stmt = (select(Risk, Initiative.code, Initiative.stage).join(Initiative, Initiative.id == Risk.initiative_id)
            .options(selectinload(Risk.mitigations)))
    if initiative_ids is not None:
        stmt = stmt.where(Risk.initiative_id.in_(list(initiative_ids)))
    if risk_ids is not None:
        stmt = stmt.where(Risk.id.in_(list(risk_ids)))
    rows = session.execute(stmt.order_by(Initiative.code, Risk.number)).all()
    names = dict(session.execute(select(Person.id, Person.name)).all())
    raised = raised_by(session, [r for r, _c, _s in rows if r.status is RiskStatus.OPEN], as_of)
    out = []
    for r, code, stage in rows:
        rl = r.residual_likelihood or r.likelihood
        ri = r.residual_impact or r.impact
        why = raised.get(r.id, "")
        if why:  # the breach shows the mitigation is not holding: rated as it would be without it
            rl, ri = max(rl, r.likelihood), max(ri, r.impact)
        residual = rating(rl, ri)
        ok, note = treated(r.treatment, r.accepted_by_id,
                           [MitigationState(m.status, m.due_on) for m in r.mitigations], as_of,
                           serious=residual in SERIOUS_RATINGS)
        if why and ok and r.treatment is not Treatment.ACCEPT:
            ok, note = False, "raised by a KPI breach: " + why
        out.append(RiskFacts(r.id, risk_ref(code, r.number), code, stage, r.title, r.category, r.status,
                             r.likelihood, r.impact, rl, ri, rating(r.likelihood, r.impact), residual, r.treatment,
                             ok, note, why, names.get(r.owner_id, "") if r.owner_id else "", r.review_on))
    return out


def incident_facts(session: Session, initiative_ids: Iterable[int] | None = None) -> list[IncidentFacts]:
    stmt = select(Incident, Initiative.code, Initiative.stage).join(Initiative, Initiative.id == Incident.initiative_id)
    if initiative_ids is not None:
        stmt = stmt.where(Incident.initiative_id.in_(list(initiative_ids)))
    return [IncidentFacts(i.id, incident_ref(code, i.number), code, stage, i.title, i.severity, i.status,
                          i.occurred_on, i.detected_on)
            for i, code, stage in session.execute(stmt.order_by(Incident.detected_on.desc(), Incident.id.desc()))]


def heat_map(facts: Iterable[RiskFacts], residual: bool) -> list[list[int]]:
    """Counts of open risks: ``grid[impact - 1][likelihood - 1]``."""
    grid = [[0] * 5 for _ in range(5)]
    for f in facts:
        if f.status is not RiskStatus.OPEN:
            continue
        li, im = (f.residual_likelihood, f.residual_impact) if residual else (f.likelihood, f.impact)
        grid[im - 1][li - 1] += 1
    return grid
