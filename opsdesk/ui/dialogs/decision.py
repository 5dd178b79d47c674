"""Recording (or correcting) the committee's decision on one agenda item: outcome, rationale, conditions,
roll-call votes, and — on a gate — a lesson learned and an action. Quorum and the voting rule are checked as
you type, with the reason shown, before anything is written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from opsdesk.domain.committee import Charter, Member, motion_carried, outcome_problem, quorum, tally
from opsdesk.domain.enums import APPROVING_OUTCOMES, VOTING_ROLES, AgendaKind, Outcome, VoteChoice
from opsdesk.services.committee.charter import MemberDTO
from opsdesk.services.committee.meetings import AgendaItemDTO, DecisionDTO, MeetingDTO

NOT_RECORDED = "— not recorded —"


def _index(choice: VoteChoice) -> int:
    """The combo-box row of a vote (row 0 is "not recorded")."""
    return 1 + list(VoteChoice).index(choice)


@dataclass(frozen=True)
class DecisionInput:
    outcome: Outcome
    votes: dict[int, VoteChoice]
    rationale: str
    conditions: str
    override_reason: str
    correction_reason: str = ""
    lesson: dict[str, Any] = field(default_factory=dict)
    action: dict[str, Any] = field(default_factory=dict)
    incident_override: str = ""


def _text(placeholder: str, name: str, height: int = 60) -> QPlainTextEdit:
    w = QPlainTextEdit()
    w.setPlaceholderText(placeholder)
    w.setAccessibleName(name)
    w.setTabChangesFocus(True)
    w.setFixedHeight(height)
    return w


class DecisionDialog(QDialog):
    def __init__(self, meeting: MeetingDTO, item: AgendaItemDTO, members: list[MemberDTO], charter: Charter,
                 correcting: DecisionDTO | None = None, parent: QWidget | None = None,
                 serious_incidents: Sequence[str] = ()) -> None:
        super().__init__(parent)
        self.serious_incidents = list(serious_incidents)
        self.setObjectName("decisionDialog")
        self.item, self.charter, self.correcting = item, charter, correcting
        self.setWindowTitle(("Correct decision on " if correcting else "Record decision on ") + item.title)
        present = set(meeting.present)
        self.conflicted = {c.person_id for c in item.conflicts}
        self.voters = [m for m in members if m.person_id in present and m.role in VOTING_ROLES]
        self.people = {m.person_id: m for m in members}

        form = QFormLayout()
        self.outcome = QComboBox()
        self.outcome.setAccessibleName("Outcome")
        for o in Outcome:
            self.outcome.addItem(o.label, o)
        form.addRow("&Outcome", self.outcome)
        self.rationale = _text("Why the committee decided this", "Rationale")
        form.addRow("&Rationale", self.rationale)
        self.conditions = _text("Conditions attached to an approval", "Conditions", 48)
        form.addRow("&Conditions", self.conditions)
        self.override = QLineEdit()
        self.override.setAccessibleName("Reason the outcome departs from the voting rule")
        self.override.setPlaceholderText("Only when the outcome departs from the voting rule, e.g. chair's casting vote")
        form.addRow("Departure from the &rule", self.override)
        self.incident_override = QLineEdit()
        self.incident_override.setAccessibleName("Why the gate is approved despite an open serious incident")
        self.incident_override.setPlaceholderText("Only to approve over an open severity-1/2 incident: why")
        if item.kind is AgendaKind.STAGE_GATE and (self.serious_incidents or (correcting and correcting.incident_override)):
            form.addRow("Open serious &incident", QLabel("; ".join(self.serious_incidents) or "—"))
            form.addRow("Incident &override", self.incident_override)
        self.correction = QLineEdit()
        self.correction.setAccessibleName("What the correction corrects and why")
        if correcting is not None:
            form.addRow(f"Correction of #{correcting.id}: &why", self.correction)

        votes_box = QGroupBox("Roll-call votes (voting members present)")
        votes_form = QFormLayout(votes_box)
        self.vote_boxes: dict[int, QComboBox] = {}
        for m in self.voters:
            box = QComboBox()
            box.setAccessibleName(f"Vote of {m.name}")
            box.addItem(NOT_RECORDED, None)
            for c in VoteChoice:
                box.addItem(c.label, c)
            if m.person_id in self.conflicted:
                box.setCurrentIndex(_index(VoteChoice.RECUSED))
                box.setEnabled(False)
                box.setToolTip("Declared a conflict on this item: recused")
            elif correcting is not None and m.person_id in correcting.votes:
                box.setCurrentIndex(_index(correcting.votes[m.person_id]))
            else:
                box.setCurrentIndex(0)  # a vote nobody cast is not filled in for them
            box.currentIndexChanged.connect(self._check)
            self.vote_boxes[m.person_id] = box
            votes_form.addRow(f"{m.name} ({m.discipline.label})", box)
        self.all_for_btn = QPushButton("Every vote not recorded: &For")
        self.all_for_btn.setToolTip("Records For for each member whose vote is still not recorded (a unanimous "
                                    "show of hands); votes already recorded are kept")
        self.all_for_btn.clicked.connect(self._all_for)
        if self.voters:
            votes_form.addRow(self.all_for_btn)
        else:
            votes_form.addRow(QLabel("No voting member is recorded as present."))

        self.lesson_what = _text("What happened at this stage (optional)", "Lesson: what happened", 44)
        self.lesson_rec = _text("What others should do (optional)", "Lesson: recommendation", 44)
        self.action_title = QLineEdit()
        self.action_title.setAccessibleName("Action title")
        self.action_title.setPlaceholderText("An action arising (optional)")
        self.action_owner = QComboBox()
        self.action_owner.setAccessibleName("Action owner")
        self.action_owner.addItem("—", None)
        for m in members:
            self.action_owner.addItem(m.name, m.person_id)
        self.action_due = QDateEdit()
        self.action_due.setAccessibleName("Action due date")
        self.action_due.setCalendarPopup(True)
        self.action_due.setDisplayFormat("yyyy-MM-dd")
        self.action_due.setDate(QDate(meeting.starts_at.year, meeting.starts_at.month, meeting.starts_at.day)
                                .addDays(42))
        self.has_due = QCheckBox("due on")
        self.has_due.setChecked(True)
        extra = QGroupBox("Lesson learned and action")
        extra_form = QFormLayout(extra)
        if item.initiative_code and correcting is None:
            extra_form.addRow("Lesson", self.lesson_what)
            extra_form.addRow("Recommendation", self.lesson_rec)
            extra_form.addRow("Action", self.action_title)
            extra_form.addRow("Owner", self.action_owner)
            extra_form.addRow(self.has_due, self.action_due)
        else:
            extra.setVisible(False)

        self.status = QLabel()
        self.status.setObjectName("decisionStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        body = QWidget()
        inner = QVBoxLayout(body)
        inner.addLayout(form)
        inner.addWidget(votes_box)
        inner.addWidget(extra)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.resize(620, 720)

        if correcting is not None:
            self.outcome.setCurrentIndex(list(Outcome).index(correcting.outcome))
            self.rationale.setPlainText(correcting.rationale)
            self.conditions.setPlainText(correcting.conditions)
            self.override.setText(correcting.override_reason)
            self.incident_override.setText(correcting.incident_override)
        elif item.kind is AgendaKind.STAGE_GATE:
            self.outcome.setCurrentIndex(list(Outcome).index(Outcome.APPROVED))
        else:
            self.outcome.setCurrentIndex(list(Outcome).index(Outcome.NOTED))
        for w in (self.rationale, self.conditions):
            w.textChanged.connect(self._check)
        self.override.textChanged.connect(self._check)
        self.incident_override.textChanged.connect(self._check)
        self.correction.textChanged.connect(self._check)
        self.outcome.currentIndexChanged.connect(self._check)
        self._check()

    # --- the rules, live ---------------------------------------------------------------------------------------

    def set_vote(self, person_id: int, choice: VoteChoice) -> None:
        self.vote_boxes[person_id].setCurrentIndex(_index(choice))

    def _all_for(self) -> None:
        for box in self.vote_boxes.values():
            if box.isEnabled() and box.currentData() is None:
                box.setCurrentIndex(_index(VoteChoice.FOR))

    def not_recorded(self) -> list[str]:
        """The present voting members whose vote is not recorded yet."""
        return [self.people[pid].name for pid, box in self.vote_boxes.items() if box.currentData() is None]

    def set_outcome(self, outcome: Outcome) -> None:
        self.outcome.setCurrentIndex(list(Outcome).index(outcome))

    def votes(self) -> dict[int, VoteChoice]:
        """The votes recorded (a member whose vote is not recorded has none)."""
        return {pid: VoteChoice.parse(box.currentData()) for pid, box in self.vote_boxes.items()
                if box.currentData() is not None}

    def problems(self) -> list[str]:
        """Why the decision cannot be recorded as it stands (empty when it can)."""
        out = []
        q = quorum(self.charter, [Member(m.person_id, m.discipline) for m in self.voters], self.conflicted)
        if not q.met:
            out.append("No quorum for this item: " + "; ".join(q.reasons) + ".")
        outcome = Outcome.parse(self.outcome.currentData())
        missing = self.not_recorded()
        if missing and outcome is not Outcome.NOTED:
            out.append("Vote not recorded for " + ", ".join(missing) + ": record each present voting member's "
                       "vote (For, Against, Abstain) before the decision.")
        problem = outcome_problem(self.charter, outcome, tally(self.votes()))
        if problem and not self.override.text().strip():
            out.append(f"The outcome disagrees with the voting rule: {problem}. Record the reason (e.g. the "
                       "chair's casting vote) to proceed.")
        if (self.item.kind is AgendaKind.STAGE_GATE and outcome in APPROVING_OUTCOMES and self.serious_incidents
                and not self.incident_override.text().strip()):
            out.append("An open serious incident stands in the way: " + "; ".join(self.serious_incidents)
                       + ". Record why the committee approves regardless, or defer.")
        if outcome is Outcome.APPROVED_WITH_CONDITIONS and not self.conditions.toPlainText().strip():
            out.append("An approval with conditions states the conditions.")
        if self.correcting is not None and not self.correction.text().strip():
            out.append("Say what the correction corrects and why.")
        return out

    def _check(self) -> None:
        t = tally(self.votes())
        carried = motion_carried(self.charter, t)
        rule = "two thirds" if self.charter.voting_rule == "two_thirds" else "simple majority"
        q = quorum(self.charter, [Member(m.person_id, m.discipline) for m in self.voters], self.conflicted)
        lines = [f"Quorum: {'met' if q.met else 'not met'} ({q.voting_present} eligible voting members).",
                 f"Votes: {t.for_} for, {t.against} against, {t.abstain} abstain, {t.recused} recused — motion "
                 f"{'carried' if carried else 'not carried'} under {rule}."]
        problems = self.problems()
        html = "<br>".join(lines)
        if problems:
            html += "<br>" + "<br>".join(f"<span style='color:#c62828'>✖ {p}</span>" for p in problems)
        if self.item.kind is AgendaKind.STAGE_GATE and self.item.target_stage and self.correcting is None:
            html += f"<br>An approval moves {self.item.initiative_code} to {self.item.target_stage.label}."
        self.status.setText(html)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problems)

    def value(self) -> DecisionInput:
        lesson = {}
        if self.lesson_what.toPlainText().strip():
            lesson = {"what_happened": self.lesson_what.toPlainText().strip(),
                      "recommendation": self.lesson_rec.toPlainText().strip()}
        action = {}
        if self.action_title.text().strip():
            d = self.action_due.date()
            action = {"title": self.action_title.text().strip(), "owner_id": self.action_owner.currentData(),
                      "due_on": dt.date(d.year(), d.month(), d.day()) if self.has_due.isChecked() else None}
        return DecisionInput(Outcome.parse(self.outcome.currentData()), self.votes(), self.rationale.toPlainText().strip(),
                             self.conditions.toPlainText().strip(), self.override.text().strip(),
                             self.correction.text().strip(), lesson, action, self.incident_override.text().strip())
