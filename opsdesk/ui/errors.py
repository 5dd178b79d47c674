"""One funnel for errors: log first, then one dialog with copyable details (off in tests)."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from opsdesk.errors import OpsDeskError

_log = logging.getLogger("opsdesk.ui.errors")
dialogs_enabled = True


class _Relay(QObject):
    """Carries an exception from any thread to the GUI thread."""

    raised = Signal(str, str)


_relay: _Relay | None = None


def show_user_error(parent: QWidget | None, exc: BaseException, title: str = "OpsDesk") -> None:
    """A plain message for a problem the user can act on."""
    _log.info("user error: %s", exc)
    if dialogs_enabled:
        QMessageBox.warning(parent, title, str(exc))


def _show_bug(summary: str, details: str) -> None:
    if not dialogs_enabled or QApplication.instance() is None:
        return
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
    if _relay is not None:
        _relay.raised.emit(f"{exc_type.__name__}: {exc}", details)


def install() -> None:
    """Route uncaught exceptions (GUI thread and workers) through :func:`handle`."""
    global _relay
    _relay = _Relay()
    _relay.raised.connect(_show_bug, Qt.ConnectionType.QueuedConnection)
    sys.excepthook = handle

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        handle(args.exc_type, args.exc_value or Exception("unknown"), args.exc_traceback)

    threading.excepthook = thread_hook
