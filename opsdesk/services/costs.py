"""Cost records (FOCUS-shaped), allocation rules and allocations."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fnmatch import fnmatch
from typing import Any

from sqlalchemy import delete, select

from opsdesk.services.context import Tx, Workspace
from opsdesk.store.models import Allocation, AllocationRule, CostRecord, Initiative


def add_records_tx(tx: Tx, rows: Iterable[Mapping[str, Any]], batch_id: int | None = None) -> int:
    n = 0
    for i, row in enumerate(rows, start=1):
        tx.session.add(CostRecord(batch_id=batch_id, row_number=row.get("row_number", i),
                                  **{k: v for k, v in row.items() if k != "row_number"}))
        n += 1
    tx.session.flush()
    return n


def rule_matches(match: Mapping[str, Any], record: CostRecord) -> bool:
    tags = record.tags or {}
    if "tag_key" in match:
        if match["tag_key"] not in tags:
            return False
        if match.get("tag_value") not in (None, "*") and str(tags[match["tag_key"]]) != str(match["tag_value"]):
            return False
    if "service" in match and not fnmatch(record.service_name.lower(), str(match["service"]).lower()):
        return False
    if "account" in match and not fnmatch(record.sub_account_id or record.billing_account_id, str(match["account"])):
        return False
    return not ("resource_pattern" in match and not fnmatch(record.resource_id, str(match["resource_pattern"])))


def apply_rules_tx(tx: Tx) -> dict[str, int]:
    """Recompute every allocation from the active rules (first match by priority wins)."""
    rules = list(tx.session.scalars(select(AllocationRule).where(AllocationRule.active.is_(True))
                                    .order_by(AllocationRule.priority, AllocationRule.id)))
    codes = dict(tx.session.execute(select(Initiative.code, Initiative.id)).all())
    tx.session.execute(delete(Allocation))
    allocated = unallocated = 0
    for record in tx.session.scalars(select(CostRecord).order_by(CostRecord.id)):
        for rule in rules:
            if not rule_matches(rule.match, record):
                continue
            shares = _shares(rule.target, codes, record)
            if not shares:
                continue
            for (init_id, share), amount in zip(shares.items(), split_amount(record.effective_cost, shares),
                                                strict=True):
                tx.session.add(Allocation(cost_record_id=record.id, initiative_id=init_id, rule_id=rule.id,
                                          share=share.quantize(SHARE_QUANTUM), amount=amount,
                                          currency=record.billing_currency))
            allocated += 1
            break
        else:
            unallocated += 1
    tx.session.flush()
    summary = {"allocated_records": allocated, "unallocated_records": unallocated, "rules": len(rules)}
    tx.audit("apply_rules", "allocation", "all", None, summary)
    return summary


SHARE_QUANTUM = Decimal("0.000001")
AMOUNT_QUANTUM = Decimal("0.000001")


def split_amount(amount: Decimal, shares: Mapping[int, Decimal]) -> list[Decimal]:
    """Split ``amount`` by ``shares`` so the parts add up to it exactly (the last part takes the rounding)."""
    parts = [(amount * s).quantize(AMOUNT_QUANTUM) for s in list(shares.values())[:-1]]
    parts.append(amount - sum(parts, Decimal(0)))
    return parts


def _shares(target: Mapping[str, Any], codes: Mapping[str, int], record: CostRecord) -> dict[int, Decimal]:
    if "from_tag" in target:  # the tag's value is the initiative code
        ident = codes.get(str((record.tags or {}).get(target["from_tag"], "")))
        return {ident: Decimal(1)} if ident else {}
    if "initiative" in target:
        ident = codes.get(target["initiative"])
        return {ident: Decimal(1)} if ident else {}
    members = [codes[c] for c in target.get("initiatives", []) if c in codes]
    if not members:
        return {}
    if target.get("split") == "fixed":
        raw = {codes[c]: Decimal(str(v)) for c, v in target.get("shares", {}).items() if c in codes}
        total = sum(raw.values(), Decimal(0))
        return {k: v / total for k, v in raw.items()} if total else {}
    return {m: Decimal(1) / Decimal(len(members)) for m in members}


def apply_rules(ws: Workspace) -> dict[str, int]:
    with ws.write("costs") as tx:
        return apply_rules_tx(tx)


def totals_by_initiative(ws: Workspace) -> dict[str, dict[str, Decimal]]:
    """{initiative code or 'unallocated': {currency: amount}} — never summed across currencies."""
    with ws.read() as s:
        out: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        codes = dict(s.execute(select(Initiative.id, Initiative.code)).all())
        allocated: dict[int, Decimal] = defaultdict(Decimal)
        for rec_id, init_id, amount, currency in s.execute(
                select(Allocation.cost_record_id, Allocation.initiative_id, Allocation.amount, Allocation.currency)):
            out[codes[init_id]][currency] += amount
            allocated[rec_id] += amount
        for rec_id, cost, currency in s.execute(
                select(CostRecord.id, CostRecord.effective_cost, CostRecord.billing_currency)):
            rest = cost - allocated.get(rec_id, Decimal(0))
            if rest:
                out["unallocated"][currency] += rest
        return {k: dict(v) for k, v in out.items()}
