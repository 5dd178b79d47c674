"""A small hand-made workspace whose KPIs are known by hand (see the comments for each number)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

DAY = 86400
SEP1 = int(dt.datetime(2026, 9, 1, tzinfo=dt.UTC).timestamp())
DAYS = 91  # 2026-09-01 .. 2026-11-30


def day_ts(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def by_month(sep: float, oct_: float, nov: float) -> list[float]:
    return [sep] * 30 + [oct_] * 31 + [nov] * 30


def _month(y: int, m: int) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(y, m, 1, tzinfo=dt.UTC)
    end = dt.datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=dt.UTC)
    return start, end


def cost_row(y: int, m: int, amount: str, tags: dict[str, str], currency: str = "USD") -> dict[str, object]:
    start, end = _month(y, m)
    a = Decimal(amount)
    return {"charge_period_start": start, "charge_period_end": end, "billed_cost": a, "effective_cost": a,
            "billing_currency": currency, "service_name": "Compute", "tags": tags}


def add_series(ws, code: str, values: list[float], **spec: object) -> int:
    from opsdesk.services.registry import metrics

    series = metrics.create_series(ws, spec, initiative_code=code)
    with ws.write() as tx:
        metrics.insert_points_tx(tx, [(series.id, SEP1 + k * DAY, v) for k, v in enumerate(values)])
    return series.id


@pytest.fixture
def small_ws(ws):
    """AI-0001: pipeline 100/90/96 % by month, F1 0.80/0.79/0.77 (no thresholds), 1 + 3 deployments, 1,000
    predictions a day; spend 100, 100, 100, 150, 150, 300 USD from June to November against a budget of 1,200
    over 2026; a team without finance. AI-0002: pipeline 100 %, latency 700 ms on the last 10 days."""
    from opsdesk.domain.enums import AgendaKind, ConformanceStatus, Direction, OpsDiscipline
    from opsdesk.services.committee import meetings
    from opsdesk.services.finance import costs
    from opsdesk.services.registry import initiatives, people
    from opsdesk.services.standards import catalog, conformance
    from opsdesk.store.models import AllocationRule

    ids = {}
    for name, disc in (("Dana Data", "data"), ("Milo Ml", "ml"), ("Fay Finance", "finance")):
        ids[disc] = people.create(ws, {"name": name, "email": f"{disc}@x.example", "discipline": disc}).id
    initiatives.create(ws, {"code": "AI-0001", "name": "One", "budget": "1200", "start_date": "2026-01-01",
                            "end_date": "2027-01-01"}, team={ids["data"]: "data_engineer", ids["ml"]: "ml_engineer"})
    initiatives.create(ws, {"code": "AI-0002", "name": "Two"},
                       team={ids["data"]: "data_engineer", ids["ml"]: "ml_engineer", ids["finance"]: "finops_analyst"})
    higher, lower = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER
    add_series(ws, "AI-0001", by_month(100, 90, 96), discipline=OpsDiscipline.DATAOPS, name="Pipeline success rate",
               unit="%", direction=higher, green_threshold=98, amber_threshold=95)
    add_series(ws, "AI-0001", by_month(0.80, 0.79, 0.77), discipline=OpsDiscipline.MLOPS, name="Model quality (F1)",
               unit="ratio", direction=higher)
    deployments = [0.0] * DAYS
    for day in (dt.date(2026, 10, 15), dt.date(2026, 11, 5), dt.date(2026, 11, 10), dt.date(2026, 11, 20)):
        deployments[(day_ts(day) - SEP1) // DAY] = 1.0
    add_series(ws, "AI-0001", deployments, discipline=OpsDiscipline.MLOPS, name="Deployments", unit="count",
               direction=higher, green_threshold=2, amber_threshold=1)
    add_series(ws, "AI-0001", [1000.0] * DAYS, discipline=OpsDiscipline.MLOPS, name="Predictions served",
               unit="count")
    add_series(ws, "AI-0002", [100.0] * DAYS, discipline=OpsDiscipline.DATAOPS, name="Pipeline success rate",
               unit="%", direction=higher, green_threshold=98, amber_threshold=95)
    add_series(ws, "AI-0002", [200.0] * (DAYS - 10) + [700.0] * 10, discipline=OpsDiscipline.MLOPS,
               name="Inference latency p95", unit="ms", direction=lower, green_threshold=300, amber_threshold=600)
    tag = {"opsdesk-initiative": "AI-0001"}
    rows = [cost_row(2026, m, a, tag) for m, a in ((6, "100"), (7, "100"), (8, "100"), (9, "150"), (10, "150"),
                                                    (11, "300"))]
    rows += [cost_row(2026, 11, "100", {}), cost_row(2026, 11, "50", {}, "EUR")]
    with ws.write() as tx:
        costs.add_records_tx(tx, rows)
        tx.add(AllocationRule(name="tag", priority=10, match={"tag_key": "opsdesk-initiative"},
                              target={"from_tag": "opsdesk-initiative"}), "allocation_rule")
        costs.apply_rules_tx(tx)
    meetings.add_action(ws, "Fix the pipeline", initiative_code="AI-0001", due_on=dt.date(2026, 11, 1))
    meetings.add_action(ws, "Not yet due", initiative_code="AI-0001", due_on=dt.date(2026, 12, 15))
    std = catalog.create_standard(ws, {"code": "STD", "title": "A standard", "category": "security"},
                                    [{"code": "R-1", "text": "One"}, {"code": "R-2", "text": "Two"}])
    conformance.record_conformance(ws, "AI-0001", std.requirements[0].id, {"status": ConformanceStatus.NOT_MET})
    conformance.record_conformance(ws, "AI-0001", std.requirements[1].id, {
        "status": ConformanceStatus.WAIVED, "waiver_reason": "later", "waiver_approver": "Chair",
        "waiver_expires": "2026-10-01"})
    mid = meetings.create_meeting(ws, {"title": "Next meeting"}, dt.datetime(2027, 1, 14, 10, tzinfo=dt.UTC))
    meetings.add_item(ws, mid, AgendaKind.STAGE_GATE, "AI-0002: gate", initiative_code="AI-0002",
                       target_stage="pilot")
    return ws
