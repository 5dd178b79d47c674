"""Bundled TrueType fonts, registered once; no base-14 font is ever used."""

from __future__ import annotations

from pathlib import Path

from opsdesk import paths

SANS = "DejaVuSans"
SANS_BOLD = "DejaVuSans-Bold"
SANS_ITALIC = "DejaVuSans-Oblique"
MONO = "DejaVuSansMono"

_registered = False


def register() -> None:
    global _registered
    if _registered:
        return
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    folder = paths.resources_dir() / "fonts"
    for name in (SANS, SANS_BOLD, SANS_ITALIC, MONO):
        pdfmetrics.registerFont(TTFont(name, str(folder / f"{name}.ttf")))
    addMapping(SANS, 0, 0, SANS)
    addMapping(SANS, 1, 0, SANS_BOLD)
    addMapping(SANS, 0, 1, SANS_ITALIC)
    addMapping(SANS, 1, 1, SANS_BOLD)
    _registered = True


def one_page_pdf(path: Path, title: str, text: str) -> Path:
    """A minimal one-page PDF in the bundled fonts (used by the self-test)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    register()
    canvas = Canvas(str(path), pagesize=A4, invariant=True, initialFontName=SANS)
    canvas.setTitle(title)
    canvas.setFont(SANS_BOLD, 16)
    canvas.drawString(72, 770, title)
    canvas.setFont(SANS, 11)
    canvas.drawString(72, 745, text)
    canvas.showPage()
    canvas.save()
    return path
