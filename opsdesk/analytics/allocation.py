"""Cost allocation maths, free of the store: which rule takes a cost line, and how its amount is split.

Rules are data (priority, match, target). The first active rule by priority whose match fits the line and whose
target can be worked out takes the whole line; a line no rule takes stays unallocated (and visible as such).
Splits are exact: the parts of an amount always add up to it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fnmatch import fnmatchcase
from typing import Any

SHARE_QUANTUM = Decimal("0.000001")
AMOUNT_QUANTUM = Decimal("0.000001")
MATCH_KEYS = ("tag_key", "tag_value", "service", "account", "resource_pattern")
SPLITS = ("even", "fixed", "metric")

#: (metric name, initiative codes, period start, period end) → {code: weight}
MetricWeights = Callable[[str, Sequence[str], dt.datetime, dt.datetime], Mapping[str, float]]


@dataclass(frozen=True)
class CostLine:
    id: int
    amount: Decimal
    currency: str
    service: str = ""
    account: str = ""
    resource_id: str = ""
    tags: Mapping[str, Any] = field(default_factory=dict)
    start: dt.datetime | None = None
    end: dt.datetime | None = None


@dataclass(frozen=True)
class Rule:
    id: int
    priority: int
    match: Mapping[str, Any]
    target: Mapping[str, Any]
    name: str = ""


@dataclass(frozen=True)
class Share:
    cost_id: int
    initiative: str
    rule_id: int
    share: Decimal
    amount: Decimal
    currency: str


def rule_matches(match: Mapping[str, Any], line: CostLine) -> bool:
    """Every condition given must hold; globs (``*``, ``?``) are allowed, service and tags ignore case."""
    if not any(match.get(k) not in (None, "") for k in MATCH_KEYS):
        return False  # an empty match would silently take everything
    tags = {str(k).lower(): v for k, v in (line.tags or {}).items()}
    key = str(match.get("tag_key") or "").lower()
    if key:
        if key not in tags:
            return False
        wanted = match.get("tag_value")
        if wanted not in (None, "", "*") and not fnmatchcase(str(tags[key]).lower(), str(wanted).lower()):
            return False
    if match.get("service") and not fnmatchcase(line.service.lower(), str(match["service"]).lower()):
        return False
    if match.get("account") and not fnmatchcase(line.account, str(match["account"])):
        return False
    return not (match.get("resource_pattern") and not fnmatchcase(line.resource_id, str(match["resource_pattern"])))


def target_shares(target: Mapping[str, Any], line: CostLine, known: Iterable[str],
                  weights: MetricWeights | None = None) -> dict[str, Decimal]:
    """Initiative code → share (summing to 1) for one line, or {} when the target cannot be worked out."""
    codes = set(known)
    if target.get("from_tag"):  # the tag's value is the initiative code
        tags = {str(k).lower(): v for k, v in (line.tags or {}).items()}
        code = str(tags.get(str(target["from_tag"]).lower(), ""))
        return {code: Decimal(1)} if code in codes else {}
    if target.get("initiative"):
        return {target["initiative"]: Decimal(1)} if target["initiative"] in codes else {}
    members = [c for c in target.get("initiatives", []) if c in codes]
    split = target.get("split", "even")
    if split == "fixed":
        raw = {c: Decimal(str(v)) for c, v in (target.get("shares") or {}).items() if c in codes and Decimal(str(v)) > 0}
        total = sum(raw.values(), Decimal(0))
        return {c: v / total for c, v in sorted(raw.items())} if total else {}
    if not members:
        return {}
    if split == "metric":
        if weights is None or not target.get("metric") or line.start is None:
            return {}
        got = weights(str(target["metric"]), members, line.start, line.end or line.start)
        raw = {c: Decimal(str(got.get(c, 0.0))) for c in members if got.get(c, 0.0) > 0}
        total = sum(raw.values(), Decimal(0))
        return {c: v / total for c, v in sorted(raw.items())} if total else {}
    return {m: Decimal(1) / Decimal(len(members)) for m in sorted(set(members))}


def split_amount(amount: Decimal, shares: Mapping[str, Decimal]) -> list[Decimal]:
    """Split ``amount`` by ``shares`` so the parts add up to it exactly (the last part takes the rounding)."""
    values = list(shares.values())
    parts = [(amount * s).quantize(AMOUNT_QUANTUM) for s in values[:-1]]
    parts.append(amount - sum(parts, Decimal(0)))
    return parts


def allocate(lines: Iterable[CostLine], rules: Sequence[Rule], known: Iterable[str],
             weights: MetricWeights | None = None) -> tuple[list[Share], list[int]]:
    """(shares, ids of unallocated lines). Rules are tried by (priority, id)."""
    ordered = sorted(rules, key=lambda r: (r.priority, r.id))
    codes = set(known)
    shares: list[Share] = []
    unallocated: list[int] = []
    for line in lines:
        for rule in ordered:
            if not rule_matches(rule.match, line):
                continue
            split = target_shares(rule.target, line, codes, weights)
            if not split:
                continue
            for (code, share), amount in zip(split.items(), split_amount(line.amount, split), strict=True):
                shares.append(Share(line.id, code, rule.id, share.quantize(SHARE_QUANTUM), amount, line.currency))
            break
        else:
            unallocated.append(line.id)
    return shares, unallocated


def describe_match(match: Mapping[str, Any]) -> str:
    parts = []
    if match.get("tag_key"):
        value = match.get("tag_value")
        parts.append(f"tag {match['tag_key']}" + (f" = {value}" if value not in (None, "", "*") else ""))
    for key, label in (("service", "service"), ("account", "account"), ("resource_pattern", "resource")):
        if match.get(key):
            parts.append(f"{label} {match[key]}")
    return " and ".join(parts) or "nothing"


def describe_target(target: Mapping[str, Any]) -> str:
    if target.get("from_tag"):
        return f"the initiative named by tag {target['from_tag']}"
    if target.get("initiative"):
        return str(target["initiative"])
    split = target.get("split", "even")
    if split == "fixed":
        return "fixed: " + ", ".join(f"{c} {v}" for c, v in sorted((target.get("shares") or {}).items()))
    members = ", ".join(target.get("initiatives", []))
    if split == "metric":
        return f"by {target.get('metric', '?')}: {members}"
    return f"even: {members}"
