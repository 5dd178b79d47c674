"""The Committee page as a secretary uses it: hold a meeting, record a gate decision with votes, see the stage
change and the audit event, close the meeting, export the brief with Ctrl+P."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from opsdesk.domain.enums import MeetingStatus, Outcome, Stage, VoteChoice
from opsdesk.services.committee import meetings as committee
from opsdesk.services.registry import initiatives
from opsdesk.store import audit


@pytest.fixture(autouse=True)
def _on_the_meeting_day(demo_ws):
    """The secretary works on the planned meeting's day: nothing is held or decided before it (issue 16)."""
    planned = _planned(demo_ws)
    demo_ws.clock = lambda: planned.starts_at + dt.timedelta(hours=2)


def _planned(ws):
    return next(m for m in committee.list_meetings(ws) if m.status is MeetingStatus.PLANNED)


def _gate_item(meeting, code):
    return next(i for i in meeting.items if i.initiative_code == code)


def test_hold_meeting_record_gate_decision_and_see_the_stage_move(window, demo_ws, qtbot, tmp_path: Path):
    page = window.go_to("committee")
    window.settle()
    planned = _planned(demo_ws)
    item = _gate_item(planned, "AI-0005")
    assert initiatives.get(demo_ws, "AI-0005").stage is Stage.PILOT
    page.select_meeting(planned.id)
    window.settle()
    assert "Q1 2027" in page.header.text()

    # attendance: every member present, then the meeting is held
    for i in range(page.attendance.count()):
        page.attendance.item(i).setCheckState(Qt.CheckState.Checked)
    page.save_attendance_btn.click()
    window.settle()
    page.held_btn.click()
    window.settle()
    assert committee.get_meeting(demo_ws, planned.id).status is MeetingStatus.HELD

    page.select_item(item.id)
    window.settle()
    assert "Quorum for this item:</b> <span style='color:#2e7d32'>met" in page.details.toHtml() or \
        "met — " in page.details.toPlainText()
    assert "Criteria for Expand" in page.details.toPlainText()

    seen: dict[str, object] = {}

    def vote(dlg) -> bool:
        dlg.set_outcome(Outcome.APPROVED)
        ok = dlg.buttons.button(QDialogButtonBox.StandardButton.Ok)
        seen["blocked_when_all_abstain"] = not ok.isEnabled()
        seen["reason"] = dlg.status.text()
        voters = list(dlg.vote_boxes)
        for pid in voters:
            dlg.set_vote(pid, VoteChoice.FOR)
        dlg.set_vote(voters[-1], VoteChoice.AGAINST)
        dlg.rationale.setPlainText("Pilot met its criteria.")
        seen["ok_enabled"] = ok.isEnabled()
        dlg.grab().save(str(tmp_path / "decision_dialog.png"))
        return True

    page.run_dialog = vote
    before = audit.count(demo_ws)
    page.decide_btn.click()
    window.settle()
    assert seen["blocked_when_all_abstain"] and "disagrees with the voting rule" in str(seen["reason"])
    assert seen["ok_enabled"]
    assert page.last_error is None
    assert initiatives.get(demo_ws, "AI-0005").stage is Stage.EXPAND
    events = audit.recent(demo_ws, audit.count(demo_ws) - before)
    assert any(e.action == "change_stage" and e.entity_id == "AI-0005" for e in events)
    decided = _gate_item(committee.get_meeting(demo_ws, planned.id), "AI-0005").decision
    t = decided.tally
    assert decided.outcome is Outcome.APPROVED and t.against == 1 and t.for_ == t.cast - 1
    assert "Decision #" in page.details.toPlainText()
    assert "AI-0005 moves to Expand" in page.message.text()

    # closing makes the record read-only; corrections stay possible
    page.close_btn.click()
    window.settle()
    page.select_item(item.id)
    window.settle()
    assert not page.decide_btn.isEnabled() and not page.add_item_btn.isEnabled()
    assert page.correct_btn.isEnabled()
    assert "read-only" in page.header.text()

    # Ctrl+P exports the selected item's brief on the worker
    page.ask_path = lambda name: str(tmp_path / name)
    window.actions_.get("export_brief").trigger()
    qtbot.waitUntil(lambda: page.last_export is not None, timeout=60_000)
    window.settle()
    out = page.last_export.path
    assert out.exists() and out.with_name(out.name + ".sha256").exists()
    from opsdesk.services.committee import exports

    assert exports.initiative_brief_pdf(demo_ws, "AI-0005", item.id)[1] == out.read_bytes(), \
        "the window writes the same bytes as the headless export"
    assert audit.recent(demo_ws, 1)[0].action == "export"


def test_decision_without_quorum_is_refused_with_the_reason(window, demo_ws, tmp_path: Path):
    page = window.go_to("committee")
    window.settle()
    planned = _planned(demo_ws)
    page.select_meeting(planned.id)
    page.select_item(_gate_item(planned, "AI-0007").id)
    window.settle()
    seen = {}

    def look(dlg) -> bool:
        seen["ok"] = dlg.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
        seen["text"] = dlg.status.text()
        return False

    page.run_dialog = look
    page.decide_btn.click()
    window.settle()
    assert seen["ok"] is False and "No quorum for this item" in seen["text"]
    assert initiatives.get(demo_ws, "AI-0007").stage is Stage.PILOT


def test_conflict_recuses_and_quorum_shows_per_item(window, demo_ws):
    page = window.go_to("committee")
    window.settle()
    planned = _planned(demo_ws)
    voting = [m.person_id for m in page.data.charter.members if m.voting]
    committee.set_attendance(demo_ws, planned.id, voting)
    window.settle()
    page.select_meeting(planned.id)
    item = _gate_item(planned, "AI-0009")
    page.select_item(item.id)
    window.settle()
    executives = [m.person_id for m in page.data.charter.members if m.voting and m.discipline.value == "executive"]

    def declare(pid):
        def fill(dlg) -> bool:
            dlg.person.setCurrentIndex(dlg.person.findData(pid))
            dlg.description.setText("Sponsor of the initiative")
            return True
        return fill

    for pid in executives:
        page.run_dialog = declare(pid)
        page.conflict_btn.click()
        window.settle()
    row = next(r for r in range(page.items.rowCount()) if page.items.row_at(r).id == item.id)
    assert page.items.index(row, 4).data() == "NOT MET"
    assert "Executive" in page.details.toPlainText()
    other = next(r for r in range(page.items.rowCount()) if page.items.row_at(r).id != item.id)
    assert page.items.index(other, 4).data() == "met"


def test_committee_models_pass_qtmodeltester(qtmodeltester, demo_ws):
    import datetime as dt

    from opsdesk.services.committee import actions, charter
    from opsdesk.ui.models.committee import (
        ITEM_COLUMNS,
        MEETING_COLUMNS,
        MEMBER_COLUMNS,
        RowsModel,
        action_columns,
    )

    meetings = committee.list_meetings(demo_ws)
    for columns, rows in ((MEETING_COLUMNS, meetings), (ITEM_COLUMNS, meetings[0].items),
                          (MEMBER_COLUMNS, charter.get(demo_ws).members),
                          (action_columns(dt.date(2026, 11, 30)), actions.list_actions(demo_ws))):
        model = RowsModel(columns)
        model.set_rows(rows)
        qtmodeltester.check(model)


def test_agenda_grows_from_needs_the_committee_and_a_gate_request(window, demo_ws):
    page = window.go_to("committee")
    window.settle()
    planned = _planned(demo_ws)
    page.select_meeting(planned.id)
    window.settle()
    offered = {}

    def take_all(dlg) -> bool:
        for i in range(dlg.list.count()):
            dlg.list.item(i).setCheckState(Qt.CheckState.Checked)
        offered["n"] = dlg.list.count()
        return True

    page.run_dialog = take_all
    page.add_attention_btn.click()
    window.settle()
    assert offered["n"] >= 1 and page.last_error is None
    items = committee.get_meeting(demo_ws, planned.id).items
    assert len(items) == len(planned.items) + offered["n"]

    def gate_request(dlg) -> bool:
        dlg.kind.setCurrentIndex(dlg.kind.findData("stage_gate"))
        dlg.initiative.setCurrentIndex(dlg.initiative.findData("AI-0003"))
        assert dlg.title.text() == "AI-0003: gate to Production"
        return True

    page.run_dialog = gate_request
    page.add_item_btn.click()
    window.settle()
    added = committee.get_meeting(demo_ws, planned.id).items[-1]
    assert (added.initiative_code, added.target_stage) == ("AI-0003", Stage.PRODUCTION)
    assert page.items.rowCount() == len(items) + 1


def test_correcting_a_closed_meetings_decision_adds_a_record(window, demo_ws):
    page = window.go_to("committee")
    window.settle()
    closed = next(m for m in committee.list_meetings(demo_ws)
                  if m.status is MeetingStatus.CLOSED and any(i.decision for i in m.items))
    item = next(i for i in closed.items if i.decision is not None)
    page.select_meeting(closed.id)
    window.settle()
    page.select_item(item.id)
    window.settle()
    assert not page.decide_btn.isEnabled() and page.correct_btn.isEnabled()
    state = {}

    def correct(dlg) -> bool:
        ok = dlg.buttons.button(QDialogButtonBox.StandardButton.Ok)
        state["blocked_without_reason"] = not ok.isEnabled()
        dlg.correction.setText("Rationale was minuted against the wrong item")
        dlg.rationale.setPlainText("Corrected rationale.")
        state["ok"] = ok.isEnabled()
        return True

    page.run_dialog = correct
    page.correct_btn.click()
    window.settle()
    assert state == {"blocked_without_reason": True, "ok": True}
    history = next(i for i in committee.get_meeting(demo_ws, closed.id).items if i.id == item.id).history
    assert [d.corrects_id for d in history] == [None, item.decision.id]
    assert history[0].rationale == item.decision.rationale and history[1].rationale == "Corrected rationale."
    assert "Superseded record" in page.details.toPlainText()
