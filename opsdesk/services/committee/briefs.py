"""Gathering what a decision brief says about one initiative (or one agenda item about it), from the same
records and series the screens show. The layout is :mod:`opsdesk.reports.brief`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from opsdesk.domain.classification import highest
from opsdesk.domain.committee import motion_carried
from opsdesk.domain.conformance import waiver_expired
from opsdesk.domain.enums import AgendaKind, ConformanceStatus, MeetingStatus, RiskTier, Stage
from opsdesk.domain.risk import SEVERITY_LABELS
from opsdesk.domain.rules import next_stage
from opsdesk.reports.content import (
    ActionRow,
    Chart,
    CriterionRow,
    DecisionBlock,
    DocMeta,
    IncidentRow,
    InitiativeBrief,
    KpiRow,
    LessonRow,
    RiskRow,
    VoteRow,
    number,
)
from opsdesk.services.committee import actions, asof, gates, meetings, recommend
from opsdesk.services.committee.charter import charter
from opsdesk.services.finance import costs
from opsdesk.services.registry import initiatives, lessons, metrics
from opsdesk.services.risk import assessments as risk_assessments
from opsdesk.services.risk import incidents as risk_incidents
from opsdesk.services.risk import risks as risk_register
from opsdesk.store import records
from opsdesk.store.models import (
    AgendaItem,
    Allocation,
    AuditEvent,
    Conformance,
    CostRecord,
    DataAsset,
    Decision,
    Initiative,
    InitiativeDataAsset,
    Lesson,
    Meeting,
    Model,
    Person,
    Requirement,
    Standard,
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
        recorded = _lessons_with(s, d, history or [d])
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
                               for a in acts), d.corrects_id, d.correction_reason, earlier, recorded,
                         d.incident_override)


def _lessons_with(s: Any, d: meetings.DecisionDTO, history: list[meetings.DecisionDTO]) -> tuple[tuple[str, str], ...]:
    """The lessons recorded with a decision: linked to it, or (records kept before the link existed) recorded on
    the day of the first record, for the same initiative and the stage the gate was about."""
    ids = [x.id for x in history]
    rows = list(s.scalars(select(Lesson).where(Lesson.decision_id.in_(ids)).order_by(Lesson.id)))
    if not rows:
        item = s.get(AgendaItem, d.agenda_item_id)
        if item is not None and item.initiative_id is not None and item.target_stage is not None:
            first = history[0].decided_at.date()
            rows = list(s.scalars(select(Lesson).where(Lesson.initiative_id == item.initiative_id,
                                                       Lesson.decision_id.is_(None), Lesson.recorded_on == first,
                                                       Lesson.stage == item.target_stage).order_by(Lesson.id)))
    return tuple((x.what_happened, x.recommendation) for x in rows)


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


def _charts(ws: Workspace, kpis: list[gates.KpiView], end_ts: int | None = None) -> tuple[Chart, ...]:
    out: list[Chart] = []
    with ws.read() as s:
        from opsdesk.store.models import MetricSeries

        meta = {x.id: x for x in s.scalars(select(MetricSeries))}
    for k in kpis:
        if k.series_id is None or k.rag == "grey" or len(out) >= MAX_KPI_CHARTS:
            continue
        ts, values = metrics.points(ws, k.series_id)
        if end_ts is not None:
            ts, values = ts[ts <= end_ts], values[ts <= end_ts]
        if not len(ts):
            continue
        keep = ts >= ts[-1] - CHART_DAYS * 86400
        xs, ys = bin_means(ts[keep] / 86400.0, values[keep], MAX_CHART_POINTS)
        x = meta[k.series_id]
        out.append(Chart(k.name, k.unit, xs, ys, x.green_threshold, x.amber_threshold, k.rag))
    return tuple(out)


def _ledger(ws: Workspace, code: str, at: dt.datetime | None = None) -> tuple[
        list[tuple[str, Decimal, Decimal]], Decimal, Decimal, str, dt.date | None, dt.date | None]:
    """(month, BilledCost, EffectiveCost allocated to the initiative) in its budget currency, and the budget;
    ``at``: the periods begun by then, and the budget as it stood then."""
    with ws.read() as s:
        init = records.get_by(s, Initiative, "initiative", code=code)
        monthly: dict[str, Decimal] = defaultdict(Decimal)
        monthly_billed: dict[str, Decimal] = defaultdict(Decimal)
        budget = init.budget
        stmt = (select(CostRecord.charge_period_start, Allocation.amount, Allocation.share, CostRecord.billed_cost,
                       CostRecord.effective_cost)
                .join(CostRecord, CostRecord.id == Allocation.cost_record_id)
                .where(Allocation.initiative_id == init.id, Allocation.currency == init.currency))
        if at is not None:
            day = at.date()
            stmt = stmt.where(CostRecord.charge_period_start
                              < dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) + dt.timedelta(days=1))
            state = asof.audit_states(s, "initiative", [code], at).get(code) or {}
            if state.get("budget") is not None:
                budget = Decimal(str(state["budget"]))
        for start, amount, share, billed, effective in s.execute(stmt):
            monthly[f"{start:%Y-%m}"] += amount
            monthly_billed[f"{start:%Y-%m}"] += costs.billed_part(billed, effective, amount, share)
        return ([(m, monthly_billed[m], monthly[m]) for m in sorted(monthly)], budget,
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


TOP_RISKS = 8
_RATING_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3}


def incident_rows(found: list[risk_incidents.IncidentDTO]) -> tuple[IncidentRow, ...]:
    return tuple(IncidentRow(
        x.ref, x.detected_on.isoformat(), SEVERITY_LABELS[x.severity], x.title,
        x.status.label + (f" {x.resolved_on.isoformat()}" if x.resolved_on else ""),
        (f"to {x.report_to}" + (f", {x.reported_on.isoformat()}" if x.reported_on else ", not yet reported"))
        if x.reportable else "not reportable",
        "; ".join(f"{a.title} ({a.status.label.lower()})" for a in x.actions) or "—") for x in found)


def risk_section(ws: Workspace, code: str, as_of: dt.date) -> dict[str, Any]:
    """The brief's risk section: heat maps, top open risks with their treatment, the current impact assessment
    and the incident history, all as of the document date."""
    found = risk_register.list_risks(ws, initiative_code=code, as_of=as_of)
    open_risks = [r for r in found if r.status.value == "open"]
    inherent, residual = risk_register.heat_maps(open_risks)
    ranked = sorted(open_risks, key=lambda r: (_RATING_RANK[r.residual.value],
                                               -r.residual_score[0] * r.residual_score[1],
                                               _RATING_RANK[r.inherent.value], r.number))
    with ws.read() as s:
        names = {p.email: p.name for p in s.scalars(select(Person))}

    def treatment(r: risk_register.RiskDTO) -> str:
        parts = [f"{r.treatment.label}: {r.treatment_note}" + (f" (by {r.accepted_by})" if r.accepted_by else "")]
        parts += [f"{m.action} — {names.get(m.owner, m.owner) or 'no owner'}, "
                  f"{'due ' + m.due_on.isoformat() if m.due_on else 'no date'}, {m.status.label.lower()}"
                  for m in r.mitigations if m.status.value != "cancelled"]
        if r.raised:
            parts.append("Raised: " + r.raised)
        return "; ".join(parts)

    untreated = [r for r in open_risks if r.untreated_high]
    counts = {k: sum(1 for r in open_risks if r.residual.value == k) for k in ("critical", "high", "medium", "low")}
    summary = (f"{len(open_risks)} open risk(s); residual rating: {counts['critical']} critical, {counts['high']} "
               f"high, {counts['medium']} medium, {counts['low']} low"
               + (f"; untreated high: {', '.join(r.ref for r in untreated)}." if untreated else
                  "; every high residual risk has a treatment in hand."))
    a = risk_assessments.current(ws, code, as_of)
    assessment: tuple[tuple[str, str], ...] = ()
    if a is not None:
        assessment = (("Version", f"{a.version_number} — {'current' if a.current else 'NOT current'}: "
                                  f"{a.currency_note}"),
                      ("Assessor / approver", f"{a.assessor or '—'} / {a.approver or '—'}"),
                      *((risk_assessments.LABELS[n], a.texts[n]) for n in risk_assessments.TEXT_FIELDS if a.texts[n]))
    incidents = [x for x in risk_incidents.list_incidents(ws, initiative_code=code) if x.detected_on <= as_of]
    return {"heat_inherent": tuple(tuple(r) for r in inherent), "heat_residual": tuple(tuple(r) for r in residual),
            "risk_summary": summary,
            "top_risks": tuple(RiskRow(r.ref, r.title, r.category.label,
                                       f"{r.inherent.label} ({r.likelihood}×{r.impact})",
                                       f"{r.residual.label} ({r.residual_score[0]}×{r.residual_score[1]})",
                                       names.get(r.owner, r.owner) or "—", treatment(r), r.residual.value)
                               for r in ranked[:TOP_RISKS]),
            "assessment": assessment, "incidents": incident_rows(incidents)}


def _gate_target(stage: Stage, item: meetings.AgendaItemDTO | None) -> Stage | None:
    """The stage a gate is requested for; without an item, the next stage (retirement is never assumed)."""
    if item is not None and item.target_stage is not None:
        return item.target_stage
    nxt = next_stage(stage)
    return nxt if nxt is not Stage.RETIRED else None


def _reporting(ws: Workspace, code: str, when: dt.datetime) -> dict[str, Any]:
    """The initiative's gaps in the federal AI use case inventory of the brief's year (when the workspace keeps
    one)."""
    from opsdesk.analytics import inventory

    if not inventory.kept(ws):
        return {}
    rows = inventory.rows(ws, when.year, codes=[code], today=when.date())
    if not rows:
        return {}
    return {"reporting_title": f"{when.year} federal AI use case inventory",
            "reporting_gaps": tuple(g.text() for g in rows[0].gaps)}


def _standard_rows(ws: Workspace, code: str, day: dt.date,
                   rows: Mapping[int, Any] | None) -> tuple[tuple[str, str, str, str], ...]:
    """Every conformance row of the initiative as it counts on ``day``: an expired waiver says so, here as on the
    gate criteria (``rows``: the rows as they stood at an earlier moment)."""
    with ws.read() as s:
        init = records.get_by(s, Initiative, "initiative", code=code)
        reqs = {r.id: (std, r.code) for r, std in s.execute(
            select(Requirement, Standard.code).join(Standard, Standard.id == Requirement.standard_id))}
        if rows is None:
            rows = {c.requirement_id: c for c in s.scalars(select(Conformance).where(
                Conformance.initiative_id == init.id))}
    out = []
    for req_id, c in rows.items():
        std, req = reqs.get(req_id, ("?", "?"))
        if c.status is ConformanceStatus.WAIVED and waiver_expired(c.status, c.waiver_expires, day):
            status, note = "Waiver expired", f"waiver expired on {c.waiver_expires}: {c.waiver_reason}"
        elif c.status is ConformanceStatus.WAIVED:
            status, note = "Waived", f"waived until {c.waiver_expires} by {c.waiver_approver}: {c.waiver_reason}"
        else:
            status, note = c.status.label, c.evidence
        out.append((std, req, status, note))
    return tuple(sorted(out))


def _lineage(ws: Workspace, code: str, end_ts: int | None) -> tuple[tuple[tuple[str, str, str, str, str], ...],
                                                                    tuple[tuple[str, str, str, str, str], ...],
                                                                    tuple[str, ...]]:
    """Upstream of the initiative: data assets → jobs → models → this initiative, with each model's latest
    metrics and each asset's data quality."""
    from opsdesk.domain.enums import LineageKind, NodeKind, SubjectKind
    from opsdesk.services.registry import metadata
    from opsdesk.store.models import MetricSeries

    edges = metadata.lineage_graph(ws)
    with ws.read() as s:
        init = records.get_by(s, Initiative, "initiative", code=code)
    start = (NodeKind.INITIATIVE, init.id)
    seen = {start}
    frontier = [start]
    upstream: list[metadata.LineageEdge] = []
    while frontier:
        current = frontier.pop()
        for e in edges:
            if (e.target.kind, e.target.id) == current and e not in upstream:
                upstream.append(e)
                src = (e.source.kind, e.source.id)
                if src not in seen:
                    seen.add(src)
                    frontier.append(src)
    if not upstream:
        return (), (), ()
    nodes = {(e.source.kind, e.source.id): e.source for e in upstream} | {
        (e.target.kind, e.target.id): e.target for e in upstream}
    with ws.read() as s:
        assets = {a.id: a for a in s.scalars(select(DataAsset).where(DataAsset.id.in_(
            [i for k, i in nodes if k is NodeKind.DATA_ASSET])))}
        models = {m.id: m for m in s.scalars(select(Model).where(Model.id.in_(
            [i for k, i in nodes if k is NodeKind.MODEL])))}
        series = list(s.scalars(select(MetricSeries).where(
            ((MetricSeries.subject_kind == SubjectKind.MODEL) & MetricSeries.subject_id.in_(list(models)))
            | ((MetricSeries.subject_kind == SubjectKind.DATA_ASSET) & MetricSeries.subject_id.in_(list(assets))))
            .order_by(MetricSeries.name)))

    def latest(x: Any) -> str | None:
        ts, values = metrics.points(ws, x.id)
        if end_ts is not None:
            values = values[ts <= end_ts]
        return f"{x.name} {number(float(values[-1]))} {x.unit}".strip() if len(values) else None

    def into(kind: NodeKind, ident: int, link: LineageKind | None = None) -> list[str]:
        return sorted({e.source.label for e in upstream if (e.target.kind, e.target.id) == (kind, ident)
                       and (link is None or e.kind is link) and e.source.kind is not NodeKind.JOB})

    def jobs_of(kind: NodeKind, ident: int) -> list[str]:
        return sorted({e.source.label for e in upstream if (e.target.kind, e.target.id) == (kind, ident)
                       and e.source.kind is NodeKind.JOB})

    model_rows = []
    for mid, m in sorted(models.items(), key=lambda kv: kv[1].name):
        found = [v for x in series if x.subject_kind is SubjectKind.MODEL and x.subject_id == mid
                 if (v := latest(x)) is not None]
        model_rows.append((f"{m.name} {m.version_label}", m.framework or "—",
                           "; ".join(into(NodeKind.MODEL, mid, LineageKind.TRAINED_ON)) or "—",
                           "; ".join(jobs_of(NodeKind.MODEL, mid)) or "—",
                           "; ".join(found) or "no model metric series recorded"))
    asset_rows = []
    for aid, a in sorted(assets.items(), key=lambda kv: kv[1].name):
        quality = [v for x in series if x.subject_kind is SubjectKind.DATA_ASSET and x.subject_id == aid
                   and x.name.lower().startswith("data quality") if (v := latest(x)) is not None]
        feeds = sorted({e.target.label for e in upstream if (e.source.kind, e.source.id) == (NodeKind.DATA_ASSET, aid)})
        asset_rows.append((a.name, a.classification, "yes" if a.contains_pii else "no", "; ".join(feeds) or "—",
                           "; ".join(quality) or "no quality results recorded"))
    paths = []
    for mid, m in sorted(models.items(), key=lambda kv: kv[1].name):
        for e in upstream:
            if (e.target.kind, e.target.id) == (NodeKind.MODEL, mid) and e.source.kind is NodeKind.DATA_ASSET:
                via = jobs_of(NodeKind.DATA_ASSET, e.source.id)
                paths.append(" → ".join([e.source.label, *(["job " + ", ".join(via)] if via else []),
                                         f"{m.name} ({e.kind.label.lower()})", code]))
    return tuple(asset_rows), tuple(model_rows), tuple(sorted(paths))


def _open_actions_at(ws: Workspace, acts: list[actions.ActionDTO], at: dt.datetime) -> list[actions.ActionDTO]:
    """The actions that existed at ``at``, with the status they had then."""
    from dataclasses import replace

    from opsdesk.domain.enums import ActionStatus

    with ws.read() as s:
        states = asof.audit_states(s, "action_item", [str(a.id) for a in acts], at)
    out = []
    for a in acts:
        st = states.get(str(a.id))
        if st is None:
            continue
        out.append(replace(a, status=ActionStatus(st.get("status", a.status.value))))
    return [a for a in out if a.status in actions.OPEN_STATUSES]


NO_GATE_OPTIONS = ("Continue as planned.", "Corrective action: the owner brings a plan to the committee by a set date.",
                   "Hold: no new spend until the committee decides how to go on.", "Retire the initiative.")


def tabled_as_of(ws: Workspace, meeting: meetings.MeetingDTO) -> dt.datetime | None:
    """The moment a paper for ``meeting`` is read as of, when it was never issued: the start of the meeting's
    day (UTC; what the meeting itself decided that day comes after), once the meeting is held or its day has
    passed; None (today's record) for a meeting still to come."""
    if meeting.status is not MeetingStatus.PLANNED or meeting.starts_at <= ws.clock():
        day = meeting.starts_at.astimezone(dt.UTC).date()
        return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    return None


def initiative_brief(ws: Workspace, code: str, item_id: int | None = None, *, as_of: dt.datetime | None = None,
                     status_note: str = "") -> InitiativeBrief:
    """The brief for an initiative, or for one agenda item about it (``item_id``). ``as_of``: the record as it
    stood then (stage, costs, KPIs, conformance, waivers, lessons, actions), for a paper of a past meeting."""
    d = initiatives.get(ws, code)
    org, scheme = organisation_and_scheme(ws)
    when = document_date(ws)
    item = meeting = None
    if item_id is not None:
        meeting, item = meetings.find_item(ws, item_id)
        if item.initiative_code != code:
            raise ValueError(f"agenda item {item_id} is not about {code}")
    day = (as_of - dt.timedelta(seconds=1)).date() if as_of else when.date()  # the last day of data before
    stage, stage_history, evidence = d.stage, list(d.stage_history), None
    if as_of is not None:
        stage_then, evidence = gates.evidence_at(ws, code, as_of)
        stage = stage_then or Stage.PROPOSED
        stage_history = [h for h in stage_history if h.changed_at <= as_of]
    pending = _pending_gate(ws, code) if item is None and as_of is None else None
    target = _gate_target(stage, item or pending)
    kpis = gates.initiative_kpis(ws, code, day if as_of else None)
    criteria = gates.gate_criteria(ws, code, target, day, kpis, evidence) if target else []
    ledger, budget, spend, currency, start, end = _ledger(ws, code, as_of and as_of - dt.timedelta(seconds=1))
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
    standard_rows = _standard_rows(ws, code, day, evidence.conformance if evidence else None)
    covered, missing = gates.team_coverage(ws, code)
    with ws.read() as s:
        init_id = records.get_by(s, Initiative, "initiative", code=code).id
        pii = list(s.scalars(select(DataAsset.name).join(InitiativeDataAsset,
                                                         InitiativeDataAsset.data_asset_id == DataAsset.id)
                             .where(InitiativeDataAsset.initiative_id == init_id, DataAsset.contains_pii.is_(True))
                             .order_by(DataAsset.name)))
    all_acts = actions.list_actions(ws, initiative_code=code)
    open_acts = (_open_actions_at(ws, all_acts, as_of) if as_of is not None
                 else [a for a in all_acts if a.status in actions.OPEN_STATUSES])
    overdue = [a for a in open_acts if a.overdue(day)]
    decision = history = None
    if item is not None and item.decision is not None:
        decision, history = item.decision, item.history
    elif item is None:
        decision, history = _latest_gate_decision(ws, code)
    decision_ids = {x.id for x in history or []}
    similar = [(x, why) for x, why in lessons.similar(ws, code) if as_of is None or x.recorded_on < day]
    view = gates.GateView(code, stage, target or stage, criteria, similar)
    source = item or pending
    options = source.options if source and source.options else gates.default_options(target) if target else ""
    gate_text = None
    if target is not None:
        gate_text = source.recommendation if source and source.recommendation else gates.recommend(view)
    from opsdesk.analytics import bottlenecks

    fired = [a for a in bottlenecks.attention(ws, day if as_of else None, codes=[code]) if a.initiative_code == code
             and not (target is not None and a.kind == "gate_request")]
    advice = recommend.advise(fired, stage=stage, owner=d.owner, day=day, gate=gate_text)
    recommendation = advice.text
    requested = item.requested_decision if item else pending.requested_decision if pending else ""
    decided = ""
    if item is not None and item.decision is not None:
        decided = (f"The committee decided on {item.decision.decided_at:%d %B %Y}: "
                   f"{item.decision.outcome.label} (record #{item.decision.id}).")
    rag_count = {r: sum(1 for k in kpis if k.rag == r) for r in ("green", "amber", "red")}
    summary = [
        f"{d.name} ({d.code}) "
        + (f"was at the {stage.label.lower()} stage on {as_of:%d %B %Y}" if as_of else
           f"is at the {stage.label.lower()} stage")
        + f", risk tier {d.risk_tier.label.lower()}, owned by {d.owner or 'nobody'} and sponsored by "
          f"{d.sponsor or 'nobody'}.",
        (f"Of {len(criteria)} criteria for {target.label.lower()}, {view.met} are met"
         + (f"; not met: {', '.join(c.name for c in view.unmet)}." if view.unmet else ".")) if target
        else "No stage gate is pending for this initiative.",
        f"KPIs: {rag_count['green']} green, {rag_count['amber']} amber, {rag_count['red']} red. "
        f"Allocated spend to date is {money(spend, currency)} against a budget of {money(budget, currency)}"
        + (f" ({spend / budget:.0%})." if budget else "."),
    ]
    if decided:
        summary.append(decided + (f" It had been asked to: {requested}" if requested else ""))
    elif requested:
        summary.append(f"The committee is asked to: {requested}")
    summary.append(f"Recommendation: {recommendation}")
    suffix = f"-M{meeting.id:03d}-I{item.id:04d}" if meeting and item else ""
    version = 1 + len(history or []) if item is not None else d.version
    marking = highest(initiative_markings(ws, code), scheme)
    meta = DocMeta(f"OPS-BRF-{code}{suffix}", version, f"Decision brief: {d.name}",
                   f"{item.title if item else 'Initiative ' + code} — {stage.label} stage", org,
                   ("decision brief", code, stage.value, *(d.tags or [])), marking, when)
    end_ts = int(as_of.timestamp()) if as_of else None
    lineage_assets, lineage_models, lineage_paths = _lineage(ws, code, end_ts)
    return InitiativeBrief(
        meta=meta, code=code, name=d.name, stage=stage.label, risk_tier=d.risk_tier.label, owner=d.owner,
        sponsor=d.sponsor, classification=d.classification, problem=d.problem, expected_benefits=d.expected_benefits,
        summary=tuple(summary),
        objectives=tuple((c, t, f"{w:.0%}") for c, t, w in d.objectives),
        stage_history=tuple((h.from_stage.label if h.from_stage else "—", h.to_stage.label,
                             f"{h.changed_at:%Y-%m-%d}", f"#{h.decision_id}" if h.decision_id else h.note)
                            for h in stage_history),
        gate_target=target.label if target else None,
        criteria=tuple(CriterionRow(c.group, c.name, c.met, c.status, c.note) for c in criteria),
        kpis=tuple(KpiRow(k.name, k.discipline, "—" if k.value is None else f"{number(k.value)} {k.unit}", k.rag,
                          k.threshold, "—" if k.trend is None else f"{'+' if k.trend > 0 else ''}{number(k.trend)} {k.unit}") for k in kpis),
        charts=_charts(ws, kpis, end_ts),
        budget=money(budget, currency), spend=money(spend, currency), ledger=tuple(ledger_rows),
        unallocated=_unallocated(ws), spend_chart=spend_chart, standards=standard_rows,
        team=tuple((m.name, m.discipline.label, m.role.label) for m in d.team), covered=tuple(covered), missing=tuple(missing),
        risks=_risks(d, kpis, criteria, budget, spend, overdue, pii),
        **_reporting(ws, code, when),
        lessons=tuple(LessonRow(x.initiative_code or "—", x.stage.label, x.what_happened, x.recommendation, why)
                      for x, why in similar[:8]),
        requested_decision=requested,
        options=tuple(o for o in options.splitlines() if o.strip()) if target else NO_GATE_OPTIONS,
        recommendation=recommendation,
        meeting=f"{meeting.title}, {meeting.starts_at:%d %B %Y %H:%M} UTC" if meeting else "",
        item_title=item.title if item else "",
        decision=decision_block(ws, decision, history, day) if decision else None,
        open_actions=tuple(ActionRow(a.title, a.owner, str(a.due_on or "—"), a.status.label, a.overdue(day))
                           for a in open_acts if a.decision_id not in decision_ids),
        rules=advice.rules_text, status_note=status_note, decided=decided,
        lineage_assets=lineage_assets, lineage_models=lineage_models, lineage_paths=lineage_paths,
        **risk_section(ws, code, when.date()),
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
