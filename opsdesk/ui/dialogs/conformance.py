"""Record one initiative's conformance to one requirement: status, evidence (text and files), reviewer, and a
waiver's reason, approver and expiry. Validates as the user types and says what is missing next to the field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from opsdesk.domain.enums import ConformanceStatus
from opsdesk.services.standards.conformance import Cell, EvidenceFileDTO, RequirementRef
from opsdesk.ui import file_dialogs


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


class ConformanceDialog(QDialog):
    def __init__(self, initiative: str, requirement: RequirementRef, cell: Cell | None, today: dt.date,
                 reviewer: str, files: list[EvidenceFileDTO] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Conformance — {initiative} · {requirement.standard_code} {requirement.code}")
        self.setObjectName("conformanceDialog")
        self.resize(620, 560)
        self.new_files: list[Path] = []

        head = QLabel(f"<b>{initiative}</b> against <b>{requirement.standard_code} {requirement.standard_version} "
                      f"{requirement.code}</b><br>{requirement.text}")
        head.setWordWrap(True)

        self.status = QComboBox()
        self.status.setAccessibleName("Status")
        for s in ConformanceStatus:
            self.status.addItem(s.label, s.value)  # Qt hands str enums back as plain str
        self.evidence = QPlainTextEdit()
        self.evidence.setAccessibleName("Evidence")
        self.evidence.setPlaceholderText("What shows the requirement is met (documents, links, test reports)…")
        self.evidence.setFixedHeight(90)
        self.reviewer = QLineEdit(reviewer)
        self.reviewer.setAccessibleName("Reviewer")
        self.reviewed_on = QDateEdit(_qdate(today))
        self.reviewed_on.setCalendarPopup(True)
        self.reviewed_on.setDisplayFormat("yyyy-MM-dd")
        self.reviewed_on.setAccessibleName("Reviewed on")

        self.waiver = QGroupBox("Waiver")
        self.waiver_reason = QLineEdit()
        self.waiver_reason.setAccessibleName("Waiver reason")
        self.waiver_approver = QLineEdit()
        self.waiver_approver.setAccessibleName("Waiver approver")
        self.waiver_expires = QDateEdit(_qdate(today + dt.timedelta(days=90)))
        self.waiver_expires.setCalendarPopup(True)
        self.waiver_expires.setDisplayFormat("yyyy-MM-dd")
        self.waiver_expires.setAccessibleName("Waiver expires on")
        wf = QFormLayout(self.waiver)
        wf.addRow("Reason", self.waiver_reason)
        wf.addRow("Approved by", self.waiver_approver)
        wf.addRow("Expires on", self.waiver_expires)

        self.files = QListWidget()
        self.files.setAccessibleName("Evidence files")
        self.files.setFixedHeight(70)
        for f in files or []:
            self.files.addItem(f"{f.file_name}  ·  {f.size:,} bytes  ·  SHA-256 {f.sha256[:16]}…")
        attach = QPushButton("Attach file…")
        attach.setAccessibleName("Attach evidence file")
        attach.clicked.connect(self._attach)
        file_row = QHBoxLayout()
        file_row.addWidget(self.files, 1)
        file_row.addWidget(attach)

        self.problem = QLabel()
        self.problem.setObjectName("problemLabel")
        self.problem.setStyleSheet("color: #c62828;")
        self.problem.setWordWrap(True)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("Status", self.status)
        form.addRow("Evidence", self.evidence)
        form.addRow("Files", file_row)
        form.addRow("Reviewer", self.reviewer)
        form.addRow("Reviewed on", self.reviewed_on)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addLayout(form)
        layout.addWidget(self.waiver)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

        if cell is not None and cell.recorded is not None:
            self.status.setCurrentIndex(self.status.findData(cell.recorded.value))
            self.evidence.setPlainText(cell.evidence)
            self.reviewer.setText(cell.reviewer or reviewer)
            if cell.waiver_expires:
                self.waiver_expires.setDate(_qdate(cell.waiver_expires))
            self.set_waiver_details(cell.waiver_reason, cell.waiver_approver)
        for w in (self.waiver_reason, self.waiver_approver, self.reviewer):
            w.textChanged.connect(self._validate)
        self.status.currentIndexChanged.connect(self._validate)
        self.waiver_expires.dateChanged.connect(self._validate)
        self._validate()

    def set_waiver_details(self, reason: str, approver: str) -> None:
        self.waiver_reason.setText(reason)
        self.waiver_approver.setText(approver)

    def _attach(self) -> None:
        paths = file_dialogs.open_files(self, "evidence", "Attach evidence")
        for p in paths:
            self.add_file(Path(p))

    def add_file(self, path: Path) -> None:
        self.new_files.append(path)
        self.files.addItem(f"{path.name}  ·  to attach")

    def status_value(self) -> ConformanceStatus:
        return ConformanceStatus(self.status.currentData())

    def problems(self) -> dict[str, str]:
        found: dict[str, str] = {}
        if self.status_value() is ConformanceStatus.WAIVED:
            if not self.waiver_reason.text().strip():
                found["waiver_reason"] = "a waiver needs a reason"
            if not self.waiver_approver.text().strip():
                found["waiver_approver"] = "a waiver needs an approver"
            if _pydate(self.waiver_expires.date()) < _pydate(self.reviewed_on.date()):
                found["waiver_expires"] = "the waiver would already have expired"
        if not self.reviewer.text().strip():
            found["reviewer"] = "say who reviewed it"
        return found

    def _validate(self) -> None:
        waived = self.status_value() is ConformanceStatus.WAIVED
        self.waiver.setEnabled(waived)
        found = self.problems()
        self.problem.setText("; ".join(found.values()))
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not found)

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status_value(), "evidence": self.evidence.toPlainText(),
                               "reviewer": self.reviewer.text(), "reviewed_on": _pydate(self.reviewed_on.date())}
        if self.status_value() is ConformanceStatus.WAIVED:
            out |= {"waiver_reason": self.waiver_reason.text(), "waiver_approver": self.waiver_approver.text(),
                    "waiver_expires": _pydate(self.waiver_expires.date())}
        return out
