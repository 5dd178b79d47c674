"""The decision brief for one agenda item or one initiative: a list of flowables, then a PDF."""

from __future__ import annotations

from reportlab.platypus import CondPageBreak, KeepTogether, PageBreak, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from opsdesk.reports import charts, styles
from opsdesk.reports.content import DecisionBlock, DocMeta, InitiativeBrief
from opsdesk.reports.templates import (
    CELL_FONT,
    CONTENT_W,
    Heading,
    facts,
    para,
    rag_cell,
    render,
    spacer,
    table,
)

_MET = {True: "met", False: "not met", None: "not assessed"}


def cover(meta: DocMeta, lines: list[tuple[str, str]]) -> list[Flowable]:
    st = styles.sheet()
    return [spacer(30), para(meta.kind, "CoverKind"), Heading(meta.title, st["CoverTitle"], 0, "cover", toc=False),
            spacer(4), facts(lines), spacer(20), para(meta.marking, "CoverMarking"),
            para("This document carries the highest classification of the records it includes. Handle it "
                 "accordingly.", "Muted"), PageBreak()]


def meta_lines(meta: DocMeta) -> list[tuple[str, str]]:
    return [("Document", meta.doc_id), ("Version", str(meta.version)),
            ("Date", f"{meta.document_date:%d %B %Y, %H:%M} UTC"), ("Organisation", meta.author),
            ("Classification", meta.marking)]


def _bullets(items: tuple[str, ...] | list[str], empty: str) -> list[Flowable]:
    if not items:
        return [para(empty, "Muted")]
    return [para(f"• {x}", "Bullet") for x in items]


def decision_story(d: DecisionBlock, level: int, key: str, title: str = "Decision") -> list[Flowable]:
    st = styles.sheet()
    out: list[Flowable] = [Heading(title, st["H1" if level == 0 else "H2"], level, key)]
    lines = [("Outcome", d.outcome), ("Decided", f"{d.decided_at:%d %B %Y, %H:%M} UTC"), ("Record", f"#{d.record_id}"),
             ("Votes", f"{d.votes_for} for, {d.against} against, {d.abstain} abstain, {d.recused} recused — "
                       f"motion {'carried' if d.carried else 'not carried'}")]
    if d.corrects_id:
        lines.append(("Corrects", f"record #{d.corrects_id}: {d.correction_reason}"))
    if d.override_reason:
        lines.append(("Why not by the voting rule", d.override_reason))
    out.append(facts(lines, 0.22))
    out += [para("Rationale", "H3"), para(d.rationale or "—")]
    out += [para("Conditions", "H3"), para(d.conditions or "None.")]
    out += [para("Roll-call votes", "H3"),
            table(["Member", "Discipline", "Vote"], [(v.person, v.discipline, v.choice) for v in d.votes],
                  [60, 50, 30]) if d.votes else para("No votes recorded.", "Muted")]
    out += [para("Actions", "H3")]
    out.append(table(["Action", "Owner", "Due", "Status"],
                     [(a.title, a.owner, a.due, a.status + (" (overdue)" if a.overdue else "")) for a in d.actions],
                     [70, 35, 20, 20]) if d.actions else para("No actions arise.", "Muted"))
    for old in d.superseded:
        out.append(para(f"Superseded record #{old.record_id} ({old.decided_at:%d %B %Y}): {old.outcome}, "
                        f"{old.votes_for} for, {old.against} against, {old.abstain} abstain, {old.recused} recused. "
                        f"{old.rationale}", "Small"))
    return out


def _chart_grid(b: InitiativeBrief) -> list[Flowable]:
    drawings = [charts.line_chart(c, width=CONTENT_W / 2 - 6, height=135) for c in b.charts]
    rows = [drawings[i:i + 2] + ([""] if len(drawings[i:i + 2]) == 1 else []) for i in range(0, len(drawings), 2)]
    if not rows:
        return []
    grid = Table(rows, colWidths=[CONTENT_W / 2] * 2)
    grid.setStyle(TableStyle([*CELL_FONT, ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("BOTTOMPADDING", (0, 0), (-1, -1), 8)]))
    return [grid]


def brief_story(b: InitiativeBrief, *, level: int = 0, key: str = "b", with_cover: bool = True) -> list[Flowable]:
    """The brief's flowables. ``level`` is the outline level of its sections (1 inside a meeting pack)."""
    st = styles.sheet()
    h = st["H1"] if level == 0 else st["H2"]
    story: list[Flowable] = []
    if with_cover:
        lines = [("Initiative", f"{b.code} — {b.name}"), ("Stage", b.stage)]
        if b.meeting:
            lines += [("Meeting", b.meeting), ("Agenda item", b.item_title)]
        if b.requested_decision:
            lines.append(("Decision requested", b.requested_decision))
        story += cover(b.meta, lines + meta_lines(b.meta))
    else:
        story.append(Heading(b.item_title or f"{b.code} — {b.name}", st["H1"], 0, f"{key}-top"))
        story.append(para(f"{b.code} — {b.name} · {b.stage} · {b.classification}", "Muted"))

    def section(title: str, n: int) -> Heading:
        return Heading(title, h, level, f"{key}-s{n}")

    story.append(section("Executive summary", 1))
    story += [para(p) for p in b.summary]
    story.append(table(["Owner", "Sponsor", "Stage", "Risk tier", "Marking"],
                       [(b.owner, b.sponsor, b.stage, b.risk_tier, b.classification)], [30, 30, 20, 20, 30]))
    story += [para("Problem", "H3"), para(b.problem or "—"), para("Expected benefits", "H3"),
              para(b.expected_benefits or "—")]

    story.append(section("Objectives served", 2))
    story.append(table(["Objective", "Title", "Weight"], b.objectives, [20, 90, 15]) if b.objectives
                 else para("Not linked to any objective.", "Muted"))

    story.append(section("Stage and gate criteria", 3))
    if b.stage_history:
        story.append(table(["From", "To", "Date", "Decision"], b.stage_history, [25, 25, 25, 45]))
    if b.gate_target:
        met = sum(1 for c in b.criteria if c.met)
        story.append(CondPageBreak(45 * 2.8346))
        story.append(para(f"Criteria for {b.gate_target}: {met} of {len(b.criteria)} met.", "Lead"))
        story.append(table(["Group", "Criterion", "Status", "Met", "Note"],
                           [(c.group, c.name, c.status, _MET[c.met], c.note) for c in b.criteria],
                           [18, 40, 18, 14, 70]))
    else:
        story.append(para("No stage gate is pending for this initiative.", "Muted"))

    story.append(section("KPIs", 4))
    if b.kpis:
        story.append(table(["KPI", "Discipline", "Latest", "RAG", "Thresholds", "30-day trend"],
                           [(k.name, k.discipline, k.value, rag_cell(k.rag), k.threshold, k.trend) for k in b.kpis],
                           [40, 18, 20, 15, 45, 18], rag_column=3))
        story.append(spacer(3))
        story += _chart_grid(b)
    else:
        story.append(para("No metric series are recorded for this initiative.", "Muted"))

    story.append(CondPageBreak(90 * 2.8346))
    story.append(section("Cost ledger against budget", 5))
    story.append(para(f"Budget {b.budget}; allocated spend (EffectiveCost) to date {b.spend}."))
    if b.spend_chart is not None:
        story.append(charts.bar_chart(b.spend_chart, [r[0] for r in b.ledger], width=CONTENT_W, height=150))
    if b.ledger:
        story.append(table(["Month", "BilledCost", "EffectiveCost", "Cumulative EffectiveCost", "Share of budget"],
                           b.ledger, [22, 28, 28, 32, 22]))
    story.append(para("Unallocated cost across the portfolio", "H3"))
    story.append(table(["Currency", "BilledCost", "EffectiveCost", "Share of all EffectiveCost"], b.unallocated,
                       [20, 35, 35, 35])
                 if b.unallocated else para("All cost is allocated.", "Muted"))

    story.append(section("Standards conformance", 6))
    story.append(table(["Standard", "Requirement", "Status", "Evidence or waiver"], b.standards, [22, 22, 18, 70])
                 if b.standards else para("No conformance has been assessed.", "Muted"))

    story.append(section("Team skills coverage", 7))
    story.append(para("Covered: " + (", ".join(b.covered) or "none") + ". Missing: " + (", ".join(b.missing) or
                                                                                         "none") + "."))
    story.append(table(["Member", "Discipline", "Role"], b.team, [50, 40, 40]) if b.team
                 else para("No team is recorded.", "Muted"))

    story.append(section("Risks", 8))
    story += _bullets(b.risks, "No risks are flagged by the data.")

    story.append(section("Lessons from similar initiatives", 9))
    story.append(table(["Initiative", "Stage", "What happened", "Recommendation", "Why shown"],
                       [(x.initiative, x.stage, x.what_happened, x.recommendation, x.why) for x in b.lessons],
                       [17, 19, 45, 45, 25]) if b.lessons else para("No lessons from similar initiatives.", "Muted"))

    story.append(section("Options and recommendation", 10))
    if b.requested_decision:
        story.append(para("Decision requested: " + b.requested_decision))
    if not b.requested_decision and not b.options:
        story.append(para("No decision is requested of the committee at present.", "Muted"))
    story += [para(f"Option {i}. {o}", "Bullet") for i, o in enumerate(b.options, start=1)]
    if b.recommendation:
        story.append(KeepTogether([para("Recommendation", "H3"), para(b.recommendation)]))
    if b.open_actions:
        story.append(para("Open actions on this initiative", "H3"))
        story.append(table(["Action", "Owner", "Due", "Status"],
                           [(a.title, a.owner, a.due, a.status + (" (overdue)" if a.overdue else ""))
                            for a in b.open_actions], [70, 35, 20, 20]))
    if b.decision is not None:
        story += decision_story(b.decision, level, f"{key}-s11",
                                "Decision" if b.item_title else "Latest gate decision")
    return story


def build_brief(b: InitiativeBrief) -> bytes:
    return render(b.meta, brief_story(b))
