"""Allocation rules as data: list, create, edit, delete — each an audited action that re-applies the rules, so
the ledger always matches the rules the committee sees."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from opsdesk.analytics.allocation import MATCH_KEYS, SPLITS, describe_match, describe_target
from opsdesk.errors import ValidationError
from opsdesk.services.finance.costs import apply_rules_tx
from opsdesk.store import records
from opsdesk.store.models import AllocationRule, Initiative
from opsdesk.store.workspace import Tx, Workspace

ENTITY = "allocation_rule"


@dataclass(frozen=True)
class RuleDTO:
    id: int
    name: str
    priority: int
    match: dict[str, Any]
    target: dict[str, Any]
    active: bool
    version: int
    match_text: str
    target_text: str


def _dto(rule: AllocationRule) -> RuleDTO:
    return RuleDTO(rule.id, rule.name, rule.priority, dict(rule.match or {}), dict(rule.target or {}), rule.active,
                   rule.version, describe_match(rule.match or {}), describe_target(rule.target or {}))


def list_rules(ws: Workspace) -> list[RuleDTO]:
    with ws.read() as s:
        return [_dto(r) for r in s.scalars(select(AllocationRule).order_by(AllocationRule.priority,
                                                                            AllocationRule.id))]


def clean_rule(tx: Tx, values: Mapping[str, Any]) -> dict[str, Any]:  # noqa: C901
    """Check a rule before it is stored; every problem names its field."""
    name = str(values.get("name") or "").strip()
    if not name:
        raise ValidationError("name", "is required", entity=ENTITY)
    if len(name) > 200:
        raise ValidationError("name", "is longer than 200 characters", entity=ENTITY)
    try:
        priority = int(values.get("priority", 100))
    except (TypeError, ValueError):
        raise ValidationError("priority", f"'{values.get('priority')}' is not a whole number", entity=ENTITY) from None
    if not 0 <= priority <= 100_000:
        raise ValidationError("priority", "must be between 0 and 100000", entity=ENTITY)
    match = {k: str(v).strip() for k, v in dict(values.get("match") or {}).items() if str(v or "").strip()}
    unknown = set(match) - set(MATCH_KEYS)
    if unknown:
        raise ValidationError("match", f"'{sorted(unknown)[0]}' is not a match field ({', '.join(MATCH_KEYS)})",
                              entity=ENTITY)
    if not match or set(match) == {"tag_value"}:
        raise ValidationError("match", "give at least a tag key, a service, an account or a resource pattern",
                              entity=ENTITY)
    codes = set(tx.session.scalars(select(Initiative.code)))
    raw = dict(values.get("target") or {})
    target: dict[str, Any]
    if raw.get("from_tag"):
        target = {"from_tag": str(raw["from_tag"]).strip()}
    elif raw.get("initiative"):
        code = str(raw["initiative"]).strip()
        if code not in codes:
            raise ValidationError("target", f"the initiative {code} does not exist", entity=ENTITY)
        target = {"initiative": code}
    else:
        split = str(raw.get("split") or "even")
        if split not in SPLITS:
            raise ValidationError("target", f"'{split}' is not a split ({', '.join(SPLITS)})", entity=ENTITY)
        members = [str(c).strip() for c in raw.get("initiatives") or [] if str(c).strip()]
        if split == "fixed":
            shares: dict[str, str] = {}
            for code, value in dict(raw.get("shares") or {}).items():
                try:
                    amount = Decimal(str(value))
                except InvalidOperation:
                    raise ValidationError("target", f"the share of {code} ('{value}') is not a number",
                                          entity=ENTITY) from None
                if not amount.is_finite() or amount <= 0:
                    raise ValidationError("target", f"the share of {code} must be more than 0", entity=ENTITY)
                shares[str(code).strip()] = str(amount)
            members = sorted(shares)
            if not shares:
                raise ValidationError("target", "a fixed split needs at least one initiative with a share",
                                      entity=ENTITY)
        missing = [c for c in members if c not in codes]
        if missing:
            raise ValidationError("target", f"the initiative {missing[0]} does not exist", entity=ENTITY)
        if not members:
            raise ValidationError("target", "name the initiatives that share the cost", entity=ENTITY)
        target = {"split": split, "initiatives": members}
        if split == "fixed":
            target["shares"] = shares
        if split == "metric":
            metric = str(raw.get("metric") or "").strip()
            if not metric:
                raise ValidationError("target", "a split by metric needs the metric's name", entity=ENTITY)
            target["metric"] = metric
    return {"name": name, "priority": priority, "match": match, "target": target,
            "active": bool(values.get("active", True))}


def create_rule(ws: Workspace, values: Mapping[str, Any]) -> RuleDTO:
    with ws.write("costs") as tx:
        rule = AllocationRule(**clean_rule(tx, values))
        tx.add(rule, ENTITY, key=rule.name)
        apply_rules_tx(tx, f"rule '{rule.name}' created")
        return _dto(rule)


def update_rule(ws: Workspace, rule_id: int, values: Mapping[str, Any],
                expected_version: int | None = None) -> RuleDTO:
    with ws.write("costs") as tx:
        rule = records.get_by(tx.session, AllocationRule, ENTITY, id=rule_id)
        records.check_version(rule, expected_version, ENTITY)
        merged = {"name": rule.name, "priority": rule.priority, "match": rule.match, "target": rule.target,
                  "active": rule.active} | dict(values)
        if tx.update(rule, ENTITY, clean_rule(tx, merged), key=rule.id):
            apply_rules_tx(tx, f"rule '{rule.name}' changed")
        return _dto(rule)


def delete_rule(ws: Workspace, rule_id: int) -> None:
    with ws.write("costs") as tx:
        rule = records.get_by(tx.session, AllocationRule, ENTITY, id=rule_id)
        name = rule.name
        tx.delete(rule, ENTITY, key=rule_id)
        apply_rules_tx(tx, f"rule '{name}' deleted")
