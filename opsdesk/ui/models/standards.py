"""Table models of the Standards page: the catalogue, one standard's requirements (editable in place) and the
initiatives × requirements conformance matrix."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor

from opsdesk.domain.enums import ConformanceStatus
from opsdesk.services.standards.catalog import RequirementDTO, StandardDTO
from opsdesk.services.standards.conformance import Cell, ConformanceMatrix

Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ITEM_ROLE = Qt.ItemDataRole.UserRole + 2
STATUS_ROLE = Qt.ItemDataRole.UserRole + 3

# background, short text — readable on light and dark palettes because the text colour is set with it
STATUS_STYLE: dict[str, tuple[str, str, str]] = {
    "met": ("#c8e6c9", "#1b5e20", "Met"),
    "partial": ("#ffe082", "#5d4200", "Partial"),
    "not_met": ("#ef9a9a", "#7f0000", "Not met"),
    "waived": ("#bbdefb", "#0d3c61", "Waived"),
    "expired": ("#e57373", "#4a0000", "Waiver expired"),
    "not_applicable": ("#e0e0e0", "#424242", "N/A"),
    "unassessed": ("#fff8e1", "#6d4c41", "?"),
}


CATEGORY_LABELS = {"data_format": "Data formats", "model_practice": "Model development practices",
                   "cost_allocation": "Cost allocation methodologies", "security": "Security and privacy",
                   "other": "Other"}


def cell_style(cell: Cell) -> str | None:
    """The key of :data:`STATUS_STYLE` for a cell, or ``None`` when the requirement does not apply."""
    if not cell.applicable:
        return None
    if cell.waiver_expired:
        return "expired"
    return cell.status.value if cell.status else "unassessed"


def pct(value: Decimal | None) -> str:
    return "–" if value is None else f"{value:.0f} %"


class _Table(QAbstractTableModel):
    headers: tuple[str, ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def item(self, row: int) -> Any:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self.headers):
            return self.headers[section]
        return None

    def _valid(self, index: Index) -> bool:
        return index.isValid() and 0 <= index.row() < len(self._rows) and 0 <= index.column() < len(self.headers)


class StandardsModel(_Table):
    """The catalogue: one row per standard version, with its conformance % today."""

    headers = ("Category", "Code", "Version", "Title", "Owner", "Status", "Requirements", "Conformance")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.percent: dict[str, Decimal | None] = {}

    def set_data(self, rows: Sequence[StandardDTO], percent: dict[str, Decimal | None]) -> None:
        self.percent = dict(percent)
        self.set_rows(rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        s: StandardDTO = self._rows[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, SORT_ROLE):
            values = (CATEGORY_LABELS[s.category.value], s.code, s.version_label, s.title, s.owner, s.status.label,
                      len(s.requirements), self.percent.get(f"{s.code} {s.version_label}"))
            value = values[col]
            if role == SORT_ROLE:
                if col == 0:  # the catalogue's own category order, then code and version
                    return f"{list(CATEGORY_LABELS).index(s.category.value)} {s.code} {s.version_label}"
                return float(value) if isinstance(value, Decimal) else (-1.0 if value is None and col == 7 else value)
            return pct(value) if col == 7 else str(value)
        if role == ITEM_ROLE:
            return s
        if role == Qt.ItemDataRole.ToolTipRole:
            return s.source or s.title
        if role == Qt.ItemDataRole.ForegroundRole and s.status.value == "retired":
            return QBrush(QColor("#888888"))
        return None


class RequirementsModel(_Table):
    """One standard's requirements; code, text and stages are editable in place through ``save``."""

    headers = ("Code", "Requirement", "Applies at stages")
    FIELDS = ("code", "text", "stages")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.editable = True
        self.save: Callable[[int, str, Any], None] | None = None  # (requirement id, field, value)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        r: RequirementDTO = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, SORT_ROLE):
            return (r.code, r.text, ", ".join(r.stages))[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 1:
            return r.text
        if role == ITEM_ROLE:
            return r
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if self._valid(index) and self.editable:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or not self._valid(index) or self.save is None:
            return False
        r: RequirementDTO = self._rows[index.row()]
        field = self.FIELDS[index.column()]
        if str(value) == self.data(index, Qt.ItemDataRole.EditRole):
            return False
        self.save(r.id, field, str(value))
        return True


class ConformanceMatrixModel(QAbstractTableModel):
    """Rows: initiatives (with their conformance %); columns: requirements. Colour-coded cells."""

    FIXED = 2  # initiative, conformance %

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.matrix: ConformanceMatrix | None = None

    def set_matrix(self, m: ConformanceMatrix) -> None:
        self.beginResetModel()
        self.matrix = m
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() or self.matrix is None else len(self.matrix.initiatives)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() or self.matrix is None else self.FIXED + len(self.matrix.requirements)

    def requirement_at(self, column: int):
        assert self.matrix is not None
        return self.matrix.requirements[column - self.FIXED] if column >= self.FIXED else None

    def initiative_at(self, row: int):
        assert self.matrix is not None
        return self.matrix.initiatives[row]

    def cell_at(self, row: int, column: int) -> Cell | None:
        req = self.requirement_at(column)
        if req is None or self.matrix is None:
            return None
        return self.matrix.cell(self.matrix.initiatives[row].code, req.id)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if self.matrix is None or orientation != Qt.Orientation.Horizontal or section >= self.columnCount():
            return None
        req = self.requirement_at(section)
        if role == Qt.ItemDataRole.DisplayRole:
            if req is None:
                return ("Initiative", "Conformance")[section]
            return req.code
        if role == Qt.ItemDataRole.ToolTipRole and req is not None:
            tiers = f"; tiers: {', '.join(req.risk_tiers)}" if req.risk_tiers else ""
            return f"{req.standard_code} {req.standard_version} — {req.code}: {req.text}\nStages: " \
                   f"{', '.join(req.stages)}{tiers}"
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        m = self.matrix
        if m is None or not index.isValid() or not (0 <= index.row() < len(m.initiatives)) \
                or not (0 <= index.column() < self.columnCount()):
            return None
        init = m.initiatives[index.row()]
        col = index.column()
        if col == 0:
            if role == Qt.ItemDataRole.DisplayRole:
                return f"{init.code}  {init.name}"
            if role == SORT_ROLE:
                return init.code
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{init.name} — {init.stage.label}, {init.risk_tier.label} risk"
            return None
        if col == 1:
            value = m.by_initiative.get(init.code)
            if role == Qt.ItemDataRole.DisplayRole:
                return pct(value)
            if role == SORT_ROLE:
                return -1.0 if value is None else float(value)
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        cell = self.cell_at(index.row(), col)
        assert cell is not None
        style = cell_style(cell)
        if role == STATUS_ROLE:
            return style
        if role == Qt.ItemDataRole.DisplayRole:
            if style is None:
                return ""
            return {"met": "✓", "partial": "½", "not_met": "✗", "waived": "W", "expired": "W!",
                    "not_applicable": "n/a", "unassessed": "?"}[style]
        if role == SORT_ROLE:
            return style or ""
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.BackgroundRole and style:
            return QBrush(QColor(STATUS_STYLE[style][0]))
        if role == Qt.ItemDataRole.ForegroundRole and style:
            return QBrush(QColor(STATUS_STYLE[style][1]))
        if role == Qt.ItemDataRole.ToolTipRole:
            return _cell_tip(cell, style)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return STATUS_STYLE[style][2] if style else "does not apply"
        return None


def _cell_tip(cell: Cell, style: str | None) -> str:
    if style is None:
        return "Does not apply at this initiative's stage or risk tier"
    lines = [STATUS_STYLE[style][2]]
    if cell.recorded is ConformanceStatus.WAIVED and cell.waiver_expires:
        lines.append(f"waiver {'expired' if cell.waiver_expired else 'until'} {cell.waiver_expires.isoformat()}")
    if cell.evidence:
        lines.append(cell.evidence)
    if cell.reviewer:
        lines.append(f"reviewed by {cell.reviewer}" + (f" on {cell.reviewed_on.isoformat()}"
                                                       if cell.reviewed_on else ""))
    if cell.evidence_files:
        lines.append(f"{cell.evidence_files} evidence file(s)")
    return "\n".join(lines)


class MatrixFilterProxy(QSortFilterProxyModel):
    """Filters the matrix: requirement columns by standard, initiative rows by text and by 'has a gap'."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.standard: str | None = None  # "CODE version"
        self.gaps_only = False
        self.text = ""

    def set_filters(self, *, standard: str | None = None, gaps_only: bool = False, text: str = "") -> None:
        self.standard, self.gaps_only, self.text = standard, gaps_only, text.strip().lower()
        self.invalidate()

    def _source(self) -> ConformanceMatrixModel:
        model = self.sourceModel()
        assert isinstance(model, ConformanceMatrixModel)
        return model

    def filterAcceptsColumn(self, source_column: int, source_parent: Index) -> bool:  # noqa: N802
        req = self._source().requirement_at(source_column)
        return req is None or self.standard is None or f"{req.standard_code} {req.standard_version}" == self.standard

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:  # noqa: N802
        src = self._source()
        init = src.initiative_at(source_row)
        if self.text and self.text not in f"{init.code} {init.name}".lower():
            return False
        if not self.gaps_only:
            return True
        for col in range(src.FIXED, src.columnCount()):
            if not self.filterAcceptsColumn(col, QModelIndex()):
                continue
            style = cell_style(src.cell_at(source_row, col))  # type: ignore[arg-type]
            if style in ("not_met", "partial", "expired", "unassessed"):
                return True
        return False
