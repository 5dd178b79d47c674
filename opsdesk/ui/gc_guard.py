"""Run Python's cyclic garbage collector on the GUI thread only.

Left to itself, the collector runs in whichever thread happens to allocate. When it runs on a worker thread and
frees a cycle that holds Qt objects, their C++ destructors run on that thread: a QObject destructor then takes
Qt's locks and asks for the GIL while the GUI thread, holding the GIL, waits for the same locks — a deadlock (seen
here as a frozen test run). The cure used by long-lived Qt applications (Anki among them): disable automatic
collection and collect from a timer on the GUI thread.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject, QTimer

_guard: MainThreadCollector | None = None
_held = 0  # workers building a page's rows right now (see held())
_held_lock = threading.Lock()


@contextmanager
def held() -> Iterator[None]:
    """Postpone the GUI thread's collections while a worker builds a page's rows (used around a page's load).

    A collection in the middle of a load walks every object the load has made so far — hundreds of thousands on
    a long register, the analytics' intermediate ones included — and stalls the window for as long; after the
    load, those are gone and only the rows the page keeps are walked. At most ``MAX_HELD`` checks are skipped in
    a row, so a long load still lets the collector run."""
    global _held
    with _held_lock:
        _held += 1
    try:
        yield
    finally:
        with _held_lock:
            _held -= 1


class MainThreadCollector(QObject):
    INTERVAL_MS = 500
    MAX_HELD = 10  # checks postponed in a row while a load holds the collector (5 s)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(self.INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        self._threshold = gc.get_threshold()
        self.postponed = 0  # checks skipped in a row because a load held the collector

    def start(self) -> None:
        gc.disable()
        self._timer.start()

    def check(self) -> None:
        """Collect the generations whose allocation counts passed their thresholds, as the automatic GC would
        (unless a load holds the collector, see held())."""
        if _held and self.postponed < self.MAX_HELD:
            self.postponed += 1
            return
        self.postponed = 0
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
