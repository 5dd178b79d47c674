"""Standards versions, waivers, conformance percentages, gate readiness, evidence files and the starter library."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from opsdesk.domain.enums import ConformanceStatus, StandardStatus
from opsdesk.errors import ValidationError
from opsdesk.services.registry import initiatives
from opsdesk.services.standards import catalog, conformance
from opsdesk.services.standards import library as standard_library
from opsdesk.store.models import AuditEvent, Conformance, EvidenceFile

TODAY = dt.date(2026, 6, 1)
TEST_DATA = Path(__file__).resolve().parent.parent / "data"


def _setup(ws):
    initiatives.create(ws, {"code": "AI-0001", "name": "Triage", "risk_tier": "high_impact"})
    initiatives.create(ws, {"code": "AI-0002", "name": "Fleet", "risk_tier": "low"})
    std = catalog.create_standard(
        ws, {"code": "DATA-FMT", "title": "Data formats", "category": "data_format", "status": "adopted",
             "owner": "Committee"},
        [{"code": "R1", "text": "Parquet", "stages": ["proposed", "pilot"]},
         {"code": "R2", "text": "Owner named", "stages": ["proposed"]},
         {"code": "R3", "text": "Lineage", "stages": ["proposed", "pilot"]},
         {"code": "R4", "text": "Schema published", "stages": ["proposed"]},
         {"code": "R5", "text": "Drift monitored", "stages": ["pilot"]}])
    return {r.code: r.id for r in std.requirements}, std


def _waiver(expires: dt.date) -> dict:
    return {"status": "waived", "waiver_reason": "tooling not on the secure network", "waiver_approver": "Chair",
            "waiver_expires": expires, "reviewer": "Chloé", "reviewed_on": TODAY}


def test_conformance_percent_and_expired_waiver_have_known_answers(ws):
    req, _std = _setup(ws)
    conformance.record_conformance(ws, "AI-0001", req["R1"], {"status": "met", "reviewer": "Chloé"})
    conformance.record_conformance(ws, "AI-0001", req["R2"], {"status": "partial"})
    conformance.record_conformance(ws, "AI-0001", req["R3"], _waiver(dt.date(2026, 6, 30)))
    conformance.record_conformance(ws, "AI-0001", req["R4"], {"status": "not_applicable"})
    m = conformance.matrix(ws, as_of=TODAY)
    assert m.by_initiative["AI-0001"] == Decimal("83.3")  # (1 + ½ + 1) / 3
    assert m.by_initiative["AI-0002"] == Decimal("0.0")  # four applicable, none assessed
    assert m.by_standard["DATA-FMT 1.0"] == Decimal("35.7")  # 2.5 / 7
    assert not m.cell("AI-0001", req["R5"]).applicable  # R5 applies from pilot on

    later = conformance.matrix(ws, as_of=dt.date(2026, 7, 1))
    cell = later.cell("AI-0001", req["R3"])
    assert cell.recorded is ConformanceStatus.WAIVED and cell.status is ConformanceStatus.NOT_MET
    assert cell.waiver_expired
    assert later.by_initiative["AI-0001"] == Decimal("50.0")  # (1 + ½ + 0) / 3


def test_a_waiver_without_reason_approver_or_expiry_is_refused_and_nothing_is_written(ws):
    req, _ = _setup(ws)
    with ws.read() as s:
        events = s.scalar(select(func.count()).select_from(AuditEvent))
    for missing in ("waiver_reason", "waiver_approver", "waiver_expires"):
        values = _waiver(TODAY) | {missing: ""}
        with pytest.raises(ValidationError) as err:
            conformance.record_conformance(ws, "AI-0001", req["R1"], values)
        assert err.value.field == missing
    with ws.read() as s:
        assert s.scalar(select(func.count()).select_from(Conformance)) == 0
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_gate_readiness_lists_target_stage_requirements_and_treats_expired_waivers_as_not_met(ws):
    req, _ = _setup(ws)
    conformance.record_conformance(ws, "AI-0001", req["R1"], {"status": "met"})
    conformance.record_conformance(ws, "AI-0001", req["R3"], _waiver(dt.date(2026, 6, 30)))
    gate = conformance.gate_readiness(ws, "AI-0001", "pilot", as_of=TODAY)
    assert [(g.requirement.split(":")[0], g.met) for g in gate] == [("R1", True), ("R3", True), ("R5", False)]
    assert gate[2].status is None and gate[2].note == "not assessed yet"
    expired = conformance.gate_readiness(ws, "AI-0001", "pilot", as_of=dt.date(2026, 7, 1))  # the contract's entry
    r3 = expired[1]
    assert not r3.met and r3.status is ConformanceStatus.NOT_MET and "waiver expired on 2026-06-30" in r3.note
    target, criteria = conformance.next_gate(ws, "AI-0002", TODAY)
    assert target.value == "pilot" and not any(c.met for c in criteria)


def test_standard_for_some_risk_tiers_applies_only_to_them(ws):
    _setup(ws)
    omb = catalog.create_standard(
        ws, {"code": "OMB", "title": "High-impact practices", "category": "model_practice", "status": "adopted",
             "risk_tiers": ["high-impact"]},
        [{"code": "OMB-1", "text": "Pre-deployment testing", "stages": ["proposed", "pilot"]}])
    assert omb.risk_tiers == ["high_impact"]
    m = conformance.matrix(ws, as_of=TODAY)
    assert m.cell("AI-0001", omb.requirements[0].id).applicable
    assert not m.cell("AI-0002", omb.requirements[0].id).applicable
    assert [g.standard for g in conformance.gate_readiness(ws, "AI-0002", "pilot", TODAY)] == [
        "DATA-FMT 1.0", "DATA-FMT 1.0", "DATA-FMT 1.0"]


def test_draft_and_retired_standards_do_not_count(ws):
    req, std = _setup(ws)
    catalog.update_standard(ws, std.id, {"status": "draft"})
    m = conformance.matrix(ws, as_of=TODAY)
    assert m.requirements == [] and m.by_initiative["AI-0001"] is None
    assert conformance.gate_readiness(ws, "AI-0001", "pilot", TODAY) == []


def test_publishing_a_new_version_keeps_the_old_one_and_its_conformance(ws):
    req, std = _setup(ws)
    conformance.record_conformance(ws, "AI-0001", req["R1"], {"status": "met", "evidence": "schema v3"})
    conformance.record_conformance(ws, "AI-0001", req["R2"], {"status": "partial"})
    new = catalog.publish_new_version(
        ws, std.id, "2.0", requirements=[{"code": "R1", "text": "Parquet", "stages": ["proposed", "pilot"]},
                                         {"code": "R2", "text": "Owner and steward named", "stages": ["proposed"]}])
    assert new.version_label == "2.0" and new.supersedes_id == std.id and new.status is StandardStatus.ADOPTED
    old = catalog.get_standard(ws, std.id)
    assert old.status is StandardStatus.RETIRED and len(old.requirements) == 5
    rows = conformance.list_conformance(ws, "AI-0001")
    by_version = {(r.standard_code, r.requirement_code, r.status.value) for r in rows}
    assert len(rows) == 3  # two on 1.0 kept, R1 carried forward onto 2.0 (its text did not change)
    assert ("DATA-FMT", "R2", "partial") in by_version
    with ws.read() as s:
        new_r1 = next(r for r in s.scalars(select(Conformance)) if r.requirement_id == new.requirements[0].id)
        assert new_r1.status is ConformanceStatus.MET and "carried forward from 1.0" in new_r1.evidence
    # only the adopted version counts now; the old one is still there when asked for
    m = conformance.matrix(ws, as_of=TODAY)
    assert {r.standard_version for r in m.requirements} == {"2.0"}
    assert {r.standard_version for r in conformance.matrix(ws, as_of=TODAY, include_retired=True).requirements} == {
        "1.0", "2.0"}
    with pytest.raises(ValidationError, match="already superseded"):
        catalog.publish_new_version(ws, std.id, "2.1")
    with pytest.raises(ValidationError, match="already exists"):
        catalog.publish_new_version(ws, new.id, "1.0")
    with pytest.raises(ValidationError, match="publish_new_version"):
        catalog.update_standard(ws, new.id, {"version_label": "9"})


def test_requirements_are_editable_but_one_with_conformance_is_not_deleted(ws):
    req, std = _setup(ws)
    catalog.update_requirement(ws, req["R4"], {"text": "Schema published in the catalogue", "stages": "pilot"})
    updated = {r.code: r for r in catalog.get_standard(ws, std.id).requirements}
    assert updated["R4"].text == "Schema published in the catalogue" and updated["R4"].stages == ["pilot"]
    with pytest.raises(ValidationError, match="not one of"):
        catalog.update_requirement(ws, req["R4"], {"stages": "someday"})
    conformance.record_conformance(ws, "AI-0001", req["R1"], {"status": "met"})
    with pytest.raises(ValidationError, match="new version"):
        catalog.delete_requirement(ws, req["R1"])
    catalog.delete_requirement(ws, req["R5"])
    added = catalog.add_requirement(ws, std.id, {"code": "R6", "text": "Retention set", "stages": ["pilot"]})
    assert [r.code for r in catalog.get_standard(ws, std.id).requirements] == ["R1", "R2", "R3", "R4", "R6"]
    assert added.stages == ["pilot"]


def test_evidence_files_are_stored_in_the_workspace_with_their_sha256(ws, tmp_path):
    req, _ = _setup(ws)
    report = tmp_path / "test-report.pdf"
    report.write_bytes(b"%PDF-1.4 pre-deployment test report")
    conformance.record_conformance(ws, "AI-0001", req["R1"], {"status": "met", "evidence": "see report"},
                                 files=[report])
    files = conformance.evidence_files(ws, "AI-0001", req["R1"])
    assert [(f.file_name, f.sha256) for f in files] == [
        ("test-report.pdf", hashlib.sha256(report.read_bytes()).hexdigest())]
    report.unlink()  # the workspace keeps its own copy
    out = conformance.export_evidence(ws, files[0].id, tmp_path)
    assert out.read_bytes() == b"%PDF-1.4 pre-deployment test report"
    assert conformance.matrix(ws, as_of=TODAY).cell("AI-0001", req["R1"]).evidence_files == 1
    with pytest.raises(ValidationError, match="record a status"):
        conformance.attach_evidence(ws, "AI-0002", req["R1"], out)
    with ws.write() as tx:  # tamper with the stored bytes
        tx.session.scalar(select(EvidenceFile)).content = b"changed"
    with pytest.raises(ValidationError, match="SHA-256"):
        conformance.export_evidence(ws, files[0].id, tmp_path / "again.pdf")


def _mandatory_columns() -> list[str]:
    lines = (TEST_DATA / "focus-spec-columns" / "focus_v1.2_columns.md").read_text().splitlines()[2:]
    return [cells[0] for cells in ([c.strip() for c in line.strip("|").split("|")] for line in lines)
            if cells[2] == "Mandatory"]


def test_starter_library_names_its_sources_and_focus_has_every_mandatory_column(ws):
    items = {i.key: i for i in standard_library.list_library()}
    assert set(items) == {"nist-ai-rmf-1.0", "omb-m-25-21-high-impact", "focus-1.2-cost-data"}
    assert all(i.source for i in items.values())
    assert "NIST AI 100-1" in items["nist-ai-rmf-1.0"].source
    assert "M-25-21" in items["omb-m-25-21-high-impact"].source
    assert "FOCUS" in items["focus-1.2-cost-data"].source and "CC-BY-4.0" in items["focus-1.2-cost-data"].source
    focus = standard_library.adopt(ws, "focus-1.2-cost-data")
    assert [r.code.removeprefix("FOCUS-") for r in focus.requirements] == sorted(_mandatory_columns())
    assert len(focus.requirements) == 21
    nist = standard_library.adopt(ws, "NIST-AI-RMF", status="draft")
    codes = [r.code for r in nist.requirements]
    assert nist.status is StandardStatus.DRAFT
    assert sum(c.startswith("GOVERN") for c in codes) == 6 and sum(c.startswith("MAP") for c in codes) == 5
    assert sum(c.startswith("MEASURE") for c in codes) == 4 and sum(c.startswith("MANAGE") for c in codes) == 4
    omb = standard_library.adopt(ws, "omb-m-25-21-high-impact")
    assert omb.risk_tiers == ["high_impact"] and len(omb.requirements) == 7
    with pytest.raises(ValidationError, match="already in the catalogue"):
        standard_library.adopt(ws, "focus-1.2-cost-data")
    # adopted standards are ordinary standards: editable
    catalog.update_standard(ws, nist.id, {"owner": "Chief Risk Officer", "status": "adopted"})
    assert catalog.get_standard(ws, nist.id).owner == "Chief Risk Officer"


def test_library_files_are_valid_standards(tmp_path):
    import json

    for path in sorted(standard_library.library_dir().glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert {"library_key", "code", "title", "category", "version_label", "source", "requirements"} <= set(data)
        assert len(data["source"]) <= 500, path.name
    shutil.rmtree(tmp_path)
