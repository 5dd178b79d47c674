"""Where the portfolio is stuck: time in stage against the portfolio median, threshold breaches and how long they
lasted, overdue actions, teams missing a discipline, non-conformance, pending gate requests and budget overruns —
ranked into the committee's "needs attention" list, each entry saying why it is there."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select

from opsdesk.analytics import kpis, rag, risk_register
from opsdesk.analytics.snapshot import SeriesInfo, Snapshot, ts_date
from opsdesk.domain.enums import (
    ActionStatus,
    AgendaKind,
    ConformanceStatus,
    Direction,
    Discipline,
    MeetingStatus,
    OpsDiscipline,
    Stage,
)
from opsdesk.store import queries
from opsdesk.store.models import (
    ActionItem,
    AgendaItem,
    Conformance,
    Decision,
    Meeting,
    Person,
    Requirement,
    StageChange,
    Standard,
)
from opsdesk.store.workspace import Workspace

ACTIVE_STAGES = (Stage.PROPOSED, Stage.PILOT, Stage.EXPAND)  # stages an initiative is meant to leave
STALL_FACTOR = 2.0
STALL_MIN_DAYS = 60
SMOOTH_DAYS = 7


@dataclass(frozen=True)
class AttentionItem:
    initiative_code: str | None
    kind: str  # "gate_request" | "breach" | "overdue_action" | "skill_gap" | "non_conformance" | "stalled" | "budget"
    #           | "inventory"
    #            | "retired_spending"


    #            | "incident" | "risk"
    reason: str
    score: float
    since: dt.date | None = None
    discipline: OpsDiscipline | None = None  # the Ops discipline concerned, when there is one


@dataclass(frozen=True)
class StageSpan:
    stage: Stage
    start: dt.date
    days: int
    current: bool


@dataclass(frozen=True)
class Breach:
    initiative_code: str
    series_id: int
    series_name: str
    discipline: OpsDiscipline
    start: dt.date
    end: dt.date
    days: int
    ongoing: bool
    worst: float
    threshold: str


# --- pure maths ------------------------------------------------------------------------------------------------

def stage_spans(changes: Iterable[tuple[Stage, dt.date]], as_of: dt.date) -> list[StageSpan]:
    """Spans between consecutive stage changes (sorted by date); the last one runs to ``as_of``."""
    ordered = sorted(changes, key=lambda c: c[1])
    spans = []
    for k, (stage, start) in enumerate(ordered):
        last = k == len(ordered) - 1
        end = as_of if last else ordered[k + 1][1]
        spans.append(StageSpan(stage, start, max(0, (end - start).days), last))
    return spans


def stage_medians(all_spans: Iterable[list[StageSpan]]) -> dict[Stage, float]:
    """The portfolio median of days spent in each stage (completed spans and current ones)."""
    by_stage: dict[Stage, list[int]] = defaultdict(list)
    for spans in all_spans:
        for s in spans:
            by_stage[s.stage].append(s.days)
    return {stage: float(statistics.median(days)) for stage, days in by_stage.items()}


@dataclass(frozen=True)
class StageTime:
    """Time one initiative spent (or is spending) in one stage, against the portfolio median of that stage."""

    initiative_code: str
    stage: Stage
    start: dt.date
    days: int
    current: bool
    median_days: float
    ratio: float | None  # days ÷ median


def stage_times(spans: dict[str, list[StageSpan]]) -> list[StageTime]:
    """Every initiative's time in its current and each past stage, compared with the portfolio median."""
    medians = stage_medians(spans.values())
    return [StageTime(code, s.stage, s.start, s.days, s.current, medians[s.stage],
                      s.days / medians[s.stage] if medians[s.stage] else None)
            for code, ss in sorted(spans.items()) for s in ss]


def breach_episodes(ts: np.ndarray, values: np.ndarray, green: float | None, amber: float | None,
                    direction: Direction, smooth_days: int = SMOOTH_DAYS) -> list[tuple[int, int, float]]:
    """Runs of points whose rolling mean over ``smooth_days`` points is red: (first ts, last ts, worst value)."""
    if green is None or values.size == 0:
        return []
    kernel = np.ones(min(smooth_days, values.size)) / min(smooth_days, values.size)
    smooth = np.convolve(values, kernel, mode="full")[: values.size]
    counts = np.minimum(np.arange(1, values.size + 1), kernel.size)
    smooth = smooth * kernel.size / counts  # the first points average what there is
    limit = green if amber is None else amber
    red = smooth < limit if direction is Direction.HIGHER_IS_BETTER else smooth > limit
    episodes = []
    k = 0
    while k < red.size:
        if not red[k]:
            k += 1
            continue
        j = k
        while j + 1 < red.size and red[j + 1]:
            j += 1
        part = smooth[k:j + 1]
        worst = float(part.min() if direction is Direction.HIGHER_IS_BETTER else part.max())
        episodes.append((int(ts[k]), int(ts[j]), worst))
        k = j + 1
    return episodes


# --- reading the facts -------------------------------------------------------------------------------------------

def all_stage_spans(ws: Workspace, as_of: dt.date) -> dict[str, list[StageSpan]]:
    """The stage spans of every initiative in the workspace (the portfolio the medians are taken over)."""
    from opsdesk.store.models import Initiative

    changes: dict[int, list[tuple[Stage, dt.date]]] = defaultdict(list)
    with ws.read() as s:
        codes = dict(s.execute(select(Initiative.id, Initiative.code)).all())
        for init_id, stage, at in s.execute(select(StageChange.initiative_id, StageChange.to_stage,
                                                   StageChange.changed_at).order_by(StageChange.changed_at)):
            if init_id in codes:
                changes[init_id].append((stage, at.date()))
    return {codes[i]: stage_spans(c, as_of) for i, c in changes.items()}


def breaches(snap: Snapshot, history: Callable[[int], tuple[np.ndarray, np.ndarray]] | None = None) -> list[Breach]:
    """Threshold breaches seen in the snapshot's recent window, longest first. A breach already running at the
    start of the window is traced back through ``history(series_id)`` (the whole series) to its real start."""
    codes = {i.id: i.code for i in snap.initiatives}
    sums = tuple(p for s in kpis.SERIES_KPIS if s.how == "sum" for p in s.prefixes)
    out = []
    for x in snap.series:
        if x.green is None or x.id not in snap.points or x.name.lower().startswith(sums):
            continue
        ts, values = snap.points[x.id]
        episodes = breach_episodes(ts, values, x.green, x.amber, x.direction)
        if history is not None and episodes and episodes[0][0] == int(ts[0]):
            full_ts, full_values = history(x.id)
            episodes = [e for e in breach_episodes(full_ts[full_ts <= snap.end_ts], full_values[full_ts <= snap.end_ts],
                                                   x.green, x.amber, x.direction) if e[1] >= int(ts[0])]
        for first, last, worst in episodes:
            out.append(_breach(x, codes[x.initiative_id or 0], first, last, worst, snap.end_ts))
    return sorted(out, key=lambda b: (-b.days, b.initiative_code))


def _breach(x: SeriesInfo, code: str, first: int, last: int, worst: float, end_ts: int) -> Breach:
    start, end = ts_date(first), ts_date(last)
    return Breach(code, x.id, x.name, x.discipline, start, end, (end - start).days + 1,
                  ongoing=end_ts - last < 2 * 86400, worst=worst,
                  threshold=rag.threshold_text(x.green, x.amber, x.direction, x.unit))


def attention(ws: Workspace, as_of: dt.date | None = None, *, codes: Iterable[str] | None = None,
              snapshot: Snapshot | None = None, initiative_kpis: dict[str, list[kpis.KPI]] | None = None,
              ) -> list[AttentionItem]:
    """The ranked "needs the committee" list, highest score first."""
    snap = snapshot or kpis.load_snapshot(ws, as_of, codes)
    per = initiative_kpis if initiative_kpis is not None else kpis.compute(snap)[0]
    items: list[AttentionItem] = []
    items += _gate_requests(ws, snap)
    items += _breach_items(breaches(snap, lambda sid: series_history(ws, sid, snap.end_ts)))
    items += _budget(per)
    items += _overdue(ws, snap)
    items += stalled(all_stage_spans(ws, snap.as_of), only={i.code for i in snap.initiatives})
    items += _skill_gaps(ws, snap)
    items += retired_spending(snap, per)
    items += _non_conformance(ws, snap)
    items += _inventory_gaps(ws, snap)
    items += _incidents(ws, snap)
    items += _risks(ws, snap)
    return sorted(items, key=lambda a: (-a.score, a.initiative_code or "", a.kind, a.reason))


def _gate_requests(ws: Workspace, snap: Snapshot) -> list[AttentionItem]:
    ids = {i.id: i.code for i in snap.initiatives}
    out = []
    with ws.read() as s:
        decided = set(s.scalars(select(Decision.agenda_item_id)))
        for item, meeting in s.execute(select(AgendaItem, Meeting).join(Meeting, Meeting.id == AgendaItem.meeting_id)
                                       .where(AgendaItem.kind == AgendaKind.STAGE_GATE,
                                              Meeting.status == MeetingStatus.PLANNED)):
            if item.id in decided or item.initiative_id not in ids:
                continue
            target = item.target_stage.label if item.target_stage else "the next stage"
            out.append(AttentionItem(ids[item.initiative_id], "gate_request",
                                     f"Requests the gate to {target} at “{meeting.title}” on "
                                     f"{meeting.starts_at.date().isoformat()}", 100.0, meeting.starts_at.date()))
    return out


def series_history(ws: Workspace, series_id: int, end_ts: int) -> tuple[np.ndarray, np.ndarray]:
    with ws.read() as s:
        _sids, ts, values = queries.window_points(s.connection(), [series_id], 0, end_ts)
    return ts, values


def _breach_items(found: list[Breach]) -> list[AttentionItem]:
    """One entry per initiative and discipline for the breaches still running, longest first."""
    groups: dict[tuple[str, OpsDiscipline], list[Breach]] = defaultdict(list)
    for b in found:
        if b.ongoing:
            groups[(b.initiative_code, b.discipline)].append(b)
    out = []
    for (code, disc), bs in groups.items():
        parts = [f"{b.series_name} red for {b.days} days (since {b.start.isoformat()}; {b.threshold})" for b in bs]
        longest = max(bs, key=lambda b: b.days)
        out.append(AttentionItem(code, "breach", "; ".join(parts), 50 + min(longest.days, 45) + 2 * (len(bs) - 1),
                                 longest.start, disc))
    return out


def _budget(per: dict[str, list[kpis.KPI]]) -> list[AttentionItem]:
    out = []
    for code, ks in per.items():
        by_key = {k.key: k for k in ks}
        fc, spent = by_key.get("forecast_fy_end"), by_key.get("spend_vs_budget")
        if fc is None or fc.rag != rag.RED or fc.value is None:
            continue
        pct = spent.value if spent is not None and spent.value is not None else 0.0
        out.append(AttentionItem(code, "budget", f"Forecast at fiscal year end {fc.unit} {fc.value:,.0f} is over "
                                 f"budget; {pct:.0f} % of the budget is already spent",
                                 40 + min(max(pct - 100, 0), 60), None, OpsDiscipline.FINOPS))
    return out


def retired_spending(snap: Snapshot, per: dict[str, list[kpis.KPI]]) -> list[AttentionItem]:
    """Retired initiatives that still spend: their burn rate is red, whatever a plan would say."""
    out = []
    for init in snap.initiatives:
        if init.stage is not Stage.RETIRED:
            continue
        burn = next((k for k in per.get(init.code, []) if k.key == "burn_rate"), None)
        if burn is None or not burn.value:
            continue
        out.append(AttentionItem(init.code, "retired_spending",
                                 f"Retired, yet still spending {init.currency} {burn.value:,.0f} a month (mean of the "
                                 f"last 3 calendar months): the cost was not stopped", 90.0, None,
                                 OpsDiscipline.FINOPS))
    return out


def _overdue(ws: Workspace, snap: Snapshot) -> list[AttentionItem]:
    ids = {i.id: i.code for i in snap.initiatives}
    out = []
    with ws.read() as s:
        for a, owner in s.execute(select(ActionItem, Person.name).outerjoin(Person, Person.id == ActionItem.owner_id)
                                  .where(ActionItem.status.in_([ActionStatus.OPEN, ActionStatus.IN_PROGRESS]),
                                         ActionItem.due_on < snap.as_of).order_by(ActionItem.due_on)):
            if a.initiative_id is not None and a.initiative_id not in ids:
                continue
            due = a.due_on
            assert due is not None
            days = (snap.as_of - due).days
            who = f" (owner {owner})" if owner else ""
            out.append(AttentionItem(ids.get(a.initiative_id) if a.initiative_id else None, "overdue_action",
                                     f"Action “{a.title}”{who} was due {due.isoformat()}: {days} days overdue",
                                     30 + min(days / 3, 40), due))
    return out


def stalled(spans: dict[str, list[StageSpan]], only: set[str] | None = None) -> list[AttentionItem]:
    """Initiatives in a stage they are meant to leave for over twice the portfolio median (medians over every
    initiative in ``spans``; entries only for the codes in ``only``, when given)."""
    medians = stage_medians(spans.values())
    out = []
    for code, ss in spans.items():
        if only is not None and code not in only:
            continue
        cur = ss[-1]
        median = medians.get(cur.stage, 0.0)
        if cur.stage in ACTIVE_STAGES and cur.days >= STALL_MIN_DAYS and cur.days > STALL_FACTOR * median:
            out.append(AttentionItem(code, "stalled", f"{cur.days} days in {cur.stage.label}, "
                                     f"{cur.days / median if median else 0:.1f}× the portfolio median of "
                                     f"{median:.0f} days", 20 + min(cur.days / max(median, 1), 5) * 4, cur.start))
    return out


def team_gaps(ws: Workspace, snap: Snapshot) -> dict[str, list[Discipline]]:
    """Governing disciplines each live initiative's team does not cover — the one rule the Skills page uses too
    (:func:`opsdesk.analytics.skills.all_team_coverage`: a member's home discipline, or level ≥ 3 in one of its
    skills)."""
    from opsdesk.analytics.skills import all_team_coverage

    live = {i.code for i in snap.initiatives if i.stage is not Stage.RETIRED}
    return {code: list(cov.missing) for code, cov in all_team_coverage(ws).items()
            if code in live and cov.missing}


def _skill_gaps(ws: Workspace, snap: Snapshot) -> list[AttentionItem]:
    return [AttentionItem(code, "skill_gap", "Nobody on the team covers " + ", ".join(d.label for d in missing),
                          25 + 5 * (len(missing) - 1))
            for code, missing in team_gaps(ws, snap).items()]


def _non_conformance(ws: Workspace, snap: Snapshot) -> list[AttentionItem]:
    ids = {i.id: i.code for i in snap.initiatives}
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    with ws.read() as s:
        for c, req_code, std_code in s.execute(
                select(Conformance, Requirement.code, Standard.code)
                .join(Requirement, Requirement.id == Conformance.requirement_id)
                .join(Standard, Standard.id == Requirement.standard_id).order_by(Standard.code, Requirement.code)):
            if c.initiative_id not in ids:
                continue
            label = f"{req_code} ({std_code})"
            if c.status is ConformanceStatus.NOT_MET:
                found[ids[c.initiative_id]]["not met"].append(label)
            elif c.status is ConformanceStatus.PARTIAL:
                found[ids[c.initiative_id]]["partly met"].append(label)
            elif c.status is ConformanceStatus.WAIVED and c.waiver_expires and c.waiver_expires < snap.as_of:
                found[ids[c.initiative_id]]["waiver expired"].append(f"{label} on {c.waiver_expires.isoformat()}")
    out = []
    for code, kinds in found.items():
        reason = "; ".join(f"{k}: {', '.join(v)}" for k, v in kinds.items())
        score = 20 + 8 * len(kinds.get("not met", [])) + 8 * len(kinds.get("waiver expired", [])) \
            + 4 * len(kinds.get("partly met", []))
        out.append(AttentionItem(code, "non_conformance", reason[0].upper() + reason[1:], min(score, 60)))
    return out


def _inventory_gaps(ws: Workspace, snap: Snapshot) -> list[AttentionItem]:
    """Initiatives whose row of this year's federal AI use case inventory is not ready to file (in a workspace
    that keeps the inventory)."""
    from opsdesk.analytics import inventory

    if not inventory.kept(ws):
        return []
    out = []
    for row in inventory.rows(ws, snap.as_of.year, codes={i.code for i in snap.initiatives}, today=snap.as_of):
        if row.ready:
            continue
        columns = ", ".join(dict.fromkeys(g.column for g in row.gaps))
        out.append(AttentionItem(row.code, "inventory",
                                 f"{snap.as_of.year} AI use case inventory: {len(row.gaps)} gap(s) — {columns}",
                                 min(15 + 3 * len(row.gaps), 40)))
    return out


INCIDENT_TOP = 200.0  # above a gate request (100): an open serious incident on a live service comes first


def _incidents(ws: Workspace, snap: Snapshot) -> list[AttentionItem]:
    """Open severity-1/2 incidents: on a production initiative at the very top of the list, elsewhere high."""
    ids = {i.id: i.code for i in snap.initiatives}
    out = []
    with ws.read() as s:
        for f in risk_register.incident_facts(s, list(ids)):
            if not f.serious or f.detected_on > snap.as_of:
                continue
            days = (snap.as_of - f.detected_on).days
            live = f.stage is Stage.PRODUCTION
            base = INCIDENT_TOP if live else 90.0
            where = "in production" if live else f"at the {f.stage.label.lower()} stage"
            out.append(AttentionItem(f.initiative_code, "incident",
                                     f"Incident {f.ref} (severity {f.severity}, {f.status.label.lower()}) {where}: "
                                     f"{f.title} — detected {f.detected_on.isoformat()}, {days} days open",
                                     base + (10 if f.severity == 1 else 0) + min(days, 30) / 10, f.detected_on))
    return out


def _risks(ws: Workspace, snap: Snapshot) -> list[AttentionItem]:
    """High or critical residual risks with no treatment in hand (a KPI breach that raised one says so)."""
    ids = [i.id for i in snap.initiatives]
    groups: dict[str, list[risk_register.RiskFacts]] = defaultdict(list)
    with ws.read() as s:
        for f in risk_register.risk_facts(s, snap.as_of, ids):
            if f.untreated_high:
                groups[f.initiative_code].append(f)
    out = []
    for code, fs in groups.items():
        parts = [f"{f.ref} {f.title} ({f.residual.value} residual: {f.raised or f.treatment_note})" for f in fs]
        critical = sum(1 for f in fs if f.residual.value == "critical")
        raised = any(f.raised for f in fs)
        out.append(AttentionItem(code, "risk", "Untreated risk: " + "; ".join(parts),
                                 min(45 + 10 * critical + 5 * len(fs) + (20 if raised else 0), 95)))
    return out
