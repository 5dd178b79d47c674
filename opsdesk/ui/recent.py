"""The recently opened workspaces, newest first, kept in QSettings."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from opsdesk import settings

KEY = "workspace/recent"


def load() -> list[str]:
    value = QSettings().value(KEY, [])
    if isinstance(value, str):
        value = [value]
    return [str(v) for v in (value or []) if v]


def remember(location: str) -> list[str]:
    limit = int(QSettings().value("workspace/recent_max", settings.default("workspace/recent_max")))  # type: ignore[arg-type]
    paths = [location] + [p for p in load() if p != location]
    QSettings().setValue(KEY, paths[:limit])
    return paths[:limit]
