"""A KPI tile: name, value and unit, a trend arrow, coloured by its RAG status; a click opens the initiative."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from opsdesk.analytics.rag import fmt_number
from opsdesk.ui.theme import RAG_COLOURS

GOOD, BAD, FLAT = "#2e7d32", "#c62828", "#6b7280"


def trend_arrow(trend: float | None, higher_is_better: bool, value: float | None) -> tuple[str, str]:
    """(arrow, colour): ▲/▼ by the sign of the change, green when it goes the good way; ▶ when flat."""
    if trend is None:
        return "", FLAT
    scale = abs(value) if value else 1.0
    if abs(trend) <= 0.005 * scale:
        return "▶", FLAT
    up = trend > 0
    return ("▲" if up else "▼"), (GOOD if up == higher_is_better else BAD)


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit.startswith("%"):
        return f"{value:.1f}"
    if abs(value) >= 10_000:
        return f"{value / 1000:,.0f}k"
    return fmt_number(round(value, 3))


class KpiTile(QFrame):
    clicked = Signal(str)

    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.kpi: Any = None
        self._border = RAG_COLOURS["grey"]
        self.target_code: str | None = None
        self.setObjectName(f"tile_{key}")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMinimumWidth(118)
        self.name = QLabel(self)
        self.value = QLabel(self)
        self.value.setObjectName("tileValue")
        self.unit = QLabel(self)
        self.arrow = QLabel(self)
        for label in (self.name, self.unit):
            label.setWordWrap(True)
        row = QHBoxLayout()
        row.setSpacing(4)
        row.addWidget(self.value)
        row.addWidget(self.arrow)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 4, 6, 4)
        layout.setSpacing(0)
        layout.addWidget(self.name)
        layout.addLayout(row)
        layout.addWidget(self.unit)

    def set_kpi(self, kpi: Any, higher_is_better: bool, target_code: str | None) -> None:
        self.kpi = kpi
        self.target_code = target_code or kpi.initiative_code
        colour = RAG_COLOURS.get(kpi.rag, RAG_COLOURS["grey"])
        self.name.setText(f"<small>{kpi.name}</small>")
        self.value.setText(f"<span style='font-size:15pt; font-weight:600'>{format_value(kpi.value, kpi.unit)}</span>")
        arrow, arrow_colour = trend_arrow(kpi.trend, higher_is_better, kpi.value)
        self.arrow.setText(f"<span style='color:{arrow_colour}; font-size:12pt'>{arrow}</span>")
        self.unit.setText(f"<small>{kpi.unit}</small>")
        self._border = colour
        self.update()
        trend = "" if kpi.trend is None else f"\nChange over the last 30 days: {kpi.trend:+,.3g} {kpi.unit}"
        opens = f"\nClick to open {self.target_code}" if self.target_code else ""
        if kpi.initiative_code is None and self.target_code:
            opens = f"\nClick to open the initiative with the worst value: {self.target_code}"
        self.setToolTip(f"{kpi.name}: {format_value(kpi.value, kpi.unit)} {kpi.unit} — {kpi.rag.upper()}\n"
                        f"Threshold: {kpi.threshold}\n{kpi.method}{trend}{opens}")
        self.setAccessibleName(f"{kpi.name} {format_value(kpi.value, kpi.unit)} {kpi.unit}, status {kpi.rag}")

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        """A frame in the palette's mid colour with a thick left edge in the RAG colour (no style sheet, so the
        tile follows light and dark palettes)."""
        super().paintEvent(event)
        painter = QPainter(self)
        r = self.rect().adjusted(0, 0, -1, -1)
        painter.setPen(self.palette().color(QPalette.ColorRole.Mid))
        painter.drawRect(r)
        painter.fillRect(QRect(r.left(), r.top(), 6, r.height() + 1), QColor(self._border))
        if self.hasFocus():
            painter.setPen(self.palette().color(QPalette.ColorRole.Highlight))
            painter.drawRect(r.adjusted(1, 1, -1, -1))
        painter.end()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton and self.target_code:
            self.clicked.emit(self.target_code)
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and self.target_code:
            self.clicked.emit(self.target_code)
            return
        super().keyPressEvent(event)
