"""Risks, the impact assessment and incidents in the committee's papers: the brief's risk section with its vector
heat maps and top risks, and the pack's new incidents since the last meeting."""

from __future__ import annotations

from pathlib import Path

from opsdesk.reports import charts
from opsdesk.services.committee import briefs, exports, meeting_docs
from opsdesk.services.committee import meetings as committee
from opsdesk.services.risk import risks
from tests.reports.pdfcheck import page_texts


def test_heat_map_is_a_vector_drawing_in_the_bundled_font():
    d = charts.heat_map("Residual", [[0] * 5, [0] * 5, [0, 2, 0, 0, 0], [0] * 5, [0, 0, 0, 0, 1]])
    strings = [n for n in d.expandUserNodes().getContents() if hasattr(n, "text")]
    fonts_seen = {n.fontName for n in strings}
    assert fonts_seen and all(f.startswith("DejaVu") for f in fonts_seen)
    assert {"2", "1", "Likelihood", "Residual"} <= {n.text for n in strings}


def test_brief_has_the_risk_section_with_heat_maps_top_risks_assessment_and_incidents(demo_ws, tmp_path: Path):
    b = briefs.initiative_brief(demo_ws, "AI-0001")
    mine = [r for r in risks.list_risks(demo_ws, initiative_code="AI-0001") if r.status.value == "open"]
    assert sum(map(sum, b.heat_inherent)) == sum(map(sum, b.heat_residual)) == len(mine)
    assert [r.ref for r in b.top_risks][:1] and {r.ref for r in b.top_risks} == {r.ref for r in mine}
    assert b.assessment and "current" in b.assessment[0][1]
    assert any(x.ref == "AI-0001-INC1" and "Contained" in x.status for x in b.incidents)
    out = tmp_path / "brief.pdf"
    exports.export(demo_ws, out, initiative="AI-0001")
    full = "\n".join(page_texts(out.read_bytes()))
    assert "Risks, impact assessment and incidents" in full
    assert "Inherent risk (open risks)" in full and "Residual risk (after mitigation)" in full
    assert "Top risks and their treatment" in full and "AI-0001-R1" in full
    assert "Fairness test per language group" in full  # the treatment in hand
    assert "Incident history" in full and "AI-0001-INC1" in full
    assert "Purpose and context" in full
    again = tmp_path / "again.pdf"
    exports.export(demo_ws, again, initiative="AI-0001")
    assert again.read_bytes() == out.read_bytes()


def test_pack_lists_the_incidents_detected_since_the_last_meeting(demo_ws, tmp_path: Path):
    meetings = committee.list_meetings(demo_ws)
    last_held = [m for m in meetings if m.status.value == "held"][-1]
    since, found = meeting_docs.new_incidents(demo_ws, last_held)
    # detected between the meeting of 16 July 2026 and this one of 15 October 2026
    assert since == "since the meeting of 16 July 2026"
    assert [x.ref for x in found] == ["AI-0001-INC1", "AI-0011-INC1"]  # newest first
    planned = [m for m in meetings if m.status.value == "planned"][0]
    _since, later = meeting_docs.new_incidents(demo_ws, planned)
    assert [x.ref for x in later] == ["AI-0007-INC1"]  # detected after 15 October
    out = tmp_path / "pack.pdf"
    exports.export(demo_ws, out, meeting_id=last_held.id)
    full = "\n".join(page_texts(out.read_bytes()))
    assert "New incidents since the meeting of" in full and "AI-0001-INC1" in full
    assert "AI-0005-INC1" not in full.split("New incidents", 1)[1].split("Executive summary", 1)[0]
