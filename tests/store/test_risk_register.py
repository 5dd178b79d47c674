"""The risk register, impact assessments and incidents, and what they do at a gate and on the attention list."""

from __future__ import annotations

import datetime as dt

import pytest

from opsdesk.analytics import bottlenecks
from opsdesk.domain.enums import AgendaKind, Stage
from opsdesk.domain.risk import Rating
from opsdesk.errors import ValidationError
from opsdesk.services.committee import actions, gates
from opsdesk.services.committee import meetings as committee
from opsdesk.services.registry import initiatives, metrics, people
from opsdesk.services.risk import assessments, incidents, risks
from opsdesk.store import audit

T0 = dt.datetime(2026, 1, 10, 10, tzinfo=dt.UTC)
TODAY = dt.date(2026, 1, 10)


def _refused(ws, action, field):
    before = audit.count(ws)
    with pytest.raises(ValidationError) as info:
        action()
    assert info.value.field == field, info.value
    assert audit.count(ws) == before, "a refused action writes nothing"
    return info.value


@pytest.fixture
def reg(ws):
    ws.clock = lambda: T0
    initiatives.create(ws, {"code": "AI-0001", "name": "Benefits triage", "budget": "1000",
                            "risk_tier": "high_impact"})
    initiatives.create(ws, {"code": "AI-0002", "name": "Road defects", "budget": "1000"})
    voters = [people.create(ws, {"name": f"Member {d}", "email": f"{d}{i}@x.gov", "discipline": d,
                                 "committee_role": "chair" if d == "data" else "member"}).id
              for i, d in enumerate(("data", "ml", "finance", "executive", "executive"))]
    return ws, voters


RISK = {"title": "Model underperforms for older claimants", "category": "bias_and_fairness", "likelihood": 4,
        "impact": 4, "owner": "ml1@x.gov", "nist": ["MEASURE-2", "map-1"]}


def test_a_risk_has_inherent_and_residual_ratings_and_a_reference(reg):
    ws, _v = reg
    r = risks.create(ws, "AI-0001", {**RISK, "residual_likelihood": 2, "residual_impact": 3},
                     [{"action": "Fairness test per age band", "owner": "data0@x.gov", "due_on": "2026-03-01"}])
    assert r.ref == "AI-0001-R1" and r.inherent is Rating.HIGH and r.residual is Rating.MEDIUM
    assert r.nist == ["MEASURE-2", "MAP-1"] and r.owner == "ml1@x.gov"
    assert r.treated and [m.action for m in r.mitigations] == ["Fairness test per age band"]
    second = risks.create(ws, "AI-0001", {**RISK, "title": "Vendor lock-in", "category": "vendor",
                                          "likelihood": 5, "impact": 5})
    assert second.ref == "AI-0001-R2" and second.inherent is Rating.CRITICAL
    assert not second.treated and second.untreated_high  # no mitigation, residual = inherent
    inherent, residual = risks.heat_maps(risks.list_risks(ws))
    assert inherent[3][3] == 1 and inherent[4][4] == 1 and residual[2][1] == 1 and residual[4][4] == 1
    assert [x.ref for x in risks.list_risks(ws, residual="critical")] == ["AI-0001-R2"]


@pytest.mark.parametrize(("values", "field"), [
    ({"likelihood": 6}, "likelihood"),
    ({"category": "weather"}, "category"),
    ({"nist": ["MAP-9"]}, "nist"),
    ({"owner": "nobody@x.gov"}, "owner"),
    ({"residual_likelihood": 5, "residual_impact": 5}, "residual_likelihood"),
    ({"residual_likelihood": 2}, "residual_impact"),
    ({"treatment": "accept"}, "accepted_by"),
    ({"trigger_series": "No such KPI"}, "trigger_series"),
])
def test_a_risk_that_breaks_a_rule_is_refused_and_writes_nothing(reg, values, field):
    ws, _v = reg
    _refused(ws, lambda: risks.create(ws, "AI-0001", {**RISK, **values}), field)


def test_a_bad_mitigation_names_its_line(reg):
    ws, _v = reg
    err = _refused(ws, lambda: risks.create(ws, "AI-0001", RISK, [{"action": "ok"}, {"action": "x",
                                                                                    "due_on": "soon"}]),
                   "mitigations[2].due_on")
    assert "soon" in err.reason


def test_every_change_is_audited_and_a_deleted_risk_comes_back_with_its_reference(reg):
    ws, _v = reg
    r = risks.create(ws, "AI-0001", RISK, [{"action": "Test"}])
    risks.update(ws, r.id, {"residual_likelihood": 2, "residual_impact": 2},
                 [{"action": "Test", "status": "in_progress"}, {"action": "Monitor"}])
    events = audit.history(ws, "risk", "AI-0001-R1")
    assert [e.action for e in events][-2:] in (["update", "create"], ["create", "update"])
    before = risks.find(ws, "AI-0001-R1")
    risks.delete(ws, r.id)
    with pytest.raises(ValidationError):
        risks.find(ws, "AI-0001-R1")
    again = risks.create(ws, "AI-0001", before.values(), before.mitigation_values(), number=before.number)
    assert again.ref == "AI-0001-R1" and again.mitigation_values() == before.mitigation_values()
    assert audit.verify(ws).ok


def test_a_kpi_breach_raises_the_linked_risk(reg):
    ws, _v = reg
    series = metrics.create_series(ws, {"name": "Feature drift (PSI)", "discipline": "mlops", "unit": "psi",
                                     "direction": "lower_is_better", "green_threshold": 0.1,
                                     "amber_threshold": 0.2}, initiative_code="AI-0001")
    day = 86400
    start = int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp())
    metrics.record_points(ws, series.id, [(start + k * day, 0.05) for k in range(5)])
    r = risks.create(ws, "AI-0001", {**RISK, "residual_likelihood": 1, "residual_impact": 4,
                                     "trigger_series": "Feature drift (PSI)"}, [{"action": "Retrain monthly"}])
    assert not r.raised and r.residual is Rating.LOW and r.treated
    metrics.record_points(ws, series.id, [(start + k * day, 0.35) for k in range(5, 9)])
    raised = risks.find(ws, r.ref)
    assert "Feature drift (PSI) is red" in raised.raised
    assert raised.residual is Rating.HIGH and raised.untreated_high
    found = [a for a in bottlenecks.attention(ws, TODAY) if a.kind == "risk"]
    assert found and found[0].initiative_code == "AI-0001" and r.ref in found[0].reason


def test_impact_assessments_are_versioned_and_approval_fixes_a_version(reg):
    ws, _v = reg
    a = assessments.new_version(ws, "AI-0001", {"purpose": "Triage benefit claims", "assessor": "ml1@x.gov"})
    assert a.version_number == 1 and not a.current
    err = _refused(ws, lambda: assessments.approve(ws, a.id, "data0@x.gov"), "affected_groups")
    assert "Potential harms" in err.reason
    full = {n: f"{n} text" for n in assessments.TEXT_FIELDS}
    assessments.update(ws, a.id, full)
    _refused(ws, lambda: assessments.approve(ws, a.id, "ml1@x.gov"), "approver")  # the assessor
    ok = assessments.approve(ws, a.id, "data0@x.gov", TODAY)
    assert ok.current and ok.approver == "Member data" and ok.review_by is None
    _refused(ws, lambda: assessments.update(ws, a.id, {"purpose": "changed"}), "status")
    v2 = assessments.new_version(ws, "AI-0001", {"conclusion": "Revised after the pilot"})
    assert v2.version_number == 2 and v2.purpose == "purpose text" and v2.status.value == "draft"
    assert assessments.current(ws, "AI-0001").version_number == 1  # a draft does not replace it
    later = assessments.current(ws, "AI-0001", TODAY + dt.timedelta(days=400))
    assert later is not None and not later.current and "review was due" in later.currency_note


def test_gate_criteria_include_risks_assessment_and_incidents(reg):
    ws, _v = reg
    crit = {c.name: c for c in gates.gate_criteria(ws, "AI-0001", Stage.PILOT, TODAY) if c.group == "Risk"}
    assert set(crit) == {"No untreated high residual risk", "Current approved impact assessment",
                         "No open serious incident"}
    # an empty register is no evidence that the risks are known: not met, and it says so
    assert not crit["No untreated high residual risk"].met and "none" in crit["No untreated high residual risk"].note
    assert not crit["Current approved impact assessment"].met
    assert crit["No open serious incident"].met
    risks.create(ws, "AI-0001", RISK)
    incidents.create(ws, "AI-0001", {"title": "Wrong denials", "occurred_on": "2026-01-05",
                                     "detected_on": "2026-01-06", "severity": 2})
    crit = {c.name: c for c in gates.gate_criteria(ws, "AI-0001", Stage.PILOT, TODAY) if c.group == "Risk"}
    assert not crit["No untreated high residual risk"].met and "AI-0001-R1" in crit["No untreated high residual risk"].note
    assert not crit["No open serious incident"].met and "AI-0001-INC1" in crit["No open serious incident"].note
    low = {c.name for c in gates.gate_criteria(ws, "AI-0002", Stage.PILOT, TODAY) if c.group == "Risk"}
    assert "Current approved impact assessment" not in low  # only high-impact initiatives need one


def test_a_gate_cannot_approve_over_an_open_serious_incident_without_an_override(reg):
    ws, voters = reg
    mid = committee.create_meeting(ws, {"title": "Q1"}, T0)
    committee.set_attendance(ws, mid, voters)
    item = committee.add_item(ws, mid, AgendaKind.STAGE_GATE, "AI-0002 to Pilot", initiative_code="AI-0002",
                              target_stage=Stage.PILOT)
    incidents.create(ws, "AI-0002", {"title": "Outage", "occurred_on": "2026-01-05", "detected_on": "2026-01-05",
                                     "severity": 1})
    err = _refused(ws, lambda: gates.record_gate_decision(ws, item, "approved", votes={v: "for" for v in voters}),
                   "incident_override")
    assert "AI-0002-INC1" in err.reason
    assert initiatives.get(ws, "AI-0002").stage is Stage.PROPOSED
    did = gates.record_gate_decision(ws, item, "approved", votes={v: "for" for v in voters},
                                     incident_override="Outage was in the old batch job the pilot replaces.")
    assert initiatives.get(ws, "AI-0002").stage is Stage.PILOT
    decision = committee.find_item(ws, item)[1].decision
    assert decision is not None and decision.id == did and "old batch job" in decision.incident_override


def test_an_open_serious_incident_on_a_production_initiative_tops_the_attention_list(reg):
    ws, voters = reg
    initiatives.create(ws, {"code": "AI-0003", "name": "Fraud scoring", "budget": "1000"})
    gate_mid = committee.create_meeting(ws, {"title": "Earlier gates"}, T0 - dt.timedelta(days=30))
    committee.set_attendance(ws, gate_mid, voters)
    for stage in (Stage.PILOT, Stage.EXPAND, Stage.PRODUCTION):
        it = committee.add_item(ws, gate_mid, AgendaKind.STAGE_GATE, f"to {stage.value}", initiative_code="AI-0003",
                                target_stage=stage)
        gates.record_gate_decision(ws, it, "approved", votes={v: "for" for v in voters})
    mid = committee.create_meeting(ws, {"title": "Q1"}, T0 + dt.timedelta(days=10))
    committee.add_item(ws, mid, AgendaKind.STAGE_GATE, "AI-0002 to Pilot", initiative_code="AI-0002",
                       target_stage=Stage.PILOT)
    incidents.create(ws, "AI-0003", {"title": "Scores leaked into logs", "occurred_on": "2026-01-02",
                                     "detected_on": "2026-01-03", "severity": 2, "reportable": True,
                                     "report_to": "Information Commissioner"})
    incidents.create(ws, "AI-0002", {"title": "Minor glitch", "occurred_on": "2026-01-02",
                                     "detected_on": "2026-01-03", "severity": 4})
    items = bottlenecks.attention(ws, TODAY)
    assert items[0].kind == "incident" and items[0].initiative_code == "AI-0003"
    assert "AI-0003-INC1" in items[0].reason and "severity 2" in items[0].reason
    assert not any(a.kind == "incident" and a.initiative_code == "AI-0002" and "glitch" in a.reason
                   and a.score > 100 for a in items)


def test_incident_rules_and_corrective_actions_are_action_items(reg):
    ws, _v = reg
    base = {"title": "Wrong letters sent", "occurred_on": "2026-01-05", "detected_on": "2026-01-06", "severity": 3}
    _refused(ws, lambda: incidents.create(ws, "AI-0001", {**base, "detected_on": "2026-01-01"}), "detected_on")
    _refused(ws, lambda: incidents.create(ws, "AI-0001", {**base, "reportable": True}), "report_to")
    _refused(ws, lambda: incidents.create(ws, "AI-0001", {**base, "severity": 5}), "severity")
    _refused(ws, lambda: incidents.create(ws, "AI-0001", {**base, "status": "closed", "resolved_on": "2026-01-07"}),
             "root_cause")
    x = incidents.create(ws, "AI-0001", base)
    aid = incidents.add_corrective_action(ws, x.id, "Re-send corrected letters", owner="data0@x.gov",
                                          due_on=dt.date(2026, 2, 1))
    assert [a.id for a in actions.list_actions(ws, initiative_code="AI-0001")] == [aid]
    got = incidents.find(ws, "AI-0001-INC1")
    assert [(a.title, a.owner) for a in got.actions] == [("Re-send corrected letters", "Member data")]
    incidents.update(ws, x.id, {"status": "closed", "resolved_on": "2026-01-09", "root_cause": "Template bug"})
    assert not incidents.find(ws, x.ref).open


def test_a_correction_is_held_only_to_incidents_known_when_the_decision_was_taken(reg):
    ws, voters = reg
    mid = committee.create_meeting(ws, {"title": "Q1"}, T0)
    committee.set_attendance(ws, mid, voters)
    item = committee.add_item(ws, mid, AgendaKind.STAGE_GATE, "AI-0002 to Pilot", initiative_code="AI-0002",
                              target_stage=Stage.PILOT)
    did = gates.record_gate_decision(ws, item, "approved", votes={v: "for" for v in voters})
    incidents.create(ws, "AI-0002", {"title": "Found later", "occurred_on": "2026-02-01",
                                     "detected_on": "2026-02-02", "severity": 1})
    fixed = committee.correct_decision(ws, did, reason="Rationale minuted wrongly", rationale="Corrected.")
    assert committee.find_item(ws, item)[1].decision.id == fixed
    incidents.create(ws, "AI-0002", {"title": "Known before", "occurred_on": "2026-01-01",
                                     "detected_on": "2026-01-02", "severity": 2})
    err = _refused(ws, lambda: committee.correct_decision(ws, fixed, reason="Again", rationale="Again."),
                   "incident_override")
    assert "Known before" in err.reason and "Found later" not in err.reason
