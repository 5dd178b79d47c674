"""A titled frame around one pyqtgraph plot, with its hover read-out and PNG/SVG export."""

from __future__ import annotations

from pathlib import Path

import pyqtgraph as pg
from pyqtgraph import exporters
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from opsdesk.ui.plots import style


def export_plot(plot_item: pg.PlotItem, path: Path | str, width: int = 1600) -> Path:
    """Save a plot as PNG or SVG (by the file's suffix) with pyqtgraph's exporters."""
    target = Path(path)
    if target.suffix.lower() == ".svg":
        try:
            exporters.SVGExporter(plot_item).export(str(target))
        except ValueError:
            # pyqtgraph 0.14's SVG exporter cannot parse the path syntax recent Qt writes (pyqtgraph issue
            # #3485); Qt's own SVG generator draws the same scene as vectors
            _svg_with_qt(plot_item, target)
    else:
        exporter = exporters.ImageExporter(plot_item)
        exporter.parameters()["width"] = width
        exporter.export(str(target.with_suffix(".png") if target.suffix.lower() != ".png" else target))
    return target


def _svg_with_qt(plot_item: pg.PlotItem, target: Path) -> None:
    from PySide6.QtCore import QRect, QRectF, QSize
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator

    rect = plot_item.sceneBoundingRect()
    size = QSize(int(rect.width()), int(rect.height()))
    generator = QSvgGenerator()
    generator.setFileName(str(target))
    generator.setSize(size)
    generator.setViewBox(QRect(0, 0, size.width(), size.height()))
    generator.setTitle(plot_item.titleLabel.text or "OpsDesk chart")
    painter = QPainter(generator)
    plot_item.scene().render(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
    painter.end()


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
        self.plot = pg.PlotWidget(self, axisItems=axis_items or {})
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
        self.restyle()

    @property
    def plot_item(self) -> pg.PlotItem:
        return self.plot.getPlotItem()

    def export(self, path: Path | str) -> Path:
        return export_plot(self.plot_item, path)

    def _ask_export(self, kind: str) -> None:
        name = "".join(c if c.isalnum() else "-" for c in self.chart_title.lower()).strip("-")[:60]
        path, _ = QFileDialog.getSaveFileName(self, f"Export chart as {kind.upper()}", f"{name}.{kind}",
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
