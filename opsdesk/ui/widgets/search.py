"""A search box that waits for a pause in typing before it filters, so typing never stalls the window."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QLineEdit, QWidget

DEBOUNCE_MS = 180


class SearchBox(QLineEdit):
    search_changed = Signal(str)

    def __init__(self, placeholder: str, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(placeholder)
        self.setAccessibleName(accessible_name)
        self.setClearButtonEnabled(True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.flush)
        self.textChanged.connect(lambda _t: self._timer.start())

    def flush(self) -> None:
        """Apply the current text now (Enter, tests, and the timer call this)."""
        self._timer.stop()
        self.search_changed.emit(self.text())

    def keyPressEvent(self, event) -> None:  # noqa: N802
        super().keyPressEvent(event)
        from PySide6.QtCore import Qt

        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.flush()
