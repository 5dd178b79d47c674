"""Cost allocation methodology as a standard: which allocation rules implement which standard, and which
method each initiative's allocated costs followed."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from opsdesk.domain.enums import StandardCategory
from opsdesk.errors import ValidationError
from opsdesk.store import records
from opsdesk.store.models import Allocation, AllocationRule, Initiative, Standard
from opsdesk.store.workspace import Workspace


@dataclass(frozen=True)
class RuleMethod:
    id: int
    name: str
    priority: int
    method: str  # plain words: "initiative from tag opsdesk-initiative", "even split over 3 initiatives"
    active: bool
    standard_id: int | None
    standard: str  # "CODE version" or ""


@dataclass(frozen=True)
class InitiativeMethod:
    """How one initiative's allocated cost was allocated: per rule, the amount per currency."""

    initiative_code: str
    initiative_name: str
    rules: list[tuple[str, str]]  # (rule name, method)
    amounts: dict[str, dict[str, Decimal]] = field(default_factory=dict)  # rule name → currency → amount


def describe(match: dict[str, Any], target: dict[str, Any]) -> str:
    """A rule's method in the words the committee uses."""
    if "from_tag" in target:
        how = f"to the initiative named in tag '{target['from_tag']}'"
    elif "initiative" in target:
        how = f"all to {target['initiative']}"
    else:
        members = target.get("initiatives", [])
        split = target.get("split", "even")
        if split == "fixed":
            shares = ", ".join(f"{k} {v}" for k, v in target.get("shares", {}).items())
            how = f"fixed shares ({shares})"
        elif split == "metric":
            how = f"in proportion to {target.get('metric', 'a metric')} over {len(members)} initiatives"
        else:
            how = f"even split over {len(members)} initiatives ({', '.join(members)})"
    conditions = [f"tag {match['tag_key']}" + (f"={match['tag_value']}" if match.get("tag_value") else "")
                  if "tag_key" in match else "",
                  f"service {match['service']}" if "service" in match else "",
                  f"account {match['account']}" if "account" in match else "",
                  f"resource {match['resource_pattern']}" if "resource_pattern" in match else ""]
    when = ", ".join(c for c in conditions if c) or "every cost record"
    return f"{when} → {how}"


def _rule_method(rule: AllocationRule, std: Standard | None) -> RuleMethod:
    return RuleMethod(rule.id, rule.name, rule.priority, describe(rule.match or {}, rule.target or {}), rule.active,
                      rule.standard_id, f"{std.code} {std.version_label}" if std else "")


def link_rule(ws: Workspace, rule_id: int, standard_id: int | None) -> RuleMethod:
    """Say which cost-allocation standard an allocation rule implements (``None`` unlinks it)."""
    with ws.write("costs") as tx:
        rule = records.get_by(tx.session, AllocationRule, "allocation_rule", id=rule_id)
        std = None
        if standard_id is not None:
            std = records.get_by(tx.session, Standard, "standard", id=standard_id)
            if std.category is not StandardCategory.COST_ALLOCATION:
                raise ValidationError("standard_id", f"{std.code} is a {std.category.label.lower()} standard, not a "
                                                     "cost allocation methodology", entity="allocation_rule")
        tx.update(rule, "allocation_rule", {"standard_id": standard_id}, key=rule.name)
        return _rule_method(rule, std)


def rules(ws: Workspace, standard_id: int | None = None) -> list[RuleMethod]:
    """Allocation rules by priority; with ``standard_id`` only those implementing that standard."""
    with ws.read() as s:
        stds = {x.id: x for x in s.scalars(select(Standard))}
        stmt = select(AllocationRule).order_by(AllocationRule.priority, AllocationRule.id)
        if standard_id is not None:
            stmt = stmt.where(AllocationRule.standard_id == standard_id)
        return [_rule_method(r, stds.get(r.standard_id) if r.standard_id else None) for r in s.scalars(stmt)]


def methods_by_initiative(ws: Workspace, standard_id: int | None = None) -> list[InitiativeMethod]:
    """For every initiative with allocated cost: which rules (methods) its costs followed and how much each
    allocated, per currency. With ``standard_id``, only rules implementing that standard count."""
    with ws.read() as s:
        rule_rows = {r.id: r for r in s.scalars(select(AllocationRule))}
        inits = {i.id: i for i in s.scalars(select(Initiative))}
        amounts: dict[int, dict[int, dict[str, Decimal]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(Decimal)))
        for init_id, rule_id, currency, amount in s.execute(
                select(Allocation.initiative_id, Allocation.rule_id, Allocation.currency, Allocation.amount)):
            if rule_id is None:
                continue
            if standard_id is not None and rule_rows[rule_id].standard_id != standard_id:
                continue
            amounts[init_id][rule_id][currency] += amount
    out = []
    for init_id in sorted(amounts, key=lambda i: inits[i].code):
        by_rule = amounts[init_id]
        ordered = sorted(by_rule, key=lambda r: (rule_rows[r].priority, r))
        out.append(InitiativeMethod(
            inits[init_id].code, inits[init_id].name,
            [(rule_rows[r].name, describe(rule_rows[r].match or {}, rule_rows[r].target or {})) for r in ordered],
            {rule_rows[r].name: dict(by_rule[r]) for r in ordered}))
    return out
