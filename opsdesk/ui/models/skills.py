"""Table models for the skills heat map (person × skill, levels 0–4, editable in place) and training records."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable, Mapping, Sequence
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
_R = Qt.ItemDataRole
_MATRIX_ROLES = frozenset({_R.DisplayRole, _R.EditRole, SORT_ROLE, _R.BackgroundRole, _R.ForegroundRole,
                           _R.TextAlignmentRole, _R.ToolTipRole, _R.AccessibleTextRole})
_TRAINING_ROLES = frozenset({_R.DisplayRole, SORT_ROLE, _R.TextAlignmentRole, _R.BackgroundRole,
                             _R.ForegroundRole, _R.ToolTipRole})
_BRUSHES: dict[str, QBrush] = {}


def _brush(colour: str) -> QBrush:
    """One brush per colour, made once (a paint asks for one per cell)."""
    brush = _BRUSHES.get(colour)
    if brush is None:
        brush = _BRUSHES[colour] = QBrush(QColor(colour))
    return brush


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


def in_order(rows: list[Any], column: int, order: Qt.SortOrder, key: Callable[[Any], Any] | None) -> list[Any]:
    """``rows`` sorted by ``key`` (stably; ``None``: a column that does not sort), for a model about to be reset
    or for a worker preparing its rows (no indexes to move)."""
    if key is None or column < 0:
        return rows
    return sorted(rows, key=key, reverse=order == Qt.SortOrder.DescendingOrder)


def cell(person_id: int, skill_id: int) -> int:
    """The key of a person's level in a skill in the heat map's levels: one int, not a (person, skill) tuple — a
    tuple per level is an object the garbage collector walks (tens of thousands on a large register)."""
    return person_id << 32 | skill_id


def cell_levels(levels: Mapping[tuple[int, int], int]) -> dict[int, int]:
    """(person id, skill id) → level, keyed by :func:`cell`."""
    return {pid << 32 | sid: lvl for (pid, sid), lvl in levels.items()}


def matrix_key(skills: Sequence[SkillDTO], levels: dict[int, int],
               column: int) -> Callable[[PersonDTO], Any] | None:
    """What column ``column`` of the heat map sorts by (None past its last column)."""
    if column == 0:
        return lambda p: p.name
    if column == 1:
        return lambda p: p.discipline.label
    if not SkillsMatrixModel.FIXED <= column < SkillsMatrixModel.FIXED + len(skills):
        return None
    sid = skills[column - SkillsMatrixModel.FIXED].id
    return lambda p: levels.get(p.id << 32 | sid, 0)


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
        self.levels: dict[int, int] = {}  # keyed by cell(person id, skill id)
        self.save: Callable[[int, int, int, int], None] | None = None
        self.editable = True
        self._loaded: list[PersonDTO] = []
        self._sort: tuple[int, Qt.SortOrder] = (-1, Qt.SortOrder.AscendingOrder)

    @property
    def sort_state(self) -> tuple[int, Qt.SortOrder]:
        """The column sorted last and its order (a worker may hand the rows back in that order)."""
        return self._sort

    def set_data(self, people: Sequence[PersonDTO], skills: Sequence[SkillDTO],
                 levels: dict[int, int], ordered_by: tuple[int, Qt.SortOrder] | None = None) -> None:
        """One reset, in the order of the column sorted last: ``people`` are taken as they are when the worker
        sorted them by it (``ordered_by``). ``levels`` (keyed by :func:`cell`) are the model's from now on."""
        self.beginResetModel()
        self._loaded, self.skills, self.levels = list(people), list(skills), levels
        self.people = self._loaded if ordered_by == self._sort else in_order(
            self._loaded, *self._sort, matrix_key(self.skills, levels, self._sort[0]))
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort = (column, order)
        key = matrix_key(self.skills, self.levels, column)
        if key is not None:
            self.people = sorted_rows(self, self._loaded, self.people, column, order, lambda p, _c: key(p),
                                      lambda p: p.id)

    def _sort_value(self, p: PersonDTO, column: int) -> Any:
        key = matrix_key(self.skills, self.levels, column)
        return 0 if key is None else key(p)

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
        return self.levels.get(cell(self.people[row].id, skill.id), 0) if skill else 0

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _MATRIX_ROLES or not self._valid(index):  # a paint asks each cell for a dozen roles
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
            return _brush(HEAT[lvl])
        if role == Qt.ItemDataRole.ForegroundRole:
            return _brush("#ffffff" if lvl >= 3 else "#1c1e21")
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
        self.levels[cell(person_id, skill_id)] = level
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


_TRAINING_VALUES: tuple[Callable[[TrainingDTO, dict[int, str]], Any], ...] = (
    lambda t, names: names.get(t.person_id, str(t.person_id)), lambda t, _n: t.course, lambda t, _n: t.provider,
    lambda t, _n: t.discipline.label, lambda t, _n: t.hours, lambda t, _n: t.completed_on,
    lambda t, _n: t.certificate_ref, lambda t, _n: t.expires_on)  # a training record's value in each column


def _sortable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value.isoformat() if isinstance(value, dt.date) else ("" if value is None else str(value))


def training_key(names: dict[int, str], column: int) -> Callable[[TrainingDTO], Any] | None:
    """What column ``column`` of the training records sorts by (None past its last column)."""
    if not 0 <= column < len(TRAINING_COLUMNS):
        return None
    get = _TRAINING_VALUES[column]
    return lambda t: _sortable(get(t, names))


class TrainingModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[TrainingDTO] = []
        self.names: dict[int, str] = {}
        self.as_of = dt.date.today()
        self._loaded: list[TrainingDTO] = []
        self._sort: tuple[int, Qt.SortOrder] = (-1, Qt.SortOrder.AscendingOrder)

    @property
    def sort_state(self) -> tuple[int, Qt.SortOrder]:
        """The column sorted last and its order (a worker may hand the rows back in that order)."""
        return self._sort

    def set_data(self, rows: Sequence[TrainingDTO], names: dict[int, str], as_of: dt.date,
                 ordered_by: tuple[int, Qt.SortOrder] | None = None) -> None:
        """One reset, in the order of the column sorted last: ``rows`` are taken as they are when the worker
        sorted them by it (``ordered_by``)."""
        self.beginResetModel()
        self._loaded, self.names, self.as_of = list(rows), names, as_of
        self.rows = self._loaded if ordered_by == self._sort else in_order(
            self._loaded, *self._sort, training_key(names, self._sort[0]))
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort = (column, order)
        key = training_key(self.names, column)
        if key is not None:
            self.rows = sorted_rows(self, self._loaded, self.rows, column, order, lambda t, _c: key(t), lambda t: t.id)

    def _values(self, t: TrainingDTO) -> tuple[Any, ...]:
        return tuple(get(t, self.names) for get in _TRAINING_VALUES)

    def _sort_value(self, t: TrainingDTO, column: int) -> Any:
        return _sortable(_TRAINING_VALUES[column](t, self.names))

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
        if role not in _TRAINING_ROLES:  # a paint asks each cell for a dozen roles
            return None
        t = self.rows[index.row()]
        col = index.column()
        value = _TRAINING_VALUES[col](t, self.names)
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
            return _brush("#ef9a9a" if state == "expired" else "#ffe082")
        if role == Qt.ItemDataRole.ForegroundRole and col == 7 and state:
            return _brush("#1c1e21")
        if role == Qt.ItemDataRole.ToolTipRole and col == 7 and state and t.expires_on:
            days = (t.expires_on - self.as_of).days
            return "expired" if state == "expired" else f"expires in {days} days"
        return None
