"""The meeting pack: agenda, table of contents, then one brief per item."""

from __future__ import annotations

from reportlab.platypus import PageBreak, TableStyle
from reportlab.platypus.flowables import Flowable
from reportlab.platypus.tableofcontents import TableOfContents

from opsdesk.reports import styles
from opsdesk.reports.brief import brief_story, cover, meta_lines
from opsdesk.reports.content import MeetingPack
from opsdesk.reports.signature_block import SignatureArea
from opsdesk.reports.templates import CELL_FONT, Heading, para, render, table


def pack_story(p: MeetingPack) -> list[Flowable]:
    st = styles.sheet()
    story = cover(p.meta, [("Meeting", p.meeting_title), ("Time", f"{p.starts_at:%d %B %Y, %H:%M} UTC"),
                           ("Location", p.location or "—"), ("Items", str(len(p.agenda)))] + meta_lines(p.meta))
    toc = TableOfContents(dotsMinLevel=0, tableStyle=TableStyle([*CELL_FONT, ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                                                 ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    toc.levelStyles = [st["TOC0"], st["TOC1"]]
    story += [para("Contents", "H1"), toc, PageBreak()]
    story.append(Heading("Agenda", st["H1"], 0, "agenda"))
    story.append(table(["#", "Item", "Kind", "Initiative", "Decision requested"],
                       [(a.position, a.title, a.kind, a.initiative or "—", a.requested_decision) for a in p.agenda],
                       [6, 50, 18, 18, 60]))
    if p.members:
        story.append(para("Members", "H3"))
        story.append(table(["Member", "Discipline", "Role"], p.members, [60, 40, 30]))
    for line, brief in zip(p.agenda, p.briefs, strict=True):
        story.append(PageBreak())
        key = f"item{line.position}"
        if brief is None:
            story.append(Heading(f"{line.position}. {line.title}", st["H1"], 0, key))
            story.append(para(line.requested_decision or "For discussion."))
            story.append(para("This item concerns no single initiative; papers are tabled at the meeting.", "Muted"))
            continue
        story += brief_story(brief, level=1, key=key, with_cover=False)
    return story


def build_pack(p: MeetingPack) -> bytes:
    return render(p.meta, [*pack_story(p), SignatureArea()], multi_pass=True)
