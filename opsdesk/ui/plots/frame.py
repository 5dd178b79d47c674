"""A titled frame around one pyqtgraph plot, with its hover read-out and PNG/SVG export."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from pyqtgraph import exporters
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from opsdesk.ui import file_dialogs
from opsdesk.ui.plots import style


def export_plot(plot_item: pg.PlotItem, path: Path | str, width: int = 1600) -> Path:
    """Save a plot as PNG or SVG (by the file's suffix) with pyqtgraph's exporters. The SVG covers the whole
    scene of the plot, so a second axis's curves come along."""
    target = Path(path)
    if target.suffix.lower() == ".svg":
        with _closed_paths_tolerated():
            exporters.SVGExporter(plot_item.scene()).export(str(target))
    else:
        exporter = exporters.ImageExporter(plot_item)
        exporter.parameters()["width"] = width
        exporter.export(str(target.with_suffix(".png") if target.suffix.lower() != ".png" else target))
    return target


@contextmanager
def _closed_paths_tolerated() -> Iterator[None]:
    """pyqtgraph 0.14's SVG exporter reads path data as "x,y" pairs and fails on the "Z" that recent Qt writes to
    close a path (pyqtgraph issue #3485). For the length of one export, drop those tokens before it reads them:
    the paths concerned end where they start, so nothing drawn changes."""
    module = importlib.import_module("pyqtgraph.exporters.SVGExporter")
    original = module.correctCoordinates

    def tolerant(node: Any, defs: Any, item: Any, options: Any) -> Any:
        for element in node.getElementsByTagName("path"):
            tokens = element.getAttribute("d").split()
            if "Z" in tokens or "z" in tokens:
                element.setAttribute("d", " ".join(t for t in tokens if t not in ("Z", "z")))
        return original(node, defs, item, options)

    module.correctCoordinates = tolerant
    try:
        yield
    finally:
        module.correctCoordinates = original


class LazyMenuViewBox(pg.ViewBox):
    """A ViewBox whose right-click menu is built the first time it is needed. pyqtgraph builds one
    ``ViewBoxMenu`` per view when the view is made — a menu of widgets nobody sees before a right-click — which
    slows the first paint of a page with several charts."""

    def __init__(self, *args: Any, enableMenu: bool = True, **kwargs: Any) -> None:  # noqa: N803 - pyqtgraph's name
        super().__init__(*args, enableMenu=False, **kwargs)
        self.state["enableMenu"] = enableMenu

    def _applyMenuEnabled(self) -> None:  # noqa: N802 - pyqtgraph's name
        if not self.menuEnabled() and self.menu is not None:
            self.menu.setParent(None)
            self.menu = None

    def built_menu(self) -> Any:
        """The menu, built now if this is the first time it is asked for (None while menus are off)."""
        if self.menu is None and self.menuEnabled():
            from pyqtgraph.graphicsItems.ViewBox.ViewBoxMenu import ViewBoxMenu

            self.menu = ViewBoxMenu(self)
            self.updateViewLists()
        return self.menu

    def getMenu(self, ev: Any) -> Any:  # noqa: N802 - pyqtgraph's name
        return self.built_menu()

    def getContextMenus(self, event: Any) -> list[Any]:  # noqa: N802 - pyqtgraph's name
        menu = self.built_menu()
        return menu.actions() if menu is not None else []


class ChartFrame(QFrame):
    """Title, legend text and read-out above a ``pg.PlotWidget``; subclasses draw into ``self.plot``."""

    def __init__(self, title: str, parent: QWidget | None = None, axis_items: dict | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel(f"<b>{title}</b>", self)
        self.title.setWordWrap(True)
        self.readout = QLabel(" ", self)
        self.readout.setObjectName("chartReadout")
        self.readout.setWordWrap(True)
        self.export_button = QToolButton(self)
        self.export_button.setText("Export")
        self.export_button.setAccessibleName(f"Export chart: {title}")
        self.export_button.setToolTip("Save this chart as PNG or SVG")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_button)
        menu.addAction("Save as PNG…", lambda: self._ask_export("png"))
        menu.addAction("Save as SVG…", lambda: self._ask_export("svg"))
        self.export_button.setMenu(menu)
        self.plot = pg.PlotWidget(self, axisItems=axis_items or {}, viewBox=LazyMenuViewBox())
        self.plot.setAccessibleName(title)
        self.plot.setMinimumHeight(120)
        self.head = head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self.title, 1)
        head.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        layout.addLayout(head)
        layout.addWidget(self.readout)
        layout.addWidget(self.plot, 1)
        self.chart_title = title
        # said over the plot while it has nothing to draw: what fills it, with a link that does it
        self.empty_note = QLabel(self.plot)
        self.empty_note.setObjectName("chartEmptyNote")
        self.empty_note.setWordWrap(True)
        self.empty_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_note.setTextFormat(Qt.TextFormat.RichText)
        self.empty_note.setAutoFillBackground(True)  # readable over the empty grid
        self.empty_note.linkActivated.connect(self._empty_link)
        self.empty_note.hide()
        self.empty_action: Callable[[], Any] | None = None
        self.plot.installEventFilter(self)
        self.restyle()

    def set_empty(self, text: str | None, link: str = "", action: Callable[[], Any] | None = None) -> None:
        """Show ``text`` (and a ``link`` that runs ``action``) over the plot, or hide the note with None."""
        if not text:
            self.empty_note.hide()
            return
        self.empty_action = action
        anchor = f"<br><a href='do'>{link}</a>" if link and action else ""
        self.empty_note.setText(f"<span style='color:{style.muted()}'>{text}</span>{anchor}")
        self.empty_note.setToolTip(text)
        self._place_note()
        self.empty_note.show()
        self.empty_note.raise_()

    def _empty_link(self, _href: str) -> None:
        if self.empty_action is not None:
            self.empty_action()

    def _place_note(self) -> None:
        r = self.plot.rect()
        self.empty_note.setGeometry(r.adjusted(24, 16, -24, -16))

    def eventFilter(self, watched: Any, event: QEvent) -> bool:  # noqa: N802
        if watched is self.plot and event.type() == QEvent.Type.Resize:
            self._place_note()
        return super().eventFilter(watched, event)

    @property
    def plot_item(self) -> pg.PlotItem:
        return self.plot.getPlotItem()

    def export(self, path: Path | str) -> Path:
        return export_plot(self.plot_item, path)

    def _ask_export(self, kind: str) -> None:
        name = "".join(c if c.isalnum() else "-" for c in self.chart_title.lower()).strip("-")[:60]
        path = file_dialogs.save_file(self, "charts", f"Export chart as {kind.upper()}", f"{name}.{kind}",
                                      f"{kind.upper()} (*.{kind})")
        if path:
            self.export(path)

    def restyle(self) -> None:
        self.plot.setBackground(style.background())
        pen = pg.mkPen(style.foreground())
        for name in ("left", "bottom", "right"):
            axis = self.plot_item.getAxis(name)
            axis.setPen(pen)
            axis.setTextPen(pen)
            axis.enableAutoSIPrefix(False)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.PaletteChange:
            self.restyle()
        super().changeEvent(event)
