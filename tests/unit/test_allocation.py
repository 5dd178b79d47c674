"""Allocation maths without a store."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from opsdesk.analytics.allocation import CostLine, Rule, allocate, rule_matches, split_amount, target_shares

CODES = ("AI-0001", "AI-0002", "AI-0003")
JAN = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def line(i: int = 1, amount: str = "100.00", **kw) -> CostLine:
    return CostLine(i, Decimal(amount), kw.pop("currency", "USD"), start=JAN, end=JAN + dt.timedelta(days=31), **kw)


def test_match_on_tags_service_account_and_resource_pattern():
    cost = line(service="Virtual Machines", account="dps-ai-prod", resource_id="/subs/dps/ai-0001/vm-3",
                tags={"Env": "prod"})
    assert rule_matches({"tag_key": "env", "tag_value": "PROD"}, cost)
    assert not rule_matches({"tag_key": "env", "tag_value": "dev"}, cost)
    assert rule_matches({"service": "virtual*"}, cost)
    assert rule_matches({"account": "dps-ai-*", "resource_pattern": "*/ai-0001/*"}, cost)
    assert not rule_matches({"account": "other"}, cost)
    assert not rule_matches({}, cost), "an empty match never takes everything"


def test_priority_decides_and_unallocated_stays_visible():
    rules = [Rule(2, 20, {"service": "*"}, {"initiative": "AI-0002"}),
             Rule(1, 10, {"tag_key": "team"}, {"from_tag": "team"}),
             Rule(3, 5, {"service": "Nothing"}, {"initiative": "AI-0003"})]
    shares, unallocated = allocate([line(1, tags={"team": "AI-0001"}), line(2, service="VM"),
                                    line(3, tags={"team": "AI-0009"}, service="")], rules[:2], CODES)
    assert [(s.cost_id, s.initiative, s.rule_id) for s in shares] == [(1, "AI-0001", 1), (2, "AI-0002", 2),
                                                                      (3, "AI-0002", 2)]
    assert unallocated == []
    _shares, left = allocate([line(4, service="VM")], [rules[2]], CODES)
    assert left == [4]


def test_even_fixed_and_metric_splits_add_up_exactly():
    cost = line(amount="100.00")
    even = target_shares({"split": "even", "initiatives": list(CODES)}, cost, CODES)
    parts = split_amount(cost.amount, even)
    assert sum(parts) == Decimal("100.00") and parts[0] == Decimal("33.333333")
    fixed = target_shares({"split": "fixed", "shares": {"AI-0001": 3, "AI-0002": 1}}, cost, CODES)
    assert fixed == {"AI-0001": Decimal("0.75"), "AI-0002": Decimal("0.25")}

    def weights(metric, members, start, end):
        assert metric == "Predictions served" and start == JAN
        return {"AI-0001": 300.0, "AI-0002": 100.0, "AI-0003": 0.0}

    by_metric = target_shares({"split": "metric", "initiatives": list(CODES), "metric": "Predictions served"},
                              cost, CODES, weights)
    assert by_metric == {"AI-0001": Decimal("0.75"), "AI-0002": Decimal("0.25")}
    assert target_shares({"split": "metric", "initiatives": ["AI-0001"], "metric": "x"}, cost, CODES,
                         lambda *a: {}) == {}, "no metric data: the rule does not apply, the cost stays visible"


@settings(max_examples=60)
@given(amount=st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=4),
       weights=st.lists(st.integers(1, 1000), min_size=1, max_size=6))
def test_split_parts_always_sum_to_the_amount(amount: Decimal, weights: list[int]):
    total = sum(weights)
    shares = {f"AI-{i:04d}": Decimal(w) / Decimal(total) for i, w in enumerate(weights)}
    assert sum(split_amount(amount, shares), Decimal(0)) == amount
