"""A tab that shows a small table of records, or says plainly that there are none yet."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from opsdesk.ui.models.records import Column, RecordProxy, RecordTableModel
from opsdesk.ui.widgets.register import configure_table


class TableTab(QWidget):
    def __init__(self, name: str, columns: Sequence[Column], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = RecordTableModel(columns, self, key=id)
        self.proxy = RecordProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView(self)
        configure_table(self.table, name)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(-1, self.table.horizontalHeader().sortIndicatorOrder())
        self.table.setWordWrap(True)
        self.note = QLabel(self)
        self.note.setObjectName(f"{name}Note")
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note, 0)
        layout.addWidget(self.table, 1)
        layout.addStretch(0)

    def set_rows(self, rows: Sequence[Any], *, note: str, empty: str) -> None:
        self.model.set_rows(rows)
        self.table.setVisible(bool(rows))
        self.note.setText(note if rows else empty)
        if rows:
            self.table.resizeColumnsToContents()
            header = self.table.horizontalHeader()
            for i in range(header.count()):
                header.resizeSection(i, min(header.sectionSize(i), 320))
            header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
            header.setStretchLastSection(not self.model.columns[-1].numeric)  # figures stay by their labels
            self.table.resizeRowsToContents()
