"""Bundled SVG icons from resources/icons (drawn for OpsDesk); nothing is fetched from anywhere.

The icons are line drawings in one blue; on a selected (highlighted) row they are drawn in white so they stay
visible on the highlight colour, and greyed out when disabled (the toolbar's, while the workspace opens). Drawing
them names neither the Qt namespace nor QStyle, whose enums PySide6 would build before the window could show.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRect, QSize
from PySide6.QtGui import QColor, QIcon, QIconEngine, QPainter, QPixmap

from opsdesk import paths

STROKE = "#3f7cc0"
DISABLED = "#9aa1ab"  # the disabled text colour of the light palette (theme.py)


class _SvgIconEngine(QIconEngine):
    """An SVG icon drawn when (and at the size) it is first shown, in white when selected, greyed out when
    disabled. Rendering every icon at every size up front cost start-up ~0.1 s before the window could show."""

    def __init__(self, svg: bytes) -> None:
        super().__init__()
        self._svg = svg
        self._pixmaps: dict[tuple[int, int, QIcon.Mode], QPixmap] = {}

    def _source(self, mode: QIcon.Mode) -> bytes:
        if mode == QIcon.Mode.Selected:
            return self._svg.replace(STROKE.encode(), b"#ffffff")
        if mode == QIcon.Mode.Disabled:
            return self._svg.replace(STROKE.encode(), DISABLED.encode())
        return self._svg

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        painter.drawPixmap(rect, self.pixmap(rect.size(), mode, state))

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float) -> QPixmap:  # noqa: N802
        key = (round(size.width() * scale), round(size.height() * scale), mode)
        pixmap = self._pixmaps.get(key)
        if pixmap is None:
            pixmap = self._pixmaps[key] = self._render(QSize(key[0], key[1]), mode)
        result = QPixmap(pixmap)
        result.setDevicePixelRatio(scale)
        return result

    def _render(self, size: QSize, mode: QIcon.Mode) -> QPixmap:
        from PySide6.QtSvg import QSvgRenderer

        pixmap = QPixmap(size)
        pixmap.fill(QColor(0, 0, 0, 0))  # transparent
        painter = QPainter(pixmap)
        QSvgRenderer(QByteArray(self._source(mode))).render(painter, QRect(0, 0, size.width(), size.height()))
        painter.end()
        return pixmap

    def actualSize(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QSize:  # noqa: N802
        return size

    def clone(self) -> QIconEngine:
        return _SvgIconEngine(self._svg)


@cache
def _folder() -> Path:
    return paths.resources_dir() / "icons"  # looked up once: the window shows about 25 icons


@cache
def icon(name: str) -> QIcon:
    path = _folder() / f"{name}.svg"
    if not path.exists():
        return QIcon()
    return QIcon(_SvgIconEngine(path.read_bytes()))
