"""Cost records (FOCUS-shaped), allocation of costs to initiatives, and the cost ledger.

The maths lives in :mod:`opsdesk.analytics.allocation`; this module loads the lines and rules, stores the
allocations, and totals per currency — never across currencies unless converted with the user's rate table.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, select

from opsdesk.analytics import allocation
from opsdesk.errors import ValidationError
from opsdesk.store.models import Allocation, AllocationRule, CostRecord, Initiative, MetricPoint, MetricSeries
from opsdesk.store.workspace import Tx, Workspace

UNALLOCATED = "unallocated"
BY = ("initiative", "service", "month")

def add_records_tx(tx: Tx, rows: Iterable[Mapping[str, Any]], batch_id: int | None = None) -> int:
    n = 0
    for i, row in enumerate(rows, start=1):
        tx.session.add(CostRecord(batch_id=batch_id, row_number=row.get("row_number", i),
                                  **{k: v for k, v in row.items() if k != "row_number"}))
        n += 1
    tx.session.flush()
    return n


def _metric_weights(tx: Tx, codes: Mapping[str, int]) -> allocation.MetricWeights:
    ids_to_code = {v: k for k, v in codes.items()}
    cache: dict[tuple[str, tuple[str, ...], dt.datetime, dt.datetime], dict[str, float]] = {}

    def weights(metric: str, members: Sequence[str], start: dt.datetime, end: dt.datetime) -> dict[str, float]:
        key = (metric, tuple(sorted(members)), start, end)
        if key not in cache:
            lo, hi = int(start.timestamp()), int(max(end, start).timestamp())
            stmt = (select(MetricSeries.initiative_id, func.sum(MetricPoint.value))
                    .join(MetricPoint, MetricPoint.series_id == MetricSeries.id)
                    .where(MetricSeries.name == metric,
                           MetricSeries.initiative_id.in_([codes[m] for m in members if m in codes]),
                           MetricPoint.ts >= lo, MetricPoint.ts < max(hi, lo + 1))
                    .group_by(MetricSeries.initiative_id))
            cache[key] = {ids_to_code[i]: float(v or 0.0) for i, v in tx.session.execute(stmt) if i in ids_to_code}
        return cache[key]

    return weights


def apply_rules_tx(tx: Tx, note: str = "") -> dict[str, int]:
    """Recompute every allocation from the active rules (first match by priority wins), with an audit event."""
    rules = [allocation.Rule(r.id, r.priority, r.match or {}, r.target or {}, r.name)
             for r in tx.session.scalars(select(AllocationRule).where(AllocationRule.active.is_(True)))]
    codes = dict(tx.session.execute(select(Initiative.code, Initiative.id)).all())
    lines = [allocation.CostLine(i, amount, currency, service or "", sub or acct or "", res or "", tags or {}, start,
                                 end)
             for i, amount, currency, service, sub, acct, res, tags, start, end in tx.session.execute(
                 select(CostRecord.id, CostRecord.effective_cost, CostRecord.billing_currency,
                        CostRecord.service_name, CostRecord.sub_account_id, CostRecord.billing_account_id,
                        CostRecord.resource_id, CostRecord.tags, CostRecord.charge_period_start,
                        CostRecord.charge_period_end).order_by(CostRecord.id))]
    shares, unallocated = allocation.allocate(lines, rules, codes, _metric_weights(tx, codes))
    tx.session.execute(delete(Allocation))
    rows = [{"cost_record_id": s.cost_id, "initiative_id": codes[s.initiative], "rule_id": s.rule_id,
             "share": s.share, "amount": s.amount, "currency": s.currency} for s in shares]
    for start in range(0, len(rows), 5000):
        tx.session.execute(insert(Allocation), rows[start:start + 5000])
    summary = {"allocated_records": len({s.cost_id for s in shares}), "unallocated_records": len(unallocated),
               "rules": len(rules)}
    tx.audit("apply_rules", "allocation", "all", None, summary, note)
    return summary


def apply_rules(ws: Workspace) -> dict[str, int]:
    with ws.write("costs") as tx:
        return apply_rules_tx(tx, "re-applied by the user")


# --- the ledger ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LedgerRow:
    """One key and currency of the ledger. ``total``/``allocated``/``unallocated`` are EffectiveCost (what the
    allocation rules share out); ``billed``/``billed_allocated``/``billed_unallocated`` the BilledCost beside it (an
    allocation takes the same share of a record's BilledCost as of its EffectiveCost). Every amount is given at
    the scale the bills of that currency were written with."""

    key: str
    currency: str
    total: Decimal
    allocated: Decimal
    unallocated: Decimal
    label: str = ""  # the initiative's name when grouped by initiative
    share: Decimal = Decimal(0)  # of all cost in this currency (0–1)
    billed: Decimal = Decimal(0)
    billed_allocated: Decimal = Decimal(0)
    billed_unallocated: Decimal = Decimal(0)

    @property
    def effective(self) -> Decimal:
        return self.total


def billed_part(billed: Decimal, effective: Decimal, amount: Decimal, share: Decimal) -> Decimal:
    """The BilledCost an allocation carries: the same part of the record as of its EffectiveCost (its stored
    ``amount`` itself when the record bills what it costs, so the two columns never differ by rounding)."""
    return amount if billed == effective else billed * share


def _month(value: dt.datetime | None) -> str:
    return f"{value:%Y-%m}" if value else "—"


def _scale(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def at_scale(value: Decimal, scale: int) -> Decimal:
    """``value`` with exactly ``scale`` decimals (rounded half-even when it has more, padded when fewer)."""
    return value.quantize(Decimal(1).scaleb(-scale)) if value.is_finite() else value


def currency_scales(ws: Workspace) -> dict[str, int]:
    """Per currency, the most decimals any cost record of that currency was written with (BilledCost or
    EffectiveCost): the scale its totals are reported at."""
    out: dict[str, int] = defaultdict(int)
    with ws.read() as s:
        for billed, effective, currency in s.execute(select(CostRecord.billed_cost, CostRecord.effective_cost,
                                                            CostRecord.billing_currency)):
            out[currency] = max(out[currency], _scale(billed), _scale(effective))
    return dict(out)


def ledger(ws: Workspace, by: str = "initiative", *, since: dt.date | None = None,
           until: dt.date | None = None) -> list[LedgerRow]:
    """The ledger at each currency's written scale (see :func:`_exact_ledger`); ``since``/``until``: only the
    records whose charge period starts on a UTC day in [since, until)."""
    rows, scale = _exact_ledger(ws, by, since, until)
    return [_rounded(r, scale.get(r.currency, 2)) for r in rows]


def _rounded(r: LedgerRow, q: int) -> LedgerRow:
    eff, alloc = at_scale(r.total, q), at_scale(r.allocated, q)
    bill, bill_alloc = at_scale(r.billed, q), at_scale(r.billed_allocated, q)
    return LedgerRow(r.key, r.currency, eff, alloc, eff - alloc, r.label, r.share, bill, bill_alloc, bill - bill_alloc)


def _in_period(start: dt.datetime | None, since: dt.date | None, until: dt.date | None) -> bool:
    if since is None and until is None:
        return True
    if start is None:
        return False
    day = (start.astimezone(dt.UTC) if start.tzinfo else start).date()
    return (since is None or day >= since) and (until is None or day < until)


def _exact_ledger(ws: Workspace, by: str, since: dt.date | None = None,  # noqa: C901
                  until: dt.date | None = None) -> tuple[list[LedgerRow], dict[str, int]]:
    """Rows of (key, currency, EffectiveCost total, allocated, unallocated, and the same for BilledCost), one per
    key and currency.

    ``by="initiative"``: allocated amounts per initiative plus an ``unallocated`` row per currency;
    ``by="service"`` or ``"month"``: each record's cost and how much of it is allocated.
    """
    if by not in BY:
        raise ValidationError("by", f"'{by}' is not one of {', '.join(BY)}")
    total: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    allocated: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    billed: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    billed_allocated: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    scale: dict[str, int] = defaultdict(int)
    with ws.read() as s:
        records = {rec_id: (b, e, c, service, start) for rec_id, b, e, c, service, start in s.execute(
            select(CostRecord.id, CostRecord.billed_cost, CostRecord.effective_cost, CostRecord.billing_currency,
                   CostRecord.service_name, CostRecord.charge_period_start)) if _in_period(start, since, until)}
        period = since is not None or until is not None
        per_record: dict[int, Decimal] = defaultdict(Decimal)
        per_record_billed: dict[int, Decimal] = defaultdict(Decimal)
        codes = dict(s.execute(select(Initiative.id, Initiative.code)).all())
        names = dict(s.execute(select(Initiative.code, Initiative.name)).all())
        for rec_id, init_id, amount, share, currency in s.execute(
                select(Allocation.cost_record_id, Allocation.initiative_id, Allocation.amount, Allocation.share,
                       Allocation.currency)):
            rec = records.get(rec_id)
            if rec is None and period:
                continue  # a record outside the period
            part_billed = billed_part(rec[0], rec[1], amount, share) if rec is not None else Decimal(0)
            per_record[rec_id] += amount
            per_record_billed[rec_id] += part_billed
            if by == "initiative":
                total[(codes[init_id], currency)] += amount
                allocated[(codes[init_id], currency)] += amount
                billed[(codes[init_id], currency)] += part_billed
                billed_allocated[(codes[init_id], currency)] += part_billed
        for rec_id, (b, cost, currency, service, start) in records.items():
            scale[currency] = max(scale[currency], _scale(b), _scale(cost))
            done = per_record.get(rec_id, Decimal(0))
            done_billed = per_record_billed.get(rec_id, Decimal(0))
            if by == "initiative":
                if cost - done or b - done_billed:
                    total[(UNALLOCATED, currency)] += cost - done
                    billed[(UNALLOCATED, currency)] += b - done_billed
                continue
            key = (service or "—") if by == "service" else _month(start)
            total[(key, currency)] += cost
            allocated[(key, currency)] += done
            billed[(key, currency)] += b
            billed_allocated[(key, currency)] += done_billed
    grand: dict[str, Decimal] = defaultdict(Decimal)
    for (_k, c), v in total.items():
        grand[c] += v
    rows = []
    for (k, c), v in total.items():
        alloc = allocated.get((k, c), Decimal(0))
        bill, bill_alloc = billed.get((k, c), Decimal(0)), billed_allocated.get((k, c), Decimal(0))
        rows.append(LedgerRow(k, c, v, alloc, v - alloc,
                              names.get(k, "Cost no rule allocates" if k == UNALLOCATED else "") if by == "initiative"
                              else "", (v / grand[c]) if grand[c] else Decimal(0), bill, bill_alloc,
                              bill - bill_alloc))
    return sorted(rows, key=lambda r: (r.key == UNALLOCATED, r.key, r.currency)), dict(scale)


def totals(ws: Workspace, by: str = "initiative") -> dict[str, Any]:
    """{"by", "totals": {key: {currency: EffectiveCost}}, "billed": {key: {currency: BilledCost}},
    "unallocated": {currency: EffectiveCost}, "unallocated_billed": {…}, "currencies": {currency: EffectiveCost},
    "currencies_billed": {currency: BilledCost}} — never summed across currencies, each at its written scale."""
    exact, scale = _exact_ledger(ws, by)
    rows = [_rounded(r, scale.get(r.currency, 2)) for r in exact]
    out: dict[str, dict[str, Decimal]] = defaultdict(dict)
    out_billed: dict[str, dict[str, Decimal]] = defaultdict(dict)
    unallocated: dict[str, Decimal] = {}
    unallocated_billed: dict[str, Decimal] = {}
    grand: dict[str, Decimal] = {}
    grand_billed: dict[str, Decimal] = {}
    for r in rows:
        out[r.key][r.currency] = r.total
        out_billed[r.key][r.currency] = r.billed
    for r in exact:  # grand totals from the exact amounts, rounded once
        zero = Decimal(0)
        unallocated[r.currency] = unallocated.get(r.currency, zero) + r.unallocated
        unallocated_billed[r.currency] = unallocated_billed.get(r.currency, zero) + r.billed_unallocated
        grand[r.currency] = grand.get(r.currency, zero) + r.total
        grand_billed[r.currency] = grand_billed.get(r.currency, zero) + r.billed
    for d in (unallocated, unallocated_billed, grand, grand_billed):
        for c in d:
            d[c] = at_scale(d[c], scale.get(c, 2))
    return {"by": by, "totals": dict(out), "billed": dict(out_billed), "unallocated": unallocated,
            "unallocated_billed": unallocated_billed, "currencies": grand, "currencies_billed": grand_billed}


def totals_by_initiative(ws: Workspace) -> dict[str, dict[str, Decimal]]:
    """{initiative code or 'unallocated': {currency: amount}} — never summed across currencies."""
    return {k: v for k, v in totals(ws, "initiative")["totals"].items()}


def unallocated_share(ws: Workspace) -> dict[str, Decimal]:
    """Per currency, the fraction (0–1) of cost no rule allocates."""
    t = totals(ws, "initiative")
    return {c: (t["unallocated"].get(c, Decimal(0)) / g) if g else Decimal(0) for c, g in t["currencies"].items()}
