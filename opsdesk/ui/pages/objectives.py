"""Objectives with their KPI and target, the objectives × initiatives alignment matrix, and what is unaligned."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QSplitter, QVBoxLayout, QWidget

from opsdesk.services.registry import alignment as alignment_service
from opsdesk.services.registry import objectives
from opsdesk.services.registry.alignment import Alignment
from opsdesk.ui import errors
from opsdesk.ui.dialogs.record_form import FormField, RecordForm
from opsdesk.ui.models.records import Column
from opsdesk.ui.pages.base import Page, PageContext
from opsdesk.ui.theme import RAG_COLOURS
from opsdesk.ui.undo import run_undoable
from opsdesk.ui.widgets.register import PageLayout, RegisterView

FLAG = "⚑"

OBJECTIVE_COLUMNS = (
    Column("code", "Code", lambda x: x.objective.code),
    Column("title", "Objective", lambda x: x.objective.title),
    Column("kpi", "KPI", lambda x: x.objective.kpi_name),
    Column("target", "Target", lambda x: x.objective.kpi_target),
    Column("owner", "Owner", lambda x: x.objective.owner),
    Column("due", "Due", lambda x: x.objective.due_date.isoformat() if x.objective.due_date else "",
           sort=lambda x: x.objective.due_date),
    Column("initiatives", "Initiatives", lambda x: str(x.initiative_count), sort=lambda x: x.initiative_count,
           numeric=True, colour=lambda x: RAG_COLOURS["red"] if x.initiative_count == 0 else None,
           tooltip=lambda x: "No initiative serves this objective" if x.initiative_count == 0 else
           f"{x.initiative_count} initiatives serve this objective"),
    Column("weight", "Total weight", lambda x: f"{x.weight_total:g}", sort=lambda x: x.weight_total, numeric=True),
)

FORM_FIELDS = (
    FormField("code", "Code", placeholder="OBJ-01"),
    FormField("title", "Title"),
    FormField("kpi_name", "KPI"),
    FormField("kpi_target", "Target"),
    FormField("owner", "Owner"),
    FormField("due_date", "Due date", placeholder="YYYY-MM-DD"),
    FormField("description", "Description", "text"),
)


class MatrixRow:
    """One initiative across every objective (the alignment matrix is long, so initiatives are its rows)."""

    __slots__ = ("code", "name", "weights")

    def __init__(self, code: str, name: str, weights: dict[str, Decimal]) -> None:
        self.code, self.name, self.weights = code, name, weights


def matrix_columns(objective_codes: list[str]) -> list[Column]:
    cols = [
        Column("code", "Initiative", lambda r: r.code),
        Column("name", "Name", lambda r: r.name),
        Column("aligned", "Aligned", lambda r: "yes" if r.weights else f"{FLAG} no objective",
               colour=lambda r: None if r.weights else RAG_COLOURS["red"], searchable=False),
    ]
    for code in objective_codes:
        cols.append(Column(code, code, lambda r, c=code: f"{r.weights[c]:g}" if c in r.weights else "",
                           sort=lambda r, c=code: r.weights.get(c), numeric=True, searchable=False,
                           tooltip=lambda r, c=code: f"{r.code} serves {c} with weight {r.weights[c]:g}"
                           if c in r.weights else f"{r.code} does not serve {c}"))
    return cols


class ObjectivesPage(Page):
    def __init__(self, ctx: PageContext) -> None:
        super().__init__(ctx)
        self.alignment: Alignment | None = None
        self.form: RecordForm | None = None
        self.objectives = RegisterView("objectivesTable", "objectives", OBJECTIVE_COLUMNS, self,
                                       key=lambda x: x.objective.code, stretch="title")
        self.objectives.set_empty_text("No objectives yet: New… adds one; initiatives then say which they "
                                       "serve.")
        self.objectives.activated.connect(lambda line: self.edit_code(line.objective.code))
        self.flags = QLabel(self)
        self.flags.setObjectName("alignmentFlags")
        self.flags.setWordWrap(True)
        self.flags.setTextFormat(Qt.TextFormat.RichText)
        self.matrix = RegisterView("alignmentMatrix", "initiatives", matrix_columns([]), self,
                                   key=lambda r: r.code)
        self.matrix.set_empty_text("No initiatives yet: each registered initiative gets a row here.")
        self.matrix.activated.connect(lambda r: self.ctx.open_initiative(r.code))
        matrix_box = QWidget(self)
        box = QVBoxLayout(matrix_box)
        box.setContentsMargins(0, 0, 0, 0)
        title = QLabel("<b>Alignment matrix</b> — initiatives × objectives with weights; double-click an "
                       "initiative to open it.", matrix_box)
        box.addWidget(title)
        box.addWidget(self.flags)
        box.addWidget(self.matrix, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(self.objectives)
        self.splitter.addWidget(matrix_box)
        self.splitter.setSizes([300, 500])
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)
        self.layout_state = PageLayout("objectives", self.splitter, [self.objectives])  # the matrix columns vary

    def save_state(self) -> None:
        self.layout_state.save()

    def restore_state(self) -> None:
        self.layout_state.restore()

    def refresh(self) -> None:
        self.ctx.tasks.submit(alignment_service.alignment, self.ctx.ws, on_done=self._loaded)

    def _loaded(self, a: Alignment) -> None:
        self.alignment = a
        self.objectives.set_rows(a.objectives)
        codes = [line.objective.code for line in a.objectives]
        by_init: dict[str, dict[str, Decimal]] = {}
        for (init_code, obj_code), weight in a.weights.items():
            by_init.setdefault(init_code, {})[obj_code] = weight
        if [c.key for c in self.matrix.model.columns[3:]] != codes:
            self.matrix.set_columns(matrix_columns(codes))
        self.matrix.set_rows([MatrixRow(code, name, by_init.get(code, {})) for code, name in a.initiatives])
        lonely, unaligned = a.objectives_without_initiative, a.initiatives_without_objective
        red = RAG_COLOURS["red"]
        parts = []
        parts.append(f"<span style='color:{red}'>{FLAG}</span> Objectives with no initiative: "
                     + (", ".join(lonely) if lonely else "none"))
        shown = ", ".join(unaligned[:12]) + (f" and {len(unaligned) - 12} more" if len(unaligned) > 12 else "")
        parts.append(f"<span style='color:{red}'>{FLAG}</span> Initiatives with no objective: "
                     + (shown if unaligned else "none"))
        self.flags.setText("<br>".join(parts))

    def find(self) -> None:
        self.objectives.search.setFocus()
        self.objectives.search.selectAll()

    def _form(self, title: str, values: dict[str, Any], own_code: str | None) -> RecordForm:
        taken = {line.objective.code for line in (self.alignment.objectives if self.alignment else [])}
        taken.discard(own_code or "")

        def check(raw: dict[str, Any]) -> dict[str, str]:
            code = str(raw.get("code", "")).strip()
            return {"code": f"{code} is already used by another objective"} if code in taken else {}

        return RecordForm(title, objectives.SCHEMA, FORM_FIELDS, values, cross_check=check, parent=self)

    def new_record(self) -> None:
        self.form = self._form("New objective", {}, None)
        self.form.accepted.connect(self._create)
        self.form.open()

    def _create(self) -> None:
        assert self.form is not None
        values = self.form.raw_values()
        code = str(values["code"]).strip()
        ws = self.ctx.ws
        run_undoable(self.ctx.tasks, self.ctx.undo, f"create objective {code}",
                     lambda: objectives.create(ws, values), lambda: objectives.delete(ws, code),
                     on_error=lambda exc: errors.show_user_error(self, exc))

    def edit_selected(self) -> None:
        line = self.objectives.current()
        if line is not None:
            self.edit_code(line.objective.code)

    def edit_code(self, code: str) -> None:
        line = next((x for x in self.objectives.model.all_rows() if x.objective.code == code), None)
        if line is None:
            return
        o: objectives.ObjectiveDTO = line.objective
        before = {f.name: getattr(o, f.name) for f in FORM_FIELDS}
        self.form = self._form(f"Edit {code}", before, code)
        self.form.accepted.connect(lambda: self._update(o, before))
        self.form.open()

    def delete_selected(self) -> None:
        line = self.objectives.current()
        if line is None:
            return
        o: objectives.ObjectiveDTO = line.objective
        if errors.dialogs_enabled and QMessageBox.question(
                self, "Delete objective", f"Delete {o.code} {o.title}? You can undo this with Ctrl+Z.") \
                != QMessageBox.StandardButton.Yes:
            return
        values = {f.name: getattr(o, f.name) for f in objectives.SCHEMA}
        ws = self.ctx.ws
        run_undoable(self.ctx.tasks, self.ctx.undo, f"delete objective {o.code}",
                     lambda: objectives.delete(ws, o.code), lambda: objectives.create(ws, values),
                     on_error=lambda exc: errors.show_user_error(self, exc))

    def _update(self, o: objectives.ObjectiveDTO, before: dict[str, Any]) -> None:
        assert self.form is not None
        changes = self.form.changed_values()
        if not changes:
            return
        old = {k: ("" if before[k] is None else str(before[k])) for k in changes}
        new_code = str(changes.get("code", o.code)).strip()
        ws = self.ctx.ws
        run_undoable(self.ctx.tasks, self.ctx.undo, f"edit objective {o.code}",
                     lambda: objectives.update(ws, o.code, changes), lambda: objectives.update(ws, new_code, old),
                     on_error=lambda exc: errors.show_user_error(self, exc))
