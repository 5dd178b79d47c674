"""Add one training record: course, provider, hours, completion date, discipline, certificate and expiry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from opsdesk.domain.enums import Discipline
from opsdesk.services.registry.people import PersonDTO


def _date(day: dt.date) -> QDateEdit:
    w = QDateEdit(QDate(day.year, day.month, day.day))
    w.setCalendarPopup(True)
    w.setDisplayFormat("yyyy-MM-dd")
    return w


def _py(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


class TrainingDialog(QDialog):
    def __init__(self, people: list[PersonDTO], today: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add training record")
        self.person = QComboBox()
        self.person.setAccessibleName("Person")
        for p in people:
            self.person.addItem(p.name, p)
        self.course = QLineEdit()
        self.course.setAccessibleName("Course")
        self.provider = QLineEdit()
        self.provider.setAccessibleName("Provider")
        self.hours = QDoubleSpinBox()
        self.hours.setRange(0, 2000)
        self.hours.setDecimals(1)
        self.hours.setAccessibleName("Hours")
        self.completed = _date(today)
        self.completed.setAccessibleName("Completed on")
        self.discipline = QComboBox()
        self.discipline.setAccessibleName("Discipline")
        for d in Discipline:
            self.discipline.addItem(d.label, d.value)
        self.certificate = QLineEdit()
        self.certificate.setAccessibleName("Certificate reference")
        self.has_expiry = QCheckBox("expires on")
        self.has_expiry.setAccessibleName("Certificate expires")
        self.expires = _date(today + dt.timedelta(days=730))
        self.expires.setAccessibleName("Expires on")
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #c62828;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        for label, w in (("Person", self.person), ("Course", self.course), ("Provider", self.provider),
                         ("Hours", self.hours), ("Completed on", self.completed), ("Discipline", self.discipline),
                         ("Certificate", self.certificate)):
            form.addRow(label, w)
        form.addRow(self.has_expiry, self.expires)
        form.addRow(self.problem)
        form.addRow(self.buttons)
        self.person.currentIndexChanged.connect(self._home_discipline)
        for sig in (self.course.textChanged, self.has_expiry.toggled, self.expires.dateChanged,
                    self.completed.dateChanged):
            sig.connect(self._validate)
        self._home_discipline()
        self._validate()

    def _home_discipline(self) -> None:
        p = self.person.currentData()
        if p is not None:
            self.discipline.setCurrentIndex(self.discipline.findData(p.discipline.value))

    def _validate(self) -> None:
        problem = ""
        if not self.course.text().strip():
            problem = "course is required"
        elif self.has_expiry.isChecked() and _py(self.expires.date()) < _py(self.completed.date()):
            problem = "the certificate cannot expire before the course was completed"
        self.expires.setEnabled(self.has_expiry.isChecked())
        self.problem.setText(problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not problem)

    def person_id(self) -> int:
        return self.person.currentData().id

    def values(self) -> dict[str, Any]:
        return {"course": self.course.text(), "provider": self.provider.text(), "hours": str(self.hours.value()),
                "completed_on": _py(self.completed.date()), "discipline": self.discipline.currentData(),
                "certificate_ref": self.certificate.text(),
                "expires_on": _py(self.expires.date()) if self.has_expiry.isChecked() else None}
