"""What a brief, minutes or a meeting pack says, as plain values: the services gather it, the report modules
lay it out. Nothing here touches the database or reportlab."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DocMeta:
    doc_id: str
    version: int
    title: str
    subject: str
    author: str  # the organisation
    keywords: tuple[str, ...]
    marking: str  # the highest classification of anything included
    document_date: dt.datetime  # from the data, never the clock
    kind: str = "Decision brief"


@dataclass(frozen=True)
class Chart:
    """One series as the dashboard shows it: x in epoch days, y in the series' unit."""

    title: str
    unit: str
    xs: tuple[float, ...]
    ys: tuple[float, ...]
    green: float | None = None
    amber: float | None = None
    rag: str = "grey"
    bars: bool = False
    reference: float | None = None  # e.g. the budget on a cumulative spend chart
    reference_label: str = ""


@dataclass(frozen=True)
class KpiRow:
    name: str
    discipline: str
    value: str
    rag: str
    threshold: str
    trend: str


@dataclass(frozen=True)
class CriterionRow:
    group: str
    name: str
    met: bool | None
    status: str
    note: str


@dataclass(frozen=True)
class VoteRow:
    person: str
    discipline: str
    choice: str


@dataclass(frozen=True)
class ActionRow:
    title: str
    owner: str
    due: str
    status: str
    overdue: bool = False


@dataclass(frozen=True)
class DecisionBlock:
    record_id: int
    outcome: str
    decided_at: dt.datetime
    rationale: str
    conditions: str
    override_reason: str
    votes_for: int
    against: int
    abstain: int
    recused: int
    carried: bool
    votes: tuple[VoteRow, ...]
    actions: tuple[ActionRow, ...] = ()
    corrects_id: int | None = None
    correction_reason: str = ""
    superseded: tuple[DecisionBlock, ...] = ()  # earlier records this one corrects, oldest first
    lessons: tuple[tuple[str, str], ...] = ()  # (what happened, recommendation) recorded with the decision
    incident_override: str = ""  # why the gate was approved over an open serious incident


@dataclass(frozen=True)
class LessonRow:
    initiative: str
    stage: str
    what_happened: str
    recommendation: str
    why: str


@dataclass(frozen=True)
class RiskRow:
    ref: str
    title: str
    category: str
    inherent: str  # e.g. "High (4×4)"
    residual: str
    owner: str
    treatment: str  # the treatment, its state and the mitigations in hand
    rating: str  # the residual rating's value (low | medium | high | critical), for colour


@dataclass(frozen=True)
class IncidentRow:
    ref: str
    detected: str
    severity: str
    title: str
    status: str
    reporting: str
    actions: str


@dataclass(frozen=True)
class InitiativeBrief:
    meta: DocMeta
    code: str
    name: str
    stage: str
    risk_tier: str
    owner: str
    sponsor: str
    classification: str
    problem: str
    expected_benefits: str
    summary: tuple[str, ...]
    objectives: tuple[tuple[str, str, str], ...]  # code, title, weight
    stage_history: tuple[tuple[str, str, str, str], ...]  # from, to, date, decision
    gate_target: str | None
    criteria: tuple[CriterionRow, ...]
    kpis: tuple[KpiRow, ...]
    charts: tuple[Chart, ...]
    budget: str
    spend: str
    ledger: tuple[tuple[str, str, str, str, str], ...]  # month, BilledCost, EffectiveCost, cumulative, share of budget
    unallocated: tuple[tuple[str, str, str, str], ...]  # currency, BilledCost, EffectiveCost, share of all cost
    spend_chart: Chart | None
    standards: tuple[tuple[str, str, str, str], ...]  # standard, requirement, status, note
    team: tuple[tuple[str, str, str], ...]  # name, discipline, role
    covered: tuple[str, ...]
    missing: tuple[str, ...]
    risks: tuple[str, ...]
    lessons: tuple[LessonRow, ...]
    requested_decision: str = ""
    options: tuple[str, ...] = ()
    recommendation: str = ""
    meeting: str = ""
    item_title: str = ""
    decision: DecisionBlock | None = None
    open_actions: tuple[ActionRow, ...] = ()
    reporting_title: str = ""  # e.g. "2026 federal AI use case inventory"
    reporting_gaps: tuple[str, ...] = ()  # what the inventory row still lacks
    rules: str = ""  # the attention rules that fired, in words ("Rules that fired: …")
    status_note: str = ""  # how the paper stands: issued, reconstructed as of a past meeting, or a working copy
    decided: str = ""  # after a decision: what was decided, in one sentence
    lineage_assets: tuple[tuple[str, str, str, str, str], ...] = ()  # asset, marking, PII, feeds, quality
    lineage_models: tuple[tuple[str, str, str, str, str], ...] = ()  # model, framework, trained on, jobs, metrics
    lineage_paths: tuple[str, ...] = ()  # "asset → job → model → AI-0001"
    heat_inherent: tuple[tuple[int, ...], ...] = ()  # open risks, [impact - 1][likelihood - 1]
    heat_residual: tuple[tuple[int, ...], ...] = ()
    risk_summary: str = ""
    top_risks: tuple[RiskRow, ...] = ()
    assessment: tuple[tuple[str, str], ...] = ()  # (label, text) of the current impact assessment
    incidents: tuple[IncidentRow, ...] = ()


@dataclass(frozen=True)
class ItemMinute:
    position: int
    title: str
    kind: str
    initiative: str
    requested_decision: str
    quorum: str
    quorum_met: bool
    conflicts: tuple[tuple[str, str], ...]  # person, description
    decision: DecisionBlock | None


@dataclass(frozen=True)
class Minutes:
    meta: DocMeta
    meeting_title: str
    starts_at: dt.datetime
    location: str
    status: str
    charter: str
    present: tuple[tuple[str, str, str], ...]  # name, discipline, role
    absent: tuple[tuple[str, str, str], ...]
    items: tuple[ItemMinute, ...]
    state: str = "Draft"  # Draft | Approved | Adopted: the adoption cycle
    state_note: str = ""  # e.g. "Approved at … on …; not yet adopted"


@dataclass(frozen=True)
class AgendaLine:
    position: int
    title: str
    kind: str
    initiative: str
    requested_decision: str
    decided: str = ""  # the outcome, once decided


@dataclass(frozen=True)
class PortfolioPaper:
    """The data behind a portfolio review or a budget item: every initiative's spend and forecast, and the
    forecast overruns with their amounts and owners."""

    as_of: str
    currency: str
    rows: tuple[tuple[str, str, str, str, str, str, str], ...]  # code, name, stage, spend, budget, forecast, RAG
    overruns: tuple[tuple[str, str, str, str, str, str], ...]  # code, name, owner, budget, forecast, overrun
    focus: str = "portfolio"  # portfolio | overruns: which comes first


@dataclass(frozen=True)
class MeetingPack:
    meta: DocMeta
    meeting_title: str
    starts_at: dt.datetime
    location: str
    agenda: tuple[AgendaLine, ...]
    briefs: tuple[InitiativeBrief | None, ...]  # one per agenda line; None for an item without an initiative
    members: tuple[tuple[str, str, str], ...] = field(default_factory=tuple)
    status_note: str = ""
    papers: tuple[PortfolioPaper | Minutes | None, ...] = ()  # per agenda line without a brief: its own paper
    incidents_since: str = ""  # "since the meeting of 15 October 2026" (or "" when this is the first meeting)
    new_incidents: tuple[IncidentRow, ...] = ()


def number(value: float) -> str:
    """A value as people read it: thousands separated, three significant figures below 100."""
    a = abs(value)
    if a >= 100:
        return f"{value:,.0f}"
    if a == 0:
        return "0"
    return f"{value:.3g}"
