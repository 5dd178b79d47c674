"""KPIs computed on hand-made data, checked against numbers worked out by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest

from opsdesk.analytics import finance, kpis, rag
from opsdesk.analytics.snapshot import SpendRow
from opsdesk.domain.enums import Direction

H, L = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER


@pytest.mark.parametrize(("value", "direction", "expected"), [
    (98.0, H, "green"), (97.9, H, "amber"), (95.0, H, "amber"), (94.9, H, "red"),
    (5.0, L, "green"), (6.0, L, "amber"), (25.0, L, "amber"), (25.1, L, "red"), (None, H, "grey"),
])
def test_rag_is_direction_aware(value, direction, expected):
    green, amber = (98, 95) if direction is H else (5, 25)
    assert rag.rag(value, green, amber, direction) == expected


def test_rag_without_thresholds_is_grey_and_with_green_only_is_green_or_red():
    assert rag.rag(10, None, None, H) == "grey"
    assert rag.rag(10, 12, None, H) == "red"
    assert rag.rag(12, 12, None, H) == "green"


def test_threshold_text_says_which_limits_were_used():
    assert rag.threshold_text(98, 95, H, "%", "series") == "green ≥ 98 %, amber ≥ 95 % (series)"
    assert rag.threshold_text(0.1, 0.25, L, "psi") == "green ≤ 0.1 psi, amber ≤ 0.25 psi"
    assert rag.threshold_text(None, None, H) == "no threshold set"


def test_windows_split_the_last_thirty_days_from_the_thirty_before():
    ts = np.arange(60) * 86400
    values = np.r_[np.full(30, 1.0), np.full(30, 2.0)]
    current, previous = kpis.windows(ts, values, int(ts[-1]))
    assert current.tolist() == [2.0] * 30 and previous.tolist() == [1.0] * 30


def test_fiscal_year_end_and_last_months():
    assert finance.fiscal_year_end(dt.date(2026, 11, 30), 1) == dt.date(2026, 12, 31)
    assert finance.fiscal_year_end(dt.date(2026, 11, 30), 4) == dt.date(2027, 3, 31)
    assert finance.fiscal_year_end(dt.date(2026, 3, 15), 4) == dt.date(2026, 3, 31)
    assert finance.last_months(dt.date(2026, 1, 31)) == [(2025, 11), (2025, 12), (2026, 1)]


def _rows(*amounts: tuple[int, str], currency: str = "USD", initiative: int | None = 1) -> list[SpendRow]:
    out = []
    for month, amount in amounts:
        start = dt.date(2026, month, 1)
        end = dt.date(2026 + (month == 12), month % 12 + 1, 1)
        out.append(SpendRow(initiative, start, end, currency, Decimal(amount)))
    return out


def test_burn_rate_forecast_and_never_mixing_currencies():
    rows = _rows((9, "150"), (10, "150"), (11, "300")) + _rows((11, "999"), currency="EUR")
    spend = finance.spend_of(rows, "USD")
    as_of = dt.date(2026, 11, 30)
    assert spend.to_date == Decimal("600")
    assert spend.burn_rate(as_of) == Decimal("200")
    assert spend.month_change(as_of) == Decimal("150")
    value, method = spend.forecast(as_of, 1)
    # billed up to 2026-12-01; December (31 days) still to bill at 200 a month
    assert value == Decimal("600") + Decimal("200") * Decimal(31) / Decimal("30.4375")
    assert "linear" in method and "2026-12-31" in method and "last 3 months" in method
    assert finance.spend_of(rows, "EUR").to_date == Decimal("999")


def test_unallocated_share_counts_one_currency():
    rows = _rows((11, "900")) + _rows((11, "100"), initiative=None) + _rows((11, "50"), initiative=None,
                                                                              currency="EUR")
    share, rest, total = finance.unallocated_share(rows, "USD")
    assert (share, rest, total) == (Decimal(10), Decimal(100), Decimal(1000))


def test_initiative_kpis_on_hand_made_data(small_ws):
    got = {k.key: k for k in kpis.initiative_kpis(small_ws, "AI-0001")}
    p = got["pipeline_success"]  # November 96, October 90
    assert (p.value, p.trend, p.rag, p.unit) == (pytest.approx(96.0), pytest.approx(6.0), "amber", "%")
    assert p.threshold == "green ≥ 98 %, amber ≥ 95 % (series)"
    q = got["model_quality"]  # 0.77 now, baseline 0.80 (September): 3.75 % drop, amber by the default
    assert q.value == pytest.approx(0.77) and q.trend == pytest.approx(-0.02) and q.rag == "amber"
    assert "baseline 0.8" in q.method and "-3.8 %" in q.method and "workspace default" in q.threshold
    d = got["deployment_frequency"]  # three in November, one in the 30 days before
    assert (d.value, d.trend, d.rag, d.unit) == (3.0, 2.0, "green", "per 30 d")
    assert got["freshness"].value is None and got["freshness"].rag == "grey"
    s = got["spend_vs_budget"]  # 900 of 1,200
    assert s.value == pytest.approx(75.0) and s.rag == "green" and "USD 900 spent of USD 1,200" in s.method
    b = got["burn_rate"]  # (150 + 150 + 300) / 3, plan 1,200 over 365 days ≈ 100/month → red
    assert b.value == pytest.approx(200.0) and b.trend == pytest.approx(150.0) and b.rag == "red"
    f = got["forecast_fy_end"]  # 900 + 200 × 31/30.4375 = 1,103.70 → 92 % of budget → green
    assert f.value == pytest.approx(900 + 200 * 31 / 30.4375) and f.rag == "green" and "linear" in f.method
    u = got["unit_cost"]  # 600 USD for 91,000 predictions
    assert u.value == pytest.approx(600 / 91000 * 1000) and u.unit == "USD per 1,000 predictions"


def test_portfolio_kpis_average_initiatives_and_show_unallocated_share(small_ws):
    got = {k.key: k for k in kpis.portfolio_kpis(small_ws)}
    assert got["pipeline_success"].value == pytest.approx(98.0)  # (96 + 100) / 2
    assert got["pipeline_success"].rag == "green" and got["pipeline_success"].initiative_code is None
    u = got["unallocated_share"]  # 100 USD of 1,000 USD; the EUR record is not mixed in
    assert u.value == pytest.approx(10.0) and u.rag == "amber"
    only_two = {k.key: k for k in kpis.portfolio_kpis(small_ws, codes=["AI-0002"])}
    assert only_two["pipeline_success"].value == pytest.approx(100.0)


def test_as_of_defaults_to_the_latest_data_and_can_be_set(small_ws):
    assert kpis.all_kpis(small_ws).as_of == dt.date(2026, 11, 30)
    earlier = {k.key: k for k in kpis.initiative_kpis(small_ws, "AI-0001", as_of=dt.date(2026, 10, 31))}
    assert earlier["pipeline_success"].value == pytest.approx(90.0)


def test_unknown_initiative_is_a_plain_error(small_ws):
    from opsdesk.errors import NotFoundError

    with pytest.raises(NotFoundError):
        kpis.initiative_kpis(small_ws, "AI-9999")
