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
    key: str
    currency: str
    total: Decimal
    allocated: Decimal
    unallocated: Decimal
    label: str = ""  # the initiative's name when grouped by initiative
    share: Decimal = Decimal(0)  # of all cost in this currency (0–1)


def _month(value: dt.datetime | None) -> str:
    return f"{value:%Y-%m}" if value else "—"


def ledger(ws: Workspace, by: str = "initiative") -> list[LedgerRow]:
    """Rows of (key, currency, total, allocated, unallocated), one per key and currency.

    ``by="initiative"``: allocated amounts per initiative plus an ``unallocated`` row per currency;
    ``by="service"`` or ``"month"``: each record's cost and how much of it is allocated.
    """
    if by not in BY:
        raise ValidationError("by", f"'{by}' is not one of {', '.join(BY)}")
    total: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    allocated: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    with ws.read() as s:
        per_record: dict[int, Decimal] = defaultdict(Decimal)
        codes = dict(s.execute(select(Initiative.id, Initiative.code)).all())
        names = dict(s.execute(select(Initiative.code, Initiative.name)).all())
        for rec_id, init_id, amount, currency in s.execute(
                select(Allocation.cost_record_id, Allocation.initiative_id, Allocation.amount, Allocation.currency)):
            per_record[rec_id] += amount
            if by == "initiative":
                total[(codes[init_id], currency)] += amount
                allocated[(codes[init_id], currency)] += amount
        for rec_id, cost, currency, service, start in s.execute(
                select(CostRecord.id, CostRecord.effective_cost, CostRecord.billing_currency,
                       CostRecord.service_name, CostRecord.charge_period_start)):
            done = per_record.get(rec_id, Decimal(0))
            if by == "initiative":
                rest = cost - done
                if rest:
                    total[(UNALLOCATED, currency)] += rest
                continue
            key = (service or "—") if by == "service" else _month(start)
            total[(key, currency)] += cost
            allocated[(key, currency)] += done
    grand: dict[str, Decimal] = defaultdict(Decimal)
    for (_k, c), v in total.items():
        grand[c] += v
    rows = [LedgerRow(k, c, v, allocated.get((k, c), Decimal(0)), v - allocated.get((k, c), Decimal(0)),
                      names.get(k, "Cost no rule allocates" if k == UNALLOCATED else "") if by == "initiative" else "",
                      (v / grand[c]) if grand[c] else Decimal(0))
            for (k, c), v in total.items()]
    return sorted(rows, key=lambda r: (r.key == UNALLOCATED, r.key, r.currency))


def totals(ws: Workspace, by: str = "initiative") -> dict[str, Any]:
    """{"by", "totals": {key: {currency: amount}}, "unallocated": {currency: amount}, "currencies": {…}}."""
    rows = ledger(ws, by)
    out: dict[str, dict[str, Decimal]] = defaultdict(dict)
    unallocated: dict[str, Decimal] = defaultdict(Decimal)
    grand: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        out[r.key][r.currency] = r.total
        unallocated[r.currency] += r.unallocated
        grand[r.currency] += r.total
    return {"by": by, "totals": dict(out), "unallocated": dict(unallocated), "currencies": dict(grand)}


def totals_by_initiative(ws: Workspace) -> dict[str, dict[str, Decimal]]:
    """{initiative code or 'unallocated': {currency: amount}} — never summed across currencies."""
    return {k: v for k, v in totals(ws, "initiative")["totals"].items()}


def unallocated_share(ws: Workspace) -> dict[str, Decimal]:
    """Per currency, the fraction (0–1) of cost no rule allocates."""
    t = totals(ws, "initiative")
    return {c: (t["unallocated"].get(c, Decimal(0)) / g) if g else Decimal(0) for c, g in t["currencies"].items()}
