"""Run Python's cyclic garbage collector on the GUI thread only.

Left to itself, the collector runs in whichever thread happens to allocate. When it runs on a worker thread and
frees a cycle that holds Qt objects, their C++ destructors run on that thread: a QObject destructor then takes
Qt's locks and asks for the GIL while the GUI thread, holding the GIL, waits for the same locks — a deadlock (seen
here as a frozen test run). The cure used by long-lived Qt applications (Anki among them): disable automatic
collection and collect from a timer on the GUI thread.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

_guard: MainThreadCollector | None = None


class MainThreadCollector(QObject):
    INTERVAL_MS = 500

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(self.INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        self._threshold = gc.get_threshold()

    def start(self) -> None:
        gc.disable()
        self._timer.start()

    def check(self) -> None:
        """Collect the generations whose allocation counts passed their thresholds, as the automatic GC would."""
        counts = gc.get_count()
        if counts[0] > self._threshold[0]:
            generation = 0
            if counts[1] > self._threshold[1]:
                generation = 2 if counts[2] > self._threshold[2] else 1
            gc.collect(generation)


def install(app: QObject) -> MainThreadCollector:
    global _guard
    if _guard is None:
        _guard = MainThreadCollector(app)
        _guard.start()
    return _guard
