"""Starting the GUI: display check, QApplication, palette, exception funnel, main window."""

from __future__ import annotations

import logging
import os
import sys

_log = logging.getLogger("opsdesk.ui.app")


def display_problem() -> str | None:
    """Why Qt cannot show a window here, or None. Checked before Qt is imported, so Qt never aborts: no display at
    all, or system libraries that Qt's xcb plugin needs and cannot find (named with their Debian packages)."""
    from opsdesk.ui import platform_check

    if not os.environ.get("QT_QPA_PLATFORM") and sys.platform.startswith("linux") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return ("no display: neither DISPLAY nor WAYLAND_DISPLAY is set (run it on a desktop, or set "
                "QT_QPA_PLATFORM=offscreen for a headless run)")
    if platform_check.uses_xcb():
        return platform_check.problem()
    return None


def make_app(argv: list[str] | None = None):
    from PySide6.QtCore import QCoreApplication, QSettings
    from PySide6.QtWidgets import QApplication

    from opsdesk import __version__

    app = QApplication.instance()
    if app is None:
        QCoreApplication.setOrganizationName("OpsDesk")
        QCoreApplication.setApplicationName("OpsDesk")
        QCoreApplication.setApplicationVersion(__version__)
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        app = QApplication(argv or [sys.argv[0]])
        app.setStyle("Fusion")  # the same look on every platform; follows the system colour scheme
    from opsdesk.ui import gc_guard, theme

    gc_guard.install(app)
    theme.apply(app)
    _bridge_qt_messages()
    return app


def _bridge_qt_messages() -> None:
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    qt_log = logging.getLogger("opsdesk.qt")
    levels = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
              QtMsgType.QtWarningMsg: logging.WARNING, QtMsgType.QtCriticalMsg: logging.ERROR,
              QtMsgType.QtFatalMsg: logging.CRITICAL}

    def handler(mode, _context, message):  # type: ignore[no-untyped-def]
        qt_log.log(levels.get(mode, logging.WARNING), message)

    if "pytest" not in sys.modules:  # pytest-qt installs its own handler to fail tests on warnings
        qInstallMessageHandler(handler)


def freeze_startup_objects() -> None:
    """Move what start-up created (Qt, SQLAlchemy and pandas modules, the window) out of the cyclic garbage
    collector's sight. A full collection otherwise walks all of it while the worker loads a long register, and
    holds the GIL long enough to stall the window for a few hundred milliseconds (bench/registers.py)."""
    import gc

    gc.collect()
    gc.freeze()


def run_gui(workspace: str, *, screenshot_dir: str | None = None, read_only: bool = False,
            size: tuple[int, int] | None = None) -> int:
    from opsdesk.errors import OpsDeskError
    from opsdesk.services.workspace import lifecycle as workspace_service
    from opsdesk.ui import errors

    app = make_app()
    errors.install()
    if screenshot_dir:
        errors.dialogs_enabled = False
    try:
        ws = workspace_service.open_workspace(workspace, read_only=read_only, exclusive=not screenshot_dir)
    except OpsDeskError as exc:
        if screenshot_dir or not errors.dialogs_enabled:
            print(f"opsdesk: {exc}", file=sys.stderr)
            return 2
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.critical(None, "OpsDesk", f"Cannot open the workspace.\n\n{exc}")
        return 2
    window = first_window(ws, screenshot=bool(screenshot_dir))
    if not ws.read_only and not screenshot_dir:
        _automatic_backup(ws, window.tasks)
    if screenshot_dir:
        from pathlib import Path

        window.resize(*(size or (1440, 900)))
        window.show()
        saved = window.save_screenshots(Path(screenshot_dir))
        for path in saved:
            print(path)
        from opsdesk.ui import readability

        for page, finding in readability.every_page(window):
            print(f"clipped on {page}: {finding}", file=sys.stderr)
        window.close()
        ws.close()
        return 0
    window.show()
    freeze_startup_objects()
    code = app.exec()
    ws.close()
    return int(code)


def first_window(ws, *, screenshot: bool = False):  # type: ignore[no-untyped-def]
    """The window a start opens on ``ws``. It owns the workspace like every later window does: when it is closed
    or replaced (File ▸ Open, Recent workspaces), the workspace closes and its lock is released, so the same
    process can open it again later without finding its own lock."""
    from opsdesk.ui.main_window import MainWindow

    return MainWindow(ws, persist=not screenshot, owns_workspace=not screenshot)


def _automatic_backup(ws, tasks=None) -> None:  # type: ignore[no-untyped-def]
    """Keep the last N copies beside the workspace (setting ``workspace/backups_to_keep``); with ``tasks`` the
    copy runs on the database worker so a large workspace does not hold up the window."""
    from PySide6.QtCore import QSettings

    from opsdesk import settings
    from opsdesk.services.workspace import backups

    try:
        keep = int(QSettings().value("workspace/backups_to_keep", settings.default("workspace/backups_to_keep")))
    except (TypeError, ValueError):
        keep = int(settings.default("workspace/backups_to_keep"))  # type: ignore[call-overload]

    def failed(exc: BaseException) -> None:
        _log.warning("automatic backup failed: %s", exc)

    if tasks is not None:
        tasks.submit(backups.auto_backup, ws, keep, on_done=lambda p: _log.info("automatic backup %s", p),
                     on_error=failed)
        return
    try:
        _log.info("automatic backup %s", backups.auto_backup(ws, keep))
    except OSError as exc:
        failed(exc)
