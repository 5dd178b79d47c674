"""The register of initiatives: filters, a lazy sortable table, the detail panel, and undoable edits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QMessageBox, QSplitter, QVBoxLayout

from opsdesk.analytics.rag import THRESHOLD_TEXT, spend_rag
from opsdesk.domain.enums import STAGE_ORDER, Discipline, RiskTier, Stage
from opsdesk.services.registry import initiatives, objectives, people
from opsdesk.services.registry.initiatives import InitiativeRow
from opsdesk.services.workspace import Workspace, lifecycle
from opsdesk.ui import errors, gc_guard
from opsdesk.ui.dialogs.team import Candidate
from opsdesk.ui.models.records import Column, attr, haystack
from opsdesk.ui.pages import initiative_form
from opsdesk.ui.pages.base import Page, PageContext
from opsdesk.ui.pages.initiative_detail import InitiativeDetailPanel, money
from opsdesk.ui.theme import RAG_COLOURS
from opsdesk.ui.undo import run_undoable
from opsdesk.ui.widgets.register import PageLayout, RegisterView


def _rag(r: InitiativeRow) -> str:
    return spend_rag(r.budget, r.spend_to_date)


COLUMNS = (
    Column("code", "Code", attr("code")),
    Column("name", "Name", attr("name")),
    Column("stage", "Stage", attr("stage"), sort=lambda r: STAGE_ORDER.index(r.stage)),
    Column("risk_tier", "Risk", attr("risk_tier"), sort=lambda r: list(RiskTier).index(r.risk_tier)),
    Column("owner", "Owner", attr("owner")),
    Column("objectives", "Objectives", lambda r: ", ".join(r.objectives)),
    Column("budget", "Budget", lambda r: money(r.budget, r.currency), sort=lambda r: r.budget, numeric=True),
    Column("spend_to_date", "Spend to date", lambda r: money(r.spend_to_date, r.currency),
           sort=lambda r: r.spend_to_date, numeric=True),
    Column("rag", "RAG", _rag, sort=lambda r: ("red", "amber", "green", "grey").index(_rag(r)),
           colour=lambda r: RAG_COLOURS[_rag(r)], tooltip=lambda r: f"Spend vs budget: {_rag(r)} ({THRESHOLD_TEXT})",
           searchable=False),
    Column("classification", "Classification", attr("classification")),
)


@dataclass(frozen=True)
class RegisterData:
    rows: list[InitiativeRow]
    objectives: list[tuple[str, str]]
    scheme: tuple[str, ...]
    hay: list[str] | None = None
    people: tuple[Candidate, ...] = ()  # active people, who may join a team


def load_register(ws: Workspace) -> RegisterData:
    """Everything the register shows (and its forms offer), read on the worker; the GUI thread's collector waits
    until it is read (see gc_guard.held)."""
    with gc_guard.held():
        rows = initiatives.list_rows(ws)
        labels = {d: d.label for d in Discipline}
        candidates = tuple(Candidate(pid, name, labels[d])
                           for pid, name, d in sorted(people.names(ws), key=lambda p: p[1].casefold()))
        return RegisterData(rows, [(o.code, o.title) for o in objectives.list_all(ws)],
                            lifecycle.info(ws).classification_scheme, haystack(COLUMNS, rows), candidates)


class InitiativesPage(Page):
    def __init__(self, ctx: PageContext) -> None:
        super().__init__(ctx)
        self.data = RegisterData([], [], ("OFFICIAL",))
        self.form: initiative_form.InitiativeForm | None = None
        self.ask_path: Callable[[str], str] = self._ask_path  # tests answer the save dialog here
        self.last_export: Any = None
        self.last_error: BaseException | None = None
        self.register = RegisterView("initiativesTable", "initiatives", COLUMNS, self, key=lambda r: r.code,
                                     hidden=("classification",))
        self.register.set_empty_text('No initiatives yet: New… (Ctrl+N) registers the first one.')
        self.search = self.register.search
        self.table = self.register.table
        self.model = self.register.model
        self.proxy = self.register.proxy
        self.filters: dict[str, QComboBox] = {}
        for key, label in (("stage", "stage"), ("discipline", "discipline"), ("risk", "risk tier"),
                           ("objective", "objective"), ("classification", "classification")):
            combo = QComboBox(self)
            combo.setObjectName(f"filter_{key}")
            combo.setAccessibleName(f"Filter by {label}")
            combo.setToolTip(f"Show only initiatives with this {label}")
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.currentIndexChanged.connect(self._apply_filters)
            self.filters[key] = combo
            self.register.filters.addWidget(combo)
        self._fill_filter("stage", "All stages", [(s.value, s.label) for s in Stage])
        self._fill_filter("discipline", "All disciplines", [(d.value, d.label) for d in Discipline])
        self._fill_filter("risk", "All risk tiers", [(r.value, r.label) for r in RiskTier])

        self.detail = InitiativeDetailPanel(ctx, self)
        self.detail.edit_requested.connect(self.edit_code)
        self.register.current_changed.connect(
            lambda row: self.detail.show_code(row.code if row is not None else None))
        self.register.activated.connect(lambda row: self.edit_code(row.code))

        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setObjectName("initiativesSplitter")
        self.splitter.addWidget(self.register)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([330, 470])
        self.layout_state = PageLayout("initiatives", self.splitter, [self.register])
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)
        self._pending_open: str | None = None

    # --- loading -----------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.ctx.tasks.submit(load_register, self.ctx.ws, on_done=self._loaded)
        # the dossier of the initiative the page will show (the one asked for, else the one selected) is read
        # right after the register, on the same worker, while the GUI thread fills the table
        current = self.register.current()
        self.detail.refresh(self._pending_open or (current.code if current is not None else None))

    def _loaded(self, data: RegisterData) -> None:
        self.data = data
        self._fill_filter("objective", "All objectives", [(c, f"{c} {t}") for c, t in data.objectives])
        self._fill_filter("classification", "All markings", [(m, m) for m in data.scheme])
        self.register.set_rows(data.rows, hay=data.hay)
        if self._pending_open and self.register.select_key(self._pending_open):
            self._pending_open = None
        elif self.register.current() is None:
            self.register.select_first()
        if self.detail.code:  # read afresh since refresh() began (unless that read is still on its way)
            self.detail.show_code(self.detail.code)

    def _fill_filter(self, key: str, everything: str, items: list[tuple[str, str]]) -> None:
        combo = self.filters[key]
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(everything, None)
        for data, label in items:
            combo.addItem(label, data)
        combo.setCurrentIndex(max(combo.findData(current), 0) if current is not None else 0)
        combo.blockSignals(False)

    def _apply_filters(self) -> None:
        wanted = {k: c.currentData() for k, c in self.filters.items() if c.currentData() is not None}
        if not wanted:
            self.register.set_predicate(None)
            return
        tests: list[Callable[[InitiativeRow], bool]] = []
        if "stage" in wanted:
            tests.append(lambda r: r.stage.value == wanted["stage"])
        if "discipline" in wanted:
            tests.append(lambda r: wanted["discipline"] in r.disciplines)
        if "risk" in wanted:
            tests.append(lambda r: r.risk_tier.value == wanted["risk"])
        if "objective" in wanted:
            tests.append(lambda r: wanted["objective"] in r.objectives)
        if "classification" in wanted:
            tests.append(lambda r: r.classification == wanted["classification"])
        self.register.set_predicate(lambda r: all(t(r) for t in tests))

    def set_filter(self, key: str, value: str | None) -> None:
        combo = self.filters[key]
        combo.setCurrentIndex(max(combo.findData(value), 0) if value is not None else 0)

    # --- commands ----------------------------------------------------------------------------------------------

    def find(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def open_initiative(self, code: str) -> None:
        if not self.register.select_key(code):
            self._pending_open = code
            self.search.clear()
            self.search.flush()
            for combo in self.filters.values():
                combo.setCurrentIndex(0)
            if self.register.select_key(code):
                self._pending_open = None

    def _taken(self) -> set[str]:
        return {r.code for r in self.model.all_rows()}

    def new_record(self) -> None:
        taken = self._taken()
        numbers = [int(c[3:]) for c in taken if c.startswith("AI-") and c[3:].isdigit()]
        suggested = f"AI-{(max(numbers) + 1) if numbers else 1:04d}"
        self.form = initiative_form.initiative_form(self, scheme=self.data.scheme, taken_codes=taken,
                                                    objectives=self.data.objectives, people=self.data.people,
                                                    suggested_code=suggested)
        self.form.accepted.connect(self._create_from_form)
        self.form.open()

    def _create_from_form(self) -> None:
        assert self.form is not None
        values = self.form.raw_values()
        weights = self.form.weights.weights()
        team = self.form.team.team()
        code = str(values["code"]).strip()
        ws = self.ctx.ws
        self._pending_open = code
        run_undoable(self.ctx.tasks, self.ctx.undo, f"create {code}",
                     lambda: initiatives.create(ws, values, objectives=weights, team=team),
                     lambda: initiatives.delete(ws, code),
                     on_done=lambda d: self.ctx.status(f"Created {d.code}"), on_error=self._refused)

    def edit_selected(self) -> None:
        row = self.register.current()
        if row is not None:
            self.edit_code(row.code)

    def edit_code(self, code: str) -> None:
        self.ctx.tasks.submit(initiatives.get, self.ctx.ws, code, on_done=self._open_edit_form)

    def _open_edit_form(self, detail: initiatives.InitiativeDetail) -> None:
        self.form = initiative_form.initiative_form(self, scheme=self.data.scheme, taken_codes=self._taken(),
                                                    objectives=self.data.objectives, people=self.data.people,
                                                    detail=detail)
        self.form.accepted.connect(lambda: self._update_from_form(detail))
        self.form.open()

    def _update_from_form(self, detail: initiatives.InitiativeDetail) -> None:
        assert self.form is not None
        changes = self.form.changed_values()
        old_weights = initiative_form.weights_of(detail)
        new_weights = self.form.weights.weights()
        weights, undo_weights = (new_weights, old_weights) if new_weights != old_weights else (None, None)
        old_team, new_team = initiative_form.team_of(detail), self.form.team.team()
        team, undo_team = (new_team, old_team) if new_team != old_team else (None, None)
        if not changes and weights is None and team is None:
            return
        before = initiative_form.before_values(detail, changes)
        new_code = str(changes.get("code", detail.code)).strip()
        ws = self.ctx.ws
        self._pending_open = new_code
        run_undoable(self.ctx.tasks, self.ctx.undo, f"edit {detail.code}",
                     lambda: initiatives.update(ws, detail.code, changes, objectives=weights, team=team),
                     lambda: initiatives.update(ws, new_code, before, objectives=undo_weights, team=undo_team),
                     on_done=lambda d: self.ctx.status(f"Saved {d.code}"), on_error=self._refused)

    def delete_selected(self) -> None:
        row = self.register.current()
        if row is None:
            return
        if errors.dialogs_enabled and QMessageBox.question(
                self, "Delete initiative", f"Delete {row.code} {row.name}? You can undo this with Ctrl+Z.") \
                != QMessageBox.StandardButton.Yes:
            return
        self.ctx.tasks.submit(initiatives.get, self.ctx.ws, row.code, on_done=self._delete)

    def _delete(self, detail: initiatives.InitiativeDetail) -> None:
        ws = self.ctx.ws
        run_undoable(self.ctx.tasks, self.ctx.undo, f"delete {detail.code}",
                     lambda: initiatives.delete(ws, detail.code),
                     lambda: initiative_form.recreate(ws, detail),
                     on_done=lambda _r: self.ctx.status(f"Deleted {detail.code}"), on_error=self._refused)

    # --- the initiative's decision brief (Ctrl+P on this page) -------------------------------------------------

    def _ask_path(self, suggested: str) -> str:
        from opsdesk.ui import file_dialogs

        return file_dialogs.save_file(self, "papers", "Export brief", suggested, "PDF (*.pdf)")

    def export_brief(self) -> None:
        """Ctrl+P here: the selected initiative's decision brief as PDF, built on the worker."""
        row = self.register.current()
        if row is None:
            self.ctx.status("Select an initiative to export its brief")
            return
        path = self.ask_path(f"brief-{row.code}.pdf")
        if not path:
            return
        from opsdesk.services.committee import exports

        def done(result: exports.ExportResult) -> None:
            self.last_export = result
            self.ctx.status(f"Exported {result.doc_id} to {result.path} (SHA-256 {result.sha256[:12]}…)")

        def failed(exc: BaseException) -> None:
            self.last_error = exc
            errors.show_user_error(self, exc)
            if not errors.dialogs_enabled:
                self.ctx.status(f"Not exported: {exc}")

        self.ctx.status(f"Exporting the brief of {row.code}…")
        self.ctx.tasks.submit(exports.export, self.ctx.ws, path, initiative=row.code, on_done=done, on_error=failed)

    def _refused(self, exc: BaseException) -> None:
        self._pending_open = None
        errors.show_user_error(self, exc)
        if not errors.dialogs_enabled:
            self.ctx.status(f"Not saved: {exc}")

    # --- state and screenshots ---------------------------------------------------------------------------------

    def save_state(self) -> None:
        self.layout_state.save()

    def restore_state(self) -> None:
        self.layout_state.restore()

    def extra_screenshots(self, folder: Path, settle: Callable[[], None], grab: Callable[[], Any]) -> list[Path]:
        """The detail of the first initiative with the register folded away (the page itself shows it below the
        register): its overview, lineage and history."""
        self.register.select_first()
        settle()
        sizes = self.splitter.sizes()
        self.splitter.setSizes([0, sum(sizes)])
        saved = []
        try:
            for tab, name in ((0, "initiative_detail"), (1, "initiative_lineage"), (6, "initiative_history")):
                self.detail.tabs.setCurrentIndex(tab)
                settle()
                path = folder / f"{name}.png"
                grab().save(str(path))
                saved.append(path)
        finally:
            self.detail.tabs.setCurrentIndex(0)
            self.splitter.setSizes(sizes)
        return saved
