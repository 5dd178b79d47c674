"""Everything the dashboard page shows, computed in one call on the worker: filtered KPIs, the attention list,
the daily portfolio curves, the cost-vs-value portfolio, the stage funnel. Plain data; the page only draws it."""

from __future__ import annotations

import datetime as dt
import statistics
import time
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select

from opsdesk.analytics import bottlenecks, finance, kpis, rag, risk_register, snapshot
from opsdesk.analytics.snapshot import DAY, Snapshot
from opsdesk.domain.enums import STAGE_ORDER, OpsDiscipline, RiskTier, Stage
from opsdesk.store import queries
from opsdesk.store.models import MetricSeries, Objective
from opsdesk.store.workspace import Workspace

HIGHER_IS_BETTER_KEYS = frozenset({"pipeline_success", "data_quality", "model_quality", "deployment_frequency"})
VALUE_DAYS = 90

# chart key -> (title, discipline, [(series name prefix, label)], sum instead of mean)
TREND_CHARTS: dict[str, tuple[str, OpsDiscipline, list[tuple[str, str]], bool]] = {
    "dataops": ("DataOps — pipeline success and data quality, mean %", OpsDiscipline.DATAOPS,
                [("pipeline success", "Pipeline success"), ("data quality", "Data quality")], False),
    "mlops": ("MLOps — model quality (F1) and drift (PSI), mean", OpsDiscipline.MLOPS,
              [("model quality", "Model quality"), ("feature drift", "Drift (PSI)")], False),
    "finops": ("FinOps — daily cloud spend (EffectiveCost)", OpsDiscipline.FINOPS,
               [("daily cloud spend", "Daily spend")], True),
}


@dataclass(frozen=True)
class Filters:
    objective: str | None = None
    stage: Stage | None = None
    discipline: OpsDiscipline | None = None

    def shows(self, discipline: OpsDiscipline | None) -> bool:
        return self.discipline is None or discipline is None or discipline is self.discipline


@dataclass(frozen=True)
class Curve:
    label: str
    ts: np.ndarray
    values: np.ndarray
    unit: str = ""


@dataclass(frozen=True)
class PortfolioPoint:
    code: str
    name: str
    spend: float
    value: float  # predictions served in the last 90 days, thousands
    risk: RiskTier
    stage: Stage
    currency: str


@dataclass(frozen=True)
class FunnelStage:
    stage: Stage
    count: int
    median_days_here: float | None  # median days the initiatives now in this stage have spent in it
    median_days_portfolio: float | None  # portfolio median of every span in this stage


@dataclass(frozen=True)
class RiskOverview:
    """Open risks by residual rating and open incidents of the initiatives shown."""

    critical: int = 0
    high: int = 0
    medium: int = 0
    low: int = 0
    untreated_high: int = 0
    open_incidents: int = 0
    serious_incidents: int = 0  # open, severity 1 or 2


@dataclass
class DashboardData:
    as_of: dt.date
    filters: Filters
    initiatives: list[tuple[str, str]]  # (code, name) after filtering
    objectives: list[tuple[str, str]]
    portfolio: list[kpis.KPI]
    per_initiative: dict[str, list[kpis.KPI]]
    worst: dict[str, str]  # KPI key -> code of the initiative with the worst status and value
    attention: list[bottlenecks.AttentionItem]
    trends: dict[str, list[Curve]]
    points: list[PortfolioPoint]
    funnel: list[FunnelStage]
    integrated_code: str | None = None  # the initiative the cost-and-quality chart opens on
    integrated: tuple[Curve, Curve] | None = None  # its daily cloud spend and model quality
    seconds: dict[str, float] = field(default_factory=dict)
    risks: RiskOverview = field(default_factory=RiskOverview)


def day_end_ts(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()) + DAY - 1


def filtered_codes(snap: Snapshot, filters: Filters) -> list[str]:
    return [i.code for i in snap.initiatives
            if (filters.stage is None or i.stage is filters.stage)
            and (filters.objective is None or filters.objective in i.objectives)]


FIRST_DAYS = 365  # the first paint reads the last year of the curves; the rest follows (see ``load_trends``)


def load(ws: Workspace, filters: Filters = Filters(), as_of: dt.date | None = None,
         history_days: int | None = FIRST_DAYS) -> DashboardData:
    """Everything the page shows; the curves cover the last ``history_days`` days (None: all)."""
    clock = time.perf_counter()
    seconds: dict[str, float] = {}

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = now - clock
        clock = now

    whole = kpis.load_snapshot(ws, as_of)
    codes = set(filtered_codes(whole, filters))
    snap = _subset(whole, codes)
    lap("snapshot")
    per, portfolio = kpis.compute(snap)
    portfolio = [k for k in portfolio if filters.shows(k.discipline)]
    lap("kpis")
    items = [a for a in bottlenecks.attention(ws, snapshot=snap, initiative_kpis=per)
             if filters.shows(a.discipline)]
    lap("attention")
    trends = _trends(ws, snap, filters, history_days)
    lap("trends")
    with ws.read() as s:
        objectives = [(o.code, o.title) for o in s.scalars(select(Objective).order_by(Objective.code))]
    spans = bottlenecks.all_stage_spans(ws, whole.as_of)
    worst = worst_initiatives(per)
    data = DashboardData(snap.as_of, filters, [(i.code, i.name) for i in snap.initiatives], objectives, portfolio,
                         per, worst, items, trends, _points(snap), _funnel(snap, spans))
    lap("portfolio")
    data.integrated_code = default_integrated(data)
    if data.integrated_code is not None:
        data.integrated = integrated(ws, data.integrated_code, snap.as_of)
    lap("integrated")
    data.risks = risk_overview(ws, snap)
    lap("risks")
    data.seconds = seconds
    return data


def risk_overview(ws: Workspace, snap: Snapshot) -> RiskOverview:
    ids = [i.id for i in snap.initiatives]
    with ws.read() as s:
        facts = [f for f in risk_register.risk_facts(s, snap.as_of, ids) if f.status.value == "open"]
        incidents = [f for f in risk_register.incident_facts(s, ids) if f.open and f.detected_on <= snap.as_of]
    by = {r: sum(1 for f in facts if f.residual.value == r) for r in ("critical", "high", "medium", "low")}
    return RiskOverview(by["critical"], by["high"], by["medium"], by["low"], sum(1 for f in facts if f.untreated_high),
                        len(incidents), sum(1 for f in incidents if f.serious))


def default_integrated(data: DashboardData) -> str | None:
    """The initiative the cost-and-quality chart shows first: the worst model quality, else the first one."""
    codes = [c for c, _n in data.initiatives]
    worst = data.worst.get("model_quality")
    return worst if worst in codes else (codes[0] if codes else None)


def _subset(snap: Snapshot, codes: set[str]) -> Snapshot:
    inits = [i for i in snap.initiatives if i.code in codes]
    ids = {i.id for i in inits}
    series = [s for s in snap.series if s.initiative_id in ids]
    keep = {s.id for s in series}
    return Snapshot(snap.as_of, inits, series, {k: v for k, v in snap.points.items() if k in keep},
                    [r for r in snap.spend if r.initiative_id is None or r.initiative_id in ids],
                    {k: v for k, v in snap.baselines.items() if k in keep}, snap.fiscal_year_start_month,
                    snap.default_currency)


def worst_initiatives(per: dict[str, list[kpis.KPI]]) -> dict[str, str]:
    """For each KPI, the initiative a click on the portfolio tile should open: the worst status, then the worst
    value in the KPI's direction."""
    best: dict[str, tuple[tuple[int, float], str]] = {}
    for code, ks in per.items():
        for k in ks:
            if k.value is None:
                continue
            sign = 1.0 if k.key in HIGHER_IS_BETTER_KEYS else -1.0
            rank = (rag.RAG_ORDER[k.rag], sign * k.value)
            if k.key not in best or rank < best[k.key][0]:
                best[k.key] = (rank, code)
    return {key: code for key, (_rank, code) in best.items()}


def series_ids(ws: Workspace, snap: Snapshot, prefix: str) -> list[int]:
    return [s.id for s in snap.series if s.name.lower().startswith(prefix)]


def load_trends(ws: Workspace, filters: Filters, as_of: dt.date) -> dict[str, list[Curve]]:
    """The whole history of the dashboard's curves (read after the first paint)."""
    snap = snapshot.load(ws, as_of, registry_only=True)
    return _trends(ws, _subset(snap, set(filtered_codes(snap, filters))), filters, None)


def _trends(ws: Workspace, snap: Snapshot, filters: Filters, days: int | None) -> dict[str, list[Curve]]:
    out: dict[str, list[Curve]] = {}
    start = None if days is None else snap.end_ts - days * DAY
    with ws.read() as s:
        conn = s.connection()
        for key, (_title, disc, members, total) in TREND_CHARTS.items():
            if not filters.shows(disc):
                continue
            curves = []
            if key == "finops":  # the ledger's own records, never a separate spend series
                everything = filters.objective is None and filters.stage is None
                ids = None if everything else [i.id for i in snap.initiatives]
                ts, values = queries.daily_cost(conn, snap.default_currency, start, snap.end_ts, ids)
                label = "Daily EffectiveCost" + ("" if everything else " allocated to the initiatives shown")
                out[key] = [Curve(label, ts, values, snap.default_currency)]
                continue
            for prefix, label in members:
                ids = series_ids(ws, snap, prefix)
                ts, values = queries.daily_mean(conn, ids, start, snap.end_ts, total=total)
                unit = next((x.unit for x in snap.series if x.id in set(ids)), "")
                curves.append(Curve(label, ts, values, unit))
            out[key] = curves
    return out


def integrated(ws: Workspace, code: str, as_of: dt.date | None = None) -> tuple[Curve, Curve]:
    """Daily cloud spend and model quality of one initiative, for the chart that puts them on one time axis. The
    spend is the ledger's: the EffectiveCost of the cost records allocated to the initiative, per UTC day of the
    charge period, in the initiative's currency (the same records and days as the FinOps chart)."""
    from opsdesk.store.models import Initiative

    with ws.read() as s:
        init = s.execute(select(Initiative.id, Initiative.currency).where(Initiative.code == code)).first()
        init_id, currency = (init.id, init.currency) if init is not None else (None, "")
        rows = s.execute(select(MetricSeries.id, MetricSeries.name, MetricSeries.unit)
                         .where(MetricSeries.initiative_id == init_id)).all()
        end = None if as_of is None else day_end_ts(as_of)
        conn = s.connection()
        ts, values = (queries.daily_cost(conn, currency, None, end, [init_id]) if init_id is not None
                      else (np.empty(0, np.int64), np.empty(0)))
        cost = Curve(f"Daily EffectiveCost allocated ({currency})" if currency else "Daily EffectiveCost allocated",
                     ts, values, currency)
        match = next((r for r in rows if r.name.lower().startswith("model quality")), None)
        if match is None:
            return cost, Curve("Model quality", np.empty(0, np.int64), np.empty(0))
        ts, values = queries.series_points(conn, match.id, None, end)
        return cost, Curve(f"Model quality ({match.unit})" if match.unit else "Model quality", ts, values, match.unit)


def _points(snap: Snapshot) -> list[PortfolioPoint]:
    out = []
    start = snap.end_ts - VALUE_DAYS * DAY
    for init in snap.initiatives:
        spend = finance.spend_of(snap.spend_of(init.id), init.currency)
        series = kpis.find_series(snap.series_of(init.id), None, kpis.PREDICTIONS)
        value = 0.0
        if series is not None and series.id in snap.points:
            ts, values = snap.points[series.id]
            value = float(values[ts > start].sum()) / 1000
        out.append(PortfolioPoint(init.code, init.name, float(spend.to_date), value, init.risk_tier, init.stage,
                                  init.currency))
    return out


def _funnel(snap: Snapshot, spans: dict[str, list[bottlenecks.StageSpan]]) -> list[FunnelStage]:
    medians = bottlenecks.stage_medians(spans.values())
    out = []
    for stage in STAGE_ORDER:
        here = [spans[i.code][-1].days for i in snap.initiatives if i.stage is stage and i.code in spans]
        count = sum(1 for i in snap.initiatives if i.stage is stage)
        out.append(FunnelStage(stage, count, float(statistics.median(here)) if here else None, medians.get(stage)))
    return out
