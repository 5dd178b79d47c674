from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def _collect_garbage_on_the_gui_thread(qapp):
    """As the application does: no cyclic GC on worker threads (see opsdesk.ui.gc_guard)."""
    import gc

    from opsdesk.ui import gc_guard

    gc_guard.install(qapp)
    yield
    gc.enable()


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


def _shown(qtbot, ws, **kwargs):
    from opsdesk.ui.main_window import MainWindow

    w = MainWindow(ws, **kwargs)
    qtbot.addWidget(w)
    w.resize(1440, 900)
    w.show()
    w.settle()
    return w


@pytest.fixture
def window(qtbot, demo_ws):
    w = _shown(qtbot, demo_ws)
    yield w
    w.tasks.shutdown()
    import gc

    gc.collect()  # on the GUI thread, never on a worker (see opsdesk.ui.gc_guard)


@pytest.fixture
def empty_window(qtbot, tmp_path: Path):
    """A window on a new, empty workspace whose organisation is not named yet (what the first start opens)."""
    from opsdesk.services.workspace import lifecycle

    ws = lifecycle.create(tmp_path / "new.opsdesk", organisation="", actor="secretary")
    w = _shown(qtbot, ws, owns_workspace=True)
    yield w
    w.tasks.shutdown()
