"""A line over an empty table saying what fills it (issue 20: every empty table says what fills it).

``attach(view, text)`` puts a note on the table's viewport, shown while the table has no rows: ``text`` when
there is nothing at all, "Nothing matches…" when a filter hides every row of a non-empty table."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel

from opsdesk.ui.plots import style

FILTERED = "Nothing matches the search or the filters."


class EmptyNote(QObject):
    def __init__(self, view: QAbstractItemView, text: str) -> None:
        super().__init__(view)
        self.view = view
        self.text = text
        self.label = QLabel(view.viewport())
        self.label.setObjectName("tableEmptyNote")
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.label.setStyleSheet(f"color: {style.muted().name()};")
        self.label.hide()
        self._watched: object = None
        view.viewport().installEventFilter(self)
        self.update()

    def set_text(self, text: str) -> None:
        self.text = text
        self.update()

    def _watch(self) -> None:
        model = self.view.model()
        if model is self._watched or model is None:
            return
        self._watched = model
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved, model.layoutChanged):
            signal.connect(self.update)

    def update(self) -> None:
        self._watch()
        model = self.view.model()
        if model is not None and model.rowCount() > 0:
            self.label.hide()
            return
        self.label.setText(FILTERED if _hidden_rows(model) else self.text)
        self.label.setToolTip(self.label.text())
        self._place()
        self.label.setVisible(bool(self.text))

    def _place(self) -> None:
        r = self.view.viewport().rect()
        self.label.setGeometry(r.adjusted(16, 8, -16, -8).intersected(r.adjusted(0, 0, 0, -max(0, r.height() - 90))))

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Resize:
            self._place()
        return False


def _hidden_rows(model: object) -> bool:
    """Whether a filter hides rows the table has (a proxy's source, a model that searches its own rows)."""
    source = model.sourceModel() if isinstance(model, QSortFilterProxyModel) else model
    everything = getattr(source, "all_rows", None)
    if everything is not None:
        return bool(everything())
    return source is not model and source is not None and source.rowCount() > 0  # type: ignore[attr-defined]


def attach(view: QAbstractItemView, text: str) -> EmptyNote:
    """Say ``text`` over ``view`` while it has no rows; kept as ``view.empty_note``."""
    note = EmptyNote(view, text)
    view.empty_note = note  # type: ignore[attr-defined]
    return note
