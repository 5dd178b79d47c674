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
