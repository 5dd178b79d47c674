"""One registry for every command: text, shortcut, icon and handler. Menus and toolbar are built from it."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QWidget

from opsdesk.ui import icons


def set_shortcut(action: QAction, sequence: QKeySequence) -> None:
    """``action.setShortcut(sequence)``, but through setShortcuts: resolving setShortcut's overloads has PySide6
    build the Qt namespace's hundred enums (tens of milliseconds before the window could show)."""
    action.setShortcuts([sequence])


@dataclass(frozen=True)
class ActionSpec:
    key: str
    text: str
    shortcut: QKeySequence.StandardKey | str | None = None
    icon: str | None = None
    tip: str = ""
    editing: bool = False  # disabled when the workspace is read-only


class ActionRegistry:
    def __init__(self, parent: QWidget) -> None:
        self._parent = parent
        self._actions: dict[str, QAction] = {}
        self._specs: dict[str, ActionSpec] = {}

    def add(self, spec: ActionSpec, handler: Callable[[], object] | None = None) -> QAction:
        action = QAction(spec.text, self._parent)
        action.setObjectName(f"action_{spec.key}")
        if spec.shortcut is not None:
            set_shortcut(action, QKeySequence(spec.shortcut))
        if spec.icon:
            action.setIcon(icons.icon(spec.icon))
        tip = spec.tip or spec.text.replace("&", "").replace("…", "")
        if not action.shortcut().isEmpty():
            tip += f" ({action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})"
        action.setToolTip(tip)
        action.setStatusTip(tip)
        if handler is not None:
            action.triggered.connect(lambda _checked=False: handler())
        self._actions[spec.key] = action
        self._specs[spec.key] = spec
        return action

    def get(self, key: str) -> QAction:
        return self._actions[key]

    def __contains__(self, key: str) -> bool:
        return key in self._actions

    def set_handler(self, key: str, handler: Callable[[], object]) -> None:
        action = self._actions[key]
        with contextlib.suppress(RuntimeError, TypeError):
            action.triggered.disconnect()
        action.triggered.connect(lambda _checked=False: handler())

    def set_enabled(self, enabled: bool, *, keep: tuple[str, ...] = ()) -> None:
        """Enable or disable every action but those in ``keep`` (a window whose workspace is still opening)."""
        for key, action in self._actions.items():
            if key not in keep:
                action.setEnabled(enabled)

    def set_read_only(self, read_only: bool) -> None:
        for key, spec in self._specs.items():
            if spec.editing:
                self._actions[key].setEnabled(not read_only)

    def icon(self, name: str) -> QIcon:
        return icons.icon(name)
