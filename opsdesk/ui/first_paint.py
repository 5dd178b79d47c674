"""Knowing when the main window is first on screen: the moment start-up is measured to, and after which the
window fills in (pages not yet visited, heavy imports).

``OPSDESK_EXIT_AFTER_SHOW=1`` ends the process right after that first paint, printing nothing: bench/startup.py
times a whole ``opsdesk`` process from start to the window shown with it."""

from __future__ import annotations

import os
import sys
import weakref
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

EXIT_AFTER_SHOW = "OPSDESK_EXIT_AFTER_SHOW"


class _FirstPaint(QObject):
    """One per window: the calls waiting for its first paint, made in the order they were asked for."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.calls: list[Callable[[], None]] = []
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            # the rest of this paint pass (the window's children) completes before the timer fires
            QTimer.singleShot(0, self._call)
        return False

    def _call(self) -> None:
        calls, self.calls = self.calls, []
        for call in calls:
            call()


_waiting: weakref.WeakKeyDictionary[QWidget, _FirstPaint] = weakref.WeakKeyDictionary()


def after_first_paint(window: QWidget, then: Callable[[], None], *, first: bool = False) -> None:
    """Call ``then`` once, on the GUI thread, as soon as ``window`` has been painted for the first time; calls for
    the same window run in the order they were asked for (``first``: before those asked for earlier)."""
    waiting = _waiting.get(window)
    if waiting is None or not waiting.calls:
        waiting = _waiting[window] = _FirstPaint(window)
    if first:
        waiting.calls.insert(0, then)
    else:
        waiting.calls.append(then)


def exit_requested() -> bool:
    return os.environ.get(EXIT_AFTER_SHOW, "") not in ("", "0")


def exit_now() -> None:
    """End the process at once (the bench's stopwatch stops here), as the bare baseline does."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
