"""The meeting pack: agenda, table of contents, then one brief per item."""

from __future__ import annotations

from reportlab.platypus import PageBreak, TableStyle
from reportlab.platypus.flowables import Flowable

from opsdesk.reports import styles
from opsdesk.reports.brief import brief_story, cover, incident_table, meta_lines
from opsdesk.reports.content import MeetingPack, Minutes, PortfolioPaper
from opsdesk.reports.minutes import minutes_body
from opsdesk.reports.signature_block import SignatureArea
from opsdesk.reports.templates import CELL_FONT, Contents, Heading, para, render, table


def pack_story(p: MeetingPack) -> list[Flowable]:
    st = styles.sheet()
    lines = [("Meeting", p.meeting_title), ("Time", f"{p.starts_at:%d %B %Y, %H:%M} UTC"),
             ("Location", p.location or "—"), ("Items", str(len(p.agenda)))]
    if p.status_note:
        lines.append(("Status of this paper", p.status_note))
    story = cover(p.meta, lines + meta_lines(p.meta))
    toc = Contents(dotsMinLevel=0, tableStyle=TableStyle([*CELL_FONT, ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                                                 ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    toc.levelStyles = [st["TOC0"], st["TOC1"]]
    story += [para("Contents", "H1"), toc, PageBreak()]
    story.append(Heading("Agenda", st["H1"], 0, "agenda"))
    decided = any(a.decided for a in p.agenda)
    story.append(table(["#", "Item", "Kind", "Initiative", "Decision requested"] + (["Decided"] if decided else []),
                       [(a.position, a.title, a.kind, a.initiative or "—", a.requested_decision)
                        + ((a.decided or "—",) if decided else ()) for a in p.agenda],
                       [6, 50, 18, 18, 60] + ([25] if decided else [])))
    if p.members:
        story.append(para("Members", "H3"))
        story.append(table(["Member", "Discipline", "Role"], p.members, [60, 40, 30]))
    story.append(Heading("New incidents" + (f" {p.incidents_since}" if p.incidents_since else ""), st["H1"], 0,
                         "incidents"))
    story.append(incident_table(p.new_incidents) if p.new_incidents
                 else para("No incident was detected " + (p.incidents_since or "before this meeting") + ".", "Muted"))
    papers = p.papers or tuple(None for _ in p.agenda)
    for line, brief, paper in zip(p.agenda, p.briefs, papers, strict=True):
        story.append(PageBreak())
        key = f"item{line.position}"
        if brief is None:
            story.append(Heading(f"{line.position}. {line.title}", st["H1"], 0, key))
            story.append(para(line.requested_decision or "For discussion."))
            if line.decided:
                story.append(para(f"Decided: {line.decided}."))
            if isinstance(paper, PortfolioPaper):
                story += portfolio_story(paper, key)
            elif isinstance(paper, Minutes):
                story.append(para(f"The draft minutes of {paper.meeting_title} "
                                  f"({paper.starts_at:%d %B %Y}) follow, for approval.", "Small"))
                story += minutes_body(paper, level=1, key=key)
            else:
                story.append(para("This item concerns no single initiative and OpsDesk holds no paper for it; "
                                  "it is taken orally.", "Muted"))
            continue
        story += brief_story(brief, level=1, key=key, with_cover=False)
    return story


def portfolio_story(x: PortfolioPaper, key: str) -> list[Flowable]:
    """The portfolio table (spend, forecast, RAG, stage) and the forecast overruns with amounts and owners."""
    st = styles.sheet()
    portfolio = [Heading("Portfolio", st["H2"], 1, f"{key}-portfolio"),
                 para(f"Every initiative as of {x.as_of}: allocated spend to date, budget and the forecast at fiscal "
                      "year end with its RAG (the dashboard's FinOps KPIs).", "Small"),
                 table(["Code", "Initiative", "Stage", "Spend to date", "Budget", "Forecast FY end", "RAG"], x.rows,
                       [14, 45, 16, 22, 22, 24, 12], rag_column=6)]
    overruns = [Heading("Forecast overruns", st["H2"], 1, f"{key}-overruns"),
                para(f"Initiatives whose forecast at fiscal year end is over budget (red), as of {x.as_of}, "
                     "largest overrun first.", "Small"),
                table(["Code", "Initiative", "Owner", "Budget", "Forecast FY end", "Overrun"], x.overruns,
                      [14, 45, 28, 22, 24, 22]) if x.overruns else para("No forecast is over budget.", "Muted")]
    return overruns + portfolio if x.focus == "overruns" else portfolio + overruns


def build_pack(p: MeetingPack) -> bytes:
    return render(p.meta, [*pack_story(p), SignatureArea()], multi_pass=True)
