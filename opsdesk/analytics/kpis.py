"""The KPIs of the dashboard, per initiative and for the portfolio, each with its RAG status and the thresholds
used. Series KPIs come from the initiative's metric series (found by name); FinOps KPIs from allocated spend.

Methods, stated once here and in each KPI's ``method``:

- level series (success rate, freshness, quality, drift, latency): mean of the last 30 days; trend = that mean
  minus the mean of the 30 days before;
- deployments: the count over the last 30 days;
- model quality: the 30-day mean, compared with its baseline (the mean of the series' first 30 values);
- FinOps: see :mod:`opsdesk.analytics.finance`;
- portfolio: the mean of the initiatives' values (FinOps: sums in the workspace currency).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from opsdesk.analytics import finance, rag
from opsdesk.analytics.snapshot import DAY, InitiativeInfo, SeriesInfo, Snapshot, load
from opsdesk.domain.enums import Direction, OpsDiscipline, Stage
from opsdesk.errors import NotFoundError
from opsdesk.store.workspace import Workspace

WINDOW_DAYS = 30
LOWER = Direction.LOWER_IS_BETTER


@dataclass(frozen=True)
class KPI:
    key: str
    name: str
    discipline: OpsDiscipline
    initiative_code: str | None
    value: float | None
    unit: str
    rag: str  # "green" | "amber" | "red" | "grey" (no data / no threshold)
    threshold: str  # human text of the thresholds used
    trend: float | None  # change over the last 30 days, in the KPI's own unit
    series_id: int | None
    method: str = ""


@dataclass(frozen=True)
class SeriesSpec:
    key: str
    name: str
    discipline: OpsDiscipline
    prefixes: tuple[str, ...]  # lower-case name prefixes of the series that carries it
    how: str = "mean"  # or "sum"


SERIES_KPIS: tuple[SeriesSpec, ...] = (
    SeriesSpec("pipeline_success", "Pipeline success rate", OpsDiscipline.DATAOPS, ("pipeline success",)),
    SeriesSpec("freshness", "Data freshness", OpsDiscipline.DATAOPS, ("data freshness", "freshness")),
    SeriesSpec("data_quality", "Data quality score", OpsDiscipline.DATAOPS, ("data quality",)),
    SeriesSpec("model_quality", "Model quality vs baseline", OpsDiscipline.MLOPS, ("model quality",)),
    SeriesSpec("drift", "Feature drift", OpsDiscipline.MLOPS, ("feature drift", "drift")),
    SeriesSpec("deployment_frequency", "Deployment frequency", OpsDiscipline.MLOPS, ("deployments",), "sum"),
    SeriesSpec("latency", "Inference latency p95", OpsDiscipline.MLOPS, ("inference latency", "latency")),
)
PREDICTIONS = ("predictions served", "predictions")
SPEC_BY_KEY = {s.key: s for s in SERIES_KPIS}

# Workspace defaults: (green, amber) limits, lower is better, used where no series carries thresholds.
DEFAULTS: dict[str, tuple[float, float]] = {
    "spend_vs_budget": (80.0, 100.0),  # % of budget spent
    "burn_rate": (100.0, 120.0),  # % of the planned monthly rate
    "forecast_fy_end": (95.0, 100.0),  # % of budget
    "unallocated_share": (5.0, 15.0),  # % of all spend
    "model_quality_drop": (2.0, 5.0),  # % below baseline
}
FINOPS_KEYS = ("spend_vs_budget", "burn_rate", "forecast_fy_end", "unit_cost", "unallocated_share")
KPI_NAMES = {s.key: s.name for s in SERIES_KPIS} | {
    "spend_vs_budget": "Spend vs budget", "burn_rate": "Burn rate", "forecast_fy_end": "Forecast at FY end",
    "unit_cost": "Unit cost", "unallocated_share": "Unallocated spend"}
DEFAULT_SOURCE = "workspace default"


def series_prefixes() -> tuple[str, ...]:
    return tuple(p for s in SERIES_KPIS for p in s.prefixes) + PREDICTIONS


def find_series(series: Iterable[SeriesInfo], discipline: OpsDiscipline | None,
                prefixes: tuple[str, ...]) -> SeriesInfo | None:
    for x in series:
        if (discipline is None or x.discipline is discipline) and x.name.lower().startswith(prefixes):
            return x
    return None


def windows(ts: np.ndarray, values: np.ndarray, end_ts: int, days: int = WINDOW_DAYS) -> tuple[np.ndarray, np.ndarray]:
    """The values of the last ``days`` days up to ``end_ts`` and of the ``days`` before them."""
    cut = end_ts - days * DAY
    current = values[(ts > cut) & (ts <= end_ts)]
    previous = values[(ts > cut - days * DAY) & (ts <= cut)]
    return current, previous


def series_kpi(spec: SeriesSpec, series: SeriesInfo | None, points: tuple[np.ndarray, np.ndarray] | None,
               end_ts: int, code: str | None, baseline: float | None = None) -> KPI:
    if series is None:
        return KPI(spec.key, spec.name, spec.discipline, code, None, "", rag.GREY, "no series", None, None,
                   "no series of this kind")
    unit = f"per {WINDOW_DAYS} d" if spec.how == "sum" else series.unit
    aggregate = np.sum if spec.how == "sum" else np.mean
    value = trend = None
    if points is not None:
        current, previous = windows(points[0], points[1], end_ts)
        if current.size:
            value = float(aggregate(current))
            if previous.size:
                trend = value - float(aggregate(previous))
    method = (f"count over the last {WINDOW_DAYS} days" if spec.how == "sum"
              else f"mean of the last {WINDOW_DAYS} days")
    status = rag.rag(value, series.green, series.amber, series.direction)
    threshold = rag.threshold_text(series.green, series.amber, series.direction, unit, "series")
    if spec.key == "model_quality" and baseline and value is not None:
        drop = (baseline - value) / baseline * 100
        method += f"; baseline {rag.fmt_number(baseline)} (mean of the first 30 values), {-drop:+.1f} % vs baseline"
        if series.green is None:
            green, amber = DEFAULTS["model_quality_drop"]
            status = rag.rag(drop, green, amber, LOWER)
            threshold = f"drop vs baseline: green ≤ {green:g} %, amber ≤ {amber:g} % ({DEFAULT_SOURCE})"
    return KPI(spec.key, spec.name, spec.discipline, code, value, unit, status, threshold, trend, series.id, method)


def _pct(part: Decimal, whole: Decimal) -> float:
    return float(part / whole * 100)


def _money(currency: str, amount: Decimal) -> str:
    return f"{currency} {amount:,.0f}"


def finops_kpis(code: str | None, currency: str, spend: finance.Spend, budget: Decimal, plan: Decimal | None,
                predictions: float | None, as_of: dt.date, fy_start_month: int, retired: bool = False) -> list[KPI]:
    """``retired``: the initiative is retired, so any spend at all is red."""
    fin = OpsDiscipline.FINOPS
    out: list[KPI] = []
    g, a = DEFAULTS["spend_vs_budget"]
    last_month = finance.last_months(as_of, 1)[0]
    if budget > 0:
        pct = _pct(spend.to_date, budget)
        out.append(KPI("spend_vs_budget", KPI_NAMES["spend_vs_budget"], fin, code, pct, "% of budget",
                       rag.rag(pct, g, a, LOWER), rag.threshold_text(g, a, LOWER, "% of budget", DEFAULT_SOURCE),
                       _pct(spend.monthly.get(last_month, finance.ZERO), budget), None,
                       f"{_money(currency, spend.to_date)} spent of {_money(currency, budget)}"))
    else:
        out.append(KPI("spend_vs_budget", KPI_NAMES["spend_vs_budget"], fin, code, None, "% of budget", rag.GREY,
                       "no budget set", None, None, f"{_money(currency, spend.to_date)} spent, no budget"))
    burn = spend.burn_rate(as_of)
    g, a = DEFAULTS["burn_rate"]
    if retired:
        status = rag.RED if burn else rag.GREEN
        threshold = "retired: any spend is red"
    elif plan:
        status = rag.rag(_pct(burn, plan), g, a, LOWER)
        threshold = f"{rag.threshold_text(g, a, LOWER, '%')} of the planned {_money(currency, plan)}/month ({DEFAULT_SOURCE})"
    else:
        status, threshold = rag.GREY, "no planned rate (budget or dates missing)"
    out.append(KPI("burn_rate", KPI_NAMES["burn_rate"], fin, code, float(burn), f"{currency}/month", status,
                   threshold, float(spend.month_change(as_of)), None,
                   f"mean monthly spend of the last {finance.BURN_MONTHS} calendar months"))
    forecast, method = spend.forecast(as_of, fy_start_month)
    g, a = DEFAULTS["forecast_fy_end"]
    status = rag.rag(_pct(forecast, budget), g, a, LOWER) if budget > 0 else rag.GREY
    threshold = (f"{rag.threshold_text(g, a, LOWER, '%')} of the budget {_money(currency, budget)} ({DEFAULT_SOURCE})"
                 if budget > 0 else "no budget set")
    out.append(KPI("forecast_fy_end", KPI_NAMES["forecast_fy_end"], fin, code, float(forecast), currency, status,
                   threshold, None, None, method))
    months = finance.last_months(as_of)
    cost = spend.in_months(months)
    value = float(cost) / predictions * 1000 if predictions else None
    out.append(KPI("unit_cost", KPI_NAMES["unit_cost"], fin, code, value, f"{currency} per 1,000 predictions",
                   rag.GREY, "no threshold set", None, None,
                   f"spend of the last {finance.BURN_MONTHS} calendar months ÷ predictions served in them × 1,000"))
    return out


def _predictions(snap: Snapshot, init: InitiativeInfo) -> float | None:
    series = find_series(snap.series_of(init.id), None, PREDICTIONS)
    if series is None or series.id not in snap.points:
        return None
    ts, values = snap.points[series.id]
    y, m = finance.last_months(snap.as_of)[0]
    start = int(dt.datetime(y, m, 1, tzinfo=dt.UTC).timestamp())
    return float(values[(ts >= start) & (ts <= snap.end_ts)].sum())


def compute(snap: Snapshot) -> tuple[dict[str, list[KPI]], list[KPI]]:
    """Every initiative's KPIs and the portfolio's, from one snapshot."""
    per: dict[str, list[KPI]] = {}
    fin_inputs = []
    for init in snap.initiatives:
        mine = snap.series_of(init.id)
        kpis = []
        for spec in SERIES_KPIS:
            series = find_series(mine, spec.discipline, spec.prefixes)
            pts = snap.points.get(series.id) if series else None
            kpis.append(series_kpi(spec, series, pts, snap.end_ts, init.code,
                                   snap.baselines.get(series.id) if series else None))
        spend = finance.spend_of(snap.spend_of(init.id), init.currency)
        plan = finance.planned_monthly(init.budget, init.start_date, init.end_date)
        preds = _predictions(snap, init)
        fin_inputs.append((init, spend, plan, preds))
        kpis.extend(finops_kpis(init.code, init.currency, spend, init.budget, plan, preds, snap.as_of,
                                snap.fiscal_year_start_month, retired=init.stage is Stage.RETIRED))
        per[init.code] = kpis
    return per, _portfolio(snap, per, fin_inputs)


def _portfolio(snap: Snapshot, per: dict[str, list[KPI]], fin_inputs: list) -> list[KPI]:
    out: list[KPI] = []
    by_id = {s.id: s for s in snap.series}
    for spec in SERIES_KPIS:
        members = [k for kpis in per.values() for k in kpis if k.key == spec.key and k.value is not None]
        if not members:
            out.append(KPI(spec.key, spec.name, spec.discipline, None, None, "", rag.GREY, "no data", None, None))
            continue
        limits = Counter((by_id[k.series_id].green, by_id[k.series_id].amber, by_id[k.series_id].direction)
                         for k in members if k.series_id is not None)
        green, amber, direction = limits.most_common(1)[0][0]
        value = float(np.mean([k.value for k in members]))
        trends = [k.trend for k in members if k.trend is not None]
        unit = members[0].unit
        status = rag.rag(value, green, amber, direction)
        threshold = rag.threshold_text(green, amber, direction, unit, "series")
        if green is None and spec.key == "model_quality":
            status, threshold = rag.worst([k.rag for k in members]), "worst initiative's status"
        out.append(KPI(spec.key, spec.name, spec.discipline, None, value, unit, status, threshold,
                       float(np.mean(trends)) if trends else None, None,
                       f"mean over {len(members)} initiatives of the {members[0].method.split(';')[0]}"))
    currency = snap.default_currency
    same = [(i, s, p, q) for i, s, p, q in fin_inputs if i.currency == currency]
    others = len(fin_inputs) - len(same)
    rows = [r for r in snap.spend if r.initiative_id is not None]
    spend = finance.spend_of(rows, currency)
    budget = sum((i.budget for i, *_ in same), finance.ZERO)
    plans = [p for _i, _s, p, _q in same if p]
    preds = [q for *_x, q in same if q]
    fin = finops_kpis(None, currency, spend, budget, sum(plans, finance.ZERO) if plans else None,
                      sum(preds) if preds else None, snap.as_of, snap.fiscal_year_start_month)
    if others:
        fin = [_note(k, f"; {others} initiatives budgeted in another currency left out") for k in fin]
    out.extend(fin)
    share, rest, total = finance.unallocated_share(snap.spend, currency)
    g, a = DEFAULTS["unallocated_share"]
    out.append(KPI("unallocated_share", KPI_NAMES["unallocated_share"], OpsDiscipline.FINOPS, None,
                   float(share) if share is not None else None, "% of spend",
                   rag.rag(float(share), g, a, LOWER) if share is not None else rag.GREY,
                   rag.threshold_text(g, a, LOWER, "% of spend", DEFAULT_SOURCE), None, None,
                   f"{_money(currency, rest)} of {_money(currency, total)} not allocated to any initiative "
                   "(whole workspace)"))
    return out


def _note(k: KPI, text: str) -> KPI:
    from dataclasses import replace

    return replace(k, method=k.method + text)


def load_snapshot(ws: Workspace, as_of: dt.date | None = None, codes: Iterable[str] | None = None) -> Snapshot:
    return load(ws, as_of, codes=codes, series_names=series_prefixes(),
                baseline_names=SPEC_BY_KEY["model_quality"].prefixes, long_names=PREDICTIONS)


def initiative_kpis(ws: Workspace, code: str, as_of: dt.date | None = None) -> list[KPI]:
    snap = load_snapshot(ws, as_of, [code])
    if not snap.initiatives:
        raise NotFoundError("initiative", code)
    return compute(snap)[0][code]


def portfolio_kpis(ws: Workspace, as_of: dt.date | None = None, *, codes: Iterable[str] | None = None) -> list[KPI]:
    """The portfolio's KPIs (``codes`` limits the initiatives counted, e.g. for the dashboard's filters)."""
    return compute(load_snapshot(ws, as_of, codes))[1]


@dataclass(frozen=True)
class KPIReport:
    as_of: dt.date
    per_initiative: dict[str, list[KPI]]
    portfolio: list[KPI]


def all_kpis(ws: Workspace, as_of: dt.date | None = None, *, codes: Iterable[str] | None = None) -> KPIReport:
    """Every initiative's KPIs and the portfolio's, read once (what the CLI and the dashboard show)."""
    snap = load_snapshot(ws, as_of, codes)
    per, portfolio = compute(snap)
    return KPIReport(snap.as_of, per, portfolio)
