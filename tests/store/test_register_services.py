"""The services behind the desktop registers: alignment, the initiative dossier, safe deletes and undo support."""

from __future__ import annotations

from decimal import Decimal

import pytest

from opsdesk.domain.enums import LineageKind, NodeKind
from opsdesk.errors import ValidationError
from opsdesk.services.committee import dossier
from opsdesk.services.registry import alignment, initiatives, metadata, objectives
from opsdesk.store import audit


def test_alignment_flags_lonely_objectives_and_unaligned_initiatives(ws):
    objectives.create(ws, {"code": "OBJ-01", "title": "Faster services"})
    objectives.create(ws, {"code": "OBJ-02", "title": "Protect public money"})
    initiatives.create(ws, {"code": "AI-0001", "name": "Triage"}, objectives={"OBJ-01": 0.7})
    initiatives.create(ws, {"code": "AI-0002", "name": "Chatbot"})
    a = alignment.alignment(ws)
    assert a.weights == {("AI-0001", "OBJ-01"): Decimal("0.7")}
    assert a.objectives_without_initiative == ["OBJ-02"]
    assert a.initiatives_without_objective == ["AI-0002"]
    line = a.objectives[0]
    assert (line.objective.code, line.initiative_count, line.weight_total) == ("OBJ-01", 1, Decimal("0.7"))


def test_demo_portfolio_is_fully_aligned(demo_ws):
    a = alignment.alignment(demo_ws)
    assert len(a.objectives) == 5 and len(a.initiatives) >= 12
    assert a.objectives_without_initiative == [] and a.initiatives_without_objective == []


def test_dossier_gathers_every_tab_of_an_initiative(demo_ws):
    d = dossier.initiative_dossier(demo_ws, "AI-0001")
    assert d.detail.code == "AI-0001"
    assert d.cost_lines and d.cost_lines_total >= len(d.cost_lines)
    assert sum(c.amount for c in d.cost_lines if c.currency == "USD") == d.spend["USD"]
    assert d.rag == "red"  # the demo's AI-0001 has spent more than its budget
    assert d.series and d.decisions and d.lessons and d.lineage
    assert [h.seq for h in d.history] == sorted((h.seq for h in d.history), reverse=True)
    assert d.history[-1].action == "create"


def test_dossier_of_a_new_initiative_is_empty_but_complete(ws):
    initiatives.create(ws, {"code": "AI-0001", "name": "Triage", "budget": "100"})
    d = dossier.initiative_dossier(ws, "AI-0001")
    assert (d.cost_lines, d.series, d.decisions, d.lessons, d.lineage) == ([], [], [], [], [])
    assert d.spend == {} and d.rag == "green" and [h.action for h in d.history] == ["create"]


def test_an_initiative_with_committee_history_cannot_be_deleted(demo_ws):
    before = audit.count(demo_ws)
    with pytest.raises(ValidationError) as info:
        initiatives.delete(demo_ws, "AI-0001")
    assert "retire" in info.value.reason
    assert audit.count(demo_ws) == before
    assert initiatives.get(demo_ws, "AI-0001").code == "AI-0001"


def test_a_proposed_initiative_without_history_can_be_deleted_and_is_audited(ws):
    initiatives.create(ws, {"code": "AI-0001", "name": "Triage"})
    initiatives.delete(ws, "AI-0001")
    assert initiatives.list_rows(ws) == []
    assert [h.action for h in audit.history(ws, "initiative", "AI-0001")] == ["delete", "create"]


def test_restoring_a_deleted_asset_brings_back_its_lineage(ws):
    raw = metadata.create_asset(ws, {"name": "claims.raw"})
    cur = metadata.create_asset(ws, {"name": "claims.curated"})
    model = metadata.create_model(ws, {"name": "triage", "version_label": "1"})
    metadata.add_link(ws, (NodeKind.DATA_ASSET, raw.id), (NodeKind.DATA_ASSET, cur.id), LineageKind.DERIVED_FROM)
    metadata.add_link(ws, (NodeKind.DATA_ASSET, cur.id), (NodeKind.MODEL, model.id), LineageKind.TRAINED_ON)
    links = metadata.links_of(ws, NodeKind.DATA_ASSET, cur.id)
    assert len(links) == 2
    metadata.delete_asset(ws, cur.id)
    assert metadata.lineage_graph(ws) == []
    back = metadata.restore_asset(ws, cur, links)
    assert back.name == "claims.curated"
    labels = sorted((e.source.label, e.target.label) for e in metadata.lineage_graph(ws))
    assert labels == [("claims.curated", "triage v1"), ("claims.raw", "claims.curated")]
    assert audit.history(ws, "data_asset", back.id)[0].action == "create"  # the restore is audited


def test_restoring_a_deleted_model_keeps_its_initiative(ws):
    initiatives.create(ws, {"code": "AI-0001", "name": "Triage"})
    m = metadata.create_model(ws, {"name": "triage", "version_label": "2", "initiative_code": "AI-0001"})
    metadata.delete_model(ws, m.id)
    back = metadata.restore_model(ws, m, [])
    assert (back.name, back.version_label, back.initiative_code) == ("triage", "2", "AI-0001")


def test_long_list_reads_match_the_records(ws):
    """The registers read plain columns for speed; they must still say exactly what the records hold."""
    objectives.create(ws, {"code": "OBJ-01", "title": "Faster services"})
    initiatives.create(ws, {"code": "AI-0002", "name": "Chatbot", "budget": "12.50", "currency": "EUR",
                            "disciplines": "data, ml", "tags": "nlp"}, objectives={"OBJ-01": 1})
    initiatives.create(ws, {"code": "AI-0001", "name": "Triage"})
    assert initiatives.codes(ws) == ["AI-0001", "AI-0002"]
    row = initiatives.list_rows(ws)[1]
    assert (row.code, row.budget, row.currency, row.objectives, row.disciplines, row.tags) == (
        "AI-0002", Decimal("12.50"), "EUR", ("OBJ-01",), ("data", "ml"), ("nlp",))
    metadata.create_asset(ws, {"name": "claims.raw", "contains_pii": "yes", "owner": "Ann"})
    asset = metadata.list_assets(ws)[0]
    assert (asset.name, asset.contains_pii, asset.owner, asset.version) == ("claims.raw", True, "Ann", 1)
    metadata.create_model(ws, {"name": "triage", "version_label": "3", "initiative_code": "AI-0002"})
    metadata.create_model(ws, {"name": "alone"})
    assert [(m.name, m.version_label, m.initiative_code) for m in metadata.list_models(ws)] == [
        ("alone", "1", None), ("triage", "3", "AI-0002")]


def test_fields_and_objectives_change_in_one_action(ws):
    objectives.create(ws, {"code": "OBJ-01", "title": "Faster services"})
    initiatives.create(ws, {"code": "AI-0001", "name": "Triage"})
    before = audit.count(ws)
    d = initiatives.update(ws, "AI-0001", {"owner": "Ann"}, objectives={"OBJ-01": Decimal("0.5")})
    assert d.owner == "Ann" and d.objectives == [("OBJ-01", "Faster services", Decimal("0.5"))]
    assert audit.count(ws) == before + 2  # the update and the new objectives, in one transaction
    with pytest.raises(ValidationError):
        initiatives.update(ws, "AI-0001", {"owner": "Bob"}, objectives={"OBJ-01": 2})
    assert initiatives.get(ws, "AI-0001").owner == "Ann"  # nothing of the refused action was written


def test_an_objective_someone_serves_is_not_deleted(ws):
    objectives.create(ws, {"code": "OBJ-01", "title": "Faster services"})
    objectives.create(ws, {"code": "OBJ-02", "title": "Protect public money"})
    initiatives.create(ws, {"code": "AI-0001", "name": "Triage"}, objectives={"OBJ-01": Decimal("1")})
    initiatives.create(ws, {"code": "AI-0002", "name": "Fraud"}, objectives={"OBJ-01": Decimal("0.5")})
    with pytest.raises(ValidationError, match="OBJ-01 is served by AI-0001, AI-0002"):
        objectives.delete(ws, "OBJ-01")
    assert [o.code for o in objectives.list_all(ws)] == ["OBJ-01", "OBJ-02"]
    objectives.delete(ws, "OBJ-02")
    assert [o.code for o in objectives.list_all(ws)] == ["OBJ-01"]
    assert audit.history(ws, "objective", "OBJ-02")[0].action == "delete"


def test_people_names_lists_active_people_by_name_as_plain_rows(ws):
    from opsdesk.domain.enums import Discipline
    from opsdesk.services.registry import people

    zoe = people.create(ws, {"name": "Zoe", "email": "zoe@example.gov", "discipline": "finance"})
    ada = people.create(ws, {"name": "Ada", "email": "ada@example.gov", "discipline": "ml"})
    gone = people.create(ws, {"name": "Bo", "email": "bo@example.gov", "discipline": "data",
                          "active": False})
    assert people.names(ws) == [(ada.id, "Ada", Discipline.ML), (zoe.id, "Zoe", Discipline.FINANCE)]
    assert [row[1] for row in people.names(ws, include_inactive=True)] == ["Ada", "Bo", "Zoe"]
    assert gone.id in {row[0] for row in people.names(ws, include_inactive=True)}
