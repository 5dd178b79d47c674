"""Lessons learned across the portfolio: what happened and what to do next time, by initiative, stage and category.
The committee records them at stage gates and reviews; here they are searched, filtered, read in full and kept up
to date. Each initiative's own lessons, and those of similar initiatives, also show in its detail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QMessageBox, QPushButton, QSplitter, QVBoxLayout, QWidget

from opsdesk.domain.enums import STAGE_ORDER, Stage
from opsdesk.services.registry import initiatives, lessons
from opsdesk.services.registry.lessons import LessonDTO
from opsdesk.services.workspace import Workspace
from opsdesk.ui import errors
from opsdesk.ui.dialogs.record_form import FormField, RecordForm, enum_choices
from opsdesk.ui.models.records import Column, attr
from opsdesk.ui.pages.base import Page, PageContext
from opsdesk.ui.undo import run_undoable
from opsdesk.ui.widgets.register import PageLayout, RegisterView

PORTFOLIO = "portfolio"  # a lesson that belongs to no single initiative

COLUMNS = (
    Column("recorded_on", "Recorded", lambda x: x.recorded_on.isoformat(), sort=lambda x: x.recorded_on),
    Column("initiative", "Initiative", lambda x: x.initiative_code or PORTFOLIO),
    Column("stage", "Stage", attr("stage"), sort=lambda x: STAGE_ORDER.index(x.stage)),
    Column("category", "Category", attr("category")),
    Column("what_happened", "What happened", attr("what_happened")),
    Column("recommendation", "Recommendation", attr("recommendation")),
    Column("tags", "Tags", lambda x: ", ".join(x.tags)),
)
EDITED = ("stage", "category", "recorded_on", "what_happened", "recommendation", "tags")


def form_fields(codes: list[str] | None) -> list[FormField]:
    """The form's fields; ``codes`` adds the initiative choice (a lesson keeps its initiative once recorded)."""
    fields = [] if codes is None else [
        FormField("initiative_code", "Initiative", "choice", [("", f"— {PORTFOLIO} —")] + [(c, c) for c in codes])]
    return fields + [
        FormField("stage", "Stage", "choice", enum_choices(Stage)),
        FormField("category", "Category", placeholder="e.g. data quality, procurement, skills"),
        FormField("recorded_on", "Recorded on", placeholder="YYYY-MM-DD"),
        FormField("what_happened", "What happened", "text"),
        FormField("recommendation", "Recommendation", "text"),
        FormField("tags", "Tags", placeholder="comma-separated, e.g. vendor, pii"),
    ]


@dataclass(frozen=True)
class LessonsData:
    lessons: list[LessonDTO]
    codes: list[str]


def load(ws: Workspace) -> LessonsData:
    return LessonsData(lessons.list_all(ws), initiatives.codes(ws))


class LessonsPage(Page):
    def __init__(self, ctx: PageContext) -> None:
        super().__init__(ctx)
        self.data = LessonsData([], [])
        self.form: RecordForm | None = None
        self.register = RegisterView("lessonsTable", "lessons", COLUMNS, self, stretch="what_happened",
                                     hidden=("recommendation",))
        self.register.set_empty_text('No lessons yet: they are recorded with gate decisions (Committee ▸ Decide…), or added with New….')
        for text, icon, handler in (("New…", "new", self.new_record), ("Edit…", "edit", self.edit_selected),
                                    ("Delete", "delete", self.delete_selected)):
            self.register.add_button(text, ctx.actions.icon(icon), handler, f"{text.rstrip('…')} lesson",
                                     enabled=not ctx.ws.read_only)
        self.stage_filter = self._filter("Filter lessons by stage", "All stages")
        for stage in STAGE_ORDER:
            self.stage_filter.addItem(stage.label, stage.value)
        self.category_filter = self._filter("Filter lessons by category", "All categories")
        self.initiative_filter = self._filter("Filter lessons by initiative", "All initiatives")
        self.register.current_changed.connect(self._show)
        self.register.activated.connect(lambda _row: self.edit_selected())

        self.detail = QLabel(self)
        self.detail.setObjectName("lessonDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_button = QPushButton("Open initiative", self)
        self.open_button.setAccessibleName("Open the initiative of this lesson")
        self.open_button.clicked.connect(self._open_initiative)
        detail_box = QWidget(self)
        box = QVBoxLayout(detail_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.detail)
        box.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignLeft)
        box.addStretch(1)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(self.register)
        self.splitter.addWidget(detail_box)
        self.splitter.setSizes([520, 220])
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)
        self.layout_state = PageLayout("lessons", self.splitter, [self.register])
        self._show(None)

    def _filter(self, name: str, everything: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setAccessibleName(name)
        combo.setToolTip(name)
        combo.addItem(everything, None)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        combo.currentIndexChanged.connect(self._apply_filters)
        self.register.filters.addWidget(combo)
        return combo

    def save_state(self) -> None:
        self.layout_state.save()

    def restore_state(self) -> None:
        self.layout_state.restore()

    # --- loading -------------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.ctx.tasks.submit(load, self.ctx.ws, on_done=self._loaded)

    def _loaded(self, data: LessonsData) -> None:
        self.data = data
        self._refill(self.category_filter, sorted({x.category for x in data.lessons if x.category}))
        self._refill(self.initiative_filter,
                     [PORTFOLIO] + sorted({x.initiative_code for x in data.lessons if x.initiative_code}))
        first_load = self.register.model.total == 0
        self.register.set_rows(data.lessons)
        self._apply_filters()
        if first_load and self.register.current() is None:
            self.register.select_first()  # the newest lesson, read in full below

    @staticmethod
    def _refill(combo: QComboBox, values: list[str]) -> None:
        """New choices, keeping the one made when it is still there."""
        chosen = combo.currentData()
        combo.blockSignals(True)
        while combo.count() > 1:
            combo.removeItem(1)
        for value in values:
            combo.addItem(value, value)
        index = combo.findData(chosen) if chosen is not None else 0
        combo.setCurrentIndex(max(index, 0))
        combo.blockSignals(False)

    def _apply_filters(self, _index: int = 0) -> None:
        stage, category = self.stage_filter.currentData(), self.category_filter.currentData()
        initiative = self.initiative_filter.currentData()
        if stage is None and category is None and initiative is None:
            self.register.set_predicate(None)
            return

        def shows(x: LessonDTO) -> bool:
            return ((stage is None or x.stage.value == stage) and (category is None or x.category == category)
                    and (initiative is None or (x.initiative_code or PORTFOLIO) == initiative))

        self.register.set_predicate(shows)

    def _show(self, x: LessonDTO | None) -> None:
        self.open_button.setEnabled(bool(x is not None and x.initiative_code))
        if x is None:
            self.detail.setText("<i>Select a lesson to read it in full. Double-click (or Enter) edits it.</i>")
            return
        whose = escape(x.initiative_code or "the portfolio")
        parts = [f"<b>{whose}</b> · {escape(x.stage.label)} · recorded {x.recorded_on.isoformat()}"
                 + (f" · {escape(x.category)}" if x.category else "")
                 + (f" · tags: {escape(', '.join(x.tags))}" if x.tags else ""),
                 f"<p><b>What happened</b><br>{escape(x.what_happened)}</p>"]
        if x.recommendation:
            parts.append(f"<p><b>Recommendation</b><br>{escape(x.recommendation)}</p>")
        self.detail.setText("".join(parts))

    def _open_initiative(self) -> None:
        x = self.register.current()
        if x is not None and x.initiative_code:
            self.ctx.open_initiative(x.initiative_code)

    def find(self) -> None:
        self.register.search.setFocus()
        self.register.search.selectAll()

    # --- editing -------------------------------------------------------------------------------------------------

    def _undoable(self, text: str, apply: Any, revert: Any) -> None:
        run_undoable(self.ctx.tasks, self.ctx.undo, text, apply, revert,
                     on_done=lambda _r: self.ctx.status(text[0].upper() + text[1:]),
                     on_error=lambda exc: errors.show_user_error(self, exc))

    def new_record(self) -> None:
        today = self.ctx.ws.clock().date().isoformat()
        self.form = RecordForm("New lesson", lessons.SCHEMA, form_fields(self.data.codes),
                               {"stage": Stage.PILOT, "recorded_on": today}, parent=self)
        self.form.accepted.connect(self._create)
        self.form.open()

    def _create(self) -> None:
        assert self.form is not None
        values = self.form.raw_values()
        code = values.pop("initiative_code", "") or None
        ws, state = self.ctx.ws, {}

        def apply() -> LessonDTO:
            dto = lessons.create(ws, code, values)
            state["id"] = dto.id
            return dto

        self._undoable(f"record a lesson for {code or PORTFOLIO}", apply, lambda: lessons.delete(ws, state["id"]))

    def edit_selected(self) -> None:
        x = self.register.current()
        if x is None:
            return
        before = {name: getattr(x, name) for name in EDITED}
        form = self.form = RecordForm(f"Edit lesson of {x.initiative_code or PORTFOLIO}, {x.recorded_on}",
                                      lessons.SCHEMA, form_fields(None), before, parent=self)
        ws = self.ctx.ws

        def save() -> None:
            changes = form.changed_values()
            if changes:
                old = {k: _form_text(before[k]) for k in changes}
                self._undoable(f"edit the lesson of {x.initiative_code or PORTFOLIO}",
                               lambda: lessons.update(ws, x.id, changes), lambda: lessons.update(ws, x.id, old))

        form.accepted.connect(save)
        form.open()

    def delete_selected(self) -> None:
        x = self.register.current()
        if x is None:
            return
        if errors.dialogs_enabled and QMessageBox.question(
                self, "Delete lesson", "Delete this lesson? You can undo this with Ctrl+Z.") \
                != QMessageBox.StandardButton.Yes:
            return
        ws, state = self.ctx.ws, {"id": x.id}
        values = {name: _form_text(getattr(x, name)) for name in EDITED}

        def revert() -> None:
            state["id"] = lessons.create(ws, x.initiative_code, values).id

        self._undoable(f"delete the lesson of {x.initiative_code or PORTFOLIO}",
                       lambda: lessons.delete(ws, state["id"]), revert)


def _form_text(value: Any) -> Any:
    """A value as the form would give it back (what an undo sends to the service)."""
    if isinstance(value, Stage):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(value)
    return "" if value is None else value
