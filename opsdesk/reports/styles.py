"""One style sheet for every report, in the bundled DejaVu fonts only."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from opsdesk.reports import fonts

INK = "#1f2933"
MUTED = "#52606d"
RULE = "#cbd2d9"
ACCENT = "#1d4e89"
HEADER_BG = "#e4ebf5"
MARKING = "#b00020"
RAG = {"green": "#2e7d32", "amber": "#e0a100", "red": "#c62828", "grey": "#8a949e"}
RAG_TEXT = {"green": "GREEN", "amber": "AMBER", "red": "RED", "grey": "GREY"}


@lru_cache(maxsize=1)
def sheet() -> dict[str, Any]:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle

    fonts.register()
    base = ParagraphStyle("Body", fontName=fonts.SANS, fontSize=9.5, leading=13, textColor=colors.HexColor(INK),
                          spaceAfter=4)
    s: dict[str, Any] = {"Body": base}
    s["Small"] = ParagraphStyle("Small", parent=base, fontSize=8, leading=10.5, spaceAfter=0)
    s["SmallBold"] = ParagraphStyle("SmallBold", parent=s["Small"], fontName=fonts.SANS_BOLD)
    s["Cell"] = ParagraphStyle("Cell", parent=base, fontSize=8.2, leading=10.4, spaceAfter=0)
    s["CellBold"] = ParagraphStyle("CellBold", parent=s["Cell"], fontName=fonts.SANS_BOLD)
    s["RagCell"] = ParagraphStyle("RagCell", parent=s["CellBold"], textColor=colors.white)
    s["Muted"] = ParagraphStyle("Muted", parent=base, textColor=colors.HexColor(MUTED), fontName=fonts.SANS_ITALIC)
    s["Bullet"] = ParagraphStyle("Bullet", parent=base, leftIndent=12, bulletIndent=2, spaceAfter=2)
    s["H1"] = ParagraphStyle("H1", parent=base, fontName=fonts.SANS_BOLD, fontSize=14, leading=18, spaceBefore=10,
                             spaceAfter=6, textColor=colors.HexColor(ACCENT), keepWithNext=True)
    s["H2"] = ParagraphStyle("H2", parent=base, fontName=fonts.SANS_BOLD, fontSize=11.5, leading=15,
                             spaceBefore=8, spaceAfter=4, textColor=colors.HexColor(ACCENT), keepWithNext=True)
    s["H3"] = ParagraphStyle("H3", parent=base, fontName=fonts.SANS_BOLD, fontSize=9.5, leading=13, spaceBefore=4,
                             spaceAfter=2, keepWithNext=True)
    s["Lead"] = ParagraphStyle("Lead", parent=s["H3"], keepWithNext=False)  # before a long table that may split
    s["CoverKind"] = ParagraphStyle("CoverKind", parent=base, fontSize=13, leading=17,
                                    textColor=colors.HexColor(MUTED))
    s["CoverTitle"] = ParagraphStyle("CoverTitle", parent=base, fontName=fonts.SANS_BOLD, fontSize=24, leading=30,
                                     textColor=colors.HexColor(ACCENT), spaceAfter=10)
    s["CoverSub"] = ParagraphStyle("CoverSub", parent=base, fontSize=12, leading=16, spaceAfter=4)
    s["CoverMarking"] = ParagraphStyle("CoverMarking", parent=base, fontName=fonts.SANS_BOLD, fontSize=16,
                                       leading=20, alignment=TA_CENTER, textColor=colors.HexColor(MARKING))
    s["TOC0"] = ParagraphStyle("TOC0", parent=base, fontName=fonts.SANS_BOLD, fontSize=10, leading=14,
                               leftIndent=0, firstLineIndent=0)
    s["TOC1"] = ParagraphStyle("TOC1", parent=base, fontSize=9, leading=12, leftIndent=16, firstLineIndent=0)
    return s
