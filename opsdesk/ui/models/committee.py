"""Table models of the Committee page: meetings, agenda items, action items, members."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from opsdesk.services.committee.actions import ActionDTO
from opsdesk.services.committee.charter import MemberDTO
from opsdesk.services.committee.meetings import AgendaItemDTO, MeetingDTO

Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2
T = TypeVar("T")


@dataclass(frozen=True)
class Column(Generic[T]):
    title: str
    text: Callable[[T], str]
    sort: Callable[[T], Any] | None = None
    colour: Callable[[T], str | None] | None = None


class RowsModel(QAbstractTableModel, Generic[T]):
    """A read-only table of DTOs described by its columns."""

    def __init__(self, columns: Sequence[Column[T]], parent: Any = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[T] = []

    def set_rows(self, rows: Sequence[T]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> T:
        return self._rows[row]

    def rows(self) -> list[T]:
        return list(self._rows)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self._columns):
            return self._columns[section].title
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        r = self._rows[index.row()]
        col = self._columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return col.text(r)
        if role == SORT_ROLE:
            return col.sort(r) if col.sort else col.text(r)
        if role == ROW_ROLE:
            return r
        if role == Qt.ItemDataRole.ForegroundRole and col.colour:
            colour = col.colour(r)
            return QColor(colour) if colour else None
        return None


def _when(t: dt.datetime) -> str:
    return f"{t:%Y-%m-%d %H:%M}"


def _decisions(m: MeetingDTO) -> str:
    decided = [i for i in m.items if i.decision is not None]
    return f"{len(decided)} of {len(m.items)}"


MEETING_COLUMNS: list[Column[MeetingDTO]] = [
    Column("Time (UTC)", lambda m: _when(m.starts_at), lambda m: m.starts_at.timestamp()),
    Column("Title", lambda m: m.title),
    Column("Status", lambda m: m.status.label),
    Column("Decided", _decisions, lambda m: sum(1 for i in m.items if i.decision)),
]


def _quorum(i: AgendaItemDTO) -> str:
    if i.quorum is None:
        return "—"
    return "met" if i.quorum.met else "NOT MET"


def _decision(i: AgendaItemDTO) -> str:
    if i.decision is None:
        return "—"
    t = i.decision.tally
    corrected = " (corrected)" if i.decision.corrects_id else ""
    return (f"{i.decision.outcome.label}{corrected} · {t.for_} for, {t.against} against, {t.abstain} abstain"
            + (f", {t.recused} recused" if t.recused else ""))


ITEM_COLUMNS: list[Column[AgendaItemDTO]] = [
    Column("#", lambda i: str(i.position), lambda i: i.position),
    Column("Item", lambda i: i.title),
    Column("Kind", lambda i: i.kind.label),
    Column("Initiative", lambda i: i.initiative_code or "—"),
    Column("Quorum", _quorum, colour=lambda i: None if i.quorum is None or i.quorum.met else "#c62828"),
    Column("Conflicts", lambda i: str(len(i.conflicts)), lambda i: len(i.conflicts)),
    Column("Decision (votes)", _decision),
]


def action_columns(today: dt.date) -> list[Column[ActionDTO]]:
    return [
        Column("Due", lambda a: str(a.due_on or "—"), lambda a: a.due_on.toordinal() if a.due_on else 0),
        Column("Action", lambda a: a.title),
        Column("Initiative", lambda a: a.initiative_code or "—"),
        Column("Owner", lambda a: a.owner or "—"),
        Column("Status", lambda a: a.status.label + (" · overdue" if a.overdue(today) else ""),
               colour=lambda a: "#c62828" if a.overdue(today) else None),
    ]


MEMBER_COLUMNS: list[Column[MemberDTO]] = [
    Column("Name", lambda m: m.name),
    Column("Discipline", lambda m: m.discipline.label),
    Column("Committee role", lambda m: m.role.label),
    Column("Votes", lambda m: "yes" if m.voting else "no"),
    Column("Unit", lambda m: m.unit),
]
