"""Finding text a person cannot read whole: labels, buttons, combo boxes and table headers narrower than their
text, with no tool tip that gives the full text. Used by the tests and by ``--screenshot`` to report what a window
clips at a given size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt
from PySide6.QtGui import QFontMetrics, QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLabel,
    QTableView,
    QToolButton,
    QToolTip,
    QWidget,
)

SLACK = 2  # pixels of rounding


@dataclass(frozen=True)
class Clipped:
    where: str  # object path
    kind: str
    text: str
    needed: int
    has: int

    def __str__(self) -> str:
        return f"{self.kind} '{self.text}' at {self.where}: needs {self.needed}px, has {self.has}px"


def _plain(text: str) -> str:
    if "<" in text and ">" in text:
        doc = QTextDocument()
        doc.setHtml(text)
        return doc.toPlainText()
    return text


def _path(w: QWidget) -> str:
    parts = []
    node: QWidget | None = w
    while node is not None and len(parts) < 4:
        parts.append(node.objectName() or type(node).__name__)
        node = node.parentWidget()
    return "/".join(reversed(parts))


def _visible(w: QWidget) -> bool:
    return w.isVisible() and w.width() > 0 and w.height() > 0 and not w.visibleRegion().isEmpty()


def clipped(root: QWidget) -> list[Clipped]:
    found: list[Clipped] = []
    for w in [root, *root.findChildren(QWidget)]:
        if not _visible(w):
            continue
        if isinstance(w, QLabel):
            _label(w, found)
        elif isinstance(w, QAbstractButton):
            _button(w, found)
        elif isinstance(w, QComboBox):
            _combo(w, found)
        elif isinstance(w, QHeaderView):
            _header(w, found)
        elif isinstance(w, QTableView) and not cell_tips_installed():
            _cells(w, found)
    return found


def _cells(view: QAbstractItemView, found: list[Clipped]) -> None:
    """Visible cells whose text does not fit their column and whose model gives no tool tip with it."""
    model = view.model()
    if model is None or not isinstance(view, QTableView):
        return
    fm = QFontMetrics(view.font())
    top = view.rowAt(0)
    bottom = view.rowAt(view.viewport().height() - 1)
    if top < 0:
        return
    bottom = model.rowCount() - 1 if bottom < 0 else bottom
    for row in range(top, min(bottom, top + 40) + 1):
        for col in range(model.columnCount()):
            if view.isColumnHidden(col):
                continue
            index = model.index(row, col)
            text = index.data(Qt.ItemDataRole.DisplayRole)
            if text is None or text == "":
                continue
            text = str(text)
            tip = index.data(Qt.ItemDataRole.ToolTipRole)
            if tip and text in str(tip):
                continue
            has = view.columnWidth(col) - 8
            if index.data(Qt.ItemDataRole.DecorationRole) is not None:
                has -= view.iconSize().width() if view.iconSize().width() > 0 else 16
            needed = fm.horizontalAdvance(text.split("\n")[0])
            if needed > has + SLACK:
                found.append(Clipped(_path(view) + f"[{row},{col}]", "cell", text, needed, has))


def _label(w: QLabel, found: list[Clipped]) -> None:
    if w.wordWrap() or w.toolTip() or not w.text() or w.pixmap() is not None and not w.pixmap().isNull():
        return
    text = _plain(w.text())
    if w.buddy() is not None:
        text = text.replace("&&", "\0").replace("&", "").replace("\0", "&")
    if "\n" in text:
        return
    fm = QFontMetrics(w.font())
    needed = fm.horizontalAdvance(text)
    margins = w.contentsMargins()
    has = w.width() - margins.left() - margins.right() - 2 * w.margin() - 2 * w.indent() if w.indent() > 0 else \
        w.width() - margins.left() - margins.right() - 2 * w.margin()
    if needed > has + SLACK:
        found.append(Clipped(_path(w), "label", text, needed, has))


def _button(w: QAbstractButton, found: list[Clipped]) -> None:
    if isinstance(w, QToolButton) and w.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonIconOnly \
            and not w.icon().isNull():
        return
    text = w.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
    if not text or w.toolTip() and text in w.toolTip():
        return
    needed = QFontMetrics(w.font()).horizontalAdvance(text)
    has = w.width() - 8
    if w.icon() is not None and not w.icon().isNull():
        has -= w.iconSize().width() + 4
    if needed > has + SLACK:
        found.append(Clipped(_path(w), "button", text, needed, has))


def _combo(w: QComboBox, found: list[Clipped]) -> None:
    text = w.currentText()
    if not text or text in (w.toolTip() or ""):
        return
    needed = QFontMetrics(w.font()).horizontalAdvance(text)
    has = w.width() - 30  # the arrow and frame
    if needed > has + SLACK:
        found.append(Clipped(_path(w), "combo", text, needed, has))


def _header(h: QHeaderView, found: list[Clipped]) -> None:
    model = h.model()
    if model is None:
        return
    fm = QFontMetrics(h.font())
    for section in range(h.count()):
        if h.isSectionHidden(section):
            continue
        text = model.headerData(section, h.orientation(), Qt.ItemDataRole.DisplayRole)
        if not text:
            continue
        text = str(text)
        tip = model.headerData(section, h.orientation(), Qt.ItemDataRole.ToolTipRole)
        if tip and text.replace("\n", " ") in str(tip).replace("\n", " "):
            continue
        lines = text.split("\n")
        if h.orientation() == Qt.Orientation.Horizontal:
            needed = max(fm.horizontalAdvance(x) for x in lines) + 10
            start = h.sectionViewportPosition(section)  # the part of the section inside the view
            has = min(start + h.sectionSize(section), h.viewport().width()) - max(start, 0)
            if has <= 0:
                continue  # scrolled out of sight altogether: nothing cut, the scroll bar says there is more
        else:
            needed = max(fm.horizontalAdvance(x) for x in lines) + 10
            has = h.width()
        if needed > has + SLACK:
            found.append(Clipped(_path(h), "header", text, needed, has))


class ElidedCellTips(QObject):
    """Installed on the application: hovering a table or list cell whose text is cut short shows the whole text,
    for every item view of every window (models that give their own tool tip keep it)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() != QEvent.Type.ToolTip or not isinstance(watched, QWidget):
            return False
        view = watched.parentWidget()
        if not isinstance(view, QAbstractItemView) or watched is not view.viewport():
            return False
        pos = event.pos()  # type: ignore[attr-defined]
        index = view.indexAt(pos)
        if not index.isValid() or index.data(Qt.ItemDataRole.ToolTipRole):
            return False
        text = full_text_if_cut(view, index)
        if text is None:
            return False
        QToolTip.showText(event.globalPos(), text, view, view.visualRect(index))  # type: ignore[attr-defined]
        return True


def full_text_if_cut(view: QAbstractItemView, index: QModelIndex) -> str | None:
    """The cell's whole text when its column is too narrow to show it, else None."""
    text = index.data(Qt.ItemDataRole.DisplayRole)
    if text is None or str(text) == "":
        return None
    text = str(text)
    has = view.visualRect(index).width() - 8
    if index.data(Qt.ItemDataRole.DecorationRole) is not None:
        has -= 18
    needed = max(QFontMetrics(view.font()).horizontalAdvance(line) for line in text.split("\n"))
    return text if needed > has + SLACK else None


_installed: ElidedCellTips | None = None


def install(app: QObject) -> None:
    global _installed
    if _installed is None:
        _installed = ElidedCellTips(app)
        app.installEventFilter(_installed)


def cell_tips_installed() -> bool:
    return _installed is not None


def every_page(window: Any) -> list[tuple[str, Clipped]]:
    """Visit every sidebar page and every tab of it (with the first record selected where a page has a register)
    and collect what is clipped, each finding once."""
    from PySide6.QtWidgets import QTabWidget

    from opsdesk.ui.pages import PAGES

    seen: set[tuple[str, str, str]] = set()
    out: list[tuple[str, Clipped]] = []
    for spec in PAGES:
        page = window.go_to(spec.key)
        window.settle()
        register = getattr(page, "register", None)
        if register is not None and hasattr(register, "select_first"):
            register.select_first()
            window.settle()
        states: list[tuple[Any, int]] = [(None, 0)]
        states += [(t, i) for t in page.findChildren(QTabWidget) for i in range(t.count())]
        for tabs, i in states:
            if tabs is not None:
                if not tabs.isVisible():
                    continue
                tabs.setCurrentIndex(i)
                window.settle()
            for f in clipped(window):
                key = (f.kind, f.text, f.where.split("[")[0])
                if key not in seen:
                    seen.add(key)
                    out.append((spec.key, f))
        for tabs, _i in states[1:]:
            tabs.setCurrentIndex(0)
    return out
