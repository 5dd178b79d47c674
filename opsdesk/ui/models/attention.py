"""The "needs the committee" list as a table model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from opsdesk.analytics.bottlenecks import AttentionItem

Index = QModelIndex | QPersistentModelIndex
HEADERS = ("#", "Initiative", "Why", "Reason")
KIND_LABELS = {"gate_request": "Gate request", "breach": "Threshold breach", "overdue_action": "Overdue action",
               "skill_gap": "Skill gap", "non_conformance": "Non-conformance", "stalled": "Stalled in stage",
               "budget": "Budget overrun", "inventory": "AI inventory gaps",
               "incident": "Incident", "risk": "Untreated risk"}
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
CODE_ROLE = Qt.ItemDataRole.UserRole + 2


class AttentionModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[AttentionItem] = []

    def set_items(self, items: Sequence[AttentionItem]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def item_at(self, row: int) -> AttentionItem:
        return self._items[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal and 0 <= section < len(HEADERS):
            return HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._items)):
            return None
        item = self._items[index.row()]
        col = index.column()
        if role == CODE_ROLE:
            return item.initiative_code
        if role == SORT_ROLE:
            return (index.row(), item.initiative_code or "", item.kind, item.reason)[col]
        if role == Qt.ItemDataRole.DisplayRole:
            return (str(index.row() + 1), item.initiative_code or "—", KIND_LABELS.get(item.kind, item.kind),
                    item.reason)[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            since = f" (since {item.since.isoformat()})" if item.since else ""
            return f"{KIND_LABELS.get(item.kind, item.kind)}{since}, score {item.score:.0f}\n{item.reason}"
        return None
