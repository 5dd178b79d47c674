"""The dashboard's FinOps chart and the cost ledger show the same money from the same records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np

from opsdesk.analytics import dashboard
from opsdesk.services.finance import costs
from opsdesk.services.imports import runs
from tests.conftest import TEST_DATA


def _chart_total(curve: dashboard.Curve, month: str) -> Decimal:
    days = np.asarray([dt.datetime.fromtimestamp(int(t), dt.UTC).strftime("%Y-%m") == month for t in curve.ts])
    return Decimal(repr(float(curve.values[days].sum()))) if days.any() else Decimal(0)


def _ledger_total(ws, month: str, currency: str) -> Decimal:
    row = next((r for r in costs.ledger(ws, "month") if r.key == month and r.currency == currency), None)
    return row.total if row is not None else Decimal(0)


def test_demo_chart_equals_the_ledger_every_month(sqlite_demo_ws):
    ws = sqlite_demo_ws
    trends = dashboard.load_trends(ws, dashboard.Filters(), dashboard.load(ws).as_of)
    (curve,) = trends["finops"]
    months = sorted({r.key for r in costs.ledger(ws, "month") if r.currency == curve.unit})
    assert "2026-01" in months
    for month in months:
        assert abs(_chart_total(curve, month) - _ledger_total(ws, month, curve.unit)) < Decimal("0.01"), month


def test_imported_focus_sample_reaches_the_chart(ws):
    report = runs.import_paths(ws, [TEST_DATA / "focus-sample-data-official" / "focus_sample_1.0_1000.csv"])
    assert report.committed
    data = dashboard.load(ws)
    trends = dashboard.load_trends(ws, dashboard.Filters(), data.as_of)
    (curve,) = trends["finops"]
    assert curve.values.size > 0
    assert abs(_chart_total(curve, "2024-09") - _ledger_total(ws, "2024-09", "USD")) < Decimal("1e-9")
    (first_paint,) = data.trends["finops"]
    assert first_paint.values.sum() == curve.values.sum()


def _ledger_of(ws, code: str, currency: str, since: dt.date, until: dt.date) -> Decimal:
    row = next((r for r in costs.ledger(ws, "initiative", since=since, until=until)
                if r.key == code and r.currency == currency), None)
    return row.total if row is not None else Decimal(0)


def _period_total(curve: dashboard.Curve, since: dt.date, until: dt.date) -> Decimal:
    days = [dt.datetime.fromtimestamp(int(t), dt.UTC).date() for t in curve.ts]
    inside = np.asarray([since <= d < until for d in days], dtype=bool)
    return Decimal(repr(float(curve.values[inside].sum()))) if inside.any() else Decimal(0)


def test_demo_initiative_chart_is_its_ledger_over_a_period(sqlite_demo_ws):
    """The per-initiative "Cost and quality of …" chart shows the cost records allocated to that initiative, the
    ledger's money, not a separate spend series."""
    ws = sqlite_demo_ws
    data = dashboard.load(ws)
    code = "AI-0002"
    cost, _quality = dashboard.integrated(ws, code, data.as_of)
    since, until = dt.date(2026, 1, 1), dt.date(2026, 2, 1)
    ledger = _ledger_of(ws, code, cost.unit, since, until)
    assert ledger > 0
    assert abs(_period_total(cost, since, until) - ledger) < Decimal("0.01")
    whole = _ledger_of(ws, code, cost.unit, dt.date(2000, 1, 1), data.as_of + dt.timedelta(days=1))
    assert abs(Decimal(repr(float(cost.values.sum()))) - whole) < Decimal("0.01")


def test_imported_focus_sample_reaches_the_initiative_chart(ws):
    from opsdesk.services.finance import allocation_rules
    from opsdesk.services.registry import initiatives

    initiatives.create(ws, {"code": "AI-0001", "name": "Claims triage"})
    allocation_rules.create_rule(ws, {"name": "EC2", "priority": 5,
                                      "match": {"service": "Amazon Elastic Compute Cloud"},
                                      "target": {"split": "fixed", "shares": {"AI-0001": 1}}})
    assert runs.import_paths(ws, [TEST_DATA / "focus-sample-data-official" / "focus_sample_1.0_1000.csv"]).committed
    data = dashboard.load(ws)
    cost, _quality = dashboard.integrated(ws, "AI-0001", data.as_of)
    since, until = dt.date(2024, 9, 1), dt.date(2024, 10, 1)
    ledger = _ledger_of(ws, "AI-0001", "USD", since, until)
    assert ledger > 0 and cost.values.size > 0 and cost.unit == "USD"
    assert abs(_period_total(cost, since, until) - ledger) < Decimal("1e-9")
