"""A roll call records the votes members cast, and nothing else: no vote is filled in for a member who did not
cast it, and a decision that needs votes cannot be recorded until every present voting member's vote is."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from opsdesk.domain.enums import MeetingStatus, Outcome, VoteChoice
from opsdesk.services.committee import charter
from opsdesk.services.committee import meetings as committee
from opsdesk.ui.dialogs.decision import DecisionDialog


@pytest.fixture
def dialog(qtbot, demo_ws):
    planned = next(m for m in committee.list_meetings(demo_ws) if m.status is MeetingStatus.PLANNED)
    demo_ws.clock = lambda: planned.starts_at + dt.timedelta(hours=2)
    ch = charter.get(demo_ws)
    committee.set_attendance(demo_ws, planned.id,
                             [m.person_id for m in ch.members if m.role.value in ("chair", "member")])
    meeting = committee.get_meeting(demo_ws, planned.id)
    item = next(i for i in meeting.items if i.kind.value == "stage_gate")
    dlg = DecisionDialog(meeting, item, ch.members, ch.charter)
    qtbot.addWidget(dlg)
    return dlg


def _ok(dlg):
    return dlg.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_no_vote_is_recorded_for_a_member_who_cast_none(dialog):
    assert dialog.vote_boxes, "the demo's planned gate has voting members present"
    assert all(box.currentText().startswith("— not recorded") for box in dialog.vote_boxes.values()
               if box.isEnabled())
    dialog.set_outcome(Outcome.DEFERRED)
    dialog.rationale.setPlainText("Waiting for the DPIA.")
    assert not _ok(dialog).isEnabled()
    names = [m.name for m in dialog.voters if m.person_id not in dialog.conflicted]
    assert all(n in dialog.status.text() for n in names), "the members whose vote is missing are named"
    assert "not recorded" in dialog.status.text()


def test_the_decision_carries_exactly_the_votes_cast(dialog):
    voters = [pid for pid, box in dialog.vote_boxes.items() if box.isEnabled()]
    dialog.set_outcome(Outcome.APPROVED)
    dialog.rationale.setPlainText("Met its criteria.")
    for pid in voters[:-1]:
        dialog.set_vote(pid, VoteChoice.FOR)
    assert not _ok(dialog).isEnabled(), "one vote is still missing"
    dialog.set_vote(voters[-1], VoteChoice.ABSTAIN)
    assert _ok(dialog).isEnabled()
    votes = dialog.value().votes
    assert votes[voters[-1]] is VoteChoice.ABSTAIN
    assert sum(1 for v in votes.values() if v is VoteChoice.FOR) == len(voters) - 1


def test_every_missing_vote_can_be_set_to_for_in_one_step(dialog):
    voters = [pid for pid, box in dialog.vote_boxes.items() if box.isEnabled()]
    dialog.set_vote(voters[0], VoteChoice.AGAINST)
    dialog.all_for_btn.click()
    votes = dialog.votes()
    assert votes[voters[0]] is VoteChoice.AGAINST, "a vote already recorded is kept"
    assert all(votes[pid] is VoteChoice.FOR for pid in voters[1:])


def test_a_noted_item_needs_no_votes(dialog):
    dialog.set_outcome(Outcome.NOTED)
    dialog.rationale.setPlainText("Noted.")
    assert "not recorded" not in dialog.status.text()
    assert dialog.value().votes == {pid: VoteChoice.RECUSED for pid in dialog.conflicted
                                    if pid in dialog.vote_boxes}
