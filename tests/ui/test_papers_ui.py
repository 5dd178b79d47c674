"""Issue 16, point 9, in the window: an initiative's brief from the Initiatives page (Ctrl+P there), the meeting
pack from the Committee page whatever item is selected, issuing a pack, minutes refused for a future meeting."""

from __future__ import annotations

from pathlib import Path

from opsdesk.domain.enums import MeetingStatus
from opsdesk.services.committee import meetings as committee
from opsdesk.services.committee import papers
from tests.reports.pdfcheck import page_texts


def test_ctrl_p_on_the_initiatives_page_exports_that_initiatives_brief(window, qtbot, tmp_path: Path):
    page = window.go_to("initiatives")
    window.settle()
    assert page.register.select_key("AI-0003")
    window.settle()
    page.ask_path = lambda name: str(tmp_path / name)
    window.actions_.get("export_brief").trigger()
    qtbot.waitUntil(lambda: page.last_export is not None, timeout=90_000)
    window.settle()
    assert window.current_page() is page, "Ctrl+P stays on the Initiatives page"
    assert page.last_export.doc_id == "OPS-BRF-AI-0003"
    text = "\n".join(page_texts(page.last_export.path.read_bytes()))
    assert "AI-0003" in text and "Recommendation" in text


def test_the_committee_page_exports_and_issues_the_pack_whatever_item_is_selected(window, demo_ws, qtbot,
                                                                                  tmp_path: Path):
    page = window.go_to("committee")
    window.settle()
    planned = next(m for m in committee.list_meetings(demo_ws) if m.status is MeetingStatus.PLANNED)
    page.select_meeting(planned.id)
    window.settle()
    page.select_item(next(i for i in planned.items if i.initiative_code).id)
    window.settle()
    assert not page.minutes_btn.isEnabled(), "no minutes for a meeting still to come"
    assert not page.held_btn.isEnabled() and not page.decide_btn.isEnabled(), "not held or decided before its day"
    page.ask_path = lambda name: str(tmp_path / name)
    page.pack_btn.click()
    qtbot.waitUntil(lambda: page.last_export is not None, timeout=120_000)
    window.settle()
    assert page.last_export.doc_id == f"OPS-PCK-M{planned.id:03d}"
    page.issue_btn.click()
    qtbot.waitUntil(lambda: papers.find(demo_ws, f"OPS-PCK-M{planned.id:03d}") is not None, timeout=120_000)
    window.settle()
    qtbot.waitUntil(lambda: "issued" in page.header.text(), timeout=30_000)
    assert "by tester" in page.header.text() and not page.issue_btn.isEnabled()
    page.grab().save(str(tmp_path / "committee.png"))
