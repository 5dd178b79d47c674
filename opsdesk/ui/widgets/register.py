"""A register view: search box, optional filters, a lazy table with hideable columns, and a count."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

from PySide6.QtCore import QByteArray, QModelIndex, QPoint, QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from opsdesk.ui.models.records import Column, RecordProxy, RecordTableModel
from opsdesk.ui.widgets.empty_note import attach as say_when_empty
from opsdesk.ui.widgets.search import SearchBox

ROWS_MEASURED = 60  # rows a column's width is fitted to (beside those in view): not all of a long register


def configure_table(table: QTableView, name: str) -> None:
    table.setObjectName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(26)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setResizeContentsPrecision(ROWS_MEASURED)
    header.setStretchLastSection(True)
    header.setSectionsMovable(True)
    header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    header.customContextMenuRequested.connect(lambda pos: _column_menu(table, pos))


def _column_menu(table: QTableView, pos: QPoint) -> None:
    header = table.horizontalHeader()
    model = table.model()
    menu = QMenu(table)
    menu.setAccessibleName("Columns")
    for col in range(model.columnCount()):
        title = str(model.headerData(col, Qt.Orientation.Horizontal))
        action = menu.addAction(title)
        action.setCheckable(True)
        action.setChecked(not header.isSectionHidden(col))
        action.toggled.connect(lambda on, c=col: set_column_visible(table, c, on))
    menu.popup(header.mapToGlobal(pos))


def set_column_visible(table: QTableView, column: int, visible: bool) -> None:
    header = table.horizontalHeader()
    hidden = sum(header.isSectionHidden(c) for c in range(header.count()))
    if not visible and header.count() - hidden <= 1:
        return  # keep at least one column
    header.setSectionHidden(column, not visible)


class RegisterView(QWidget):
    """Search + filters + table + count. ``current_changed(row or None)``; ``activated(row)`` on double-click."""

    current_changed = Signal(object)
    activated = Signal(object)

    def __init__(self, name: str, noun: str, columns: Sequence[Column], parent: QWidget | None = None, *,
                 key: Callable[[Any], Hashable] = lambda r: r.id, stretch: str | None = "name",
                 hidden: Sequence[str] = ()) -> None:
        super().__init__(parent)
        self._hidden_by_default = tuple(hidden)
        self.noun = noun
        self._name = name
        self._stretch = stretch
        self._sized = False
        self.model = RecordTableModel(columns, self, key=key)
        self.proxy = RecordProxy(self)
        self.proxy.setSourceModel(self.model)
        self.search = SearchBox(f"Search {noun}…", f"Search {noun}", self)
        self.search.search_changed.connect(self._search)
        self.filters = QHBoxLayout()
        self.filters.setSpacing(6)
        self.table = QTableView(self)
        configure_table(self.table, name)
        self.table.setAccessibleName(noun.capitalize())
        self.table.setModel(self.proxy)
        self.empty_note = say_when_empty(self.table, f"No {noun} yet.")
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.selectionModel().currentRowChanged.connect(self._current)
        self.table.doubleClicked.connect(self._double)
        self.count = QLabel(self)
        self.count.setObjectName(f"{name}Count")
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.buttons = QHBoxLayout()
        self.buttons.setSpacing(6)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addLayout(self.buttons)
        filter_row = QHBoxLayout()
        filter_row.addLayout(self.filters)
        filter_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(filter_row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)

    def add_button(self, text: str, icon: Any, handler: Callable[[], object], accessible: str, *,
                   enabled: bool = True) -> Any:
        """A button beside the search box; ``enabled=False`` for editing buttons on a read-only workspace."""
        from PySide6.QtWidgets import QPushButton

        button = QPushButton(icon, text, self)
        button.setAccessibleName(accessible)
        button.setEnabled(enabled)
        button.clicked.connect(lambda _checked=False: handler())
        self.buttons.addWidget(button)
        return button

    def set_empty_text(self, text: str) -> None:
        """What the table says while it is empty: what fills it."""
        self.empty_note.set_text(text)

    # --- data --------------------------------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[Any], keep: Hashable | None = None, hay: list[str] | None = None) -> None:
        current = keep if keep is not None else self.current_key()
        self.model.set_rows(rows, hay)
        if not self._sized and rows:
            self._sized = True
            self.table.resizeColumnsToContents()
            self._stretch_column()
            for i, col in enumerate(self.model.columns):
                if col.key in self._hidden_by_default:
                    self.table.horizontalHeader().setSectionHidden(i, True)
        self._update_count()
        if current is not None:
            self.select_key(current)

    def set_columns(self, columns: Sequence[Column]) -> None:
        self.model.set_columns(columns)
        self._sized = False

    def _stretch_column(self) -> None:
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        for i, col in enumerate(self.model.columns):
            if col.key == self._stretch:
                header.setSectionResizeMode(i, QHeaderView.ResizeMode.Stretch)
            else:
                header.resizeSection(i, min(max(header.sectionSize(i), 56), 220))

    def _search(self, text: str) -> None:
        key = self.current_key()
        self.model.set_search(text)
        self._after_filter(key)

    def set_predicate(self, predicate: Callable[[Any], bool] | None) -> None:
        key = self.current_key()
        self.model.set_predicate(predicate)
        self._after_filter(key)

    def _after_filter(self, key: Hashable | None) -> None:
        self._update_count()
        if key is not None and self.select_key(key):
            return
        self.current_changed.emit(None)

    def _update_count(self) -> None:
        m = self.model
        shown = f"{m.matching:,} of {m.total:,}" if m.matching != m.total else f"{m.total:,}"
        self.count.setText(f"{shown} {self.noun}")

    # --- selection ---------------------------------------------------------------------------------------------

    def current(self) -> Any | None:
        index = self.table.selectionModel().currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(index.row(), QModelIndex()):
            return None
        return self.proxy.row_at(index.row())

    def current_key(self) -> Hashable | None:
        row = self.current()
        return None if row is None else self.model.key_of(row)

    def select_key(self, key: Hashable) -> bool:
        row = self.model.row_of(key)
        if row < 0:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        self.table.selectRow(index.row())
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        return True

    def select_first(self) -> None:
        if self.proxy.rowCount():
            self.table.selectRow(0)

    def _current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.current_changed.emit(self.proxy.row_at(current.row()) if current.isValid() else None)

    def _double(self, index: QModelIndex) -> None:
        if index.isValid():
            self.activated.emit(self.proxy.row_at(index.row()))

    # --- header state ------------------------------------------------------------------------------------------

    def restore_state(self) -> None:
        state = QSettings().value(f"tables/{self._name}")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.table.horizontalHeader().restoreState(state)
            self._sized = True

    def save_state(self) -> None:
        QSettings().setValue(f"tables/{self._name}", self.table.horizontalHeader().saveState())


class PageLayout:
    """Saves and restores a page's splitter and the column layout of its registers (QSettings)."""

    def __init__(self, key: str, splitter: QSplitter, registers: Sequence[RegisterView]) -> None:
        self.key, self.splitter, self.registers = key, splitter, list(registers)

    def restore(self) -> None:
        state = QSettings().value(f"splitters/{self.key}")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.splitter.restoreState(state)
        for r in self.registers:
            r.restore_state()

    def save(self) -> None:
        QSettings().setValue(f"splitters/{self.key}", self.splitter.saveState())
        for r in self.registers:
            r.save_state()
