"""Risks: the risk register with its inherent and residual heat maps, the impact assessments, and the incident
register. Every edit is one service call, undoable with Ctrl+Z like any other record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from opsdesk.domain.risk import (
    SEVERITY_LABELS,
    IncidentStatus,
    MitigationStatus,
    Rating,
    RiskCategory,
    RiskStatus,
    Treatment,
)
from opsdesk.services.registry import initiatives, people
from opsdesk.services.risk import assessments, csv_io, incidents, risks
from opsdesk.services.risk.assessments import AssessmentDTO
from opsdesk.services.risk.incidents import IncidentDTO
from opsdesk.services.risk.risks import RiskDTO
from opsdesk.services.workspace import Workspace
from opsdesk.ui import errors
from opsdesk.ui.dialogs.record_form import FormField, RecordForm, enum_choices
from opsdesk.ui.models.records import Column, attr
from opsdesk.ui.pages.base import Page, PageContext, tab_screenshots
from opsdesk.ui.undo import run_undoable
from opsdesk.ui.widgets.heat_map import HeatMapView
from opsdesk.ui.widgets.register import PageLayout, RegisterView

RATING_COLOUR = {Rating.LOW: "#2e7d32", Rating.MEDIUM: "#f9a825", Rating.HIGH: "#ef6c00", Rating.CRITICAL: "#c62828"}
RATING_SORT = {Rating.LOW: 0, Rating.MEDIUM: 1, Rating.HIGH: 2, Rating.CRITICAL: 3}

RISK_COLUMNS = (
    Column("ref", "Ref", attr("ref"), sort=lambda r: (r.initiative_code, r.number)),
    Column("title", "Risk", attr("title")),
    Column("category", "Category", attr("category")),
    Column("inherent", "Inherent", lambda r: f"{r.inherent.label} ({r.likelihood}×{r.impact})",
           sort=lambda r: (RATING_SORT[r.inherent], r.likelihood * r.impact),
           colour=lambda r: RATING_COLOUR[r.inherent]),
    Column("residual", "Residual", lambda r: f"{r.residual.label} ({r.residual_score[0]}×{r.residual_score[1]})"
           + (" ▲" if r.raised else ""),
           sort=lambda r: (RATING_SORT[r.residual], r.residual_score[0] * r.residual_score[1]),
           colour=lambda r: RATING_COLOUR[r.residual], tooltip=lambda r: r.raised or r.treatment_note),
    Column("treatment", "Treatment", lambda r: f"{r.treatment.label}" + ("" if r.treated else " — untreated"),
           tooltip=lambda r: r.treatment_note),
    Column("owner", "Owner", attr("owner")),
    Column("review_on", "Review", lambda r: r.review_on.isoformat() if r.review_on else "",
           sort=lambda r: r.review_on),
    Column("status", "Status", attr("status")),
    Column("nist", "NIST AI RMF", lambda r: ", ".join(r.nist)),
)
INCIDENT_COLUMNS = (
    Column("ref", "Ref", attr("ref"), sort=lambda x: (x.initiative_code, x.number)),
    Column("detected_on", "Detected", lambda x: x.detected_on.isoformat(), sort=lambda x: x.detected_on),
    Column("severity", "Severity", lambda x: SEVERITY_LABELS[x.severity], sort=lambda x: x.severity,
           colour=lambda x: "#c62828" if x.serious else None),
    Column("title", "Incident", attr("title")),
    Column("stage", "Stage", attr("stage")),
    Column("status", "Status", attr("status")),
    Column("reportable", "Reportable", lambda x: (f"yes — {x.report_to}" if x.reportable else "no")
           + (f", reported {x.reported_on}" if x.reported_on else "")),
    Column("actions", "Actions", lambda x: str(len(x.actions)), numeric=True,
           sort=lambda x: len(x.actions)),
)
ASSESSMENT_COLUMNS = (
    Column("initiative", "Initiative", attr("initiative_code")),
    Column("version", "Version", lambda a: str(a.version_number), numeric=True, sort=lambda a: a.version_number),
    Column("status", "Status", attr("status")),
    Column("current", "Current", lambda a: "yes" if a.current else "no — " + a.currency_note,
           colour=lambda a: "#2e7d32" if a.current else "#c62828"),
    Column("assessor", "Assessor", attr("assessor")),
    Column("approver", "Approver", attr("approver")),
    Column("approved_on", "Approved", lambda a: a.approved_on.isoformat() if a.approved_on else ""),
    Column("review_by", "Review by", lambda a: a.review_by.isoformat() if a.review_by else ""),
)

MITIGATION_HINT = "one per line: action; owner e-mail; due YYYY-MM-DD; status (planned, in progress, done)"


@dataclass(frozen=True)
class RisksData:
    risks: list[RiskDTO]
    incidents: list[IncidentDTO]
    assessments: list[AssessmentDTO]
    codes: list[str]
    people: list[tuple[str, str]]  # (e-mail, name)


def load(ws: Workspace) -> RisksData:
    return RisksData(risks.list_risks(ws), incidents.list_incidents(ws), assessments.list_all(ws),
                     initiatives.codes(ws), [(p.email, p.name) for p in people.list_all(ws)])


def mitigation_lines(r: RiskDTO | None) -> str:
    if r is None:
        return ""
    return "\n".join("; ".join([m.action, m.owner, m.due_on.isoformat() if m.due_on else "", m.status.value])
                     for m in r.mitigations)


def parse_mitigations(text: str) -> list[dict[str, Any]]:
    """The form's mitigation lines as the service takes them (the service checks each value)."""
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(";")] + ["", "", ""]
        out.append({"action": parts[0], "owner": parts[1], "due_on": parts[2] or None,
                    "status": parts[3] or MitigationStatus.PLANNED.value})
    return out


def _mitigation_problems(raw: dict[str, Any]) -> dict[str, str]:
    from opsdesk.domain.validation import problems

    for n, m in enumerate(parse_mitigations(raw.get("mitigations", "") or ""), start=1):
        found = problems(risks.MITIGATION_SCHEMA, {k: v for k, v in m.items() if k != "owner"})
        if found:
            name, reason = next(iter(found.items()))
            return {"mitigations": f"line {n}, {name}: {reason}"}
    return {}


def _choices(values: list[tuple[str, str]], blank: str = "— none —") -> list[tuple[str, str]]:
    return [("", blank)] + values


class RisksPage(Page):
    def __init__(self, ctx: PageContext) -> None:
        super().__init__(ctx)
        self.data = RisksData([], [], [], [], [])
        self.form: RecordForm | None = None
        self.cell: tuple[str, int, int] | None = None  # ("inherent"|"residual", likelihood, impact)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("risksTabs")
        self.tabs.addTab(self._risk_tab(), "Risk register")
        self.tabs.addTab(self._assessment_tab(), "Impact assessments")
        self.tabs.addTab(self._incident_tab(), "Incidents")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self.layout_state = PageLayout("risks", self.splitter, [self.register, self.incident_register,
                                                                self.assessment_register])

    # --- building -----------------------------------------------------------------------------------------------

    def _buttons(self, register: RegisterView, noun: str, handlers: list[tuple[str, str, Callable[[], None]]]) -> None:
        for text, icon, handler in handlers:
            register.add_button(text, self.ctx.actions.icon(icon), handler, f"{text.rstrip('…')} {noun}",
                                enabled=not self.ctx.ws.read_only)

    def _combo(self, register: RegisterView, name: str, everything: str,
               items: list[tuple[str, str]], on_change: Callable[[], None]) -> QComboBox:
        combo = QComboBox(self)
        combo.setAccessibleName(name)
        combo.setToolTip(name)
        combo.addItem(everything, None)
        for value, label in items:
            combo.addItem(label, value)
        # narrow enough for a 1280-pixel screen; the tool tip gives the whole choice
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(9)
        combo.currentTextChanged.connect(lambda text, c=combo, n=name: c.setToolTip(f"{n}: {text}"))
        combo.setToolTip(f"{name}: {everything}")
        combo.currentIndexChanged.connect(lambda _i: on_change())
        register.filters.addWidget(combo)
        return combo

    def _risk_tab(self) -> QWidget:
        self.register = RegisterView("risksTable", "risks", RISK_COLUMNS, self, stretch="title",
                                     hidden=("nist",))
        self.register.set_empty_text("No risks yet: New… records one; a gate asks that every initiative's "
                                     "risks are known and treated.")
        self._buttons(self.register, "risk", [("New…", "new", self.new_risk), ("Edit…", "edit", self.edit_risk),
                                              ("Delete", "delete", self.delete_risk),
                                              ("Import CSV…", "import", lambda: self._import("risks"))])
        self.register.add_button("Export CSV…", self.ctx.actions.icon("export"), lambda: self._export("risks"),
                                 "Export the risk register as CSV")
        self.initiative_filter = self._combo(self.register, "Filter risks by initiative", "All initiatives", [],
                                             self._filter_risks)
        self.category_filter = self._combo(self.register, "Filter risks by category", "All categories",
                                           [(c.value, c.label) for c in RiskCategory], self._filter_risks)
        self.rating_filter = self._combo(self.register, "Filter risks by residual rating", "Any residual rating",
                                         [(r.value, r.label) for r in Rating], self._filter_risks)
        self.status_filter = self._combo(self.register, "Filter risks by status", "Open and closed",
                                         [(s.value, s.label) for s in RiskStatus], self._filter_risks)
        self.status_filter.blockSignals(True)
        self.status_filter.setCurrentIndex(1)  # open risks first
        self.status_filter.blockSignals(False)
        self.untreated_only = self._combo(self.register, "Show only untreated high risks", "Treated or not",
                                          [("untreated", "Untreated high residual only")], self._filter_risks)
        self.cell_label = QPushButton("", self)
        self.cell_label.setAccessibleName("Clear the heat map cell filter")
        self.cell_label.clicked.connect(self._clear_cell)
        self.cell_label.hide()
        self.register.filters.addWidget(self.cell_label)
        self.register.current_changed.connect(self._show_risk)
        self.register.activated.connect(lambda _row: self.edit_risk())
        self.inherent_map = HeatMapView("Inherent risk (open risks)", "inherentHeatMap", self)
        self.residual_map = HeatMapView("Residual risk (after mitigation)", "residualHeatMap", self)
        self.inherent_map.cell_clicked.connect(lambda li, im: self._set_cell("inherent", li, im))
        self.residual_map.cell_clicked.connect(lambda li, im: self._set_cell("residual", li, im))
        self.risk_detail = self._detail("riskDetail")
        maps = QWidget(self)
        side = QVBoxLayout(maps)
        side.setContentsMargins(0, 0, 0, 0)
        pair = QHBoxLayout()
        pair.addWidget(self.inherent_map)
        pair.addWidget(self.residual_map)
        side.addLayout(pair)
        side.addWidget(self._scrolled(self.risk_detail), 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.register)
        self.splitter.addWidget(maps)
        self.splitter.setSizes([900, 480])
        return self.splitter

    def _detail(self, name: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def _scrolled(self, label: QLabel) -> QScrollArea:
        area = QScrollArea(self)
        area.setWidgetResizable(True)
        area.setFrameShape(QScrollArea.Shape.NoFrame)
        area.setWidget(label)
        return area

    def _assessment_tab(self) -> QWidget:
        self.assessment_register = RegisterView("assessmentsTable", "impact assessments", ASSESSMENT_COLUMNS, self,
                                                key=lambda a: a.id, stretch="current")
        self.assessment_register.set_empty_text("No impact assessments yet: a high-impact initiative needs an "
                                                "approved one before its Pilot gate.")
        self._buttons(self.assessment_register, "impact assessment",
                      [("New version…", "new", self.new_assessment), ("Edit draft…", "edit", self.edit_assessment),
                       ("Approve…", "edit", self.approve_assessment)])
        self.assessment_detail = self._detail("assessmentDetail")
        self.assessment_register.current_changed.connect(self._show_assessment)
        self.assessment_register.activated.connect(lambda _row: self.edit_assessment())
        box = QSplitter(Qt.Orientation.Vertical, self)
        box.addWidget(self.assessment_register)
        box.addWidget(self._scrolled(self.assessment_detail))
        box.setSizes([420, 320])
        return box

    def _incident_tab(self) -> QWidget:
        self.incident_register = RegisterView("incidentsTable", "incidents", INCIDENT_COLUMNS, self,
                                              stretch="title")
        self.incident_register.set_empty_text("No incidents recorded.")
        self._buttons(self.incident_register, "incident",
                      [("New…", "new", self.new_incident), ("Edit…", "edit", self.edit_incident),
                       ("Corrective action…", "new", self.add_action), ("Delete", "delete", self.delete_incident),
                       ("Import CSV…", "import", lambda: self._import("incidents"))])
        self.incident_register.add_button("Export CSV…", self.ctx.actions.icon("export"),
                                          lambda: self._export("incidents"), "Export the incident register as CSV")
        self.incident_status = self._combo(self.incident_register, "Filter incidents by status", "Any status",
                                           [("open", "Open or contained"), *[(s.value, s.label)
                                                                            for s in IncidentStatus]],
                                           self._filter_incidents)
        self.severity_filter = self._combo(self.incident_register, "Filter incidents by severity", "Any severity",
                                           [("serious", "Serious (1–2)"),
                                            *[(str(k), v) for k, v in SEVERITY_LABELS.items()]],
                                           self._filter_incidents)
        self.incident_detail = self._detail("incidentDetail")
        self.incident_register.current_changed.connect(self._show_incident)
        self.incident_register.activated.connect(lambda _row: self.edit_incident())
        box = QSplitter(Qt.Orientation.Vertical, self)
        box.addWidget(self.incident_register)
        box.addWidget(self._scrolled(self.incident_detail))
        box.setSizes([420, 320])
        return box

    def extra_screenshots(self, folder: Path, settle: Callable[[], None], grab: Callable[[], Any]) -> list[Path]:
        return tab_screenshots(self.tabs, ((1, "risks_assessments"), (2, "risks_incidents")), folder, settle, grab)

    def save_state(self) -> None:
        self.layout_state.save()

    def restore_state(self) -> None:
        self.layout_state.restore()

    def find(self) -> None:
        register = (self.register, self.assessment_register, self.incident_register)[self.tabs.currentIndex()]
        register.search.setFocus()
        register.search.selectAll()

    # --- loading ------------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.ctx.tasks.submit(load, self.ctx.ws, on_done=self._loaded)

    def _loaded(self, data: RisksData) -> None:
        self.data = data
        chosen = self.initiative_filter.currentData()
        self.initiative_filter.blockSignals(True)
        while self.initiative_filter.count() > 1:
            self.initiative_filter.removeItem(1)
        for code in sorted({r.initiative_code for r in data.risks}):
            self.initiative_filter.addItem(code, code)
        self.initiative_filter.setCurrentIndex(max(self.initiative_filter.findData(chosen), 0) if chosen else 0)
        self.initiative_filter.blockSignals(False)
        self.register.set_rows(data.risks)
        self.incident_register.set_rows(data.incidents)
        self.assessment_register.set_rows(data.assessments)
        self._filter_risks()
        self._filter_incidents()
        for register in (self.register, self.assessment_register, self.incident_register):
            if register.current() is None:
                register.select_first()
        self._show_risk(self.register.current())

    # --- filters ------------------------------------------------------------------------------------------------

    def _set_cell(self, which: str, likelihood: int, impact: int) -> None:
        self.cell = (which, likelihood, impact)
        self.cell_label.setText(f"{which.capitalize()} L{likelihood}×I{impact} ✕")
        self.cell_label.show()
        self._filter_risks()

    def _clear_cell(self) -> None:
        self.cell = None
        self.cell_label.hide()
        self._filter_risks()

    def _risk_shows(self) -> Callable[[RiskDTO], bool]:
        init, cat = self.initiative_filter.currentData(), self.category_filter.currentData()
        rating, status = self.rating_filter.currentData(), self.status_filter.currentData()
        untreated, cell = self.untreated_only.currentData(), self.cell

        def shows(r: RiskDTO) -> bool:
            if cell is not None:
                scores = (r.likelihood, r.impact) if cell[0] == "inherent" else r.residual_score
                if scores != (cell[1], cell[2]):
                    return False
            return ((init is None or r.initiative_code == init) and (cat is None or r.category.value == cat)
                    and (rating is None or r.residual.value == rating) and (status is None or r.status.value == status)
                    and (untreated is None or r.untreated_high))
        return shows

    def _filter_risks(self) -> None:
        shows = self._risk_shows()
        self.register.set_predicate(shows)
        # the maps show what the other filters leave (a cell filter narrows the register, not the maps)
        cell, self.cell = self.cell, None
        base = self._risk_shows()
        self.cell = cell
        inherent, residual = risks.heat_maps([r for r in self.data.risks if base(r)])
        self.inherent_map.set_grid(inherent)
        self.residual_map.set_grid(residual)

    def _filter_incidents(self) -> None:
        status, severity = self.incident_status.currentData(), self.severity_filter.currentData()

        def shows(x: IncidentDTO) -> bool:
            if status == "open" and not x.open:
                return False
            if status not in (None, "open") and x.status.value != status:
                return False
            if severity == "serious" and x.severity > 2:
                return False
            return not (severity not in (None, "serious") and str(x.severity) != severity)

        self.incident_register.set_predicate(None if status is None and severity is None else shows)

    # --- details ------------------------------------------------------------------------------------------------

    def _show_risk(self, r: RiskDTO | None) -> None:
        if r is None:
            self.risk_detail.setText("<i>Select a risk to read it in full; click a heat map cell to list its "
                                     "risks.</i>")
            return
        about = ", ".join(x for x in (r.model, r.data_asset) if x)
        parts = [f"<b>{escape(r.ref)} — {escape(r.title)}</b><br>{escape(r.category.label)} · "
                 f"inherent {r.inherent.label.lower()} ({r.likelihood}×{r.impact}) · residual "
                 f"{r.residual.label.lower()} ({r.residual_score[0]}×{r.residual_score[1]})"
                 + (f" · about {escape(about)}" if about else ""),
                 f"<p>{escape(r.description)}</p>" if r.description else "",
                 f"<p><b>Treatment</b>: {escape(r.treatment.label)} — {escape(r.treatment_note)}"
                 + (f" (accepted by {escape(r.accepted_by)})" if r.accepted_by else "") + "</p>"]
        if r.raised:
            parts.append(f"<p style='color:#c62828'><b>Raised</b>: {escape(r.raised)}</p>")
        if r.mitigations:
            parts.append("<p><b>Mitigations</b></p><ul>" + "".join(
                f"<li>{escape(m.action)} — {escape(m.owner or 'no owner')}, due "
                f"{m.due_on.isoformat() if m.due_on else '—'}, {escape(m.status.label.lower())}</li>"
                for m in r.mitigations) + "</ul>")
        if r.nist:
            parts.append("<p><b>NIST AI RMF</b>: " + escape(", ".join(r.nist)) + "</p>")
        if r.trigger_series:
            parts.append(f"<p><b>Linked KPI</b>: {escape(r.trigger_series)} (raises at {r.trigger_level})</p>")
        self.risk_detail.setText("".join(parts))

    def _show_assessment(self, a: AssessmentDTO | None) -> None:
        if a is None:
            self.assessment_detail.setText("<i>Select an assessment version to read it.</i>")
            return
        parts = [f"<b>{escape(a.initiative_code)} impact assessment, version {a.version_number}</b> · "
                 f"{escape(a.status.label)} · {escape(a.currency_note)}"]
        for name in assessments.TEXT_FIELDS:
            if a.texts[name]:
                parts.append(f"<p><b>{assessments.LABELS[name]}</b><br>{escape(a.texts[name])}</p>")
        self.assessment_detail.setText("".join(parts))

    def _show_incident(self, x: IncidentDTO | None) -> None:
        if x is None:
            self.incident_detail.setText("<i>Select an incident to read it.</i>")
            return
        parts = [f"<b>{escape(x.ref)} — {escape(x.title)}</b><br>severity {SEVERITY_LABELS[x.severity]} · "
                 f"{escape(x.status.label)} · occurred {x.occurred_on} · detected {x.detected_on}"
                 + (f" · resolved {x.resolved_on}" if x.resolved_on else "")
                 + (f" · model {escape(x.model)}" if x.model else ""),
                 f"<p><b>What happened</b><br>{escape(x.description or '—')}</p>",
                 f"<p><b>Affected</b><br>{escape(x.affected or '—')}"
                 + (f" ({x.affected_count} people)" if x.affected_count is not None else "") + "</p>",
                 f"<p><b>Root cause</b><br>{escape(x.root_cause or 'not yet known')}</p>",
                 "<p><b>Reporting</b>: " + (f"reportable to {escape(x.report_to)}; "
                                            + (f"reported {x.reported_on}" if x.reported_on else "not yet reported")
                                            if x.reportable else "not reportable") + "</p>"]
        if x.actions:
            parts.append("<p><b>Corrective actions</b></p><ul>" + "".join(
                f"<li>{escape(a.title)} — {escape(a.owner or 'no owner')}, due {a.due_on or '—'}, "
                f"{escape(a.status.label.lower())}</li>" for a in x.actions) + "</ul>")
        self.incident_detail.setText("".join(parts))

    # --- CSV ----------------------------------------------------------------------------------------------------

    def _import(self, kind: str) -> None:
        path, _ = QFileDialog.getOpenFileName(self, f"Import the {kind} register", "", "CSV files (*.csv)")
        if path:
            self.import_file(kind, path)

    def import_file(self, kind: str, path: str) -> None:
        """All or nothing on the worker; a rejected file names file, row and column of every problem."""
        run = csv_io.import_risks if kind == "risks" else csv_io.import_incidents

        def done(r: csv_io.ImportResult) -> None:
            self.ctx.status(f"{r.file_name} was already imported; nothing changed" if r.already_imported else
                            f"{r.file_name}: {r.rows} rows — {r.created} new, {r.updated} updated, "
                            f"{r.unchanged} unchanged")

        self.ctx.tasks.submit(run, self.ctx.ws, path, on_done=done,
                              on_error=lambda exc: errors.show_user_error(self, exc))

    def _export(self, kind: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self, f"Export the {kind} register", f"{kind}.csv", "CSV files (*.csv)")
        if path:
            run = csv_io.export_risks if kind == "risks" else csv_io.export_incidents
            self.ctx.tasks.submit(run, self.ctx.ws, path, on_done=lambda p: self.ctx.status(f"Wrote {p}"),
                                  on_error=lambda exc: errors.show_user_error(self, exc))

    # --- editing ------------------------------------------------------------------------------------------------

    def _undoable(self, text: str, apply: Callable[[], Any], revert: Callable[[], Any]) -> None:
        run_undoable(self.ctx.tasks, self.ctx.undo, text, apply, revert,
                     on_done=lambda _r: self.ctx.status(text[0].upper() + text[1:]),
                     on_error=lambda exc: errors.show_user_error(self, exc))

    def _people_choices(self) -> list[tuple[str, str]]:
        return _choices([(e, f"{n} <{e}>") for e, n in self.data.people])

    def risk_fields(self, new: bool) -> list[FormField]:
        scale = [(str(k), str(k)) for k in range(1, 6)]
        fields = [FormField("initiative_code", "Initiative", "choice", [(c, c) for c in self.data.codes])] if new else []
        return fields + [
            FormField("title", "Title"),
            FormField("description", "Description", "text"),
            FormField("category", "Category", "choice", enum_choices(RiskCategory)),
            FormField("likelihood", "Likelihood (1–5)", "choice", scale),
            FormField("impact", "Impact (1–5)", "choice", scale),
            FormField("residual_likelihood", "Residual likelihood", "choice", _choices(scale, "— as inherent —")),
            FormField("residual_impact", "Residual impact", "choice", _choices(scale, "— as inherent —")),
            FormField("owner", "Owner", "choice", self._people_choices()),
            FormField("treatment", "Treatment", "choice", enum_choices(Treatment)),
            FormField("accepted_by", "Accepted by", "choice", self._people_choices()),
            FormField("review_on", "Review on", placeholder="YYYY-MM-DD"),
            FormField("nist", "NIST AI RMF", placeholder="e.g. MEASURE-2, MANAGE-1"),
            FormField("model", "Model", placeholder="name or name:version (optional)"),
            FormField("data_asset", "Data asset", placeholder="name (optional)"),
            FormField("trigger_series", "Linked KPI", placeholder="series name, e.g. Feature drift (PSI)"),
            FormField("trigger_level", "Raised at", "choice", [("red", "red"), ("amber", "amber or red")]),
            FormField("status", "Status", "choice", enum_choices(RiskStatus)),
            FormField("mitigations", "Mitigations", "text", placeholder=MITIGATION_HINT),
        ]

    def new_risk(self) -> None:
        code = self.initiative_filter.currentData() or (self.data.codes[0] if self.data.codes else "")
        form = self.form = RecordForm("New risk", risks.SCHEMA, self.risk_fields(True),
                                      {"initiative_code": code, "likelihood": 3, "impact": 3,
                                       "category": RiskCategory.PERFORMANCE, "treatment": Treatment.MITIGATE,
                                       "trigger_level": "red", "status": RiskStatus.OPEN},
                                      cross_check=_mitigation_problems, parent=self)
        ws, state = self.ctx.ws, {}

        def save() -> None:
            values = form.raw_values()
            init = values.pop("initiative_code")
            mits = parse_mitigations(values.pop("mitigations"))

            def apply() -> RiskDTO:
                dto = risks.create(ws, init, values, mits, number=state.get("number"))
                state["id"], state["number"] = dto.id, dto.number
                return dto

            self._undoable(f"add a risk to {init}", apply, lambda: risks.delete(ws, state["id"]))

        form.accepted.connect(save)
        form.open()

    def edit_risk(self) -> None:
        r = self.register.current()
        if r is None:
            return
        before = {**r.values(), "mitigations": mitigation_lines(r)}
        form = self.form = RecordForm(f"Edit risk {r.ref}", risks.SCHEMA, self.risk_fields(False), before,
                                      cross_check=_mitigation_problems, parent=self)
        ws = self.ctx.ws

        def save() -> None:
            changes = form.changed_values()
            if not changes:
                return
            mits = parse_mitigations(changes.pop("mitigations")) if "mitigations" in changes else None
            old = {k: before[k] for k in changes}
            old_mits = r.mitigation_values() if mits is not None else None
            self._undoable(f"edit risk {r.ref}", lambda: risks.update(ws, r.id, changes, mits),
                           lambda: risks.update(ws, r.id, old, old_mits))

        form.accepted.connect(save)
        form.open()

    def delete_risk(self) -> None:
        r = self.register.current()
        if r is None:
            return
        if errors.dialogs_enabled and QMessageBox.question(
                self, "Delete risk", f"Delete {r.ref}? You can undo this with Ctrl+Z.") != QMessageBox.StandardButton.Yes:
            return
        ws, state = self.ctx.ws, {"id": r.id}

        def revert() -> None:
            state["id"] = risks.create(ws, r.initiative_code, r.values(), r.mitigation_values(), number=r.number).id

        self._undoable(f"delete risk {r.ref}", lambda: risks.delete(ws, state["id"]), revert)

    # --- incidents ----------------------------------------------------------------------------------------------

    def incident_fields(self, new: bool) -> list[FormField]:
        fields = [FormField("initiative_code", "Initiative", "choice", [(c, c) for c in self.data.codes])] if new else []
        return fields + [
            FormField("title", "Title"),
            FormField("occurred_on", "Occurred on", placeholder="YYYY-MM-DD"),
            FormField("detected_on", "Detected on", placeholder="YYYY-MM-DD"),
            FormField("severity", "Severity", "choice", [(str(k), v) for k, v in SEVERITY_LABELS.items()]),
            FormField("description", "What happened", "text"),
            FormField("affected", "Affected people", "text"),
            FormField("affected_count", "Number affected", placeholder="optional"),
            FormField("status", "Status", "choice", enum_choices(IncidentStatus)),
            FormField("root_cause", "Root cause", "text"),
            FormField("reportable", "Reportable", "bool"),
            FormField("report_to", "Report to", placeholder="e.g. the market surveillance authority"),
            FormField("reported_on", "Reported on", placeholder="YYYY-MM-DD"),
            FormField("resolved_on", "Resolved on", placeholder="YYYY-MM-DD"),
            FormField("model", "Model", placeholder="name or name:version (optional)"),
        ]

    def new_incident(self) -> None:
        today = self.ctx.ws.clock().date().isoformat()
        code = self.data.codes[0] if self.data.codes else ""
        form = self.form = RecordForm("New incident", incidents.SCHEMA, self.incident_fields(True),
                                      {"initiative_code": code, "occurred_on": today, "detected_on": today,
                                       "severity": 3, "status": IncidentStatus.OPEN}, parent=self)
        ws, state = self.ctx.ws, {}

        def save() -> None:
            values = form.raw_values()
            init = values.pop("initiative_code")

            def apply() -> IncidentDTO:
                dto = incidents.create(ws, init, values, number=state.get("number"))
                state["id"], state["number"] = dto.id, dto.number
                return dto

            self._undoable(f"record an incident on {init}", apply, lambda: incidents.delete(ws, state["id"]))

        form.accepted.connect(save)
        form.open()

    def edit_incident(self) -> None:
        x = self.incident_register.current()
        if x is None:
            return
        before = x.values()
        form = self.form = RecordForm(f"Edit incident {x.ref}", incidents.SCHEMA, self.incident_fields(False),
                                      before, parent=self)
        ws = self.ctx.ws

        def save() -> None:
            changes = form.changed_values()
            if changes:
                old = {k: before[k] for k in changes}
                self._undoable(f"edit incident {x.ref}", lambda: incidents.update(ws, x.id, changes),
                               lambda: incidents.update(ws, x.id, old))

        form.accepted.connect(save)
        form.open()

    def delete_incident(self) -> None:
        x = self.incident_register.current()
        if x is None:
            return
        if errors.dialogs_enabled and QMessageBox.question(
                self, "Delete incident", f"Delete {x.ref}? You can undo this with Ctrl+Z.") \
                != QMessageBox.StandardButton.Yes:
            return
        ws, state = self.ctx.ws, {"id": x.id}

        def revert() -> None:
            new = incidents.create(ws, x.initiative_code, x.values(), number=x.number)
            for a in x.actions:
                incidents.link_action(ws, new.id, a.id)
            state["id"] = new.id

        self._undoable(f"delete incident {x.ref}", lambda: incidents.delete(ws, state["id"]), revert)

    def add_action(self) -> None:
        x = self.incident_register.current()
        if x is None:
            return
        from opsdesk.domain.validation import Field

        schema = (Field("title", required=True), Field("owner", max_len=320), Field("due_on", kind="date"))
        form = self.form = RecordForm(f"Corrective action for {x.ref}", schema,
                                      [FormField("title", "Action"),
                                       FormField("owner", "Owner", "choice", self._people_choices()),
                                       FormField("due_on", "Due on", placeholder="YYYY-MM-DD")], {}, parent=self)
        ws, state = self.ctx.ws, {}

        def save() -> None:
            v = form.raw_values()
            due = dt.date.fromisoformat(v["due_on"]) if v["due_on"].strip() else None

            def apply() -> int:
                state["id"] = incidents.add_corrective_action(ws, x.id, v["title"], owner=v["owner"], due_on=due)
                return state["id"]

            self._undoable(f"add a corrective action to {x.ref}", apply,
                           lambda: incidents.remove_corrective_action(ws, x.id, state["id"]))

        form.accepted.connect(save)
        form.open()

    # --- assessments --------------------------------------------------------------------------------------------

    def assessment_fields(self, new: bool) -> list[FormField]:
        fields = [FormField("initiative_code", "Initiative", "choice", [(c, c) for c in self.data.codes])] if new else []
        return fields + [FormField(n, assessments.LABELS[n], "text") for n in assessments.TEXT_FIELDS] + [
            FormField("assessor", "Assessor", "choice", self._people_choices()),
            FormField("assessed_on", "Assessed on", placeholder="YYYY-MM-DD"),
        ]

    def new_assessment(self) -> None:
        a = self.assessment_register.current()
        form = self.form = RecordForm("New impact assessment version", assessments.SCHEMA,
                                      self.assessment_fields(True),
                                      {"initiative_code": a.initiative_code if a else
                                       (self.data.codes[0] if self.data.codes else "")}, parent=self)
        ws, state = self.ctx.ws, {}

        def save() -> None:
            values = {k: v for k, v in form.raw_values().items() if str(v).strip()}
            code = values.pop("initiative_code")

            def apply() -> AssessmentDTO:
                dto = assessments.new_version(ws, code, values)
                state["id"] = dto.id
                return dto

            self._undoable(f"start a new impact assessment version for {code}", apply,
                           lambda: assessments.delete_draft(ws, state["id"]))

        form.accepted.connect(save)
        form.open()

    def edit_assessment(self) -> None:
        a = self.assessment_register.current()
        if a is None:
            return
        before = {**a.texts, "assessor": self._email(a.assessor), "assessed_on": a.assessed_on}
        form = self.form = RecordForm(f"Edit {a.initiative_code} impact assessment v{a.version_number}",
                                      assessments.SCHEMA, self.assessment_fields(False), before, parent=self)
        ws = self.ctx.ws

        def save() -> None:
            changes = form.changed_values()
            if changes:
                old = {k: before[k] for k in changes}
                self._undoable(f"edit the impact assessment of {a.initiative_code}",
                               lambda: assessments.update(ws, a.id, changes), lambda: assessments.update(ws, a.id, old))

        form.accepted.connect(save)
        form.open()

    def _email(self, name: str) -> str:
        return next((e for e, n in self.data.people if n == name), "")

    def approve_assessment(self) -> None:
        a = self.assessment_register.current()
        if a is None:
            return
        from opsdesk.domain.validation import Field

        schema = (Field("approver", required=True, max_len=320), Field("approved_on", kind="date", required=True),
                  Field("review_by", kind="date"))
        form = self.form = RecordForm(f"Approve {a.initiative_code} impact assessment v{a.version_number}", schema,
                                      [FormField("approver", "Approver", "choice", self._people_choices()),
                                       FormField("approved_on", "Approved on", placeholder="YYYY-MM-DD"),
                                       FormField("review_by", "Review by", placeholder="default: a year on")],
                                      {"approved_on": self.ctx.ws.clock().date()}, parent=self)
        ws = self.ctx.ws

        def save() -> None:
            v = form.raw_values()
            on = dt.date.fromisoformat(v["approved_on"])
            by = dt.date.fromisoformat(v["review_by"]) if v["review_by"].strip() else None
            self._undoable(f"approve the impact assessment of {a.initiative_code}",
                           lambda: assessments.approve(ws, a.id, v["approver"], on, by),
                           lambda: assessments.withdraw_approval(ws, a.id))

        form.accepted.connect(save)
        form.open()
