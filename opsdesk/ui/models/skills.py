"""Table models for the skills heat map (person × skill, levels 0–4, editable in place) and training records."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor

from opsdesk.services.registry.people import PersonDTO
from opsdesk.services.standards.skills import SkillDTO, TrainingDTO

Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
LEVEL_NAMES = ("none", "awareness", "working knowledge", "practitioner", "expert")
# a single-hue ramp: the darker, the deeper the skill; text flips to white on the two darkest
HEAT = ("#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b")


def sorted_rows(model: QAbstractTableModel, loaded: list[Any], rows: list[Any], column: int, order: Qt.SortOrder,
                key: Callable[[Any, int], Any], identity: Callable[[Any], Any]) -> list[Any]:
    """``loaded`` sorted by ``key(row, column)`` (stably, as QSortFilterProxyModel sorts), with the model's
    persistent indexes (selection, current cell) moved along. One Python sort on the GUI thread instead of the
    proxy asking ``data()`` n·log n times: seconds on tens of thousands of rows."""
    if not 0 <= column < model.columnCount():
        return rows
    model.layoutAboutToBeChanged.emit()
    old = model.persistentIndexList()
    ids = [identity(rows[i.row()]) if 0 <= i.row() < len(rows) else None for i in old]
    out = sorted(loaded, key=lambda r: key(r, column), reverse=order == Qt.SortOrder.DescendingOrder)
    where = {identity(r): n for n, r in enumerate(out)}
    model.changePersistentIndexList(old, [model.index(where[k], i.column()) if k in where else QModelIndex()
                                          for k, i in zip(ids, old, strict=True)])
    model.layoutChanged.emit()
    return out


def in_order(rows: list[Any], columns: int, column: int, order: Qt.SortOrder,
             key: Callable[[Any, int], Any]) -> list[Any]:
    """``rows`` sorted by ``key(row, column)`` (stably), for a model about to be reset (no indexes to move)."""
    if not 0 <= column < columns:
        return rows
    return sorted(rows, key=lambda r: key(r, column), reverse=order == Qt.SortOrder.DescendingOrder)


class SourceSortProxy(QSortFilterProxyModel):
    """A filter proxy whose header clicks sort the source model (which sorts itself with a Python key) rather than
    the proxy: the proxy keeps the source's order and never sorts again when the source reloads."""

    def source_column(self, column: int) -> int:
        return column

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sourceModel().sort(self.source_column(column), order)


class SkillsMatrixModel(QAbstractTableModel):
    """Rows: people; columns: name, home discipline, then one per skill. ``save(person, skill, old, new)`` is
    called when a level is edited; the model shows the new level at once."""

    FIXED = 2

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.people: list[PersonDTO] = []
        self.skills: list[SkillDTO] = []
        self.levels: dict[tuple[int, int], int] = {}
        self.save: Callable[[int, int, int, int], None] | None = None
        self.editable = True
        self._loaded: list[PersonDTO] = []
        self._sort: tuple[int, Qt.SortOrder] = (-1, Qt.SortOrder.AscendingOrder)

    def set_data(self, people: Sequence[PersonDTO], skills: Sequence[SkillDTO],
                 levels: dict[tuple[int, int], int]) -> None:
        """One reset, already in the order of the column sorted last (the levels are the model's from now on)."""
        self.beginResetModel()
        self._loaded, self.skills, self.levels = list(people), list(skills), levels
        self.people = in_order(self._loaded, self.columnCount(), *self._sort, self._sort_value)
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort = (column, order)
        self.people = sorted_rows(self, self._loaded, self.people, column, order, self._sort_value, lambda p: p.id)

    def _sort_value(self, p: PersonDTO, column: int) -> Any:
        if column < self.FIXED:
            return p.name if column == 0 else p.discipline.label
        skill = self.skill_at(column)
        return self.levels.get((p.id, skill.id), 0) if skill else 0

    def skill_at(self, column: int) -> SkillDTO | None:
        return self.skills[column - self.FIXED] if column >= self.FIXED else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.people)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else self.FIXED + len(self.skills)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or not (0 <= section < self.columnCount()):
            return None
        skill = self.skill_at(section)
        if role == Qt.ItemDataRole.DisplayRole:
            if skill is None:
                return ("Person", "Home")[section]
            first = skill.discipline.label.split()[0]
            lines = textwrap.wrap(skill.name, 13)
            if len(lines) > 3:  # never cut a name without saying so; the tool tip has it whole
                lines = [*lines[:2], textwrap.shorten(" ".join(lines[2:]), 13, placeholder="…")]
            # the discipline above the name, unless the name already starts with it ("Data quality")
            prefix = [] if skill.name.split()[0].lower() == first.lower() else [first]
            return "\n".join(prefix + lines)
        if role == Qt.ItemDataRole.ToolTipRole and skill is not None:
            return f"{skill.name} ({skill.discipline.label})\n{skill.description}".strip()
        return None

    def _valid(self, index: Index) -> bool:
        return index.isValid() and 0 <= index.row() < len(self.people) and 0 <= index.column() < self.columnCount()

    def level(self, row: int, column: int) -> int:
        skill = self.skill_at(column)
        return self.levels.get((self.people[row].id, skill.id), 0) if skill else 0

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        p = self.people[index.row()]
        col = index.column()
        if col < self.FIXED:
            if role in (Qt.ItemDataRole.DisplayRole, SORT_ROLE):
                return self._sort_value(p, col)
            return None
        lvl = self.level(index.row(), col)
        skill = self.skill_at(col)
        assert skill is not None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, SORT_ROLE):
            return lvl
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(QColor(HEAT[lvl]))
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor("#ffffff" if lvl >= 3 else "#1c1e21"))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            home = " (home discipline)" if skill.discipline is p.discipline else ""
            return f"{p.name} — {skill.name}{home}: {lvl} {LEVEL_NAMES[lvl]}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{p.name}, {skill.name}: level {lvl}"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if self._valid(index) and index.column() >= self.FIXED and self.editable:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or not self._valid(index) or index.column() < self.FIXED:
            return False
        try:
            new = int(str(value).strip())
        except ValueError:
            return False
        if not 0 <= new <= 4:
            return False
        old = self.level(index.row(), index.column())
        if new == old:
            return False
        self.set_level(self.people[index.row()].id, self.skill_at(index.column()).id, new)  # type: ignore[union-attr]
        if self.save is not None:
            self.save(self.people[index.row()].id, self.skill_at(index.column()).id, old, new)  # type: ignore[union-attr]
        return True

    def set_level(self, person_id: int, skill_id: int, level: int) -> None:
        """Show ``level`` for a cell (used by edits and by undo/redo)."""
        self.levels[(person_id, skill_id)] = level
        rows = [i for i, p in enumerate(self.people) if p.id == person_id]
        cols = [self.FIXED + j for j, k in enumerate(self.skills) if k.id == skill_id]
        if rows and cols:
            idx = self.index(rows[0], cols[0])
            self.dataChanged.emit(idx, idx)


class SkillColumnsProxy(SourceSortProxy):
    """Shows only the skill columns of one discipline (or all), and people matching a text."""

    def source_column(self, column: int) -> int:
        model = self.sourceModel()
        shown = [c for c in range(model.columnCount()) if self.filterAcceptsColumn(c, QModelIndex())]
        return shown[column] if 0 <= column < len(shown) else -1

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.discipline: str | None = None

    def set_discipline(self, discipline: str | None) -> None:
        self.discipline = discipline
        self.invalidate()

    def filterAcceptsColumn(self, source_column: int, source_parent: Index) -> bool:  # noqa: N802
        model = self.sourceModel()
        assert isinstance(model, SkillsMatrixModel)
        skill = model.skill_at(source_column)
        return skill is None or self.discipline is None or skill.discipline.value == self.discipline


def expiry_state(expires_on: dt.date | None, as_of: dt.date) -> str:
    """"expired", "expiring" (within 90 days) or "" for a certificate expiring on ``expires_on``."""
    if expires_on is None:
        return ""
    if expires_on < as_of:
        return "expired"
    if expires_on <= as_of + dt.timedelta(days=90):
        return "expiring"
    return ""


TRAINING_COLUMNS = ("Person", "Course", "Provider", "Discipline", "Hours", "Completed on", "Certificate",
                    "Expires on")


class TrainingModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[TrainingDTO] = []
        self.names: dict[int, str] = {}
        self.as_of = dt.date.today()
        self._loaded: list[TrainingDTO] = []
        self._sort: tuple[int, Qt.SortOrder] = (-1, Qt.SortOrder.AscendingOrder)

    def set_data(self, rows: Sequence[TrainingDTO], names: dict[int, str], as_of: dt.date) -> None:
        """One reset, already in the order of the column sorted last."""
        self.beginResetModel()
        self._loaded, self.names, self.as_of = list(rows), names, as_of
        self.rows = in_order(self._loaded, len(TRAINING_COLUMNS), *self._sort, self._sort_value)
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort = (column, order)
        self.rows = sorted_rows(self, self._loaded, self.rows, column, order, self._sort_value, lambda t: t.id)

    def _values(self, t: TrainingDTO) -> tuple[Any, ...]:
        return (self.names.get(t.person_id, str(t.person_id)), t.course, t.provider, t.discipline.label, t.hours,
                t.completed_on, t.certificate_ref, t.expires_on)

    def _sort_value(self, t: TrainingDTO, column: int) -> Any:
        value = self._values(t)[column]
        if isinstance(value, Decimal):
            return float(value)
        return value.isoformat() if isinstance(value, dt.date) else ("" if value is None else str(value))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(TRAINING_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(TRAINING_COLUMNS):
            return TRAINING_COLUMNS[section]
        return None

    def expiry_state(self, t: TrainingDTO) -> str:
        return expiry_state(t.expires_on, self.as_of)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.rows)) \
                or not (0 <= index.column() < len(TRAINING_COLUMNS)):
            return None
        t = self.rows[index.row()]
        col = index.column()
        value = self._values(t)[col]
        if role == Qt.ItemDataRole.DisplayRole:
            if isinstance(value, dt.date):
                return value.isoformat()
            if isinstance(value, Decimal):
                return f"{value:g}"
            return "" if value is None else str(value)
        if role == SORT_ROLE:
            return self._sort_value(t, col)
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 4:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        state = self.expiry_state(t)
        if role == Qt.ItemDataRole.BackgroundRole and col == 7 and state:
            return QBrush(QColor("#ef9a9a" if state == "expired" else "#ffe082"))
        if role == Qt.ItemDataRole.ForegroundRole and col == 7 and state:
            return QBrush(QColor("#1c1e21"))
        if role == Qt.ItemDataRole.ToolTipRole and col == 7 and state and t.expires_on:
            days = (t.expires_on - self.as_of).days
            return "expired" if state == "expired" else f"expires in {days} days"
        return None
