"""Page templates: the classification marking at the top and bottom of every page, the document id and
version, "Page n of N", PDF metadata and the outline (bookmarks). Content is a list of flowables."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from typing import Any, cast
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable
from reportlab.platypus.tableofcontents import TableOfContents

from opsdesk.reports import fonts, styles
from opsdesk.reports.content import DocMeta

PAGE_W, PAGE_H = A4
MARGIN = 18 * mm
TOP = 22 * mm  # marking, header line and rule above the frame
BOTTOM = 22 * mm  # footer line, marking below the frame
FOOTER_Y = 13 * mm
CONTENT_W = PAGE_W - 2 * MARGIN
LANGUAGE = "en-GB"  # the papers' natural language, in the catalogue's /Lang (screen readers pick a voice by it)


# a table's own cell font defaults to Helvetica even when every cell is a Paragraph: name the bundled one
CELL_FONT: tuple[tuple[Any, ...], ...] = (("FONTNAME", (0, 0), (-1, -1), fonts.SANS), ("FONTSIZE", (0, 0), (-1, -1), 8))


class Heading(Paragraph):
    """A heading that becomes a bookmark, an outline entry and (in a pack) a table-of-contents line."""

    def __init__(self, text: str, style: Any, level: int, key: str, toc: bool | None = None) -> None:
        super().__init__(escape(text), style)
        self.outline_text = text
        self.outline_level = level
        self.outline_key = key
        self.in_toc = level == 0 if toc is None else toc


class _NumberedCanvas(Canvas):
    """Holds every page until the end so each footer can say "Page n of N". Bookmarks wait with their page:
    a destination names the page object, which only exists once the page is really emitted."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._saved: list[tuple[dict[str, Any], list[tuple[str, dict[str, Any]]], list[Callable[[Canvas], None]]]] = []
        self._marks: list[tuple[str, dict[str, Any]]] = []
        self._late: list[Callable[[Canvas], None]] = []

    def bookmarkPage(self, key: str, **kw: Any) -> None:  # noqa: N802 - reportlab API
        self._marks.append((key, kw))

    def draw_later(self, draw: Callable[[Canvas], None]) -> None:
        """Draw on this page once every page is laid out (a table of contents: its page numbers)."""
        self._late.append(draw)

    def showPage(self) -> None:  # noqa: N802 - reportlab API
        self._saved.append((dict(self.__dict__), self._marks, self._late))
        self._marks, self._late = [], []
        self._startPage()

    def save(self) -> None:
        total = len(self._saved)
        for state, marks, late in self._saved:
            self.__dict__.update(state)
            for key, kw in marks:
                Canvas.bookmarkPage(self, key, **kw)
            for draw in late:
                draw(self)
            self._footer_numbers(total)
            Canvas.showPage(self)
        Canvas.save(self)

    def _footer_numbers(self, total: int) -> None:
        self.saveState()
        self.setFont(fonts.SANS, 8)
        self.setFillColor(colors.HexColor(styles.MUTED))
        self.drawRightString(PAGE_W - MARGIN, FOOTER_Y, f"Page {self._pageNumber} of {total}")
        self.restoreState()


class ReportDoc(BaseDocTemplate):
    def __init__(self, target: Any, meta: DocMeta) -> None:
        from reportlab import rl_config

        fonts.register()
        rl_config.useA85 = 0  # binary streams: smaller files, and no slow pure-Python ASCII85 step
        super().__init__(
            target, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=TOP,
            bottomMargin=BOTTOM, title=meta.title, author=meta.author, subject=meta.subject,
            keywords=list(meta.keywords), creator="OpsDesk", producer="OpsDesk (ReportLab)", invariant=1,
            initialFontName=fonts.SANS, initialFontSize=10, initialLeading=12, pageCompression=1,
            lang=LANGUAGE,
        )
        self.meta = meta
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=self._decorate)])

    def beforeDocument(self) -> None:  # noqa: N802 - reportlab API
        """The PDF's creation and modification dates are the document's date (from the data), not reportlab's
        invariant 2000-01-01: the same workspace still gives the same bytes."""
        when = self.meta.document_date.astimezone(dt.UTC)
        stamp = f"D:{when:%Y%m%d%H%M%S}+00'00'"
        self.canv.setDateFormatter(lambda *_parts: stamp)
        # what a screen reader and a viewer's title bar use: the title (not the file name), the outline open
        self.canv.setViewerPreference("DisplayDocTitle", "true")
        self.canv.showOutline()

    def _decorate(self, canvas: Canvas, _doc: Any) -> None:
        m = self.meta
        canvas.saveState()
        canvas.setFont(fonts.SANS_BOLD, 10)
        canvas.setFillColor(colors.HexColor(styles.MARKING))
        canvas.drawCentredString(PAGE_W / 2, PAGE_H - 9 * mm, m.marking)
        canvas.drawCentredString(PAGE_W / 2, 7 * mm, m.marking)
        canvas.setStrokeColor(colors.HexColor(styles.RULE))
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, PAGE_H - 17 * mm, PAGE_W - MARGIN, PAGE_H - 17 * mm)
        canvas.line(MARGIN, FOOTER_Y + 4 * mm, PAGE_W - MARGIN, FOOTER_Y + 4 * mm)
        canvas.setFont(fonts.SANS, 8)
        canvas.setFillColor(colors.HexColor(styles.MUTED))
        canvas.drawString(MARGIN, PAGE_H - 15 * mm, m.author)
        canvas.drawRightString(PAGE_W - MARGIN, PAGE_H - 15 * mm, m.kind)
        canvas.drawString(MARGIN, FOOTER_Y, f"{m.doc_id} · version {m.version} · {m.document_date:%d %B %Y}")
        canvas.restoreState()

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 - reportlab API
        if hasattr(flowable, "outline_key"):  # a Heading, or the signature area at the end of a paper
            canvas, flowable = self.canv, cast(Any, flowable)
            canvas.bookmarkPage(flowable.outline_key)
            canvas.addOutlineEntry(flowable.outline_text, flowable.outline_key, level=flowable.outline_level,
                                   closed=flowable.outline_level > 0)
            if flowable.in_toc:
                self.notify("TOCEntry", (flowable.outline_level, flowable.outline_text, self.page,
                                         flowable.outline_key))


class _Unsettled(Exception):
    """The contents cannot be drawn from one layout pass: lay the document out until it settles."""


class Contents(TableOfContents):
    """A table of contents laid out in one pass. Every entry is known before layout (the story's headings), only
    its page number is not, and a page number is drawn after its entry's text (reportlab's ``onDraw``): so the
    contents take their final size in the first pass, and are drawn when the canvas saves, once every page
    number is known. Contents longer than their page, or headings that did not all reach the contents as
    expected, fall back to reportlab's passes (``multiBuild``), which give the same pages."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.single_pass = False
        self._avail = (0.0, 0.0)

    def expect(self, entries: list[tuple[int, str, int, str]]) -> None:
        """Size the contents for these entries (page numbers unknown) and draw them after the pages."""
        self.single_pass = True
        self._lastEntries = list(entries)
        self._entries: list[Any] = []

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803 - reportlab API
        self._avail = (availWidth, availHeight)
        return super().wrap(availWidth, availHeight)

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803 - reportlab API
        if self.single_pass:
            raise _Unsettled("the contents run past their page")
        return super().split(availWidth, availHeight)

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:  # noqa: N802 - reportlab API
        if not self.single_pass:
            super().drawOn(canvas, x, y, _sW)
            return
        cast(_NumberedCanvas, canvas).draw_later(lambda c: self._draw_settled(c, x, y, _sW))

    def _draw_settled(self, canvas: Canvas, x: float, y: float, sw: float) -> None:
        def shape(entries: list[Any]) -> list[tuple[Any, ...]]:
            return [(level, text, key) for level, text, _page, key in entries]

        if shape(self._entries) != shape(self._lastEntries):
            raise _Unsettled("the headings laid out differ from the story's")
        self._lastEntries = self._entries
        self.canv = canvas
        super().wrap(*self._avail)
        super().drawOn(canvas, x, y, sw)


def _contents_entries(story: Sequence[Flowable]) -> list[tuple[int, str, int, str]]:
    """What :meth:`ReportDoc.afterFlowable` will put in the contents, without page numbers."""
    return [(f.outline_level, f.outline_text, 0, f.outline_key) for f in cast(Any, story)
            if hasattr(f, "outline_key") and f.in_toc]


def render(meta: DocMeta, story: Sequence[Flowable], *, multi_pass: bool = False) -> bytes:
    """The PDF's bytes. ``multi_pass`` for a story with a table of contents: laid out once when its
    :class:`Contents` can be drawn from that pass, in reportlab's passes otherwise."""
    contents = [f for f in story if isinstance(f, Contents)]
    if multi_pass and contents:
        entries = _contents_entries(story)
        for c in contents:
            c.expect(entries)
        buf = io.BytesIO()
        doc = ReportDoc(buf, meta)
        doc._indexingFlowables = contents  # they hear the headings' entries, as in reportlab's passes
        try:
            doc.build(list(story), canvasmaker=_NumberedCanvas)
            return buf.getvalue()
        except _Unsettled:
            for c in contents:
                c.single_pass = False
    buf = io.BytesIO()
    doc = ReportDoc(buf, meta)
    if multi_pass:
        doc.multiBuild(list(story), canvasmaker=_NumberedCanvas)
    else:
        doc.build(list(story), canvasmaker=_NumberedCanvas)
    return buf.getvalue()


# --- small building blocks shared by the reports -------------------------------------------------------------

def para(text: str, style: str = "Body") -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), styles.sheet()[style])


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float] | None = None, *,
          rag_column: int | None = None, zebra: bool = True) -> Table:
    """A table in the house style. Cells may be text or flowables; a RAG column is coloured and spelt out."""
    st = styles.sheet()
    body = [[Paragraph(escape(h), st["CellBold"]) for h in header]]
    for row in rows:
        body.append([c if isinstance(c, Flowable) else
                     Paragraph(escape(str(c)).replace("\n", "<br/>"), st["RagCell" if j == rag_column else "Cell"])
                     for j, c in enumerate(row)])
    scale = CONTENT_W / sum(widths) if widths else None
    # splitInRow: a row taller than a page (a 3,000-character lesson) splits inside its cells across pages
    # instead of raising LayoutError.
    t = Table(body, colWidths=[w * scale for w in widths] if widths and scale else None, repeatRows=1,
              splitInRow=1)
    cmds: list[tuple[Any, ...]] = [
        *CELL_FONT,
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(styles.HEADER_BG)),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor(styles.ACCENT)),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor(styles.RULE)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if zebra:
        for i in range(2, len(body), 2):
            cmds.append(("BACKGROUND", (0, i), (-1, i), colors.HexColor("#f5f7fa")))
    if rag_column is not None:
        for i, row in enumerate(rows, start=1):
            rag = str(row[rag_column]).lower()
            key = {"no data": "grey"}.get(rag, rag)
            if key in styles.RAG:
                cmds.append(("BACKGROUND", (rag_column, i), (rag_column, i), colors.HexColor(styles.RAG[key])))
    t.setStyle(TableStyle(cmds))
    return t


def facts(rows: Sequence[tuple[str, str]], label_width: float = 0.28) -> Table:
    """Label–value lines without a header (cover facts, a decision's particulars)."""
    body = [[para(k, "SmallBold"), para(v, "Cell")] for k, v in rows]
    t = Table(body, colWidths=[CONTENT_W * label_width, CONTENT_W * (1 - label_width)], splitInRow=1)
    t.setStyle(TableStyle([*CELL_FONT, ("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor(styles.RULE)),
                           ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                           ("LEFTPADDING", (0, 0), (-1, -1), 3)]))
    return t


def rag_cell(rag: str) -> str:
    return styles.RAG_TEXT.get(rag, rag.upper())


def spacer(h: float = 4) -> Spacer:
    return Spacer(1, h * mm)
