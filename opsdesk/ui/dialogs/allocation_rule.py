"""Create or edit one allocation rule; the service checks it and the reason shows under the form."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from opsdesk.services.finance.allocation_rules import RuleDTO

TARGETS = (("initiative", "One initiative"), ("from_tag", "The initiative named by a tag"),
           ("even", "Split evenly"), ("fixed", "Split by fixed shares"), ("metric", "Split in proportion to a metric"))


class RuleDialog(QDialog):
    """OK emits ``submitted`` with the values; the caller saves them on the worker and closes the dialog on
    success, or calls :meth:`show_error` so the user can correct the rule."""

    submitted = Signal(dict)

    def __init__(self, rule: RuleDTO | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ruleDialog")
        self.setWindowTitle("Edit allocation rule" if rule else "New allocation rule")
        self.name = self._line("Name")
        self.priority = QSpinBox(self)
        self.priority.setRange(0, 100_000)
        self.priority.setValue(100)
        self.priority.setAccessibleName("Priority")
        self.tag_key, self.tag_value = self._line("Tag key"), self._line("Tag value (optional, * for any)")
        self.service, self.account = self._line("Service (glob)"), self._line("Account (glob)")
        self.resource = self._line("Resource pattern (glob)")
        self.target_kind = QComboBox(self)
        self.target_kind.setAccessibleName("Allocate to")
        for key, label in TARGETS:
            self.target_kind.addItem(label, key)
        self.initiatives = self._line("Initiatives, e.g. AI-0001, AI-0002 (or AI-0001=60, AI-0002=40)")
        self.tag_name = self._line("Tag whose value is the initiative code")
        self.metric_name = self._line("Metric name, e.g. Predictions served")
        self.active = QCheckBox("Active", self)
        self.active.setChecked(True)
        self.error = QLabel(self)
        self.error.setObjectName("ruleError")
        self.error.setStyleSheet("color: #b02a37")
        self.error.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Priority (lower first)", self.priority)
        form.addRow(QLabel("<b>Matches cost lines with…</b>", self))
        form.addRow("Tag key", self.tag_key)
        form.addRow("Tag value", self.tag_value)
        form.addRow("Service", self.service)
        form.addRow("Account", self.account)
        form.addRow("Resource", self.resource)
        form.addRow(QLabel("<b>…and allocates them to</b>", self))
        form.addRow("Target", self.target_kind)
        form.addRow("Initiatives", self.initiatives)
        form.addRow("Tag", self.tag_name)
        form.addRow("Metric", self.metric_name)
        form.addRow("", self.active)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self._submit)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.target_kind.currentIndexChanged.connect(self._target_changed)
        if rule is not None:
            self._load(rule)
        self._target_changed()

    def _line(self, placeholder: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setPlaceholderText(placeholder)
        edit.setAccessibleName(placeholder.split(" (")[0].split(",")[0])
        return edit

    def _target_changed(self) -> None:
        kind = self.target_kind.currentData()
        self.initiatives.setEnabled(kind in ("initiative", "even", "fixed", "metric"))
        self.tag_name.setEnabled(kind == "from_tag")
        self.metric_name.setEnabled(kind == "metric")

    def _load(self, rule: RuleDTO) -> None:
        self.name.setText(rule.name)
        self.priority.setValue(rule.priority)
        m = rule.match
        for edit, key in ((self.tag_key, "tag_key"), (self.tag_value, "tag_value"), (self.service, "service"),
                          (self.account, "account"), (self.resource, "resource_pattern")):
            edit.setText(str(m.get(key, "")))
        t = rule.target
        if t.get("from_tag"):
            kind = "from_tag"
            self.tag_name.setText(str(t["from_tag"]))
        elif t.get("initiative"):
            kind = "initiative"
            self.initiatives.setText(str(t["initiative"]))
        else:
            kind = str(t.get("split", "even"))
            if kind == "fixed":
                self.initiatives.setText(", ".join(f"{c}={v}" for c, v in (t.get("shares") or {}).items()))
            else:
                self.initiatives.setText(", ".join(t.get("initiatives", [])))
            self.metric_name.setText(str(t.get("metric", "")))
        self.target_kind.setCurrentIndex([k for k, _l in TARGETS].index(kind))
        self.active.setChecked(rule.active)

    def values(self) -> dict[str, Any]:
        match = {"tag_key": self.tag_key.text(), "tag_value": self.tag_value.text(), "service": self.service.text(),
                 "account": self.account.text(), "resource_pattern": self.resource.text()}
        kind = self.target_kind.currentData()
        parts = [p.strip() for p in self.initiatives.text().split(",") if p.strip()]
        target: dict[str, Any]
        if kind == "initiative":
            target = {"initiative": parts[0] if parts else ""}
        elif kind == "from_tag":
            target = {"from_tag": self.tag_name.text()}
        elif kind == "fixed":
            shares = dict(p.split("=", 1) if "=" in p else (p, "") for p in parts)
            target = {"split": "fixed", "shares": {c.strip(): v.strip() for c, v in shares.items()}}
        else:
            target = {"split": kind, "initiatives": parts, "metric": self.metric_name.text()}
        return {"name": self.name.text(), "priority": self.priority.value(), "match": match, "target": target,
                "active": self.active.isChecked()}

    def _submit(self) -> None:
        self.error.clear()
        self.ok_button.setEnabled(False)
        self.submitted.emit(self.values())

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.ok_button.setEnabled(True)
