"""Bundled SVG icons from resources/icons; nothing is fetched from anywhere."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QIcon

from opsdesk import paths


@cache
def icon(name: str) -> QIcon:
    path = paths.resources_dir() / "icons" / f"{name}.svg"
    return QIcon(str(path)) if path.exists() else QIcon()
