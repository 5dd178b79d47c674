"""``opsdesk standards``, ``opsdesk conformance`` and ``opsdesk skills``: the same numbers as the services."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from tests.cli.test_cli import opsdesk

AS_OF = "2026-11-30"


def test_standards_list_json_shows_versions_and_requirements(demo_path: Path):
    r = opsdesk("standards", "list", "--json", "-w", str(demo_path), check=True)
    items = {s["code"]: s for s in json.loads(r.stdout)}
    assert {"DATA-FMT", "ML-PRAC", "COST-ALLOC", "OMB-M-25-21", "NIST-AI-RMF"} <= set(items)
    assert items["OMB-M-25-21"]["risk_tiers"] == ["high_impact"] and items["NIST-AI-RMF"]["status"] == "draft"
    assert items["DATA-FMT"]["requirements"][0] == {"id": items["DATA-FMT"]["requirements"][0]["id"],
                                                    "code": "DF-1", "text": items["DATA-FMT"]["requirements"][0]["text"],
                                                    "stages": ["pilot", "expand", "production"]}
    text = opsdesk("standards", "list", "-w", str(demo_path), check=True).stdout
    assert "Cost allocation" in text and "COST-ALLOC" in text


def test_conformance_json_matches_the_service(demo_path: Path):
    from opsdesk.services.standards import conformance
    from opsdesk.services.workspace import lifecycle

    r = opsdesk("conformance", "--json", "--as-of", AS_OF, "-w", str(demo_path), check=True)
    data = json.loads(r.stdout)
    ws = lifecycle.open_workspace(demo_path, read_only=True)
    try:
        m = conformance.matrix(ws, as_of=dt.date.fromisoformat(AS_OF))
        target, gate = conformance.next_gate(ws, "AI-0005", dt.date.fromisoformat(AS_OF))
    finally:
        ws.close()
    assert data["by_initiative"] == {k: None if v is None else str(v) for k, v in m.by_initiative.items()}
    assert data["by_standard"] == {k: None if v is None else str(v) for k, v in m.by_standard.items()}
    assert data["gates"]["AI-0005"]["target_stage"] == target.value
    assert [c["met"] for c in data["gates"]["AI-0005"]["criteria"]] == [c.met for c in gate]
    expired = [c for c in data["cells"] if c["waiver_expired"]]
    assert expired and all(c["status"] == "not_met" and c["recorded"] == "waived" for c in expired)


def test_conformance_for_one_initiative_prints_its_open_gate_criteria(demo_path: Path):
    r = opsdesk("conformance", "--initiative", "AI-0005", "--as-of", AS_OF, "-w", str(demo_path), check=True)
    assert "Gate to expand: not yet met" in r.stdout
    assert "waiver expired on 2026-10-01" in r.stdout
    bad = opsdesk("conformance", "--initiative", "AI-9999", "-w", str(demo_path))
    assert bad.returncode == 2 and "AI-9999 does not exist" in bad.stderr and "Traceback" not in bad.stderr


def test_skills_coverage_json_matches_the_analytics(demo_path: Path):
    from opsdesk.analytics import skills
    from opsdesk.services.workspace import lifecycle

    r = opsdesk("skills", "coverage", "--json", "--as-of", AS_OF, "-w", str(demo_path), check=True)
    data = json.loads(r.stdout)
    ws = lifecycle.open_workspace(demo_path, read_only=True)
    try:
        report = skills.coverage_report(ws, dt.date.fromisoformat(AS_OF))
    finally:
        ws.close()
    assert {c: t["missing"] for c, t in data["teams"].items()} == {
        c: [d.value for d in t.missing] for c, t in report.teams.items()}
    assert data["teams"]["AI-0006"]["missing"] == ["finance"]  # the demo's known gap
    assert len(data["pairings"]) == len(report.pairings) > 0
    assert [e["days_left"] for e in data["expiring_certificates"]] == [e.days_left for e in report.expiring]
    assert [d["cross_trained"] for d in data["cross_training"]] == [d.cross_trained for d in report.depth]


def test_adopt_and_csv_commands(demo_path: Path, tmp_path: Path):
    r = opsdesk("standards", "adopt", "focus-1.2-cost-data", "-w", str(demo_path), check=True)
    assert "adopted COST-FOCUS 1.2 (adopted) with 21 requirements" in r.stdout
    again = opsdesk("standards", "adopt", "focus-1.2-cost-data", "-w", str(demo_path))
    assert again.returncode == 2 and "already in the catalogue" in again.stderr
    out = tmp_path / "matrix.csv"
    opsdesk("skills", "export-matrix", str(out), "-w", str(demo_path), check=True)
    r = opsdesk("skills", "import-matrix", str(out), "-w", str(demo_path), check=True)
    assert "0 new, 0 updated" in r.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("Employee ID,Skill,Proficiency Level\nnobody@x.gov,Drift detection,9\n", encoding="utf-8")
    r = opsdesk("skills", "import-matrix", str(bad), "-w", str(demo_path))
    assert r.returncode == 2 and "bad.csv, row 2, Employee ID" in r.stderr and "Traceback" not in r.stderr
