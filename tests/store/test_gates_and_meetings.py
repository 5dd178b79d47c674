"""Stage gates, recusal, corrections, closed meetings and the agenda built from the needs-the-committee list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from opsdesk.analytics.bottlenecks import AttentionItem
from opsdesk.domain.committee import Charter
from opsdesk.domain.enums import AgendaKind, MeetingStatus, Stage, VoteChoice
from opsdesk.errors import ValidationError
from opsdesk.services.committee import actions, agenda, charter, gates
from opsdesk.services.committee import meetings as committee
from opsdesk.services.registry import initiatives, lessons, metadata, metrics, people
from opsdesk.services.standards import catalog, conformance
from opsdesk.store import audit

T0 = dt.datetime(2026, 1, 10, 10, tzinfo=dt.UTC)


def _refused(ws, action, field):
    before = audit.count(ws)
    with pytest.raises(ValidationError) as info:
        action()
    assert info.value.field == field, info.value
    assert audit.count(ws) == before, "a refused action writes nothing"
    return info.value


@pytest.fixture
def setup(ws):
    initiatives.create(ws, {"code": "AI-0001", "name": "Benefits triage", "budget": "1000", "tags": ["nlp"],
                            "classification": "OFFICIAL"})
    voters = [people.create(ws, {"name": f"Member {d}", "email": f"{d}{i}@x.gov", "discipline": d,
                                 "committee_role": "chair" if d == "data" else "member"}).id
              for i, d in enumerate(("data", "ml", "finance", "executive", "executive"))]
    mid = committee.create_meeting(ws, {"title": "Q1"}, T0)
    committee.set_attendance(ws, mid, voters)
    item = committee.add_item(ws, mid, AgendaKind.STAGE_GATE, "AI-0001: gate to Pilot", initiative_code="AI-0001",
                              target_stage=Stage.PILOT)
    return ws, voters, mid, item


def test_approving_gate_decision_moves_the_stage_in_the_same_action(setup):
    ws, voters, _mid, item = setup
    before = audit.count(ws)
    did = gates.record_gate_decision(ws, item, "approved", votes={v: "for" for v in voters},
                                     rationale="Criteria met.", lesson={"what_happened": "Data came late.",
                                                                        "recommendation": "Ask early."})
    d = initiatives.get(ws, "AI-0001")
    assert d.stage is Stage.PILOT and d.stage_history[-1].decision_id == did
    actions_written = [e.action for e in audit.recent(ws, audit.count(ws) - before)]
    assert {"create", "votes", "change_stage"} <= set(actions_written)
    assert [x.stage for x in lessons.list_all(ws, "AI-0001")] == [Stage.PILOT]


def test_refused_gate_decision_leaves_stage_and_record_untouched(setup):
    ws, voters, mid, item = setup
    committee.set_attendance(ws, mid, voters[:3])  # no executive
    err = _refused(ws, lambda: gates.record_gate_decision(ws, item, "approved", votes={v: "for" for v in voters[:3]}),
                   "quorum")
    assert "Executive" in err.reason
    assert initiatives.get(ws, "AI-0001").stage is Stage.PROPOSED


def test_rejected_or_deferred_gate_keeps_the_stage(setup):
    ws, voters, _mid, item = setup
    gates.record_gate_decision(ws, item, "rejected", votes={v: "against" for v in voters})
    assert initiatives.get(ws, "AI-0001").stage is Stage.PROPOSED


def test_conflicted_member_is_recused_and_cannot_vote(setup):
    ws, voters, _mid, item = setup
    committee.declare_conflict(ws, item, voters[3], "Manages the owner.")
    _refused(ws, lambda: committee.record_decision(ws, item, "approved", votes={v: "for" for v in voters}), "votes")
    did = committee.record_decision(ws, item, "approved", votes={v: "for" for v in voters if v != voters[3]})
    meeting = committee.get_meeting(ws, _mid_of(ws))
    it = meeting.items[0]
    assert it.decision.id == did and it.decision.votes[voters[3]] is VoteChoice.RECUSED
    assert it.quorum.met and it.quorum.voting_present == 4  # the second executive keeps quorum
    assert it.conflicts[0].description == "Manages the owner."


def _mid_of(ws):
    return committee.list_meetings(ws)[0].id


def test_quorum_per_item_follows_recusals(setup):
    ws, voters, mid, item = setup
    other = committee.add_item(ws, mid, AgendaKind.REVIEW, "Review", initiative_code="AI-0001")
    committee.declare_conflict(ws, other, voters[3], "x")
    committee.declare_conflict(ws, other, voters[4], "y")
    items = {i.id: i for i in committee.get_meeting(ws, mid).items}
    assert items[item].quorum.met and not items[other].quorum.met
    assert any("Executive" in r for r in items[other].quorum.reasons)


def test_closed_meeting_is_read_only_and_corrections_are_new_records(setup):
    ws, voters, mid, item = setup
    did = gates.record_gate_decision(ws, item, "approved", votes={v: "for" for v in voters})
    committee.set_meeting_status(ws, mid, MeetingStatus.HELD)
    committee.set_meeting_status(ws, mid, MeetingStatus.CLOSED)
    _refused(ws, lambda: committee.set_attendance(ws, mid, voters[:2]), "meeting")
    _refused(ws, lambda: committee.add_item(ws, mid, AgendaKind.OTHER, "Late item"), "meeting")
    _refused(ws, lambda: committee.set_meeting_status(ws, mid, MeetingStatus.HELD), "status")
    _refused(ws, lambda: committee.correct_decision(ws, did, reason=" "), "reason")
    fixed = committee.correct_decision(ws, did, reason="Vote of Member finance was recorded wrongly",
                                       votes={**{v: "for" for v in voters}, voters[2]: "abstain"})
    it = committee.get_meeting(ws, mid).items[0]
    assert [d.id for d in it.history] == [did, fixed]
    assert it.decision.corrects_id == did and it.decision.tally.abstain == 1
    assert it.history[0].tally.abstain == 0, "the original record stays as it was"
    _refused(ws, lambda: committee.correct_decision(ws, did, reason="again"), "decision")


def test_charter_membership_and_classification_scheme(setup):
    ws, voters, mid, item = setup
    charter.set_charter(ws, Charter(min_voting_members=6, require_every_discipline=True))
    err = _refused(ws, lambda: committee.record_decision(ws, item, "noted", votes={}), "quorum")
    assert "needs 6" in err.reason
    _refused(ws, lambda: charter.set_charter(ws, Charter(voting_rule="unanimity")), "voting_rule")
    charter.set_member_role(ws, voters[4], "observer")
    c = charter.get(ws)
    assert {m.person_id for m in c.members if m.voting} == set(voters[:4])
    _refused(ws, lambda: charter.set_classification_scheme(ws, ["SECRET"]), "classification_scheme")
    charter.set_classification_scheme(ws, ["OFFICIAL", "PROTECTED", "SECRET"])
    assert charter.get(ws).classification_scheme == ("OFFICIAL", "PROTECTED", "SECRET")


def test_gate_criteria_with_known_answers(setup):
    ws, _voters, _mid, _item = setup
    std = catalog.create_standard(ws, {"code": "DATA-FMT", "title": "Formats", "category": "data_format",
                                         "status": "adopted"},
                                    [{"code": "DF-1", "text": "Parquet", "stages": ["pilot"]},
                                     {"code": "DF-2", "text": "Owner named", "stages": ["pilot", "expand"]},
                                     {"code": "DF-3", "text": "Only later", "stages": ["production"]}])
    conformance.record_conformance(ws, "AI-0001", std.requirements[0].id, {"status": "met"})
    s = metrics.create_series(ws, {"discipline": "dataops", "name": "Data quality score", "unit": "%",
                                   "green_threshold": 95, "amber_threshold": 90}, initiative_code="AI-0001")
    with ws.write() as tx:
        metrics.insert_points_tx(tx, [(s.id, 1_767_000_000, 80.0)])
    crit = {(c.group, c.name): c for c in gates.gate_criteria(ws, "AI-0001", Stage.PILOT, dt.date(2026, 1, 10))}
    assert crit[("Standards", "DATA-FMT DF-1")].met is True
    assert crit[("Standards", "DATA-FMT DF-2")].met is False  # not assessed
    assert ("Standards", "DATA-FMT DF-3") not in crit
    quality = crit[("KPIs", "Data quality score")]
    assert quality.met is False and quality.status == "red"
    assert crit[("Budget", "Spend within budget")].met is True  # nothing spent of 1000
    assert crit[("Team", "Disciplines covered")].met is False
    assert crit[("Risk", "No untreated high residual risk")].met is False  # no risk identified: no evidence
    view = gates.gate_view(ws, "AI-0001")
    assert view.target is Stage.PILOT and len(view.unmet) == 4
    assert gates.recommend(view).startswith("Defer")


def test_agenda_built_from_attention_items(setup):
    ws, _voters, mid, _item = setup
    initiatives.create(ws, {"code": "AI-0002", "name": "Fraud", "budget": "10"})
    items = [AttentionItem("AI-0001", "gate_request", "asked by the owner", 9.0),  # already on agenda
             AttentionItem("AI-0002", "gate_request", "pilot ready", 8.0),
             AttentionItem("AI-0002", "budget", "forecast overrun", 7.0),
             AttentionItem("AI-0002", "budget", "second budget signal", 6.0),
             AttentionItem(None, "non_conformance", "security standard lapses", 5.0)]
    proposed = agenda.proposals(ws, items, mid)
    assert [(p.kind, p.initiative_code, p.target_stage) for p in proposed] == [
        (AgendaKind.STAGE_GATE, "AI-0002", Stage.PILOT), (AgendaKind.BUDGET, "AI-0002", None),
        (AgendaKind.STANDARD, None, None)]
    ids = agenda.add_proposals(ws, mid, proposed)
    added = {i.id: i for i in committee.get_meeting(ws, mid).items}
    gate = added[ids[0]]
    assert gate.options.startswith("Approve the move to Pilot") and gate.recommendation
    assert [added[i].position for i in ids] == [2, 3, 4]


def test_overdue_actions_and_actions_per_initiative(setup):
    ws, voters, _mid, _item = setup
    a = actions.add_action(ws, "Report drift", initiative_code="AI-0001", owner_id=voters[0],
                           due_on=dt.date(2026, 2, 1))
    actions.add_action(ws, "Later", initiative_code="AI-0001", due_on=dt.date(2026, 9, 1))
    assert [x.id for x in actions.overdue_actions(ws, dt.date(2026, 3, 1))] == [a]
    actions.set_action_status(ws, a, "done")
    assert actions.overdue_actions(ws, dt.date(2026, 3, 1)) == []
    assert [x.title for x in actions.list_actions(ws, initiative_code="AI-0001")] == ["Report drift", "Later"]
    assert actions.list_actions(ws)[0].owner == "Member data"


def test_similar_lessons_share_data_assets(ws):
    from opsdesk.store.models import InitiativeDataAsset

    initiatives.create(ws, {"code": "AI-0001", "name": "A"})
    initiatives.create(ws, {"code": "AI-0002", "name": "B"})
    asset = metadata.create_asset(ws, {"name": "claims.parquet"})
    with ws.write() as tx:
        for init_id in (1, 2):
            tx.session.add(InitiativeDataAsset(initiative_id=init_id, data_asset_id=asset.id))
    lessons.create(ws, "AI-0002", {"stage": "pilot", "what_happened": "Claims data drifted",
                                   "recorded_on": "2026-01-01"})
    found = lessons.similar(ws, "AI-0001")
    assert [(x.what_happened, why) for x, why in found] == [("Claims data drifted", "uses data claims.parquet")]
    assert Decimal("0") == initiatives.get(ws, "AI-0001").budget
