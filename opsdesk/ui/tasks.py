"""Run work off the GUI thread: database work on one worker thread, results back through queued signals.

``TaskRunner.submit(fn, *args, on_done=..., on_error=...)`` runs ``fn`` on the worker; when ``fn`` accepts a
``state`` keyword it gets a :class:`TaskState` to report progress and to see a cancel request.
"""

from __future__ import annotations

import inspect
import itertools
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

_log = logging.getLogger("opsdesk.ui.tasks")


class Cancelled(Exception):
    """Raised inside a task when the user cancelled it."""


class TaskState:
    def __init__(self, relay: _Relay, task_id: int) -> None:
        self._relay = relay
        self._id = task_id
        self._cancel = threading.Event()

    def progress(self, done: int, total: int, text: str = "") -> None:
        self._relay.progress.emit(self._id, done, total, text)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()


class _Relay(QObject):
    finished = Signal(int, object)
    failed = Signal(int, object)
    progress = Signal(int, int, int, str)


class TaskRunner(QObject):
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool_: ThreadPoolExecutor | None = None  # started by the first task (after the window shows)
        self._closed = False
        self._relay = _Relay()
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[Callable[[Any], None] | None, Callable[[BaseException], None] | None,
                                         Callable[[int, int, str], None] | None]] = {}
        self._states: dict[int, TaskState] = {}
        self._quiet: set[int] = set()  # background checks that do not make the window say "Working…"
        self._closed = False

    def submit(self, fn: Callable[..., Any], *args: Any, on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[BaseException], None] | None = None,
               on_progress: Callable[[int, int, str], None] | None = None, quiet: bool = False,
               **kwargs: Any) -> TaskState:
        task_id = next(self._ids)
        if self._closed:  # the window is closing: results would reach widgets that are going away
            state = TaskState(self._relay, task_id)
            state.cancel()
            return state
        state = TaskState(self._relay, task_id)
        if self._closed:  # the window is closing: results that arrive late may not start new work
            state.cancel()
            return state
        self._callbacks[task_id] = (on_done, on_error, on_progress)
        self._states[task_id] = state
        if "state" in inspect.signature(fn).parameters:
            kwargs["state"] = state
        if quiet:
            self._quiet.add(task_id)
        elif self._loud() == 1:
            self.busy_changed.emit(True)
        future: Future[Any] = self._pool.submit(fn, *args, **kwargs)
        future.add_done_callback(lambda f, t=task_id: self._done(t, f))
        return state

    @property
    def _pool(self) -> ThreadPoolExecutor:
        if self._pool_ is None:
            # made with the first task, after the window shows: naming Qt's namespace builds its hundred enums
            from concurrent.futures import ThreadPoolExecutor

            from PySide6.QtCore import Qt

            queued = Qt.ConnectionType.QueuedConnection  # results always arrive through the event loop
            self._relay.finished.connect(self._on_finished, queued)
            self._relay.failed.connect(self._on_failed, queued)
            self._relay.progress.connect(self._on_progress, queued)
            self._pool_ = ThreadPoolExecutor(max_workers=1, thread_name_prefix="opsdesk-db")
        return self._pool_

    def _done(self, task_id: int, future: Future[Any]) -> None:
        if future.cancelled():  # dropped at shutdown before it started
            self._relay.failed.emit(task_id, Cancelled())
            return
        exc = future.exception()
        if exc is not None:
            self._relay.failed.emit(task_id, exc)
        else:
            self._relay.finished.emit(task_id, future.result())

    def _loud(self) -> int:
        return len(self._states) - len(self._quiet)

    def _pop(self, task_id: int):
        loud = task_id not in self._quiet
        self._quiet.discard(task_id)
        if self._states.pop(task_id, None) is not None and loud and self._loud() == 0:
            self.busy_changed.emit(False)
        return self._callbacks.pop(task_id, (None, None, None))

    def _on_finished(self, task_id: int, result: Any) -> None:
        on_done, _e, _p = self._pop(task_id)
        if on_done and not self._closed:
            on_done(result)

    def _on_failed(self, task_id: int, exc: BaseException) -> None:
        _d, on_error, _p = self._pop(task_id)
        if self._closed:
            return
        if on_error:
            on_error(exc)
        elif not isinstance(exc, Cancelled):
            from opsdesk.ui import errors

            errors.handle(type(exc), exc, exc.__traceback__)

    def _on_progress(self, task_id: int, done: int, total: int, text: str) -> None:
        cb = self._callbacks.get(task_id, (None, None, None))[2]
        if cb:
            cb(done, total, text)

    @property
    def pending(self) -> int:
        return len(self._states)

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Block until the worker has drained (for shutdown and tests); queued results still need the loop."""
        if self._pool_ is not None:
            self._pool_.submit(lambda: None).result(timeout=timeout)

    def shutdown(self) -> None:
        self._closed = True
        for state in self._states.values():
            state.cancel()
        if self._pool_ is not None:
            self._pool_.shutdown(wait=True, cancel_futures=True)
