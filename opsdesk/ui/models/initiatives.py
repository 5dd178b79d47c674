"""The initiatives register as a table model."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from opsdesk.services.initiatives import InitiativeRow

Index = QModelIndex | QPersistentModelIndex

COLUMNS: tuple[tuple[str, str], ...] = (
    ("code", "Code"),
    ("name", "Name"),
    ("stage", "Stage"),
    ("risk_tier", "Risk"),
    ("owner", "Owner"),
    ("objectives", "Objectives"),
    ("budget", "Budget"),
    ("spend_to_date", "Spend to date"),
    ("classification", "Classification"),
)

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2


def money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.0f} {currency}"


class InitiativesModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[InitiativeRow] = []

    def set_rows(self, rows: Sequence[InitiativeRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> InitiativeRow:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            return COLUMNS[section][1]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        r = self._rows[index.row()]
        key = COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(r, key)
        if role == SORT_ROLE:
            value = getattr(r, key)
            if isinstance(value, Decimal):
                return float(value)
            if key == "stage":
                from opsdesk.domain.enums import STAGE_ORDER

                return STAGE_ORDER.index(r.stage)
            return self._display(r, key)
        if role == ROW_ROLE:
            return r
        if role == Qt.ItemDataRole.TextAlignmentRole and key in ("budget", "spend_to_date"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and key == "name":
            return r.name
        return None

    @staticmethod
    def _display(r: InitiativeRow, key: str) -> str:
        if key == "stage":
            return r.stage.label
        if key == "risk_tier":
            return r.risk_tier.label
        if key == "objectives":
            return ", ".join(r.objectives)
        if key == "budget":
            return money(r.budget, r.currency)
        if key == "spend_to_date":
            return money(r.spend_to_date, r.currency)
        return str(getattr(r, key))
