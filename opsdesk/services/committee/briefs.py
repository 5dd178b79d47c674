"""Gathering what a decision brief says about one initiative (or one agenda item about it), from the same
records and series the screens show. The layout is :mod:`opsdesk.reports.brief`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from opsdesk.domain.classification import highest
from opsdesk.domain.committee import motion_carried
from opsdesk.domain.enums import AgendaKind, ConformanceStatus, MeetingStatus, RiskTier, Stage
from opsdesk.domain.rules import next_stage
from opsdesk.reports.content import (
    ActionRow,
    Chart,
    CriterionRow,
    DecisionBlock,
    DocMeta,
    InitiativeBrief,
    KpiRow,
    LessonRow,
    VoteRow,
    number,
)
from opsdesk.services.committee import actions, gates, meetings
from opsdesk.services.committee.charter import charter
from opsdesk.services.finance import costs
from opsdesk.services.registry import initiatives, lessons, metrics
from opsdesk.services.standards import conformance
from opsdesk.store import records
from opsdesk.store.models import (
    AgendaItem,
    Allocation,
    AuditEvent,
    CostRecord,
    DataAsset,
    Decision,
    Initiative,
    InitiativeDataAsset,
    Meeting,
    Model,
    Person,
    WorkspaceInfo,
)
from opsdesk.store.workspace import Workspace

MAX_KPI_CHARTS = 6
CHART_DAYS = 365
MAX_CHART_POINTS = 140


def document_date(ws: Workspace) -> dt.datetime:
    """The time of the latest change to the data (exports excluded), so the same workspace gives the same PDF."""
    with ws.read() as s:
        at = s.scalar(select(func.max(AuditEvent.at)).where(AuditEvent.action != "export"))
    return at or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def organisation_and_scheme(ws: Workspace) -> tuple[str, list[str]]:
    with ws.read() as s:
        info = s.scalar(select(WorkspaceInfo))
        return (info.organisation, list(info.classification_scheme)) if info else ("", ["OFFICIAL"])


def initiative_markings(ws: Workspace, code: str) -> list[str]:
    """The initiative's marking and those of its data assets and models."""
    with ws.read() as s:
        init = records.get_by(s, Initiative, "initiative", code=code)
        assets = s.scalars(select(DataAsset.classification).join(
            InitiativeDataAsset, InitiativeDataAsset.data_asset_id == DataAsset.id)
            .where(InitiativeDataAsset.initiative_id == init.id))
        models = s.scalars(select(Model.classification).where(Model.initiative_id == init.id))
        return [init.classification, *assets, *models]


def money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.0f} {currency}"


def decision_block(ws: Workspace, d: meetings.DecisionDTO, history: list[meetings.DecisionDTO] | None = None,
                   as_of: dt.date | None = None) -> DecisionBlock:
    with ws.read() as s:
        people = {p.id: p for p in s.scalars(select(Person))}
        ch = charter(s)
    day = as_of or d.decided_at.date()
    acts = actions.list_actions(ws, decision_ids=[x.id for x in (history or [d])])
    t = d.tally
    votes = tuple(VoteRow(people[p].name if p in people else str(p),
                          people[p].discipline.label if p in people else "", c.label)
                  for p, c in sorted(d.votes.items(), key=lambda kv: people[kv[0]].name if kv[0] in people else ""))
    earlier = tuple(decision_block(ws, x, None, as_of) for x in (history or [])[:-1])
    return DecisionBlock(d.id, d.outcome.label, d.decided_at, d.rationale, d.conditions, d.override_reason,
                         t.for_, t.against, t.abstain, t.recused, motion_carried(ch, t), votes,
                         tuple(ActionRow(a.title, a.owner, str(a.due_on or "—"), a.status.label, a.overdue(day))
                               for a in acts), d.corrects_id, d.correction_reason, earlier)


def bin_means(xs: Any, ys: Any, limit: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """At most ``limit`` points: consecutive points averaged in equal runs (a year of daily points becomes
    two-to-three-day means — the shape the dashboard shows, at a size a vector chart draws quickly)."""
    import numpy as np

    n = len(xs)
    if n <= limit:
        return tuple(float(v) for v in xs), tuple(float(v) for v in ys)
    edges = np.linspace(0, n, limit + 1).astype(int)
    bx = [float(xs[a:b].mean()) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]
    by = [float(ys[a:b].mean()) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]
    return tuple(bx), tuple(by)


def _charts(ws: Workspace, kpis: list[gates.KpiView]) -> tuple[Chart, ...]:
    out: list[Chart] = []
    with ws.read() as s:
        from opsdesk.store.models import MetricSeries

        meta = {x.id: x for x in s.scalars(select(MetricSeries))}
    for k in kpis:
        if k.series_id is None or k.rag == "grey" or len(out) >= MAX_KPI_CHARTS:
            continue
        ts, values = metrics.points(ws, k.series_id)
        if not len(ts):
            continue
        keep = ts >= ts[-1] - CHART_DAYS * 86400
        xs, ys = bin_means(ts[keep] / 86400.0, values[keep], MAX_CHART_POINTS)
        x = meta[k.series_id]
        out.append(Chart(k.name, k.unit, xs, ys, x.green_threshold, x.amber_threshold, k.rag))
    return tuple(out)


def _ledger(ws: Workspace, code: str) -> tuple[list[tuple[str, Decimal, Decimal]], Decimal, Decimal, str,
                                                  dt.date | None, dt.date | None]:
    """(month, BilledCost, EffectiveCost allocated to the initiative) in its budget currency, and the budget."""
    with ws.read() as s:
        init = records.get_by(s, Initiative, "initiative", code=code)
        monthly: dict[str, Decimal] = defaultdict(Decimal)
        monthly_billed: dict[str, Decimal] = defaultdict(Decimal)
        for start, amount, share, billed, effective in s.execute(
                select(CostRecord.charge_period_start, Allocation.amount, Allocation.share, CostRecord.billed_cost,
                       CostRecord.effective_cost)
                .join(CostRecord, CostRecord.id == Allocation.cost_record_id)
                .where(Allocation.initiative_id == init.id, Allocation.currency == init.currency)):
            monthly[f"{start:%Y-%m}"] += amount
            monthly_billed[f"{start:%Y-%m}"] += costs.billed_part(billed, effective, amount, share)
        return ([(m, monthly_billed[m], monthly[m]) for m in sorted(monthly)], init.budget,
                sum(monthly.values(), Decimal(0)), init.currency, init.start_date, init.end_date)


def _unallocated(ws: Workspace) -> tuple[tuple[str, str, str, str], ...]:
    """(currency, unallocated BilledCost, unallocated EffectiveCost, share of all EffectiveCost)."""
    t = costs.totals(ws, "initiative")
    rows = []
    for cur, amount in sorted(t["unallocated"].items()):
        if not amount and not t["unallocated_billed"].get(cur):
            continue
        total = t["currencies"][cur]
        rows.append((cur, money(t["unallocated_billed"][cur], cur), money(amount, cur),
                     f"{amount / total:.1%}" if total else "—"))
    return tuple(rows)


def _risks(d: initiatives.InitiativeDetail, kpis: list[gates.KpiView], criteria: list[gates.Criterion],
           budget: Decimal, spend: Decimal, overdue: list[actions.ActionDTO], pii: list[str]) -> tuple[str, ...]:
    out = []
    if d.risk_tier in (RiskTier.HIGH, RiskTier.HIGH_IMPACT):
        out.append(f"Risk tier is {d.risk_tier.label.lower()}: decisions affect people directly and need "
                   "human review and an appeal route.")
    for k in kpis:
        if k.rag == "red":
            out.append(f"{k.name} is red ({k.threshold}).")
    if budget and spend > budget:
        out.append(f"Spend {money(spend, d.currency)} exceeds the budget {money(budget, d.currency)}.")
    elif budget and spend > budget * Decimal("0.9"):
        out.append(f"Spend has reached {spend / budget:.0%} of the budget.")
    for c in criteria:
        if c.group == "Standards" and c.met is False:
            out.append(f"Standard requirement {c.name} is {c.status.lower()}.")
        if c.group == "Team" and c.met is False:
            out.append(f"Team gap: {c.note}.")
    if pii:
        out.append("Uses personal data: " + ", ".join(pii) + ".")
    for a in overdue:
        out.append(f"Overdue action: {a.title} (due {a.due_on}, {a.owner or 'no owner'}).")
    return tuple(out)


def _gate_target(stage: Stage, item: meetings.AgendaItemDTO | None) -> Stage | None:
    """The stage a gate is requested for; without an item, the next stage (retirement is never assumed)."""
    if item is not None and item.target_stage is not None:
        return item.target_stage
    nxt = next_stage(stage)
    return nxt if nxt is not Stage.RETIRED else None


def initiative_brief(ws: Workspace, code: str, item_id: int | None = None) -> InitiativeBrief:
    """The brief for an initiative, or for one agenda item about it (``item_id``)."""
    d = initiatives.get(ws, code)
    org, scheme = organisation_and_scheme(ws)
    when = document_date(ws)
    item = meeting = None
    if item_id is not None:
        meeting, item = meetings.find_item(ws, item_id)
        if item.initiative_code != code:
            raise ValueError(f"agenda item {item_id} is not about {code}")
    pending = _pending_gate(ws, code) if item is None else None
    target = _gate_target(d.stage, item or pending)
    kpis = gates.initiative_kpis(ws, code)
    criteria = gates.gate_criteria(ws, code, target, when.date(), kpis) if target else []
    ledger, budget, spend, currency, start, end = _ledger(ws, code)
    months = 12
    if start and end and end > start:
        months = max(1, (end.year - start.year) * 12 + end.month - start.month + 1)
    cumulative = Decimal(0)
    ledger_rows = []
    for month, billed, amount in ledger:
        cumulative += amount
        ledger_rows.append((month, money(billed, currency), money(amount, currency), money(cumulative, currency),
                            f"{cumulative / budget:.0%}" if budget else "—"))
    spend_chart = Chart("Allocated spend per month (EffectiveCost)", currency, tuple(range(len(ledger))),
                        tuple(float(a) for _m, _b, a in ledger), bars=True,
                        reference=float(budget / months) if budget else None,
                        reference_label="budget per month") if ledger else None
    conf = conformance.list_conformance(ws, code)
    standard_rows = tuple((c.standard_code, c.requirement_code, c.status.label,
                           c.evidence if c.status is not ConformanceStatus.WAIVED else
                           f"Waived until {c.waiver_expires}: {c.waiver_reason}") for c in conf)
    covered, missing = gates.team_coverage(ws, code)
    with ws.read() as s:
        init_id = records.get_by(s, Initiative, "initiative", code=code).id
        pii = list(s.scalars(select(DataAsset.name).join(InitiativeDataAsset,
                                                         InitiativeDataAsset.data_asset_id == DataAsset.id)
                             .where(InitiativeDataAsset.initiative_id == init_id, DataAsset.contains_pii.is_(True))
                             .order_by(DataAsset.name)))
    open_acts = [a for a in actions.list_actions(ws, initiative_code=code) if a.status in actions.OPEN_STATUSES]
    overdue = [a for a in open_acts if a.overdue(when.date())]
    decision = history = None
    if item is not None and item.decision is not None:
        decision, history = item.decision, item.history
    elif item is None:
        decision, history = _latest_gate_decision(ws, code)
    decision_ids = {x.id for x in history or []}
    similar = lessons.similar(ws, code)
    view = gates.GateView(code, d.stage, target or d.stage, criteria, similar)
    source = item or pending
    options = source.options if source and source.options else gates.default_options(target) if target else ""
    recommendation = (source.recommendation if source and source.recommendation else
                      "Read from the gate criteria as they stand: " + gates.recommend(view) if target else "")
    requested = item.requested_decision if item else pending.requested_decision if pending else ""
    rag_count = {r: sum(1 for k in kpis if k.rag == r) for r in ("green", "amber", "red")}
    summary = [
        f"{d.name} ({d.code}) is at the {d.stage.label.lower()} stage, risk tier {d.risk_tier.label.lower()}, "
        f"owned by {d.owner or 'nobody'} and sponsored by {d.sponsor or 'nobody'}.",
        (f"Of {len(criteria)} criteria for {target.label.lower()}, {view.met} are met"
         + (f"; not met: {', '.join(c.name for c in view.unmet)}." if view.unmet else ".")) if target
        else "No stage gate is pending for this initiative.",
        f"KPIs: {rag_count['green']} green, {rag_count['amber']} amber, {rag_count['red']} red. "
        f"Allocated spend to date is {money(spend, currency)} against a budget of {money(budget, currency)}"
        + (f" ({spend / budget:.0%})." if budget else "."),
    ]
    if requested:
        summary.append(f"The committee is asked to: {requested}")
    if recommendation:
        summary.append(f"Recommendation: {recommendation}")
    suffix = f"-M{meeting.id:03d}-I{item.id:04d}" if meeting and item else ""
    version = 1 + len(history or []) if item is not None else d.version
    marking = highest(initiative_markings(ws, code), scheme)
    meta = DocMeta(f"OPS-BRF-{code}{suffix}", version, f"Decision brief: {d.name}",
                   f"{item.title if item else 'Initiative ' + code} — {d.stage.label} stage", org,
                   ("decision brief", code, d.stage.value, *(d.tags or [])), marking, when)
    return InitiativeBrief(
        meta=meta, code=code, name=d.name, stage=d.stage.label, risk_tier=d.risk_tier.label, owner=d.owner,
        sponsor=d.sponsor, classification=d.classification, problem=d.problem, expected_benefits=d.expected_benefits,
        summary=tuple(summary),
        objectives=tuple((c, t, f"{w:.0%}") for c, t, w in d.objectives),
        stage_history=tuple((h.from_stage.label if h.from_stage else "—", h.to_stage.label,
                             f"{h.changed_at:%Y-%m-%d}", f"#{h.decision_id}" if h.decision_id else h.note)
                            for h in d.stage_history),
        gate_target=target.label if target else None,
        criteria=tuple(CriterionRow(c.group, c.name, c.met, c.status, c.note) for c in criteria),
        kpis=tuple(KpiRow(k.name, k.discipline, "—" if k.value is None else f"{number(k.value)} {k.unit}", k.rag,
                          k.threshold, "—" if k.trend is None else f"{'+' if k.trend > 0 else ''}{number(k.trend)} {k.unit}") for k in kpis),
        charts=_charts(ws, kpis),
        budget=money(budget, currency), spend=money(spend, currency), ledger=tuple(ledger_rows),
        unallocated=_unallocated(ws), spend_chart=spend_chart, standards=standard_rows,
        team=tuple((m.name, m.discipline.label, m.role.label) for m in d.team), covered=tuple(covered), missing=tuple(missing),
        risks=_risks(d, kpis, criteria, budget, spend, overdue, pii),
        lessons=tuple(LessonRow(x.initiative_code or "—", x.stage.label, x.what_happened, x.recommendation, why)
                      for x, why in similar[:8]),
        requested_decision=requested, options=tuple(o for o in options.splitlines() if o.strip()),
        recommendation=recommendation,
        meeting=f"{meeting.title}, {meeting.starts_at:%d %B %Y %H:%M} UTC" if meeting else "",
        item_title=item.title if item else "",
        decision=decision_block(ws, decision, history, when.date()) if decision else None,
        open_actions=tuple(ActionRow(a.title, a.owner, str(a.due_on or "—"), a.status.label, a.overdue(when.date()))
                           for a in open_acts if a.decision_id not in decision_ids),
    )


def _latest_gate_decision(ws: Workspace, code: str) -> tuple[Any, Any]:
    with ws.read() as s:
        item_id = s.scalar(select(AgendaItem.id).join(Decision, Decision.agenda_item_id == AgendaItem.id)
                           .join(Initiative, Initiative.id == AgendaItem.initiative_id)
                           .where(Initiative.code == code, AgendaItem.kind == AgendaKind.STAGE_GATE)
                           .order_by(Decision.decided_at.desc(), Decision.id.desc()).limit(1))
    if item_id is None:
        return None, None
    item = meetings.find_item(ws, item_id)[1]
    return item.decision, item.history


def _pending_gate(ws: Workspace, code: str) -> meetings.AgendaItemDTO | None:
    """The gate item for this initiative still waiting for a decision on a meeting that is not closed."""
    with ws.read() as s:
        item_id = s.scalar(select(AgendaItem.id).join(Meeting, Meeting.id == AgendaItem.meeting_id)
                           .join(Initiative, Initiative.id == AgendaItem.initiative_id)
                           .outerjoin(Decision, Decision.agenda_item_id == AgendaItem.id)
                           .where(Initiative.code == code, AgendaItem.kind == AgendaKind.STAGE_GATE,
                                  Meeting.status != MeetingStatus.CLOSED, Decision.id.is_(None))
                           .order_by(Meeting.starts_at).limit(1))
    return meetings.find_item(ws, item_id)[1] if item_id is not None else None
