"""Starting the GUI: display check, QApplication, palette, exception funnel, main window."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

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
        return platform_check.problem(cache=platform_check.default_cache())
    return None


def make_app(argv: list[str] | None = None, *, version: bool = True):
    """The QApplication, styled. ``version=False``: the caller sets the application's version later
    (:func:`set_version`; reading it from the package metadata costs start-up ~0.05 s)."""
    from PySide6.QtCore import QCoreApplication, QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        QCoreApplication.setOrganizationName("OpsDesk")
        QCoreApplication.setApplicationName("OpsDesk")
        if version:
            set_version()
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        # Fusion: the same look on every platform, following the system colour scheme. Asked for on the command
        # line Qt reads, not with setStyle(), which hands Python the QStyle and so has PySide6 build its enums
        # (tens of milliseconds) before the window could show.
        app = QApplication([*(argv or [sys.argv[0]]), "-style", "Fusion"])
    from opsdesk.ui import gc_guard, theme

    gc_guard.install(app)
    theme.apply(app)
    _bridge_qt_messages()
    return app


def set_version() -> None:
    from PySide6.QtCore import QCoreApplication

    from opsdesk import __version__

    QCoreApplication.setApplicationVersion(__version__)


# what a platform plugin says about itself at every start, not about OpsDesk: the offscreen plugin (headless runs,
# --screenshot, CI) warns when a window has a minimum size; kept out of the log file (and so out of start-up)
_PLATFORM_NOISE = frozenset({"This plugin does not support propagateSizeHints()"})


def _bridge_qt_messages() -> None:
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    qt_log = logging.getLogger("opsdesk.qt")
    levels = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
              QtMsgType.QtWarningMsg: logging.WARNING, QtMsgType.QtCriticalMsg: logging.ERROR,
              QtMsgType.QtFatalMsg: logging.CRITICAL}

    def handler(mode, _context, message):  # type: ignore[no-untyped-def]
        level = levels.get(mode, logging.WARNING)
        if message in _PLATFORM_NOISE:
            level = logging.DEBUG
        qt_log.log(level, message)

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
    from opsdesk.ui import errors

    app = make_app(version=False)
    errors.install(connect=bool(screenshot_dir))  # a start connects the bug dialog once its window is painted
    if screenshot_dir:
        errors.dialogs_enabled = False
        set_version()
        return _screenshots(workspace, screenshot_dir, read_only=read_only, size=size)
    window = _opening_window(workspace, read_only=read_only)
    code = app.exec()
    if window.ws is not None:
        window.ws.close()
    return int(code)


def _opening_window(workspace: str, *, read_only: bool):  # type: ignore[no-untyped-def]
    """The main window on screen at once, its workspace opened on the worker right after the first paint: the
    window does not wait for SQLAlchemy, the schema check or any page's libraries, and a large or locked workspace
    says so in a window that is already there. A workspace that cannot be opened ends the run with code 2."""
    from PySide6.QtWidgets import QApplication

    from opsdesk.ui import errors, first_paint
    from opsdesk.ui.main_window import MainWindow

    window = MainWindow(None, owns_workspace=True, opening=_shown_name(workspace))
    if first_paint.exit_requested():
        first_paint.after_first_paint(window, first_paint.exit_now, first=True)  # the stopwatch stops here

    def opened(ws) -> None:  # type: ignore[no-untyped-def]
        set_version()
        window.attach(ws)
        if not ws.read_only:
            _automatic_backup(ws, window.tasks)
        freeze_startup_objects()

    def failed(exc: BaseException) -> None:
        from opsdesk.errors import OpsDeskError
        from opsdesk.ui import errors

        if not isinstance(exc, OpsDeskError):
            errors.handle(type(exc), exc, exc.__traceback__)
        elif errors.dialogs_enabled:
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.critical(window, "OpsDesk", f"Cannot open the workspace.\n\n{exc}")
        else:
            print(f"opsdesk: {exc}", file=sys.stderr)
        QApplication.instance().exit(2)

    def open_on_worker():  # type: ignore[no-untyped-def]
        from opsdesk import __version__  # noqa: F401  (read once here, off the GUI thread)
        from opsdesk.services.workspace import lifecycle  # SQLAlchemy loads here too

        return lifecycle.open_workspace(workspace, read_only=read_only, exclusive=True)

    def open_workspace() -> None:
        window.tasks.submit(open_on_worker, on_done=opened, on_error=failed)

    first_paint.after_first_paint(window, errors.connect_dialog)
    first_paint.after_first_paint(window, open_workspace)
    window.show()
    return window


def _shown_name(workspace: str) -> str:
    if "://" not in workspace:
        return Path(workspace).name
    from opsdesk.services.workspace import redact  # a server's URL, shown without its password

    return redact(workspace)


def _screenshots(workspace: str, folder: str, *, read_only: bool, size: tuple[int, int] | None) -> int:
    """--screenshot: open the workspace, render every page into ``folder``, report clipped text, exit."""
    from opsdesk.errors import OpsDeskError
    from opsdesk.services.workspace import lifecycle as workspace_service
    from opsdesk.ui import readability

    try:
        ws = workspace_service.open_workspace(workspace, read_only=read_only)
    except OpsDeskError as exc:
        print(f"opsdesk: {exc}", file=sys.stderr)
        return 2
    window = first_window(ws, screenshot=True)
    window.resize(*(size or (1440, 900)))
    window.show()
    for path in window.save_screenshots(Path(folder)):
        print(path)
    for page, finding in readability.every_page(window):
        print(f"clipped on {page}: {finding}", file=sys.stderr)
    window.close()
    ws.close()
    return 0


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
