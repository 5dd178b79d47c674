"""The visible part of a PAdES signature: where each signer's block goes on a paper's last page, the block
itself (drawn in the bundled fonts, never a base-14 font), and the area every OpsDesk paper keeps free for it.

The slots sit in a fixed band at the bottom of the last page's body (above the footer), three to a row, top row
first: the chair signs into slot 1, the secretary into slot 2 and so on. Every OpsDesk paper ends with a
``SignatureArea`` that fills the rest of its last page, so that band is always empty there; on a PDF made
elsewhere the band is at the same height from the bottom of the page and may cover text.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus.flowables import Flowable

from opsdesk.reports import fonts
from opsdesk.reports.templates import BOTTOM, MARGIN

SIDE_MARGIN = MARGIN  # the papers' left and right margins
BAND_BOTTOM = BOTTOM  # the papers' bottom margin: the band starts just above the footer
SLOT_H = 17 * mm
SLOT_GAP = 3 * mm
PER_ROW = 3
ROWS = 2
TITLE_H = 10 * mm
AREA_H = TITLE_H + ROWS * SLOT_H + (ROWS - 1) * SLOT_GAP


def slot_box(index: int, page_width: float) -> tuple[int, int, int, int]:
    """The rectangle (x1, y1, x2, y2, in points) of signature ``index`` (0-based) on a page this wide."""
    width = (page_width - 2 * SIDE_MARGIN - (PER_ROW - 1) * SLOT_GAP) / PER_ROW
    row, col = divmod(index, PER_ROW)
    x1 = SIDE_MARGIN + col * (width + SLOT_GAP)
    # top row first; past the reserved rows the slots climb further up the page
    y1 = BAND_BOTTOM + (ROWS - 1 - row) * (SLOT_H + SLOT_GAP)
    return round(x1), round(y1), round(x1 + width), round(y1 + SLOT_H)


def draw_block(path: Path, size: tuple[float, float], *, signer: str, role: str, when: dt.datetime,
               level: str) -> Path:
    """A one-page PDF the size of the slot holding the block's appearance (pyHanko places it in the field)."""
    from reportlab.lib import colors
    from reportlab.pdfgen.canvas import Canvas

    fonts.register()
    w, h = size
    c = Canvas(str(path), pagesize=(w, h), invariant=True, initialFontName=fonts.SANS)
    c.setStrokeColor(colors.HexColor("#1f4e79"))
    c.setFillColor(colors.HexColor("#f3f7fb"))
    c.setLineWidth(0.8)
    c.rect(0.5, 0.5, w - 1, h - 1, stroke=1, fill=1)
    c.setFillColor(colors.HexColor("#1f4e79"))
    c.setFont(fonts.SANS_BOLD, 7.5)
    c.drawString(5, h - 11, _fit(c, f"Signed by {signer}", fonts.SANS_BOLD, 7.5, w - 10))
    c.setFillColor(colors.black)
    c.setFont(fonts.SANS, 7)
    c.drawString(5, h - 21, _fit(c, f"Role: {role or '—'}", fonts.SANS, 7, w - 10))
    c.drawString(5, h - 31, f"Date: {when.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC")
    c.setFont(fonts.SANS, 5.5)
    c.setFillColor(colors.HexColor("#555555"))
    c.drawString(5, 5, _fit(c, f"Digital signature, PAdES {level}", fonts.SANS, 5.5, w - 10))
    c.showPage()
    c.save()
    return path


def _fit(canvas: Any, text: str, font: str, size: float, width: float) -> str:
    if canvas.stringWidth(text, font, size) <= width:
        return text
    while text and canvas.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


class SignatureArea(Flowable):
    """The last flowable of every paper: a "Signatures" heading in the outline and the band of empty slots.

    It takes the rest of the last page, so the band lands at the bottom of the body frame; when less than the
    band's height is left, it moves to a page of its own."""

    outline_text = "Signatures"
    outline_level = 0
    outline_key = "signatures"
    in_toc = False

    def __init__(self, note: str = "Digital signatures (PAdES) appear here; check them with "
                                    "opsdesk verify-pdf or the window's Signatures panel.") -> None:
        super().__init__()
        self.note = note
        self._height = AREA_H

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        # all that is left of the page, so the band lands at the bottom of the frame; if that is less than the
        # band, ask for the band's height and reportlab moves it to a new page
        self._height = avail_height if avail_height >= AREA_H else AREA_H
        return avail_width, self._height

    def draw(self) -> None:
        from reportlab.lib import colors

        c = self.canv
        c.saveState()
        c.setFont(fonts.SANS_BOLD, 10)
        c.setFillColor(colors.HexColor("#1f4e79"))
        top = AREA_H
        c.drawString(0, top - 10, "Signatures")
        c.setFont(fonts.SANS, 7)
        c.setFillColor(colors.HexColor("#555555"))
        c.drawString(0, top - 20, self.note)
        c.restoreState()
