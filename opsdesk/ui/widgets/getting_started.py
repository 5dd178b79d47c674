"""The "Getting started" checklist shown above the dashboard until the workspace is ready: each step with its
state, what is missing, and a button that does it (or opens the page where it is done)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QPushButton, QWidget

from opsdesk.services.onboarding.checklist import Checklist


class GettingStarted(QGroupBox):
    def __init__(self, on_action: Callable[[str], Any], parent: QWidget | None = None) -> None:
        super().__init__("Getting started", parent)
        self.setObjectName("gettingStarted")
        self.on_action = on_action
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(10, 8, 10, 8)
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(4)
        self.grid.setColumnStretch(2, 1)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.grid.addWidget(self.intro, 0, 0, 1, 4)
        self.buttons: dict[str, QPushButton] = {}
        self.rows: dict[str, tuple[QLabel, QLabel, QLabel]] = {}
        self.checklist: Checklist | None = None

    def set_checklist(self, c: Checklist) -> None:
        self.checklist = c
        self.intro.setText(f"{c.remaining} of {len(c.steps)} steps to go before the first meeting. Each button "
                           "does the step or opens the page where it is done; F1 explains them.")
        for row, step in enumerate(c.steps, start=1):
            if step.key not in self.rows:
                mark, title, detail = QLabel(self), QLabel(self), QLabel(self)
                detail.setWordWrap(True)
                button = QPushButton(self)
                button.setObjectName(f"start_{step.key}")
                button.clicked.connect(lambda _c=False, k=step.key: self.on_action(k))
                self.grid.addWidget(mark, row, 0)
                self.grid.addWidget(title, row, 1)
                self.grid.addWidget(detail, row, 2)
                self.grid.addWidget(button, row, 3, alignment=Qt.AlignmentFlag.AlignRight)
                self.rows[step.key] = (mark, title, detail)
                self.buttons[step.key] = button
            mark, title, detail = self.rows[step.key]
            mark.setText("✔" if step.done else f"{row}.")
            mark.setAccessibleName("done" if step.done else "to do")
            title.setText(f"<s>{step.title}</s>" if step.done else f"<b>{step.title}</b>")
            detail.setText(step.detail)
            detail.setToolTip(step.detail)
            button = self.buttons[step.key]
            button.setText(step.action.replace("&", "&&"))  # "Data & Models", not a mnemonic
            button.setToolTip(f"{step.title}: {step.detail}")
        self.setVisible(not c.done)
