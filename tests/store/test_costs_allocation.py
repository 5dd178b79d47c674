"""Allocation rules as audited data, the ledger per currency, and the exchange-rate table."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from opsdesk.errors import ValidationError
from opsdesk.services.finance import allocation_rules, costs, exchange_rates
from opsdesk.store.models import AuditEvent


def test_demo_rules_are_listed_with_plain_descriptions(demo_ws):
    rules = allocation_rules.list_rules(demo_ws)
    assert [r.name for r in rules][:2] == ["Initiative tag", "Shared ML platform, split evenly"]
    assert rules[0].target_text == "the initiative named by tag opsdesk-initiative"
    assert rules[1].match_text == "tag shared = ml-platform"


def test_editing_a_rule_reapplies_the_rules_with_an_audit_event(demo_ws):
    before = costs.totals(demo_ws)
    assert before["unallocated"]["USD"] > 0
    rule = allocation_rules.create_rule(demo_ws, {"name": "Monitoring to the platform", "priority": 30,
                                                  "match": {"service": "Monitoring"},
                                                  "target": {"split": "fixed", "shares": {"AI-0001": 3,
                                                                                          "AI-0002": 1}}})
    after = costs.totals(demo_ws)
    assert after["unallocated"]["USD"] < before["unallocated"]["USD"]
    assert after["currencies"] == before["currencies"], "allocation moves cost, never creates or loses it"
    with demo_ws.read() as s:
        actions = [(e.action, e.entity, e.note) for e in s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())
                                                                 .limit(2))]
    assert actions[0] == ("apply_rules", "allocation", "rule 'Monitoring to the platform' created")
    allocation_rules.update_rule(demo_ws, rule.id, {"active": False}, expected_version=rule.version)
    assert costs.totals(demo_ws)["unallocated"] == before["unallocated"]
    allocation_rules.delete_rule(demo_ws, rule.id)
    assert rule.id not in {r.id for r in allocation_rules.list_rules(demo_ws)}


@pytest.mark.parametrize(("values", "field"), [
    ({"name": "", "match": {"service": "x"}, "target": {"initiative": "AI-0001"}}, "name"),
    ({"name": "r", "match": {}, "target": {"initiative": "AI-0001"}}, "match"),
    ({"name": "r", "match": {"colour": "red"}, "target": {"initiative": "AI-0001"}}, "match"),
    ({"name": "r", "match": {"service": "x"}, "target": {"initiative": "AI-9999"}}, "target"),
    ({"name": "r", "match": {"service": "x"}, "target": {"split": "fixed", "shares": {"AI-0001": -1}}}, "target"),
    ({"name": "r", "match": {"service": "x"}, "target": {"split": "metric", "initiatives": ["AI-0001"]}}, "target"),
    ({"name": "r", "priority": "soon", "match": {"service": "x"}, "target": {"initiative": "AI-0001"}}, "priority"),
])
def test_a_bad_rule_names_its_field_and_writes_nothing(demo_ws, values, field):
    count = len(allocation_rules.list_rules(demo_ws))
    with pytest.raises(ValidationError) as err:
        allocation_rules.create_rule(demo_ws, values)
    assert err.value.field == field
    assert len(allocation_rules.list_rules(demo_ws)) == count


def test_split_proportional_to_a_metric(demo_ws):
    allocation_rules.create_rule(demo_ws, {
        "name": "Shared by predictions", "priority": 1, "match": {"tag_key": "shared"},
        "target": {"split": "metric", "initiatives": ["AI-0001", "AI-0004"], "metric": "Predictions served"}})
    ledger = {r.key: r for r in costs.ledger(demo_ws, "initiative")}
    assert ledger["AI-0001"].total > 0 and ledger["AI-0004"].total > 0
    assert "AI-0011" in ledger  # still gets its own tagged costs


def test_ledger_by_service_and_month_shows_the_unallocated_part(demo_ws):
    by_service = {r.key: r for r in costs.ledger(demo_ws, "service")}
    assert by_service["Monitoring"].allocated == 0 and by_service["Monitoring"].unallocated > 0
    assert by_service["Virtual Machines"].unallocated == 0
    months = costs.ledger(demo_ws, "month")
    assert len({r.key for r in months}) == 24 and all(r.total == r.allocated + r.unallocated for r in months)
    share = costs.unallocated_share(demo_ws)["USD"]
    assert Decimal("0") < share < Decimal("0.2")
    with pytest.raises(ValidationError):
        costs.ledger(demo_ws, "colour")


def test_exchange_rates_convert_and_refuse_without_a_rate(ws):
    with pytest.raises(ValidationError) as err:
        exchange_rates.convert(ws, {"EUR": Decimal("10"), "USD": Decimal("5")}, "USD")
    assert "no exchange rate from EUR to USD" in str(err.value)
    exchange_rates.set_rate(ws, "eur", "usd", "1.10", "2026-01-01")
    assert exchange_rates.convert(ws, {"EUR": Decimal("10"), "USD": Decimal("5")}, "USD") == Decimal("16.00")
    assert exchange_rates.convert(ws, {"USD": Decimal("11")}, "EUR") == Decimal("10.00")  # the inverse rate
    exchange_rates.set_rate(ws, "EUR", "USD", "1.20", "2026-01-01")  # same day: replaced, not doubled
    (rate,) = exchange_rates.list_rates(ws)
    assert rate.rate == Decimal("1.20")
    with pytest.raises(ValidationError):
        exchange_rates.set_rate(ws, "EUR", "USD", "-1", "2026-01-01")
    exchange_rates.delete_rate(ws, rate.id)
    assert exchange_rates.list_rates(ws) == []
