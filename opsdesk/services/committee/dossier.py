"""Everything the initiative detail shows, gathered in one call (one worker round-trip for the GUI)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from opsdesk.analytics.rag import spend_rag
from opsdesk.domain.enums import AgendaKind, Outcome, Stage
from opsdesk.services.committee import actions, meetings
from opsdesk.services.registry import initiatives, lessons, metadata, metrics
from opsdesk.store import audit, records
from opsdesk.store.models import Allocation, CostRecord, Initiative
from opsdesk.store.workspace import Workspace

MAX_COST_LINES = 500


@dataclass(frozen=True)
class CostLine:
    period_start: dt.datetime
    service: str
    provider: str
    share: Decimal
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class DecisionLine:
    meeting: str
    decided_at: dt.datetime
    item: str
    kind: AgendaKind
    target_stage: Stage | None
    outcome: Outcome
    rationale: str
    conditions: str


@dataclass(frozen=True)
class Dossier:
    detail: initiatives.InitiativeDetail
    spend: dict[str, Decimal]  # currency -> allocated amount
    rag: str
    cost_lines: list[CostLine]
    cost_lines_total: int
    series: list[metrics.SeriesDTO]
    decisions: list[DecisionLine]
    lessons: list[lessons.LessonDTO]
    lineage: list[metadata.LineageEdge]
    history: list[audit.AuditEntry] = field(default_factory=list)
    actions: list[actions.ActionDTO] = field(default_factory=list)
    as_of: dt.date | None = None  # the day against which "overdue" is judged


def cost_lines(ws: Workspace, code: str, limit: int = MAX_COST_LINES) -> tuple[list[CostLine], int, dict[str, Decimal]]:
    """The cost allocations of one initiative (newest first, at most ``limit``), how many there are in all,
    and the total per currency."""
    with ws.read() as s:
        init = records.get_by(s, Initiative, "initiative", code=code)
        rows = s.execute(
            select(CostRecord.charge_period_start, CostRecord.service_name, CostRecord.provider_name,
                   Allocation.share, Allocation.amount, Allocation.currency)
            .join(CostRecord, CostRecord.id == Allocation.cost_record_id)
            .where(Allocation.initiative_id == init.id)
            .order_by(CostRecord.charge_period_start.desc(), Allocation.id)
        ).all()
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        totals[row[5]] += row[4]
    return [CostLine(*row) for row in rows[:limit]], len(rows), dict(totals)


def decisions_for(ws: Workspace, code: str) -> list[DecisionLine]:
    out = []
    for meeting in meetings.list_meetings(ws):
        for item in meeting.items:
            if item.initiative_code == code and item.decision is not None:
                d = item.decision
                out.append(DecisionLine(meeting.title, d.decided_at, item.title, item.kind, item.target_stage,
                                        d.outcome, d.rationale, d.conditions))
    return sorted(out, key=lambda x: x.decided_at, reverse=True)


def initiative_dossier(ws: Workspace, code: str) -> Dossier:
    detail = initiatives.get(ws, code)
    lines, total, spend = cost_lines(ws, code)
    return Dossier(
        detail=detail,
        spend=spend,
        rag=spend_rag(detail.budget, spend.get(detail.currency, Decimal(0))),
        cost_lines=lines,
        cost_lines_total=total,
        series=metrics.list_series(ws, code),
        decisions=decisions_for(ws, code),
        lessons=lessons.list_all(ws, code),
        lineage=metadata.lineage_graph(ws, code),
        history=audit.history(ws, initiatives.ENTITY, code),
        actions=actions.list_actions(ws, initiative_code=code),
        as_of=ws.clock().date(),
    )
