"""Small dialogs of the Committee page: a new meeting, an agenda item, a conflict, proposals from the
needs-the-committee list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDateTime, Qt, QTime, QTimeZone
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from opsdesk.domain.enums import AgendaKind, Stage
from opsdesk.services.committee.agenda import Proposal
from opsdesk.services.committee.charter import MemberDTO


class _FormDialog(QDialog):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.hint = QLabel()
        self.hint.setStyleSheet("color: #c62828")
        self.hint.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)

    def _line(self, label: str, name: str, placeholder: str = "") -> QLineEdit:
        w = QLineEdit()
        w.setAccessibleName(name)
        w.setPlaceholderText(placeholder)
        self.form.addRow(label, w)
        return w

    def _allow(self, problem: str | None) -> None:
        self.hint.setText(problem or "")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(problem is None)


class MeetingDialog(_FormDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("New meeting", parent)
        self.title = self._line("&Title", "Meeting title", "AI Governance Committee — Q1 2027")
        self.location = self._line("&Location", "Meeting location", "Room, building")
        self.when = QDateTimeEdit()
        self.when.setAccessibleName("Meeting time (UTC)")
        self.when.setTimeZone(QTimeZone.utc())
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm 'UTC'")
        self.when.setCalendarPopup(True)
        day = QDateTime.currentDateTimeUtc().addDays(14).date()
        self.when.setDateTime(QDateTime(day, QTime(10, 0), QTimeZone.utc()))
        self.form.addRow("T&ime", self.when)
        self.title.textChanged.connect(lambda t: self._allow(None if t.strip() else "A meeting needs a title."))
        self._allow("A meeting needs a title.")

    def value(self) -> tuple[dict[str, str], dt.datetime]:
        q = self.when.dateTime().toUTC()
        d, t = q.date(), q.time()
        return ({"title": self.title.text().strip(), "location": self.location.text().strip()},
                dt.datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), tzinfo=dt.UTC))


class ItemDialog(_FormDialog):
    """A free item, or a stage-gate request for an initiative."""

    def __init__(self, initiatives: list[tuple[str, str, Stage]], parent: QWidget | None = None) -> None:
        super().__init__("Add agenda item", parent)
        self.kind = QComboBox()
        self.kind.setAccessibleName("Item kind")
        for k in AgendaKind:
            self.kind.addItem(k.label, k)
        self.form.addRow("&Kind", self.kind)
        self.initiative = QComboBox()
        self.initiative.setAccessibleName("Initiative")
        self.initiative.addItem("— none —", None)
        self._stages = {code: stage for code, _n, stage in initiatives}
        for code, name, stage in initiatives:
            self.initiative.addItem(f"{code} — {name} ({stage.label})", code)
        self.form.addRow("&Initiative", self.initiative)
        self.target = QComboBox()
        self.target.setAccessibleName("Stage requested")
        self.form.addRow("&Stage requested", self.target)
        self.title = self._line("&Title", "Item title")
        self.requested = QPlainTextEdit()
        self.requested.setAccessibleName("Decision requested")
        self.requested.setFixedHeight(56)
        self.requested.setTabChangesFocus(True)
        self.form.addRow("&Decision requested", self.requested)
        for signal in (self.kind.currentIndexChanged, self.initiative.currentIndexChanged):
            signal.connect(self._sync)
        self.title.textChanged.connect(self._validate)
        self.target.currentIndexChanged.connect(self._validate)
        self._sync()

    def _sync(self) -> None:
        from opsdesk.domain.rules import allowed_next_stages

        gate = self._kind() is AgendaKind.STAGE_GATE
        code = self.initiative.currentData()
        self.target.clear()
        if gate and code:
            for s in allowed_next_stages(self._stages[code]):
                self.target.addItem(s.label, s)
            first = self._target()
            if first is not None:
                self.title.setText(f"{code}: gate to {first.label}")
                self.requested.setPlainText(f"Approve the move to {first.label}.")
        self.target.setEnabled(gate)
        self._validate()

    def _kind(self) -> AgendaKind:
        return AgendaKind.parse(self.kind.currentData())

    def _target(self) -> Stage | None:
        data = self.target.currentData()
        return Stage.parse(data) if data else None

    def _validate(self) -> None:
        if not self.title.text().strip():
            self._allow("An item needs a title.")
        elif self._kind() is AgendaKind.STAGE_GATE and (not self.initiative.currentData() or self._target() is None):
            self._allow("A stage-gate item names an initiative and the stage requested.")
        else:
            self._allow(None)

    def value(self) -> dict[str, Any]:
        return {"kind": self._kind(), "title": self.title.text().strip(),
                "initiative_code": self.initiative.currentData(),
                "requested_decision": self.requested.toPlainText().strip(),
                "target_stage": self._target() if self._kind() is AgendaKind.STAGE_GATE else None}


class ConflictDialog(_FormDialog):
    def __init__(self, members: list[MemberDTO], item_title: str, parent: QWidget | None = None) -> None:
        super().__init__(f"Declare a conflict on {item_title}", parent)
        self.person = QComboBox()
        self.person.setAccessibleName("Member with a conflict")
        for m in members:
            self.person.addItem(f"{m.name} ({m.role.label})", m.person_id)
        self.form.addRow("&Member", self.person)
        self.description = self._line("&Nature of the interest", "Nature of the interest")
        self.description.textChanged.connect(
            lambda t: self._allow(None if t.strip() else "Describe the interest declared."))
        self._allow("Describe the interest declared.")

    def value(self) -> tuple[int, str]:
        return self.person.currentData(), self.description.text().strip()


class ProposalsDialog(QDialog):
    """The needs-the-committee list as proposed agenda items; tick the ones to add."""

    def __init__(self, proposals: list[Proposal], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add from “needs the committee”")
        self.proposals = proposals
        self.list = QListWidget()
        self.list.setAccessibleName("Proposed agenda items")
        for p in proposals:
            it = QListWidgetItem(f"{p.title}  —  {p.reason}  (score {p.score:.1f})")
            it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            it.setCheckState(Qt.CheckState.Checked if p.kind is AgendaKind.STAGE_GATE else Qt.CheckState.Unchecked)
            self.list.addItem(it)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Gate requests come prepared with their criteria, options and recommendation."
                                if proposals else "Nothing needs the committee that is not already on the agenda."))
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.resize(640, 420)

    def chosen(self) -> list[Proposal]:
        return [p for i, p in enumerate(self.proposals)
                if self.list.item(i).checkState() == Qt.CheckState.Checked]
