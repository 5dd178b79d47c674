"""The federal inventory's high-impact answers come from the initiative's approved impact assessment."""

from __future__ import annotations

from opsdesk.analytics import inventory
from opsdesk.domain import inventory as inv
from opsdesk.services.risk import assessments


def test_high_impact_answers_read_from_the_approved_assessment(demo_ws):
    current = assessments.current(demo_ws, "AI-0001")
    assert current is not None
    row = next(r for r in inventory.rows(demo_ws, codes=["AI-0001"]))
    assert row.values["hi_assessment_completed"] is inv.PracticeStatus.YES
    assert row.sources["hi_assessment_completed"].startswith("impact assessment version")
    if current.texts["potential_harms"].strip():
        assert row.values["hi_potential_impacts"] == current.texts["potential_harms"].strip()
    assert row.assessment_date == (current.approved_on or current.assessed_on)
