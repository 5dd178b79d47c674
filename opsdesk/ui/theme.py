"""Light and dark palettes that follow the system colour scheme."""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

RAG_COLOURS = {"green": "#2e7d32", "amber": "#f9a825", "red": "#c62828", "grey": "#9e9e9e"}


def is_dark() -> bool:
    from PySide6.QtCore import Qt

    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def _system_is_dark(app: QApplication) -> bool:
    """Whether the system's colour scheme is dark, before OpsDesk has set a palette: the palette the platform gave
    the application follows the scheme. (Asking :func:`is_dark` names the Qt namespace, whose hundred enums
    PySide6 builds first: tens of milliseconds before the window could show.)"""
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def apply(app: QApplication, dark: bool | None = None) -> None:
    """Set the light or dark palette; with ``dark=None`` follow the system, also when it changes later."""
    follow = dark is None
    if dark is None:
        dark = _system_is_dark(app) if app.property("opsdesk_dark") is None else is_dark()
    app.setPalette(dark_palette() if dark else light_palette())
    app.setProperty("opsdesk_dark", dark)
    if follow and not app.property("opsdesk_follows_scheme"):
        app.setProperty("opsdesk_follows_scheme", True)
        QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _scheme: apply(app))


def light_palette() -> QPalette:
    p = QPalette()
    p.setColor(QPalette.ColorRole.Window, QColor("#f5f6f8"))
    p.setColor(QPalette.ColorRole.WindowText, QColor("#1c1e21"))
    p.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    p.setColor(QPalette.ColorRole.AlternateBase, QColor("#eef1f5"))
    p.setColor(QPalette.ColorRole.Text, QColor("#1c1e21"))
    p.setColor(QPalette.ColorRole.Button, QColor("#e9ecf0"))
    p.setColor(QPalette.ColorRole.ButtonText, QColor("#1c1e21"))
    p.setColor(QPalette.ColorRole.Highlight, QColor("#1f5fa8"))
    p.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    p.setColor(QPalette.ColorRole.ToolTipBase, QColor("#ffffe1"))
    p.setColor(QPalette.ColorRole.ToolTipText, QColor("#1c1e21"))
    p.setColor(QPalette.ColorRole.PlaceholderText, QColor("#6b7280"))
    return _disabled(p, "#9aa1ab")


def dark_palette() -> QPalette:
    p = QPalette()
    p.setColor(QPalette.ColorRole.Window, QColor("#1f2329"))
    p.setColor(QPalette.ColorRole.WindowText, QColor("#e6e8eb"))
    p.setColor(QPalette.ColorRole.Base, QColor("#16191d"))
    p.setColor(QPalette.ColorRole.AlternateBase, QColor("#23272e"))
    p.setColor(QPalette.ColorRole.Text, QColor("#e6e8eb"))
    p.setColor(QPalette.ColorRole.Button, QColor("#2b3038"))
    p.setColor(QPalette.ColorRole.ButtonText, QColor("#e6e8eb"))
    p.setColor(QPalette.ColorRole.Highlight, QColor("#3d7bd9"))
    p.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    p.setColor(QPalette.ColorRole.ToolTipBase, QColor("#2b3038"))
    p.setColor(QPalette.ColorRole.ToolTipText, QColor("#e6e8eb"))
    p.setColor(QPalette.ColorRole.PlaceholderText, QColor("#8b93a0"))
    return _disabled(p, "#6b7280")


def _disabled(p: QPalette, colour: str) -> QPalette:
    """Disabled controls must look disabled: setColor(role, …) above set every colour group alike."""
    for role in (QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText, QPalette.ColorRole.Text):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(colour))
    return p
