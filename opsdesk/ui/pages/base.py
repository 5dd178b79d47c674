"""What every page gets, and the plain page for parts that are not built yet."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QTabWidget, QWidget

from opsdesk.ui.actions import ActionRegistry
from opsdesk.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from opsdesk.services.workspace import Workspace  # (SQLAlchemy: not before the window shows)


@dataclass
class PageContext:
    """Everything a page needs, handed in when it is built."""

    ws: Workspace
    tasks: TaskRunner
    actions: ActionRegistry
    undo: QUndoStack
    open_initiative: Callable[[str], None]
    status: Callable[[str], None]
    go_to: Callable[[str], Any] = lambda _key: None  # show another sidebar page (returns it)


class Page(QWidget):
    """A sidebar page. ``refresh`` reloads its data (on a worker) after the data changed."""

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx

    def refresh(self) -> None:  # pragma: no cover - overridden
        pass

    def find(self) -> None:
        """Ctrl+F on this page: focus its search box, if it has one."""


def tab_screenshots(tabs: QTabWidget, shots: tuple[tuple[int, str], ...], folder: Path,
                    settle: Callable[[], None], grab: Callable[[], Any]) -> list[Path]:
    """Save one PNG per (tab index, file stem) of a page's tab widget, then return to the first tab."""
    saved = []
    for index, name in shots:
        tabs.setCurrentIndex(index)
        settle()
        path = folder / f"{name}.png"
        grab().save(str(path))
        saved.append(path)
    tabs.setCurrentIndex(0)
    return saved
