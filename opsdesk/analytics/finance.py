"""FinOps maths on allocated spend: spend to date, burn rate, a stated forecast to fiscal year end, unit cost,
unallocated share. Money stays ``Decimal`` and is never summed across currencies."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from opsdesk.analytics.snapshot import SpendRow

BURN_MONTHS = 3
DAYS_PER_MONTH = Decimal("30.4375")
ZERO = Decimal(0)


def month_key(day: dt.date) -> tuple[int, int]:
    return day.year, day.month


def last_months(as_of: dt.date, n: int = BURN_MONTHS) -> list[tuple[int, int]]:
    """The ``n`` calendar months ending with the month of ``as_of``, oldest first."""
    y, m = as_of.year, as_of.month
    out = []
    for _ in range(n):
        out.append((y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def fiscal_year_end(as_of: dt.date, start_month: int) -> dt.date:
    """The last day of the fiscal year that contains ``as_of`` (the year starts on the 1st of ``start_month``)."""
    year = as_of.year + (1 if as_of.month >= start_month else 0)
    return dt.date(year, start_month, 1) - dt.timedelta(days=1)


@dataclass(frozen=True)
class Spend:
    currency: str
    to_date: Decimal
    monthly: dict[tuple[int, int], Decimal]
    billed_until: dt.date | None  # end (exclusive) of the last billed period

    def burn_rate(self, as_of: dt.date, months: int = BURN_MONTHS) -> Decimal:
        """Mean monthly spend over the last ``months`` calendar months (a month with no bill counts as zero)."""
        keys = last_months(as_of, months)
        return sum((self.monthly.get(k, ZERO) for k in keys), ZERO) / months

    def month_change(self, as_of: dt.date) -> Decimal:
        prev, last = last_months(as_of, 2)
        return self.monthly.get(last, ZERO) - self.monthly.get(prev, ZERO)

    def forecast(self, as_of: dt.date, fy_start_month: int) -> tuple[Decimal, str]:
        """Linear forecast of cumulative spend at fiscal year end, and the words that state the method."""
        fy_end = fiscal_year_end(as_of, fy_start_month)
        start = max(self.billed_until or as_of, as_of + dt.timedelta(days=1))
        days = max(0, (fy_end - start).days + 1)
        months = Decimal(days) / DAYS_PER_MONTH
        burn = self.burn_rate(as_of)
        value = self.to_date + burn * months
        method = (f"linear: spend to date + mean monthly burn of the last {BURN_MONTHS} months "
                  f"({self.currency} {burn:,.0f}) × {months:.2f} months still to bill up to fiscal year end "
                  f"{fy_end.isoformat()}")
        return value, method

    def in_months(self, keys: Iterable[tuple[int, int]]) -> Decimal:
        return sum((self.monthly.get(k, ZERO) for k in keys), ZERO)


def spend_of(rows: Iterable[SpendRow], currency: str) -> Spend:
    """Spend in one currency (rows in any other currency are left out, never converted silently)."""
    monthly: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    total = ZERO
    billed: dt.date | None = None
    for r in rows:
        if r.currency != currency:
            continue
        total += r.amount
        monthly[month_key(r.period_start)] += r.amount
        billed = r.period_end if billed is None or r.period_end > billed else billed
    return Spend(currency, total, dict(monthly), billed)


def unallocated_share(rows: Iterable[SpendRow], currency: str) -> tuple[Decimal | None, Decimal, Decimal]:
    """(share in %, unallocated amount, total amount) in one currency; share is None when nothing was spent."""
    rest = total = ZERO
    for r in rows:
        if r.currency != currency:
            continue
        total += r.amount
        if r.initiative_id is None:
            rest += r.amount
    return ((rest / total * 100) if total else None), rest, total


def planned_monthly(budget: Decimal, start: dt.date | None, end: dt.date | None) -> Decimal | None:
    """The budget spread evenly over the planned months of the initiative."""
    if not budget or start is None or end is None or end <= start:
        return None
    return budget / (Decimal((end - start).days) / DAYS_PER_MONTH)
