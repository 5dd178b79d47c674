"""Undoable edits: each step is a service call on the worker, and so is its undo (which is audited too)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand, QUndoStack

from opsdesk.ui.tasks import TaskRunner


class ServiceCommand(QUndoCommand):
    """``apply`` and ``revert`` are plain functions calling services. The first ``apply`` has already run when
    the command is pushed (so a refused change never lands on the stack)."""

    def __init__(self, tasks: TaskRunner, text: str, apply: Callable[[], Any], revert: Callable[[], Any]) -> None:
        super().__init__(text)
        self._tasks = tasks
        self._apply = apply
        self._revert = revert
        self._first = True

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self._tasks.submit(self._apply)

    def undo(self) -> None:
        self._tasks.submit(self._revert)


def run_undoable(tasks: TaskRunner, stack: QUndoStack, text: str, apply: Callable[[], Any],
                 revert: Callable[[], Any], *, on_done: Callable[[Any], None] | None = None,
                 on_error: Callable[[BaseException], None] | None = None) -> None:
    """Run ``apply`` on the worker; when it succeeds, put the step on the undo stack."""

    def done(result: Any) -> None:
        stack.push(ServiceCommand(tasks, text, apply, revert))
        if on_done is not None:
            on_done(result)

    tasks.submit(apply, on_done=done, on_error=on_error)
