"""One funnel for errors: log first, then one dialog with copyable details (off in tests)."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

from opsdesk.errors import OpsDeskError

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

_log = logging.getLogger("opsdesk.ui.errors")
dialogs_enabled = True
# Start-up names no Qt class it does not need: PySide6 builds all of a class's enums when the class is first named,
# and the Qt namespace alone is about a hundred enums (tens of milliseconds before the window could show). So
# QMessageBox and Qt are imported where they are used, and a start connects the dialog once the window is painted.


class _Relay(QObject):
    """Carries an exception from any thread to the GUI thread."""

    raised = Signal(str, str)


_relay: _Relay | None = None
_connected = False
_pending: list[tuple[str, str]] = []  # errors raised before the dialog was connected, shown once it is
_lock = threading.Lock()


def show_user_error(parent: QWidget | None, exc: BaseException, title: str = "OpsDesk") -> None:
    """A plain message for a problem the user can act on."""
    _log.info("user error: %s", exc)
    if dialogs_enabled:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.warning(parent, title, str(exc))


def _show_bug(summary: str, details: str) -> None:
    if not dialogs_enabled or QApplication.instance() is None:
        return
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Critical, "OpsDesk — unexpected error",
                      "Something went wrong inside OpsDesk. Your data is safe: the action was not saved.\n\n"
                      + summary)
    box.setDetailedText(details)  # the details pane has a selectable, copyable text
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.exec()


def handle(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if isinstance(exc, OpsDeskError):
        show_user_error(None, exc)
        return
    details = "".join(traceback.format_exception(exc_type, exc, tb))
    _log.error("unhandled exception:\n%s", details)
    if _relay is None:
        return
    with _lock:
        if not _connected:
            _pending.append((f"{exc_type.__name__}: {exc}", details))
            return
    _relay.raised.emit(f"{exc_type.__name__}: {exc}", details)


def install(*, connect: bool = True) -> None:
    """Route uncaught exceptions (GUI thread and workers) through :func:`handle`. ``connect=False``: the dialog
    is connected later by :func:`connect_dialog` (a start does once its window is painted); errors until then
    are logged at once and shown then."""
    global _relay, _connected
    _relay = _Relay()
    _connected = False
    if connect:
        connect_dialog()
    sys.excepthook = handle

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        handle(args.exc_type, args.exc_value or Exception("unknown"), args.exc_traceback)

    threading.excepthook = thread_hook


def connect_dialog() -> None:
    """Show the bug dialog for every error :func:`handle` is given, always from the GUI thread's event loop."""
    global _connected
    from PySide6.QtCore import Qt

    if _relay is None or _connected:
        return
    _relay.raised.connect(_show_bug, Qt.ConnectionType.QueuedConnection)
    with _lock:
        _connected = True
        pending = list(_pending)
        _pending.clear()
    for summary, details in pending:
        _relay.raised.emit(summary, details)
