"""Every service: valid input lands with an audit event; invalid input names the field and writes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from opsdesk.domain.enums import AgendaKind, ConformanceStatus, LineageKind, NodeKind, Stage, VoteChoice
from opsdesk.errors import ConflictError, NotFoundError, ValidationError
from opsdesk.services.committee import meetings
from opsdesk.services.registry import initiatives, lessons, metadata, objectives, people
from opsdesk.services.standards import catalog, conformance, skills
from opsdesk.store import audit


def _unchanged(ws, action, field):
    before = audit.count(ws)
    with pytest.raises(ValidationError) as info:
        action()
    assert info.value.field == field
    assert audit.count(ws) == before, "a refused action must write nothing"
    return info.value


def _init(ws, code="AI-0001", **extra):
    values = {"code": code, "name": "Benefits triage", "budget": "1000", "owner": "Ann"} | extra
    return initiatives.create(ws, values)


def test_objective_crud_and_audit(ws):
    o = objectives.create(ws, {"code": "OBJ-01", "title": "Faster services", "kpi_name": "Days"})
    assert objectives.get(ws, "OBJ-01").title == "Faster services"
    objectives.update(ws, "OBJ-01", {"title": "Much faster services"})
    hist = audit.history(ws, "objective", "OBJ-01")
    assert [h.action for h in hist] == ["update", "create"]
    assert ("title", "Faster services", "Much faster services") in hist[0].changes()
    _unchanged(ws, lambda: objectives.create(ws, {"code": "OBJ-01", "title": "dup"}), "code")
    _unchanged(ws, lambda: objectives.create(ws, {"code": "objective one", "title": "x"}), "code")
    objectives.delete(ws, o.code)
    assert objectives.list_all(ws) == []


def test_initiative_create_update_and_validation(ws):
    objectives.create(ws, {"code": "OBJ-01", "title": "Faster services"})
    d = initiatives.create(ws, {"code": "AI-0001", "name": "Triage", "budget": "250000.50", "currency": "EUR",
                                "start_date": "2026-01-01", "end_date": "2026-12-31", "tags": "nlp, casework"},
                           objectives={"OBJ-01": 0.5})
    assert d.stage is Stage.PROPOSED and d.budget == Decimal("250000.50") and d.tags == ["nlp", "casework"]
    assert d.objectives == [("OBJ-01", "Faster services", Decimal("0.5"))]
    _unchanged(ws, lambda: _init(ws, "AI-0001"), "code")
    _unchanged(ws, lambda: _init(ws, "AI-0002", budget="-1"), "budget")
    _unchanged(ws, lambda: _init(ws, "AI-0002", currency="euro"), "currency")
    _unchanged(ws, lambda: _init(ws, "AI-0002", start_date="2026-05-01", end_date="2026-01-01"), "end_date")
    _unchanged(ws, lambda: _init(ws, "AI-0002", classification="TOP SECRET"), "classification")
    _unchanged(ws, lambda: initiatives.update(ws, "AI-0001", {"stage": "pilot"}), "stage")
    updated = initiatives.update(ws, "AI-0001", {"name": "Claims triage"})
    assert updated.name == "Claims triage" and updated.version == d.version + 1
    with pytest.raises(ConflictError):
        initiatives.update(ws, "AI-0001", {"name": "stale"}, expected_version=d.version)
    assert initiatives.get(ws, "AI-0001").name == "Claims triage"
    assert initiatives.next_code(ws) == "AI-0002"
    with pytest.raises(NotFoundError):
        initiatives.get(ws, "AI-9999")


def _voting_committee(ws):
    ids = []
    for i, disc in enumerate(["data", "ml", "finance", "executive"]):
        ids.append(people.create(ws, {"name": f"Member {i}", "email": f"m{i}@x.gov", "discipline": disc,
                                      "committee_role": "chair" if i == 0 else "member"}).id)
    return ids


def test_stage_change_needs_an_approving_gate_decision(ws):
    _init(ws)
    _unchanged(ws, lambda: initiatives.change_stage(ws, "AI-0001", Stage.PILOT, decision_id=None), "decision_id")
    _unchanged(ws, lambda: initiatives.change_stage(ws, "AI-0001", Stage.PILOT, decision_id=99), "decision_id")
    _unchanged(ws, lambda: initiatives.change_stage(ws, "AI-0001", Stage.EXPAND, decision_id=1), "stage")
    voters = _voting_committee(ws)
    mid = meetings.create_meeting(ws, {"title": "Q1"}, dt.datetime(2026, 1, 10, 10, tzinfo=dt.UTC))
    meetings.set_attendance(ws, mid, voters)
    item = meetings.add_item(ws, mid, AgendaKind.STAGE_GATE, "Gate", initiative_code="AI-0001",
                              target_stage=Stage.PILOT)
    deferred = meetings.record_decision(ws, item, "deferred", votes={v: VoteChoice.AGAINST for v in voters})
    _unchanged(ws, lambda: initiatives.change_stage(ws, "AI-0001", Stage.PILOT, decision_id=deferred), "decision_id")
    item2 = meetings.add_item(ws, mid, AgendaKind.STAGE_GATE, "Gate again", initiative_code="AI-0001",
                               target_stage=Stage.PILOT)
    ok = meetings.record_decision(ws, item2, "approved", votes={v: VoteChoice.FOR for v in voters})
    d = initiatives.change_stage(ws, "AI-0001", Stage.PILOT, decision_id=ok)
    assert d.stage is Stage.PILOT
    assert [(h.from_stage, h.to_stage, h.decision_id) for h in d.stage_history][-1] == (Stage.PROPOSED, Stage.PILOT, ok)
    assert audit.history(ws, "initiative", "AI-0001")[0].action == "change_stage"


def test_decision_refused_without_quorum_or_against_the_votes(ws):
    _init(ws)
    voters = _voting_committee(ws)
    mid = meetings.create_meeting(ws, {"title": "Q1"}, dt.datetime(2026, 1, 10, 10, tzinfo=dt.UTC))
    meetings.set_attendance(ws, mid, voters[:3])  # no executive present
    item = meetings.add_item(ws, mid, AgendaKind.REVIEW, "Review", initiative_code="AI-0001")
    err = _unchanged(ws, lambda: meetings.record_decision(ws, item, "noted", votes={}), "quorum")
    assert "Executive" in err.reason
    meetings.set_attendance(ws, mid, voters)
    tie = {voters[0]: "for", voters[1]: "for", voters[2]: "against", voters[3]: "against"}
    _unchanged(ws, lambda: meetings.record_decision(ws, item, "approved", votes=tie), "outcome")
    did = meetings.record_decision(ws, item, "approved", votes=tie, override_reason="Chair's casting vote")
    assert meetings.list_meetings(ws)[0].items[0].decision.id == did


def test_people_validation_and_deactivation(ws):
    p = people.create(ws, {"name": "Ann Lee", "email": "Ann.Lee@X.gov", "discipline": "finance"})
    assert p.email == "ann.lee@x.gov"
    _unchanged(ws, lambda: people.create(ws, {"name": "B", "email": "ann.lee@x.gov", "discipline": "data"}), "email")
    _unchanged(ws, lambda: people.create(ws, {"name": "B", "email": "not-an-email", "discipline": "data"}), "email")
    _unchanged(ws, lambda: people.create(ws, {"name": "B", "email": "b@x.gov", "discipline": "astrology"}),
               "discipline")
    people.deactivate(ws, p.id)
    assert people.list_all(ws) == []
    assert [x.name for x in people.list_all(ws, include_inactive=True)] == ["Ann Lee"]


def test_data_assets_models_and_lineage(ws):
    _init(ws)
    a = metadata.create_asset(ws, {"name": "claims.curated", "contains_pii": "yes", "owner": "Data team"})
    assert a.contains_pii is True
    _unchanged(ws, lambda: metadata.create_asset(ws, {"name": "claims.curated"}), "name")
    m = metadata.create_model(ws, {"name": "triage", "version_label": "2", "framework": "sklearn",
                                   "initiative_code": "AI-0001"})
    assert m.initiative_code == "AI-0001"
    _unchanged(ws, lambda: metadata.create_model(ws, {"name": "triage", "version_label": "2"}), "version_label")
    _unchanged(ws, lambda: metadata.create_model(ws, {"name": "x", "initiative_code": "AI-0404"}), "initiative_code")
    metadata.add_link(ws, (NodeKind.DATA_ASSET, a.id), (NodeKind.MODEL, m.id), LineageKind.TRAINED_ON)
    init_id = initiatives.get(ws, "AI-0001").id
    metadata.add_link(ws, (NodeKind.MODEL, m.id), (NodeKind.INITIATIVE, init_id), LineageKind.USED_BY)
    _unchanged(ws, lambda: metadata.add_link(ws, ("model", m.id), ("model", m.id), "derived_from"), "target")
    _unchanged(ws, lambda: metadata.add_link(ws, ("data_asset", 999), ("model", m.id), "trained_on"), "source")
    edges = metadata.lineage_graph(ws, "AI-0001")
    assert {(e.source.label, e.target.label) for e in edges} == {
        ("claims.curated", "triage v2"), ("triage v2", "AI-0001 Benefits triage")}
    metadata.delete_model(ws, m.id)
    assert metadata.lineage_graph(ws) == []


def test_standards_requirements_and_conformance(ws):
    _init(ws)
    s = catalog.create_standard(ws, {"code": "DATA-FMT", "title": "Data formats", "category": "data_format"},
                                  [{"code": "DF-1", "text": "Parquet", "stages": ["pilot", "production"]}])
    assert [r.code for r in s.requirements] == ["DF-1"]
    _unchanged(ws, lambda: catalog.create_standard(
        ws, {"code": "X", "title": "t", "category": "other"}, [{"code": "R", "text": "t", "stages": ["someday"]}]),
        "requirements[1].stages")
    req = s.requirements[0].id
    _unchanged(ws, lambda: conformance.record_conformance(ws, "AI-0001", req, {"status": "waived"}), "waiver_reason")
    c = conformance.record_conformance(ws, "AI-0001", req, {"status": "waived", "waiver_reason": "tooling",
                                                          "waiver_approver": "Chair", "waiver_expires": "2027-01-01"})
    assert c.status is ConformanceStatus.WAIVED
    conformance.record_conformance(ws, "AI-0001", req, {"status": "met", "evidence": "schema published"})
    assert [x.status for x in conformance.list_conformance(ws, "AI-0001")] == [ConformanceStatus.MET]


def test_skills_and_training(ws):
    p = people.create(ws, {"name": "Ann", "email": "a@x.gov", "discipline": "data"})
    k = skills.create_skill(ws, {"name": "Drift detection", "discipline": "ml"})
    skills.set_level(ws, p.id, k.id, 3)
    assert skills.levels(ws) == {(p.id, k.id): 3}
    before = audit.count(ws)
    with pytest.raises(ValidationError) as info:
        skills.set_level(ws, p.id, k.id, 7)
    assert info.value.field == "level" and audit.count(ws) == before
    t = skills.add_training(ws, p.id, {"course": "MLOps", "hours": "7.5", "completed_on": "2026-03-01",
                                       "discipline": "ml"})
    assert t.hours == Decimal("7.5")
    _unchanged(ws, lambda: skills.add_training(ws, p.id, {"course": "X", "completed_on": "2026-03-01",
                                                          "discipline": "ml", "expires_on": "2025-01-01"}),
               "expires_on")


def test_lessons_and_similar_initiatives(ws):
    objectives.create(ws, {"code": "OBJ-01", "title": "Faster"})
    initiatives.create(ws, {"code": "AI-0001", "name": "A", "tags": ["nlp"]}, objectives={"OBJ-01": 1})
    initiatives.create(ws, {"code": "AI-0002", "name": "B", "tags": ["vision"]}, objectives={"OBJ-01": 1})
    initiatives.create(ws, {"code": "AI-0003", "name": "C", "tags": ["nlp"]})
    lessons.create(ws, "AI-0002", {"stage": "pilot", "what_happened": "Data late", "recorded_on": "2026-01-01"})
    lessons.create(ws, "AI-0003", {"stage": "pilot", "what_happened": "Costs doubled", "recorded_on": "2026-02-01"})
    _unchanged(ws, lambda: lessons.create(ws, "AI-0001", {"stage": "pilot", "what_happened": "",
                                                          "recorded_on": "2026-01-01"}), "what_happened")
    found = {lesson.what_happened: why for lesson, why in lessons.similar(ws, "AI-0001")}
    assert found == {"Data late": "shares an objective", "Costs doubled": "shares tags nlp"}


def test_read_only_workspace_refuses_writes(sqlite_ws, tmp_path):
    ws = sqlite_ws
    from opsdesk.errors import ReadOnlyError
    from opsdesk.services.workspace import lifecycle

    ws.close()
    ro = lifecycle.open_workspace(tmp_path / "test.opsdesk", read_only=True)
    with pytest.raises(ReadOnlyError):
        _init(ro)
    ro.close()


def test_training_hours_read_back_exact_and_canonical_on_every_row(ws):
    from opsdesk.services.registry import people
    from opsdesk.services.standards import skills

    p = people.create(ws, {"name": "Ann", "email": "ann@example.gov", "discipline": "data"})
    for hours in ("7.50", "7.5", "12", "0.25"):
        skills.add_training(ws, p.id, {"course": f"C {hours}", "hours": hours, "completed_on": "2026-03-01",
                                       "discipline": "data"})
    read = sorted((t.course, t.hours) for t in skills.list_training(ws))
    assert read == [("C 0.25", Decimal("0.25")), ("C 12", Decimal("12")), ("C 7.5", Decimal("7.5")),
                    ("C 7.50", Decimal("7.5"))]
    assert [str(h) for _c, h in read] == ["0.25", "12", "7.5", "7.5"]
