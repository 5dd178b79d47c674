"""Minutes of a meeting: attendance, quorum, conflicts, decisions, votes and actions."""

from __future__ import annotations

from reportlab.platypus.flowables import Flowable

from opsdesk.reports import styles
from opsdesk.reports.brief import cover, decision_story, meta_lines
from opsdesk.reports.content import Minutes
from opsdesk.reports.signature_block import SignatureArea
from opsdesk.reports.templates import Heading, para, render, table


def minutes_story(m: Minutes) -> list[Flowable]:
    lines = [("Meeting", m.meeting_title), ("Held", f"{m.starts_at:%d %B %Y, %H:%M} UTC"),
             ("Location", m.location or "—"), ("Meeting status", m.status), ("Minutes", m.state)]
    if m.state_note:
        lines.append(("Adoption", m.state_note))
    return cover(m.meta, lines + meta_lines(m.meta)) + minutes_body(m)


def minutes_body(m: Minutes, level: int = 0, key: str = "min") -> list[Flowable]:
    """Attendance, items with their decisions, and the actions arising — listed once, at the end."""
    st = styles.sheet()
    h1, h2 = (st["H1"], st["H2"]) if level == 0 else (st["H2"], st["H3"])
    story: list[Flowable] = [Heading("Attendance", h1, level, f"{key}-att")]
    story.append(para(m.charter))
    story.append(table(["Present", "Discipline", "Role"], m.present, [60, 40, 30]) if m.present
                 else para("Nobody is recorded as present.", "Muted"))
    if m.absent:
        story.append(para("Members absent", "H3"))
        story.append(table(["Member", "Discipline", "Role"], m.absent, [60, 40, 30]))
    story.append(Heading("Items", h1, level, f"{key}-items"))
    for it in m.items:
        ikey = f"{key}-item{it.position}"
        story.append(Heading(f"{it.position}. {it.title}", h2, level + 1, ikey))
        story.append(table(["Kind", "Initiative", "Quorum"], [(it.kind, it.initiative or "—", it.quorum)],
                           [25, 30, 80]))
        if it.requested_decision:
            story.append(para("Requested: " + it.requested_decision, "Small"))
        story.append(para("Conflicts of interest", "H3"))
        story.append(table(["Member", "Declared"], it.conflicts, [50, 90]) if it.conflicts
                     else para("None declared.", "Muted"))
        if it.decision is not None:
            story += decision_story(it.decision, 2, f"{ikey}-d", with_actions=False)
        else:
            story.append(para("No decision recorded.", "Muted"))
    arising = [(f"{it.position}", a.title, a.owner, a.due, a.status + (" (overdue)" if a.overdue else ""))
               for it in m.items if it.decision is not None for a in it.decision.actions]
    story.append(Heading("Actions arising", h1, level, f"{key}-actions"))
    story.append(table(["Item", "Action", "Owner", "Due", "Status"], arising, [10, 70, 35, 20, 22]) if arising
                 else para("No actions arise from this meeting.", "Muted"))
    return story


def build_minutes(m: Minutes) -> bytes:
    return render(m.meta, [*minutes_story(m), SignatureArea()])
