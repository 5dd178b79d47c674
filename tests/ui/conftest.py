from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _fresh_settings(tmp_path: Path, qapp):
    from PySide6.QtCore import QCoreApplication, QSettings

    from opsdesk.ui import errors

    QCoreApplication.setOrganizationName("OpsDeskTests")
    QCoreApplication.setApplicationName("OpsDeskTests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    errors.dialogs_enabled = False
    yield


@pytest.fixture
def ws(sqlite_ws):
    """GUI tests run on SQLite; the services under them are tested on both engines."""
    return sqlite_ws


@pytest.fixture
def demo_ws(sqlite_demo_ws):
    return sqlite_demo_ws


@pytest.fixture
def window(qtbot, demo_ws):
    from opsdesk.ui.main_window import MainWindow

    w = MainWindow(demo_ws)
    qtbot.addWidget(w)
    w.resize(1440, 900)
    w.show()
    w.settle()
    yield w
    w.tasks.shutdown()
