"""The initiative detail: overview, lineage, costs, metrics, decisions, lessons and the audit history."""

from __future__ import annotations

import datetime as dt
import html
import json
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QScrollArea, QTabWidget, QVBoxLayout, QWidget

from opsdesk.analytics.rag import THRESHOLD_TEXT
from opsdesk.services.committee import dossier as dossier_service
from opsdesk.services.committee.dossier import Dossier
from opsdesk.ui.models.records import Column, attr
from opsdesk.ui.pages.base import PageContext
from opsdesk.ui.theme import RAG_COLOURS
from opsdesk.ui.widgets.lineage import LineageView
from opsdesk.ui.widgets.table_tab import TableTab

TABS = ("Overview", "Lineage", "Costs", "Metrics", "Decisions", "Lessons", "History")


def money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.0f} {currency}"


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def _short(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, dict):
        text = "; ".join(f"{_words(k)}: {_words(v) if isinstance(v, str) else v}" for k, v in value.items())
    elif isinstance(value, str):
        text = _words(value)
    else:
        text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"


def _words(text: str) -> str:
    """An internal name as words: "finops_analyst" -> "finops analyst" (free text is left alone)."""
    return text.replace("_", " ") if text.isidentifier() or text.replace("_", "").isalnum() else text


def change_text(entry: Any) -> str:
    skip = ("version", "id", "created_at")
    if entry.before is None and isinstance(entry.after, dict):  # a creation: what it was created with
        lines = [f"{_words(name)} = {_short(v)}" for name, v in sorted(entry.after.items())
                 if name not in skip and v not in (None, "", [], {})]
    else:
        lines = [f"{_words(name)}: {_short(b)} → {_short(a)}" for name, b, a in entry.changes() if name not in skip]
    return "\n".join(lines[:12]) + ("\n…" if len(lines) > 12 else "")


COST_COLUMNS = (
    Column("period", "Period start", lambda c: c.period_start.strftime("%Y-%m-%d"), sort=lambda c: c.period_start),
    Column("service", "Service", attr("service")),
    Column("provider", "Provider", attr("provider")),
    Column("share", "Share", lambda c: f"{c.share * 100:.0f} %", sort=lambda c: c.share, numeric=True),
    Column("amount", "Amount", lambda c: f"{c.amount:,.2f} {c.currency}", sort=lambda c: c.amount, numeric=True),
)
SERIES_COLUMNS = (
    Column("discipline", "Discipline", attr("discipline")),
    Column("name", "Series", attr("name")),
    Column("unit", "Unit", attr("unit")),
    Column("direction", "Direction", attr("direction")),
    Column("green", "Green at", lambda s: "" if s.green_threshold is None else f"{s.green_threshold:g}"),
    Column("amber", "Amber at", lambda s: "" if s.amber_threshold is None else f"{s.amber_threshold:g}"),
)
DECISION_COLUMNS = (
    Column("when", "Decided", lambda d: _when(d.decided_at), sort=lambda d: d.decided_at),
    Column("meeting", "Meeting", attr("meeting")),
    Column("item", "Item", attr("item")),
    Column("outcome", "Outcome", attr("outcome")),
    Column("rationale", "Rationale", attr("rationale")),
)
LESSON_COLUMNS = (
    Column("recorded", "Recorded", lambda x: x.recorded_on.isoformat(), sort=lambda x: x.recorded_on),
    Column("stage", "Stage", attr("stage")),
    Column("category", "Category", attr("category")),
    Column("what", "What happened", attr("what_happened")),
    Column("recommendation", "Recommendation", attr("recommendation")),
)
HISTORY_COLUMNS = (
    Column("seq", "#", lambda e: str(e.seq), sort=lambda e: e.seq, numeric=True),
    Column("at", "When (UTC)", lambda e: _when(e.at), sort=lambda e: e.at),
    Column("actor", "Who", attr("actor")),
    Column("action", "Action", attr("action")),
    Column("changes", "Before → after", change_text),
)


class InitiativeDetailPanel(QWidget):
    """Shows one initiative; ``edit_requested(code)`` when the user asks to edit it."""

    edit_requested = Signal(str)
    loaded = Signal(str)

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.code: str | None = None
        self.dossier: Dossier | None = None
        self._generation = 0  # counts refresh(): the records may have changed since a read asked for before
        self._loading: dict[str, int] = {}  # code -> generation of its dossier read on the way
        self.title = QLabel("Select an initiative to see its record.", self)
        self.title.setObjectName("detailTitle")
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.edit = QPushButton(ctx.actions.icon("edit"), "Edit…", self)
        self.edit.setAccessibleName("Edit initiative")
        self.edit.setEnabled(False)
        self.edit.clicked.connect(lambda: self.code and self.edit_requested.emit(self.code))
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.edit, 0, Qt.AlignmentFlag.AlignTop)

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("detailTabs")
        self.tabs.setAccessibleName("Initiative detail")
        self.overview = QLabel(self)
        self.overview.setObjectName("overview")
        self.overview.setWordWrap(True)
        self.overview.setTextFormat(Qt.TextFormat.RichText)
        self.overview.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.overview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.overview)
        self.lineage = LineageView(self)
        self.lineage.empty_text = "No lineage recorded for this initiative yet."
        self.costs = TableTab("detailCosts", COST_COLUMNS, self)
        self.metrics = TableTab("detailMetrics", SERIES_COLUMNS, self)
        self.decisions = TableTab("detailDecisions", DECISION_COLUMNS, self)
        self.lessons = TableTab("detailLessons", LESSON_COLUMNS, self)
        self.history = TableTab("detailHistory", HISTORY_COLUMNS, self)
        for widget, name in zip((scroll, self.lineage, self.costs, self.metrics, self.decisions, self.lessons,
                                 self.history), TABS, strict=True):
            self.tabs.addTab(widget, name)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addLayout(head)
        layout.addWidget(self.tabs, 1)

    def show_code(self, code: str | None) -> None:
        """Show ``code``'s record: its dossier is read on the worker (unless a read of it since the last
        :meth:`refresh` is still on its way: that one is shown when it arrives)."""
        self.code = code
        self.edit.setEnabled(code is not None and not self.ctx.ws.read_only)
        if code is None:
            self.dossier = None
            self.title.setText("Select an initiative to see its record.")
            return
        if code not in self._loading:
            self._request(code)

    def refresh(self, code: str | None) -> None:
        """The records may have changed: read ``code``'s dossier afresh now (the page calls this as it starts
        reloading its register, with the initiative it will show, so both loads run back to back on the worker
        instead of one after the other's round trip through the GUI thread)."""
        self._generation += 1
        self._loading.clear()  # reads asked for before now may be stale: they are shown but not waited for
        if code:
            self._request(code)

    def _request(self, code: str) -> None:
        generation = self._generation
        self._loading[code] = generation

        def arrived(d: Dossier) -> None:
            self._arrived(code, generation)
            self._loaded(d)

        self.ctx.tasks.submit(dossier_service.initiative_dossier, self.ctx.ws, code,
                              on_done=arrived, on_error=lambda _exc: self._arrived(code, generation))

    def _arrived(self, code: str, generation: int) -> None:
        if self._loading.get(code) == generation:
            del self._loading[code]

    def _loaded(self, d: Dossier) -> None:
        if d.detail.code != self.code:
            return  # the user has moved on
        self.dossier = d
        det = d.detail
        rag = RAG_COLOURS.get(d.rag, "#9e9e9e")
        self.title.setText(
            f"<span style='font-size:15pt; font-weight:600'>{html.escape(det.code)} · {html.escape(det.name)}</span>"
            f"<br>{det.stage.label} · {det.risk_tier.label} risk · {html.escape(det.classification)} · "
            f"RAG <b style='color:{rag}'>{d.rag.upper()}</b>")
        self.title.setToolTip(f"Spend against budget: {THRESHOLD_TEXT}")
        self.overview.setText(self._overview_html(d))
        self.lineage.set_edges(d.lineage)
        self.lineage.highlight("initiative", det.id)
        total = ", ".join(money(v, k) for k, v in sorted(d.spend.items())) or "nothing"
        shown = f" (newest {len(d.cost_lines)} shown)" if d.cost_lines_total > len(d.cost_lines) else ""
        self.costs.set_rows(d.cost_lines, note=f"{d.cost_lines_total} allocations{shown}; allocated to date: {total} "
                            f"against a budget of {money(det.budget, det.currency)}.",
                            empty=f"No cost has been allocated to {det.code} yet. Costs arrive through FOCUS "
                                  "imports and the allocation rules.")
        self.metrics.set_rows(d.series, note=f"{len(d.series)} metric series measure {det.code}; the Dashboard "
                              f"draws them (choose {det.code} in its filters).",
                              empty=f"No metric series measures {det.code} yet.")
        self.decisions.set_rows(d.decisions, note=f"{len(d.decisions)} committee decisions on {det.code}, newest first.",
                                empty=f"The committee has not decided anything on {det.code} yet.")
        self.lessons.set_rows(d.lessons, note=f"{len(d.lessons)} lessons recorded for {det.code}.",
                              empty=f"No lessons recorded for {det.code} yet.")
        self.history.set_rows(d.history, note=f"{len(d.history)} audit events for {det.code}, newest first.",
                              empty=f"No audit events for {det.code}.")
        self.loaded.emit(det.code)

    @staticmethod
    def _overview_html(d: Dossier) -> str:
        det = d.detail
        e = html.escape

        def row(label: str, value: str) -> str:
            return (f"<tr><td style='padding:3px 14px 3px 0'>"
                    f"<b>{label}</b></td><td style='padding:3px 0'>{value}</td></tr>")

        spent = d.spend.get(det.currency, Decimal(0))
        share = f", {spent / det.budget * 100:.0f} % of budget" if det.budget > 0 else ""
        dates = " → ".join(x.isoformat() for x in (det.start_date, det.end_date) if x) or "not set"
        spend = ", ".join(money(v, k) for k, v in sorted(d.spend.items())) or f"0 {det.currency}"
        rows = [
            row("Problem", e(det.problem) or "<i>not stated</i>"),
            row("Expected benefits", e(det.expected_benefits) or "<i>not stated</i>"),
            row("Outputs", e(det.outputs) or "<i>not stated</i>"),
            row("Owner", e(det.owner) or "—"), row("Sponsor", e(det.sponsor) or "—"),
            row("Stage", det.stage.label), row("Risk tier", det.risk_tier.label),
            row("Classification", e(det.classification)),
            row("Budget", f"{money(det.budget, det.currency)} · cost centre {e(det.cost_centre) or '—'}"),
            row("Spend to date", f"{spend} — <span style='color:{RAG_COLOURS.get(d.rag)}'>■ {d.rag}</span>"
                                 f"{share}"),
            row("Dates", dates),
            row("Disciplines", e(", ".join(det.disciplines)) or "—"),
            row("Tags", e(", ".join(det.tags)) or "—"),
        ]
        objectives = "".join(f"<li>{e(c)} {e(t)} — weight {w:g}</li>" for c, t, w in det.objectives)
        team = "".join(f"<li>{e(m.name)} — {m.role.label} ({m.discipline.label})</li>" for m in det.team)
        stages = "".join(f"<li>{h.changed_at:%Y-%m-%d}: {h.from_stage.label if h.from_stage else 'registered'} → "
                         f"{h.to_stage.label}{' (decision ' + str(h.decision_id) + ')' if h.decision_id else ''}</li>"
                         for h in det.stage_history)
        as_of = d.as_of or dt.date.today()
        action_items = "".join(
            f"<li>{e(a.title)} — {e(a.owner) or 'no owner'}, due {a.due_on or '—'}, {a.status.label.lower()}"
            + (" <b style='color:#c62828'>overdue</b>" if a.overdue(as_of) else "") + "</li>"
            for a in d.actions)
        return (f"<table>{''.join(rows)}</table>"
                f"<h4>Objectives served</h4><ul>{objectives or '<li><i>none: this initiative is not aligned to any objective</i></li>'}</ul>"
                f"<h4>Team</h4><ul>{team or '<li><i>no team members yet</i></li>'}</ul>"
                f"<h4>Action items</h4><ul>{action_items or '<li><i>no action items</i></li>'}</ul>"
                f"<h4>Stage history</h4><ul>{stages}</ul>")
