"""A record form that validates as you type with the domain's field schemas.

Each field shows its problem beside it; OK stays disabled while any field is wrong. The same ``Field`` schema the
service applies decides what is wrong, so the form and the service never disagree; ``cross_check`` adds the rules
that involve several fields or other records (dates in order, a code already taken).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from opsdesk.domain.validation import Field, problems


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    widget: str = "line"  # line, text, choice, bool
    choices: Sequence[tuple[str, str]] = ()  # (value, label)
    placeholder: str = ""
    required: bool = False


CrossCheck = Callable[[dict[str, Any]], dict[str, str]]


def problem_colour() -> str:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    return "#ff7b7b" if app is not None and app.property("opsdesk_dark") else "#c62828"


def enum_choices(enum: Any) -> list[tuple[str, str]]:
    return [(m.value, m.label) for m in enum]


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "value") and hasattr(value, "label"):
        return str(value.value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


class RecordForm(QDialog):
    def __init__(self, title: str, schema: tuple[Field, ...], fields: Sequence[FormField],
                 values: Mapping[str, Any] | None = None, *, cross_check: CrossCheck | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("recordForm")
        self.schema = schema
        self.fields = list(fields)
        self.cross_check = cross_check
        self.widgets: dict[str, QWidget] = {}
        self.reasons: dict[str, QLabel] = {}
        self.initial = dict(values or {})

        grid_host = QWidget(self)
        grid = QGridLayout(grid_host)
        self._grid = grid
        grid.setColumnStretch(1, 1)
        grid.setColumnMinimumWidth(2, 220)
        grid.setColumnStretch(2, 1)
        required = {f.name for f in schema if f.required}
        for row, f in enumerate(self.fields):
            label = QLabel(f.label + (" *" if f.name in required or f.required else ""), grid_host)
            widget = self._make_widget(f, self.initial.get(f.name))
            label.setBuddy(widget)
            widget.setAccessibleName(f.label)
            reason = QLabel("", grid_host)
            reason.setObjectName(f"reason_{f.name}")
            reason.setWordWrap(True)
            reason.setStyleSheet(f"color: {problem_colour()};")
            reason.setAccessibleName(f"{f.label}: problem")
            grid.addWidget(label, row, 0)
            grid.addWidget(widget, row, 1)
            grid.addWidget(reason, row, 2)
            self.widgets[f.name] = widget
            self.reasons[f.name] = reason
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(grid_host)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self.summary = QLabel("", self)
        self.summary.setObjectName("formSummary")
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)
        self.resize(820, min(140 + 40 * len(self.fields), 780))
        self.revalidate()

    def add_section(self, label: str, widget: QWidget) -> None:
        """A part of the record that is not a schema field (e.g. the objectives served), below the fields."""
        row = self._grid.rowCount()
        title = QLabel(label, widget.parentWidget())
        title.setBuddy(widget)
        self._grid.addWidget(title, row, 0, Qt.AlignmentFlag.AlignTop)
        self._grid.addWidget(widget, row, 1, 1, 2)
        self.resize(self.width(), min(self.height() + widget.sizeHint().height(), 860))

    @property
    def ok_button(self):
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def _make_widget(self, f: FormField, value: Any) -> QWidget:
        if f.widget == "text":
            w: QWidget = QPlainTextEdit(self)
            w.setPlainText(text_of(value))
            w.setFixedHeight(70)
            w.setTabChangesFocus(True)
            w.textChanged.connect(self.revalidate)
        elif f.widget == "choice":
            w = QComboBox(self)
            for data, label in f.choices:
                w.addItem(label, data)
            index = w.findData(text_of(value))
            w.setCurrentIndex(max(index, 0))
            w.currentIndexChanged.connect(self.revalidate)
        elif f.widget == "bool":
            w = QCheckBox(self)
            w.setChecked(bool(value))
            w.toggled.connect(self.revalidate)
        else:
            w = QLineEdit(self)
            w.setText(text_of(value))
            w.setPlaceholderText(f.placeholder)
            w.textChanged.connect(self.revalidate)
        w.setObjectName(f"field_{f.name}")
        return w

    # --- values and validation ---------------------------------------------------------------------------------

    def raw_values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, w in self.widgets.items():
            if isinstance(w, QPlainTextEdit):
                out[name] = w.toPlainText()
            elif isinstance(w, QComboBox):
                out[name] = w.currentData()
            elif isinstance(w, QCheckBox):
                out[name] = w.isChecked()
            elif isinstance(w, QLineEdit):
                out[name] = w.text()
        return out

    def changed_values(self) -> dict[str, Any]:
        """Only the fields whose text differs from what the form opened with (for an update)."""
        return {k: v for k, v in self.raw_values().items()
                if (v if isinstance(v, bool) else str(v).strip()) != (
                    bool(self.initial.get(k)) if isinstance(v, bool) else text_of(self.initial.get(k)).strip())}

    def problems(self) -> dict[str, str]:
        raw = self.raw_values()
        found = problems(self.schema, raw)
        if self.cross_check is not None:
            for name, reason in self.cross_check(raw).items():
                found.setdefault(name, reason)
        return found

    def revalidate(self) -> None:
        found = self.problems()
        for name, label in self.reasons.items():
            label.setText(found.get(name, ""))
        self.ok_button.setEnabled(not found)
        self.summary.setText("" if not found else f"{len(found)} field(s) need attention before you can save.")

    def _accept(self) -> None:
        if not self.problems():
            self.accept()

    def set_text(self, name: str, text: str) -> None:
        """Type into a field (tests, and the page when it pre-fills a suggestion)."""
        w = self.widgets[name]
        if isinstance(w, QPlainTextEdit):
            w.setPlainText(text)
        elif isinstance(w, QComboBox):
            w.setCurrentIndex(max(w.findData(text), 0))
        elif isinstance(w, QCheckBox):
            w.setChecked(text.lower() in ("1", "true", "yes"))
        elif isinstance(w, QLineEdit):
            w.setText(text)
