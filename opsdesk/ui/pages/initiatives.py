"""The register of initiatives: a sortable, searchable table."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QLineEdit, QTableView, QVBoxLayout

from opsdesk.services import initiatives
from opsdesk.ui.models.initiatives import SORT_ROLE, InitiativesModel
from opsdesk.ui.pages.base import Page, PageContext


class InitiativesPage(Page):
    def __init__(self, ctx: PageContext) -> None:
        super().__init__(ctx)
        self.model = InitiativesModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)

        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search initiatives (code, name, owner, objective…)")
        self.search.setAccessibleName("Search initiatives")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)

        self.table = QTableView(self)
        self.table.setObjectName("initiativesTable")
        self.table.setAccessibleName("Initiatives")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)

        self.summary = QLabel(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)

    def refresh(self) -> None:
        self.ctx.tasks.submit(initiatives.list_rows, self.ctx.ws, on_done=self._loaded)

    def _loaded(self, rows: list[initiatives.InitiativeRow]) -> None:
        self.model.set_rows(rows)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.summary.setText(f"{len(rows)} initiatives")

    def find(self) -> None:
        self.search.setFocus()
        self.search.selectAll()
