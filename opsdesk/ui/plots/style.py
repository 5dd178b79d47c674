"""Colours for charts that follow the application palette (light or dark)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from opsdesk.domain.enums import RiskTier

SERIES_COLOURS = ("#1f77b4", "#e8710a", "#2ca02c", "#9467bd", "#d62728", "#17becf")
RISK_COLOURS = {RiskTier.LOW: "#2e7d32", RiskTier.MEDIUM: "#f9a825", RiskTier.HIGH: "#ef6c00",
                RiskTier.HIGH_IMPACT: "#c62828"}


def palette() -> QPalette:
    app = QApplication.instance()
    return app.palette() if isinstance(app, QApplication) else QPalette()


def background() -> QColor:
    return palette().color(QPalette.ColorRole.Base)


def foreground() -> QColor:
    return palette().color(QPalette.ColorRole.Text)


def muted() -> QColor:
    return palette().color(QPalette.ColorRole.PlaceholderText)


def colour(index: int) -> str:
    return SERIES_COLOURS[index % len(SERIES_COLOURS)]
