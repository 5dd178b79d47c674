"""The decision brief for one agenda item or one initiative: a list of flowables, then a PDF."""

from __future__ import annotations

from reportlab.platypus import CondPageBreak, KeepTogether, PageBreak, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from opsdesk.reports import charts, styles
from opsdesk.reports.content import DecisionBlock, DocMeta, IncidentRow, InitiativeBrief
from opsdesk.reports.signature_block import SignatureArea
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


def cover_title(meta: DocMeta) -> str:
    """The title under the kind line, without repeating the kind ("Decision brief" over "Decision brief: X")."""
    prefix = meta.kind + ": "
    return meta.title[len(prefix):] if meta.title.startswith(prefix) else meta.title


def cover(meta: DocMeta, lines: list[tuple[str, str]]) -> list[Flowable]:
    st = styles.sheet()
    return [spacer(30), para(meta.kind, "CoverKind"), Heading(cover_title(meta), st["CoverTitle"], 0, "cover",
                                                              toc=False),
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


def decision_story(d: DecisionBlock, level: int, key: str, title: str = "Decision", *,
                   with_actions: bool = True) -> list[Flowable]:
    """A decision with its votes; ``with_actions=False`` where the actions are listed once elsewhere (minutes)."""
    st = styles.sheet()
    out: list[Flowable] = [Heading(title, st["H1" if level == 0 else "H2"], level, key)]
    lines = [("Outcome", d.outcome), ("Decided", f"{d.decided_at:%d %B %Y, %H:%M} UTC"), ("Record", f"#{d.record_id}"),
             ("Votes", f"{d.votes_for} for, {d.against} against, {d.abstain} abstain, {d.recused} recused — "
                       f"motion {'carried' if d.carried else 'not carried'}")]
    if d.corrects_id:
        lines.append(("Corrects", f"record #{d.corrects_id}: {d.correction_reason}"))
    if d.override_reason:
        lines.append(("Why not by the voting rule", d.override_reason))
    if d.incident_override:
        lines.append(("Approved over an open serious incident", d.incident_override))
    out.append(facts(lines, 0.22))
    out += [para("Rationale", "H3"), para(d.rationale or "—")]
    out += [para("Conditions", "H3"), para(d.conditions or "None.")]
    out += [para("Roll-call votes", "H3"),
            table(["Member", "Discipline", "Vote"], [(v.person, v.discipline, v.choice) for v in d.votes],
                  [60, 50, 30]) if d.votes else para("No votes recorded.", "Muted")]
    if d.lessons:
        out.append(para("Lesson recorded with the decision", "H3"))
        out += [para(f"• {what}" + (f" Recommendation: {rec}" if rec else ""), "Bullet") for what, rec in d.lessons]
    if with_actions:
        out += [para("Actions", "H3")]
        out.append(table(["Action", "Owner", "Due", "Status"],
                         [(a.title, a.owner, a.due, a.status + (" (overdue)" if a.overdue else ""))
                          for a in d.actions], [70, 35, 20, 20]) if d.actions else para("No actions arise.", "Muted"))
    elif d.actions:
        out.append(para(f"{len(d.actions)} action{'s' if len(d.actions) > 1 else ''} arise: see Actions arising.",
                        "Small"))
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
        if b.decided:
            lines.append(("Decision taken", b.decided))
        elif b.requested_decision:
            lines.append(("Decision requested", b.requested_decision))
        if b.status_note:
            lines.append(("Status of this paper", b.status_note))
        story += cover(b.meta, lines + meta_lines(b.meta))
    else:
        story.append(Heading(b.item_title or f"{b.code} — {b.name}", st["H1"], 0, f"{key}-top"))
        story.append(para(f"{b.code} — {b.name} · {b.stage} · {b.classification}", "Muted"))
        if b.status_note:
            story.append(para(b.status_note, "Small"))

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

    story.append(section("Data, models and lineage", 12))
    if b.lineage_models or b.lineage_assets:
        story.append(para("Data assets → jobs → models → this initiative, as the lineage records them.", "Small"))
        story += _bullets(list(b.lineage_paths), "")
        if b.lineage_models:
            story.append(para("Models", "H3"))
            story.append(table(["Model", "Framework", "Trained on", "Jobs", "Latest metrics"], b.lineage_models,
                               [35, 20, 40, 20, 45]))
        if b.lineage_assets:
            story.append(para("Data assets", "H3"))
            story.append(table(["Data asset", "Marking", "PII", "Feeds", "Data quality"], b.lineage_assets,
                               [40, 25, 10, 45, 40]))
    else:
        story.append(para("No lineage is recorded: no data asset or model leads to this initiative.", "Muted"))

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

    story.append(CondPageBreak(80 * 2.8346))
    story.append(section("Risks, impact assessment and incidents", 8))
    story += risk_story(b)

    if b.reporting_title:
        story.append(Heading(f"Mandated reporting: {b.reporting_title}", st["H3"] if level else st["H2"], level + 1,
                             f"{key}-s12"))
        story += _bullets(b.reporting_gaps, "Ready: every required column of the inventory is answered.")

    story.append(section("Lessons from similar initiatives", 9))
    story.append(table(["Initiative", "Stage", "What happened", "Recommendation", "Why shown"],
                       [(x.initiative, x.stage, x.what_happened, x.recommendation, x.why) for x in b.lessons],
                       [17, 19, 45, 45, 25]) if b.lessons else para("No lessons from similar initiatives.", "Muted"))

    story.append(section("Options and recommendation", 10))
    if b.decided:
        story.append(para(b.decided))
    if b.requested_decision:
        story.append(para(("It had been asked to: " if b.decided else "Decision requested: ") + b.requested_decision))
    story += [para(f"Option {i}. {o}", "Bullet") for i, o in enumerate(b.options, start=1)]
    if b.recommendation:
        story.append(KeepTogether([para("Recommendation", "H3"), para(b.recommendation)]
                                  + ([para(b.rules, "Small")] if b.rules else [])))
    if b.open_actions:
        story.append(para("Open actions on this initiative", "H3"))
        story.append(table(["Action", "Owner", "Due", "Status"],
                           [(a.title, a.owner, a.due, a.status + (" (overdue)" if a.overdue else ""))
                            for a in b.open_actions], [70, 35, 20, 20]))
    if b.decision is not None:
        story += decision_story(b.decision, level, f"{key}-s11",
                                "Decision" if b.item_title else "Latest gate decision")
    return story


def heat_maps(inherent: tuple[tuple[int, ...], ...], residual: tuple[tuple[int, ...], ...]) -> Flowable:
    """The inherent and residual 5×5 matrices side by side, as vector drawings."""
    w = CONTENT_W / 2 - 6
    grid = Table([[charts.heat_map("Inherent risk (open risks)", inherent, w, 170),
                   charts.heat_map("Residual risk (after mitigation)", residual, w, 170)]],
                 colWidths=[CONTENT_W / 2] * 2)
    grid.setStyle(TableStyle([*CELL_FONT, ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return grid


def incident_table(rows: tuple[IncidentRow, ...]) -> Flowable:
    return table(["Incident", "Detected", "Severity", "What", "Status", "Reporting", "Corrective actions"],
                 [(x.ref, x.detected, x.severity, x.title, x.status, x.reporting, x.actions) for x in rows],
                 [25, 24, 20, 35, 21, 28, 37])


def risk_story(b: InitiativeBrief) -> list[Flowable]:
    out: list[Flowable] = []
    if b.top_risks or any(any(r) for r in b.heat_inherent):
        out.append(KeepTogether([para(b.risk_summary), heat_maps(b.heat_inherent, b.heat_residual)]))
        out.append(para("Top risks and their treatment", "H3"))
        out.append(table(["Risk", "Title", "Category", "Inherent", "Residual", "Owner", "Treatment"],
                         [(r.ref, r.title, r.category, r.inherent, r.residual, r.owner, r.treatment)
                          for r in b.top_risks], [24, 38, 19, 15, 16, 20, 58]))
    else:
        out.append(para("No risks are recorded in the register for this initiative.", "Muted"))
    out.append(para("Flags from the data", "H3"))
    out += _bullets(b.risks, "No risks are flagged by the data.")
    out.append(para("Impact assessment", "H3"))
    out.append(facts(list(b.assessment), 0.26) if b.assessment
               else para("No impact assessment is recorded.", "Muted"))
    out.append(para("Incident history", "H3"))
    out.append(incident_table(b.incidents) if b.incidents else para("No incidents are recorded.", "Muted"))
    return out


def build_brief(b: InitiativeBrief) -> bytes:
    return render(b.meta, [*brief_story(b), SignatureArea()])
