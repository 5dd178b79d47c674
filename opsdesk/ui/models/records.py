"""One lazy table model for every register: columns described as data, rows as DTOs.

The model holds every row it was given but exposes them in chunks (``canFetchMore``/``fetchMore``), so a view of
20,000 records builds only what is scrolled to. Text search, filters and sorting run over *all* rows in Python
(a lazily fetched model cannot be filtered or sorted by a proxy that only sees the fetched part); the
:class:`RecordProxy` in front of it forwards sorting here and stays a thin pass-through for the view.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from operator import attrgetter
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor

Index = QModelIndex | QPersistentModelIndex
ROW_ROLE = Qt.ItemDataRole.UserRole + 2
SORT_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    text: Callable[[Any], str]
    sort: Callable[[Any], Any] | None = None  # default: the text, case-folded
    numeric: bool = False  # right-aligned
    colour: Callable[[Any], str | None] | None = None  # a decoration colour (e.g. RAG)
    tooltip: Callable[[Any], str] | None = None
    searchable: bool = True


_LABELS: dict[type, dict[Any, str]] = {}  # per enum type: member → its label (asked once per member)


def text_of(value: Any) -> str:
    """A value as a register shows it: text as it is, nothing as "", an enum by its label."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    labels = _LABELS.get(type(value))
    if labels is not None:
        text = labels.get(value)
        if text is not None:
            return text
    if isinstance(value, Enum) and hasattr(value, "label"):
        text = _LABELS.setdefault(type(value), {})[value] = value.label
        return text
    return value.label if hasattr(value, "label") else str(value)


def attr(name: str) -> Callable[[Any], str]:
    def get(row: Any) -> str:
        return text_of(getattr(row, name))
    get.attribute = name  # type: ignore[attr-defined]  # haystack reads the column's values whole
    return get


def haystack(columns: Sequence[Column], rows: Sequence[Any]) -> list[str]:
    """The search text of every row. Pure Python, so a page builds it on the worker with the rows it loads and
    the first search does not pay for it on the GUI thread."""
    cols = [c for c in columns if c.searchable]
    texts = [_texts(c, rows) for c in cols]  # column by column: no generator per row
    return ["\x1f".join(row).casefold() for row in zip(*texts, strict=True)] if cols else ["" for _r in rows]


def _texts(column: Column, rows: Sequence[Any]) -> list[str]:
    """The column's text of every row; an attribute's values read whole, each distinct value's text made once
    when they are all of one kind (values of two kinds can be equal with different texts: "data" and
    Discipline.DATA, True and 1), and never for numbers (1.0 and 1.00 are one key, two texts)."""
    name = getattr(column.text, "attribute", None)
    if name is None:
        return list(map(column.text, rows))
    values = list(map(attrgetter(name), rows))
    kinds = set(map(type, values))
    if kinds == {str}:
        return values
    if len(kinds - {type(None)}) > 1 or kinds & {float, Decimal}:
        return list(map(text_of, values))
    try:
        distinct = set(values)
    except TypeError:  # a value that cannot be a key (a list)
        return list(map(text_of, values))
    return list(map({v: text_of(v) for v in distinct}.__getitem__, values))


def _sort_key(value: Any) -> tuple[int, Any]:
    return (1, "") if value is None or value == "" else (0, value)


class RecordTableModel(QAbstractTableModel):
    CHUNK = 256

    def __init__(self, columns: Sequence[Column], parent: Any = None, *,
                 key: Callable[[Any], Hashable] = lambda r: r.id) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self._key = key
        self._all: list[Any] = []
        self._hay: list[str] | None = None
        self._visible: list[Any] = []
        self._loaded = 0
        self._search = ""
        self._predicate: Callable[[Any], bool] | None = None
        self._sort: tuple[int, Qt.SortOrder] | None = None

    # --- data in ---------------------------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[Any], hay: list[str] | None = None) -> None:
        self._all = list(rows)
        self._hay = hay if hay is not None and len(hay) == len(self._all) else None
        self._recompute()

    def set_columns(self, columns: Sequence[Column]) -> None:
        self.beginResetModel()
        self.columns = list(columns)
        self._hay = None
        self._sort = None
        self.endResetModel()

    def set_search(self, text: str) -> None:
        text = text.strip().casefold()
        if text != self._search:
            self._search = text
            self._recompute()

    def set_predicate(self, predicate: Callable[[Any], bool] | None) -> None:
        self._predicate = predicate
        self._recompute()

    def _haystack(self) -> list[str]:
        if self._hay is None:
            self._hay = haystack(self.columns, self._all)
        return self._hay

    def _recompute(self) -> None:
        rows = self._all
        if self._search:
            needle = self._search
            rows = [r for r, h in zip(self._all, self._haystack(), strict=True) if needle in h]
        if self._predicate is not None:
            rows = [r for r in rows if self._predicate(r)]
        if self._sort is not None:
            rows = self._sorted(rows, *self._sort)
        self.beginResetModel()
        self._visible = rows
        self._loaded = min(len(rows), self.CHUNK)
        self.endResetModel()

    def _sorted(self, rows: list[Any], column: int, order: Qt.SortOrder) -> list[Any]:
        if not 0 <= column < len(self.columns):
            return rows
        col = self.columns[column]
        if col.sort is not None:
            def key(r: Any) -> tuple[int, Any]:
                return _sort_key(col.sort(r))  # type: ignore[misc]
        else:
            def key(r: Any) -> tuple[int, Any]:
                return _sort_key(col.text(r).casefold())
        return sorted(rows, key=key, reverse=order == Qt.SortOrder.DescendingOrder)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort = (column, order) if column >= 0 else None
        self._recompute()

    # --- what the rest of the UI asks ------------------------------------------------------------------------

    @property
    def total(self) -> int:
        return len(self._all)

    @property
    def matching(self) -> int:
        return len(self._visible)

    def all_rows(self) -> list[Any]:
        return list(self._all)

    def row_at(self, row: int) -> Any:
        return self._visible[row]

    def row_of(self, key: Hashable) -> int:
        """The row of the record with ``key`` (fetching up to it), or -1 when it is filtered out."""
        for i, r in enumerate(self._visible):
            if self._key(r) == key:
                if i >= self._loaded:
                    self.beginInsertRows(QModelIndex(), self._loaded, i)
                    self._loaded = i + 1
                    self.endInsertRows()
                return i
        return -1

    def key_of(self, row: Any) -> Hashable:
        return self._key(row)

    # --- Qt model API ----------------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else self._loaded

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.columns)

    def canFetchMore(self, parent: Index) -> bool:  # noqa: N802
        return not parent.isValid() and self._loaded < len(self._visible)

    def fetchMore(self, parent: Index) -> None:  # noqa: N802
        if parent.isValid():
            return
        more = min(self.CHUNK, len(self._visible) - self._loaded)
        if more <= 0:
            return
        self.beginInsertRows(QModelIndex(), self._loaded, self._loaded + more - 1)
        self._loaded += more
        self.endInsertRows()

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.columns[section].title
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"Sort by {self.columns[section].title.lower()}; right-click to show or hide columns"
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < self._loaded) or not (0 <= index.column() < len(self.columns)):
            return None
        r = self._visible[index.row()]
        col = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.text(r)
        if role == ROW_ROLE:
            return r
        if role == SORT_ROLE:
            return col.sort(r) if col.sort else col.text(r)
        if role == Qt.ItemDataRole.TextAlignmentRole and col.numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.DecorationRole and col.colour is not None:
            colour = col.colour(r)
            return QColor(colour) if colour else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return col.tooltip(r) if col.tooltip else col.text(r)
        return None


class RecordProxy(QSortFilterProxyModel):
    """The proxy between a view and a :class:`RecordTableModel`: sorting is done by the source over every row,
    so the view's header sorts the whole register, not just the fetched part."""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if isinstance(source, RecordTableModel):
            source.sort(column, order)
        else:  # pragma: no cover - only RecordTableModels sit behind this proxy
            super().sort(column, order)

    def record_model(self) -> RecordTableModel:
        source = self.sourceModel()
        assert isinstance(source, RecordTableModel)
        return source

    def row_at(self, proxy_row: int) -> Any:
        return self.record_model().row_at(self.mapToSource(self.index(proxy_row, 0)).row())
