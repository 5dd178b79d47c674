"""The Reporting page: each initiative's readiness for the OMB 2025 AI use case inventory, its gaps (fixed in place
with a form over the inventory record), the export buttons with the reporting year, and the UK ATRS record of the
selected initiative as it would be written."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
)

from opsdesk.domain import inventory as inv
from opsdesk.services.reporting import atrs, inventory
from opsdesk.services.reporting.inventory import UseCaseRow
from opsdesk.services.workspace import Workspace
from opsdesk.ui import errors
from opsdesk.ui.dialogs.record_form import FormField, RecordForm
from opsdesk.ui.models.records import Column
from opsdesk.ui.pages.base import Page, PageContext
from opsdesk.ui.widgets.register import PageLayout, RegisterView

GREEN, RED = "#2e7d32", "#c62828"
_IMPACT = {inv.HighImpact.HIGH_IMPACT: "Yes", inv.HighImpact.PRESUMED_NOT_HIGH_IMPACT: "Presumed, not",
           inv.HighImpact.NOT_HIGH_IMPACT: "No"}

COLUMNS = (
    Column("code", "Initiative", lambda r: r.code),
    Column("id", "Use case ID", lambda r: str(r.values.get("id") or "")),
    Column("name", "Name", lambda r: r.name),
    Column("stage", "OMB stage", lambda r: r.values["development_stage"].short),
    Column("impact", "High-impact", lambda r: _IMPACT[r.values["is_high_impact"]],
           tooltip=lambda r: r.values["is_high_impact"].short),
    Column("ready", "Ready", lambda r: "Ready" if r.ready else "Gaps",
           colour=lambda r: GREEN if r.ready else RED),
    Column("gaps", "Gaps", lambda r: str(len(r.gaps)), sort=lambda r: len(r.gaps), numeric=True),
)

_LABELS = {c.name: c.label for c in inv.COLUMNS}
_FORM_LABELS = {"use_case_id": "Use case ID", "impact_assessment_date": "Impact assessment completed on",
                "presumed_high_impact": "Presumed high-impact, determined not", "cots_task": "Consolidated COTS task"}


def form_field(name: str) -> FormField:
    """The form's widget for one record field."""
    spec = next(f for f in inventory.SCHEMA if f.name == name)
    column = next((c for c, f in inventory.COLUMN_FIELD.items() if f == name), None)
    label = _FORM_LABELS.get(name) or (_LABELS.get(column, name) if column else name)
    if spec.kind == "enum" and spec.enum is not None:
        return FormField(name, label, "choice", [("", "— not answered —")]
                         + [(m.value, m.short) for m in spec.enum])  # type: ignore[attr-defined]
    if spec.kind == "bool":
        return FormField(name, label, "bool")
    if spec.kind == "list":
        choice = inv.DemographicFeature if name == "demographic_features" else inv.PublicConsultation
        return FormField(name, label, placeholder="comma-separated: " + ", ".join(m.short for m in choice))
    if spec.kind == "date":
        return FormField(name, label, placeholder="YYYY-MM-DD")
    return FormField(name, label, "text" if spec.kind == "text" else "line")


def fields_for_gaps(row: UseCaseRow) -> list[str]:
    """The record fields that answer the row's gaps (register columns are changed on the initiative)."""
    names: list[str] = []
    for gap in row.gaps:
        f = inventory.COLUMN_FIELD.get(gap.column)
        if gap.column == "is_high_impact":
            f = "cots_task"
        if gap.column == "HI_justification":
            f = "hi_justification"
        if gap.column == "hi_assessment_completed":
            names.append("hi_assessment_completed")
            f = "impact_assessment_date"
        if f and f not in names:
            names.append(f)
    return names


@dataclass(frozen=True)
class ReportingData:
    year: int
    rows: list[UseCaseRow]


def load(ws: Workspace, year: int) -> ReportingData:
    return ReportingData(year, inventory.check(ws, year))


class ReportingPage(Page):
    def __init__(self, ctx: PageContext) -> None:
        super().__init__(ctx)
        self.data = ReportingData(0, [])
        self.shown: UseCaseRow | None = None
        self.form: RecordForm | None = None
        self.year = QSpinBox(self)
        self.year.setObjectName("reportingYear")
        self.year.setAccessibleName("Reporting year")
        self.year.setRange(2020, 2100)
        self.year.setValue(ctx.ws.clock().year)
        self.year.setPrefix("Reporting year ")
        self.year.valueChanged.connect(lambda _v: self.refresh())
        self.summary = QLabel(self)
        self.summary.setObjectName("reportingSummary")
        self.summary.setWordWrap(True)
        self.tier = QComboBox(self)
        self.tier.setAccessibleName("ATRS tier")
        self.tier.addItem("ATRS Tier 1", 1)
        self.tier.addItem("ATRS Tier 2", 2)
        self.tier.currentIndexChanged.connect(lambda _i: self._preview())
        bar = QHBoxLayout()
        bar.addWidget(self.year)
        bar.addStretch(1)
        self.export_buttons = []
        for text, fmt, name in (("OMB 2025…", "omb-2025", "Export the OMB 2025 AI use case inventory"),
                                ("COTS…", "omb-2025-cots", "Export the consolidated COTS AI file"),
                                ("ATRS…", "atrs", "Export ATRS records of the chosen tier")):
            button = QPushButton(ctx.actions.icon("export"), text, self)
            button.setAccessibleName(name)
            button.setToolTip(name)
            button.clicked.connect(lambda _c=False, f=fmt: self.export(f))
            self.export_buttons.append(button)
            bar.addWidget(button)
        bar.addWidget(self.tier)
        export_label = QLabel("Export:", self)
        bar.insertWidget(2, export_label)

        self.register = RegisterView("reportingTable", "initiatives", COLUMNS, self,
                                     key=lambda r: r.code, stretch="name")
        self.register.set_empty_text('No initiatives yet: the inventory has a row for each registered initiative.')
        self.fix_button = self.register.add_button("Fix gaps…", ctx.actions.icon("edit"), self.fix_selected,
                                                   "Fix the inventory gaps of this initiative",
                                                   enabled=not ctx.ws.read_only)
        self.edit_button = self.register.add_button("Edit record…", ctx.actions.icon("edit"), self.edit_all,
                                                    "Edit the whole inventory record", enabled=not ctx.ws.read_only)
        self.register.current_changed.connect(self._show)
        self.register.activated.connect(lambda _row: self.fix_selected())

        self.gaps = QTextBrowser(self)
        self.gaps.setObjectName("reportingGaps")
        self.gaps.setAccessibleName("Inventory gaps of the selected initiative")
        self.atrs_view = QTextBrowser(self)
        self.atrs_view.setObjectName("atrsPreview")
        self.atrs_view.setAccessibleName("ATRS record preview")
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.gaps, "Inventory gaps")
        self.tabs.addTab(self.atrs_view, "ATRS preview")
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.register)
        self.splitter.addWidget(self.tabs)
        self.splitter.setSizes([860, 420])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.summary)
        layout.addWidget(self.splitter, 1)
        self.layout_state = PageLayout("reporting", self.splitter, [self.register])
        self._show(None)

    def save_state(self) -> None:
        self.layout_state.save()

    def restore_state(self) -> None:
        self.layout_state.restore()

    def find(self) -> None:
        self.register.search.setFocus()

    # --- loading ---------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.ctx.tasks.submit(load, self.ctx.ws, self.year.value(), on_done=self._loaded)

    def _loaded(self, data: ReportingData) -> None:
        self.data = data
        first = self.register.model.total == 0
        self.register.set_rows(data.rows)
        ready = sum(r.ready for r in data.rows)
        self.summary.setText(f"{ready} of {len(data.rows)} initiatives ready for the {data.year} inventory "
                             f"({DICT_NOTE})")
        if first and self.register.current() is None:
            self.register.select_first()
        self._show(self.register.current())

    def _show(self, row: UseCaseRow | None) -> None:
        self.shown = row
        self.fix_button.setEnabled(bool(row is not None and row.gaps and not self.ctx.ws.read_only))
        self.edit_button.setEnabled(row is not None and not self.ctx.ws.read_only)
        if row is None:
            self.gaps.setHtml("<i>Select an initiative to see what the inventory still needs.</i>")
            self.atrs_view.setHtml("")
            return
        if not row.gaps:
            body = f"<p style='color:{GREEN}'><b>Ready:</b> every required column is answered.</p>"
        else:
            items = "".join(
                f"<li><b>{escape(_LABELS.get(g.column, g.column))}</b> (<code>{escape(g.column)}</code>): "
                f"{escape(g.problem)}{self._where(g.column)}</li>" for g in row.gaps)
            body = f"<p><b>{len(row.gaps)} gap(s)</b> — double-click or <i>Fix gaps…</i> to answer them.</p>" \
                   f"<ul>{items}</ul>"
        self.gaps.setHtml(f"<h3>{escape(row.code)} — {escape(row.name)}</h3>{body}")
        self._preview()

    @staticmethod
    def _where(column: str) -> str:
        where = inventory.REGISTER_COLUMNS.get(column)
        return f" <i>(change {escape(where)})</i>" if where else ""

    def _preview(self) -> None:
        row = self.shown
        if row is None:
            return
        tier = int(self.tier.currentData())
        self.ctx.tasks.submit(preview, self.ctx.ws, row.code, tier, self.year.value(),
                              on_done=lambda text, code=row.code: self._previewed(code, text), quiet=True)

    def _previewed(self, code: str, text: str) -> None:
        if self.shown is not None and self.shown.code == code:  # an answer for an earlier selection is dropped
            self.atrs_view.setMarkdown(text)

    # --- fixing gaps -----------------------------------------------------------------------------------------

    def fix_selected(self) -> None:
        row = self.shown
        if row is None:
            return
        names = fields_for_gaps(row)
        if not names:
            self.ctx.open_initiative(row.code)  # only register columns are missing: the initiative's own form
            return
        self._open_form(row, names)

    def edit_all(self) -> None:
        row = self.shown
        if row is not None:
            self._open_form(row, list(inventory.FIELD_NAMES))

    def _open_form(self, row: UseCaseRow, names: list[str]) -> None:
        current = inventory.get_record(self.ctx.ws, row.code)
        values = {n: current.values.get(n) for n in names}
        self.form = RecordForm(f"Inventory record of {row.code}", inventory.SCHEMA,
                               [form_field(n) for n in names], values, parent=self)
        self.form.setObjectName("inventoryForm")
        self.form.accepted.connect(lambda: self._save(row.code, current.version))
        self.form.open()

    def _save(self, code: str, version: int | None) -> None:
        assert self.form is not None
        changes = self.form.changed_values()
        if not changes:
            return
        self.ctx.tasks.submit(inventory.update_record, self.ctx.ws, code, changes, version,
                              on_done=lambda _r: self.ctx.status(f"Inventory record of {code} saved"),
                              on_error=lambda exc: errors.show_user_error(self, exc))

    # --- exports ---------------------------------------------------------------------------------------------

    def export(self, fmt: str) -> None:
        year = self.year.value()
        tier = int(self.tier.currentData())
        suggested = {"omb-2025": f"{year}_ai_use_case_inventory.csv",
                     "omb-2025-cots": f"{year}_consolidated_COTS_AI_use_cases.csv",
                     "atrs": f"atrs_tier{tier}_{year}.md"}[fmt]
        filters = "CSV (*.csv)" if fmt != "atrs" else "Markdown (*.md);;CSV (*.csv);;JSON (*.json)"
        path, _ = QFileDialog.getSaveFileName(self, "Export", suggested, filters)
        if path:
            self.export_to(fmt, path)

    def export_to(self, fmt: str, path: str) -> None:
        self.ctx.tasks.submit(inventory.export, self.ctx.ws, fmt, path, year=self.year.value(),
                              tier=int(self.tier.currentData()),
                              on_done=lambda r: self.ctx.status(f"Wrote {r.path}: {r.rows} row(s), {r.gaps} gap(s)"),
                              on_error=lambda exc: errors.show_user_error(self, exc))


DICT_NOTE = "OMB M-25-21 data dictionary"


def preview(ws: Workspace, code: str, tier: int, year: int) -> str:
    recs = atrs.records(ws, tier, year=year, codes=[code])
    return atrs.markdown_one(recs[0]) if recs else "*Not reported for this year.*"

