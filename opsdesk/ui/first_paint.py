"""Knowing when the main window is first on screen: the moment start-up is measured to, and after which the
window fills in (pages not yet visited, heavy imports).

``OPSDESK_EXIT_AFTER_SHOW=1`` ends the process right after that first paint, printing nothing: bench/startup.py
times a whole ``opsdesk`` process from start to the window shown with it."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

EXIT_AFTER_SHOW = "OPSDESK_EXIT_AFTER_SHOW"


class _FirstPaint(QObject):
    def __init__(self, window: QWidget, then: Callable[[], None]) -> None:
        super().__init__(window)
        self._then = then
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            # the rest of this paint pass (the window's children) completes before the timer fires
            QTimer.singleShot(0, self._then)
        return False


def after_first_paint(window: QWidget, then: Callable[[], None]) -> None:
    """Call ``then`` once, on the GUI thread, as soon as ``window`` has been painted for the first time."""
    _FirstPaint(window, then)


def exit_requested() -> bool:
    return os.environ.get(EXIT_AFTER_SHOW, "") not in ("", "0")


def exit_now() -> None:
    """End the process at once (the bench's stopwatch stops here), as the bare baseline does."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
