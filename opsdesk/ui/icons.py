"""Bundled SVG icons from resources/icons (drawn for OpsDesk); nothing is fetched from anywhere.

The icons are line drawings in one blue; on a selected (highlighted) row they are drawn in white so they stay
visible on the highlight colour.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap

from opsdesk import paths

STROKE = "#3f7cc0"
SIZES = (16, 20, 24, 32, 48)


def _render(svg: bytes, size: int) -> QPixmap:
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(svg))
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    renderer.render(painter)
    painter.end()
    return pixmap


@cache
def icon(name: str) -> QIcon:
    path = paths.resources_dir() / "icons" / f"{name}.svg"
    if not path.exists():
        return QIcon()
    result = QIcon(str(path))
    white = path.read_text(encoding="utf-8").replace(STROKE, "#ffffff").encode("utf-8")
    for size in SIZES:
        result.addPixmap(_render(white, size), QIcon.Mode.Selected)
    return result
