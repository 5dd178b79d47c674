"""A 5×5 risk heat map as a small table: likelihood across, impact up, each cell coloured by its rating band and
showing how many open risks sit there. Clicking a cell asks the page to filter the register to it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

COLOURS = {"low": "#cfe8d5", "medium": "#fbe7a6", "high": "#f6b28a", "critical": "#e57373"}
Index = QModelIndex | QPersistentModelIndex


def band(likelihood: int, impact: int) -> str:
    score = likelihood * impact
    return "critical" if score >= 20 else "high" if score >= 10 else "medium" if score >= 5 else "low"


class HeatMapModel(QAbstractTableModel):
    """Row 0 is impact 5 (the top of the matrix); column 0 is likelihood 1."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.grid = [[0] * 5 for _ in range(5)]

    def set_grid(self, grid: list[list[int]]) -> None:
        self.grid = [list(r) for r in grid]
        self.dataChanged.emit(self.index(0, 0), self.index(4, 4))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else 5

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 5

    @staticmethod
    def scores(index: Index) -> tuple[int, int]:
        """(likelihood, impact) of a cell."""
        return index.column() + 1, 5 - index.row()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        li, im = self.scores(index)
        n = self.grid[im - 1][li - 1]
        if role == Qt.ItemDataRole.DisplayRole:
            return str(n) if n else ""
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(QColor(COLOURS[band(li, im)]))
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor("#1b1f23"))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return f"likelihood {li}, impact {im} ({band(li, im)}): {n} open risk(s)"
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return str(section + 1) if orientation == Qt.Orientation.Horizontal else str(5 - section)


class HeatMapView(QWidget):
    """Title, the 5×5 grid, and the axis names. ``cell_clicked(likelihood, impact)``."""

    cell_clicked = Signal(int, int)

    def __init__(self, title: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = HeatMapModel(self)
        self.table = QTableView(self)
        self.table.setObjectName(name)
        self.table.setAccessibleName(title)
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for header in (self.table.horizontalHeader(), self.table.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
            header.setMinimumSectionSize(10)
        self.table.horizontalHeader().setDefaultSectionSize(38)
        self.table.horizontalHeader().setFixedHeight(22)
        self.table.verticalHeader().setDefaultSectionSize(30)
        self.table.verticalHeader().setFixedWidth(22)
        frame = 2 * self.table.frameWidth()
        self.table.setFixedSize(38 * 5 + 22 + frame, 30 * 5 + 22 + frame)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.clicked.connect(lambda ix: self.cell_clicked.emit(*HeatMapModel.scores(ix)))
        heading = QLabel(f"<b>{title}</b>", self)
        axes = QLabel("Impact ↑ · Likelihood →", self)
        axes.setObjectName("mutedLabel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading)
        layout.addWidget(self.table)
        layout.addWidget(axes)
        layout.addStretch(1)

    def set_grid(self, grid: list[list[int]]) -> None:
        self.model.set_grid(grid)
