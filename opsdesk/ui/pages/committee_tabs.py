"""The Charter and Actions tabs of the Committee page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from opsdesk.domain.committee import Charter
from opsdesk.domain.enums import ActionStatus, CommitteeRole
from opsdesk.services.committee import actions, charter
from opsdesk.services.committee.actions import ActionDTO
from opsdesk.services.committee.charter import VOTING_RULES, CharterDTO
from opsdesk.ui.models.committee import MEMBER_COLUMNS, ROW_ROLE, SORT_ROLE, RowsModel, action_columns
from opsdesk.ui.pages.base import PageContext
from opsdesk.ui.widgets.empty_note import attach as say_when_empty

Runner = Callable[..., None]


def table_view(model: RowsModel, name: str, parent: QWidget,
               empty: str = "") -> tuple[QTableView, QSortFilterProxyModel]:
    proxy = QSortFilterProxyModel(parent)
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    proxy.setFilterKeyColumn(-1)
    view = QTableView(parent)
    view.setObjectName(name.replace(" ", "") + "Table")
    view.setAccessibleName(name)
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    say_when_empty(view, empty or f"No {name.lower()} yet.")
    return view, proxy


def selected_row(view: QTableView):  # type: ignore[no-untyped-def]
    rows = view.selectionModel().selectedRows() if view.selectionModel() else []
    return rows[0].data(ROW_ROLE) if rows else None


class CharterView(QWidget):
    """The charter: quorum rule, voting rule, members (people with a committee role), classification scheme."""

    def __init__(self, ctx: PageContext, run: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.run = ctx, run
        rules = QGroupBox("Quorum and voting rule")
        form = QFormLayout(rules)
        self.min_members = QSpinBox()
        self.min_members.setRange(1, 50)
        self.min_members.setAccessibleName("Minimum voting members for quorum")
        form.addRow("Minimum &voting members present", self.min_members)
        self.every_discipline = QCheckBox("Every discipline (data, ML, finance, executive) must be present")
        self.every_discipline.setAccessibleName("Every discipline must be present")
        form.addRow("", self.every_discipline)
        self.rule = QComboBox()
        self.rule.setAccessibleName("Voting rule")
        for key, label in VOTING_RULES.items():
            self.rule.addItem(label, key)
        form.addRow("Voting &rule", self.rule)
        save_rules = QPushButton("Save charter")
        save_rules.setAccessibleName("Save charter")
        save_rules.clicked.connect(self.save_charter)
        form.addRow("", save_rules)

        scheme_box = QGroupBox("Classification scheme (lowest first)")
        scheme_form = QFormLayout(scheme_box)
        self.scheme = QLineEdit()
        self.scheme.setAccessibleName("Classification markings, lowest first, comma separated")
        scheme_form.addRow("&Markings", self.scheme)
        save_scheme = QPushButton("Save scheme")
        save_scheme.clicked.connect(self.save_scheme)
        scheme_form.addRow("", save_scheme)

        members_box = QGroupBox("Members (people with a committee role)")
        mlayout = QVBoxLayout(members_box)
        self.members = RowsModel(MEMBER_COLUMNS, self)
        self.members_view, _proxy = table_view(
            self.members, "Committee members", self,
            "No members yet: give people a voting role here, or add them on People & Skills (Getting started "
            "asks for four voting members covering data, ML, finance and executive).")
        mlayout.addWidget(self.members_view)
        row = QHBoxLayout()
        self.person = QComboBox()
        self.person.setAccessibleName("Person")
        self.role = QComboBox()
        self.role.setAccessibleName("Committee role")
        for r in CommitteeRole:
            self.role.addItem(r.label, r)
        set_role = QPushButton("Set role")
        set_role.clicked.connect(self.set_role)
        row.addWidget(QLabel("Person"))
        row.addWidget(self.person, 1)
        row.addWidget(QLabel("role"))
        row.addWidget(self.role)
        row.addWidget(set_role)
        mlayout.addLayout(row)

        left = QVBoxLayout()
        left.addWidget(rules)
        left.addWidget(scheme_box)
        left.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 2)
        layout.addWidget(members_box, 3)

    def show_charter(self, c: CharterDTO, people: list[tuple[int, str]]) -> None:
        self.min_members.setValue(c.charter.min_voting_members)
        self.every_discipline.setChecked(c.charter.require_every_discipline)
        self.rule.setCurrentIndex(max(0, self.rule.findData(c.charter.voting_rule)))
        self.scheme.setText(", ".join(c.classification_scheme))
        self.members.set_rows(c.members)
        self.members_view.resizeColumnsToContents()
        current = self.person.currentData()
        self.person.clear()
        for pid, name in people:
            self.person.addItem(name, pid)
        if current is not None:
            self.person.setCurrentIndex(max(0, self.person.findData(current)))

    def save_charter(self) -> None:
        new = Charter(self.min_members.value(), self.every_discipline.isChecked(), self.rule.currentData())
        self.run(charter.set_charter, new, done="Charter saved")

    def save_scheme(self) -> None:
        self.run(charter.set_classification_scheme, [m for m in self.scheme.text().split(",")],
                 done="Classification scheme saved")

    def set_role(self) -> None:
        if self.person.currentData() is not None:
            self.run(charter.set_member_role, self.person.currentData(), self.role.currentData(),
                     done=f"{self.person.currentText()} is now {self.role.currentText().lower()}")


class ActionsView(QWidget):
    """Every action item with owner, due date and status; overdue ones in red; filter by initiative."""

    def __init__(self, ctx: PageContext, run: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.run = ctx, run
        self.today = dt.date.today()
        self.model: RowsModel[ActionDTO] = RowsModel(action_columns(self.today), self)
        self.view, self.proxy = table_view(self.model, "Action items", self,
                                           "No action items yet: they are agreed with decisions (Decide…).")
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter actions (initiative code, owner, text…)")
        self.filter.setAccessibleName("Filter actions")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.overdue_only = QCheckBox("Overdue only")
        self.overdue_only.toggled.connect(lambda _on: self._apply())
        self.summary = QLabel()
        bar = QHBoxLayout()
        bar.addWidget(self.filter, 1)
        bar.addWidget(self.overdue_only)
        for status in (ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.CANCELLED):
            b = QPushButton(f"Mark {status.label.lower()}")
            b.clicked.connect(lambda _c=False, s=status: self.mark(s))
            bar.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.summary)
        self._all: list[ActionDTO] = []

    def show_actions(self, rows: list[ActionDTO], today: dt.date) -> None:
        self.today = today
        self._all = rows
        self._apply()

    def _apply(self) -> None:
        rows = [a for a in self._all if a.overdue(self.today)] if self.overdue_only.isChecked() else self._all
        self.model.set_rows(rows)
        self.view.resizeColumnsToContents()
        self.view.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        overdue = sum(1 for a in self._all if a.overdue(self.today))
        self.summary.setText(f"{len(self._all)} actions, {overdue} overdue on {self.today}")

    def show_initiative(self, code: str) -> None:
        self.filter.setText(code)

    def mark(self, status: ActionStatus) -> None:
        a = selected_row(self.view)
        if a is not None:
            self.run(actions.set_action_status, a.id, status, done=f"Action marked {status.label.lower()}")
