"""People & Skills: a tab widget whose first tab is the people register, then the skills matrix and the training
records (all three loaded by one worker task)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QCheckBox, QTabWidget, QVBoxLayout, QWidget

from opsdesk.domain.enums import GOVERNING_DISCIPLINES, VOTING_ROLES, CommitteeRole, Discipline
from opsdesk.services.registry import people
from opsdesk.services.registry.people import PersonDTO
from opsdesk.ui import errors
from opsdesk.ui.dialogs.record_form import FormField, RecordForm, enum_choices
from opsdesk.ui.models.records import Column, attr
from opsdesk.ui.pages.base import Page, PageContext, tab_screenshots
from opsdesk.ui.undo import run_undoable
from opsdesk.ui.widgets.register import RegisterView

if TYPE_CHECKING:
    from opsdesk.services.workspace import Workspace
    from opsdesk.ui.pages.skills import Order, PeopleSkillsData

COLUMNS = (
    Column("name", "Name", attr("name")),
    Column("discipline", "Discipline", attr("discipline")),
    Column("committee_role", "Committee role", attr("committee_role"),
           sort=lambda p: list(CommitteeRole).index(p.committee_role)),
    Column("unit", "Unit", attr("unit")),
    Column("email", "E-mail", attr("email")),
    Column("active", "Active", lambda p: "yes" if p.active else "no (inactive)",
           colour=lambda p: None if p.active else "#9e9e9e"),
)
FORM_FIELDS = (
    FormField("name", "Name"),
    FormField("email", "E-mail", placeholder="name@organisation.gov"),
    FormField("unit", "Unit"),
    FormField("discipline", "Discipline", "choice", enum_choices(Discipline)),
    FormField("committee_role", "Committee role", "choice", enum_choices(CommitteeRole)),
    FormField("active", "Active", "bool"),
)


def load_people_and_skills(ws: Workspace, matrix_order: Order | None = None,
                           training_order: Order | None = None) -> PeopleSkillsData:
    """Everything People & Skills shows: plain rows (no ORM objects), the cross-training report computed from
    them, the panel's HTML, the training summary and the columns' widest texts — the GUI thread only sets the
    models (``*_order``: the column and order each table shows, which its rows come back sorted by)."""
    from opsdesk.analytics.skills import hours_by_quarter
    from opsdesk.services.standards import skills
    from opsdesk.ui import gc_guard
    from opsdesk.ui.models.records import haystack
    from opsdesk.ui.pages.skills import PeopleSkillsData, matrix_data, training_data

    with gc_guard.held():
        everyone = people.list_all(ws, include_inactive=True)
        training = skills.list_training(ws)
        hours = hours_by_quarter(training)  # the report's and the training tab's
        return PeopleSkillsData(everyone, haystack(COLUMNS, everyone),
                                matrix_data(ws, everyone, training, matrix_order, hours),
                                training_data(ws, everyone, training, training_order, hours))


class PeopleRegister(QWidget):
    """The people register: inactive people are hidden unless "Show inactive" is ticked."""

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.form: RecordForm | None = None
        self.register = RegisterView("peopleTable", "people", COLUMNS, self)
        self.register.set_empty_text('No people yet: New… adds a person; a chair or member role puts them on the committee.')
        self.show_inactive = QCheckBox("Show inactive", self)
        self.show_inactive.setAccessibleName("Show inactive people")
        self.show_inactive.toggled.connect(self._apply_filter)
        self.register.filters.addWidget(self.show_inactive)
        editable = not ctx.ws.read_only
        self.register.add_button("New…", ctx.actions.icon("new"), self.new_record, "New person", enabled=editable)
        self.register.add_button("Edit…", ctx.actions.icon("edit"), self.edit_selected, "Edit person",
                                 enabled=editable)
        self.register.add_button("Deactivate", ctx.actions.icon("delete"), self.delete_selected,
                                 "Deactivate person", enabled=editable)
        self.register.activated.connect(lambda _p: self.edit_selected())
        layout = QVBoxLayout(self)
        layout.addWidget(self.register)
        self._apply_filter()

    def _apply_filter(self) -> None:
        self.register.set_predicate(None if self.show_inactive.isChecked() else (lambda p: p.active))

    def _form(self, title: str, values: dict[str, Any], own_email: str | None) -> RecordForm:
        taken = {p.email for p in self.register.model.all_rows()} - {own_email or ""}

        def check(raw: dict[str, Any]) -> dict[str, str]:
            email = str(raw.get("email", "")).strip().lower()
            return {"email": f"{email} belongs to someone else"} if email in taken else {}

        return RecordForm(title, people.SCHEMA, FORM_FIELDS, values, cross_check=check, parent=self)

    def new_record(self, committee_role: str = "none", discipline: str = "data") -> None:
        title = "New committee member" if committee_role != "none" else "New person"
        self.form = self._form(title, {"active": True, "committee_role": committee_role, "discipline": discipline},
                               None)
        form = self.form
        form.accepted.connect(lambda: self._create(form.raw_values()))
        form.open()

    def _create(self, values: dict[str, Any]) -> None:
        ws, state = self.ctx.ws, {}

        def apply() -> PersonDTO:
            if "id" in state:  # redo after undo: the person comes back
                return people.update(ws, state["id"], {"active": True})
            dto = people.create(ws, values)
            state["id"] = dto.id
            return dto

        # people are never deleted (votes refer to them): undoing an addition makes the person inactive
        run_undoable(self.ctx.tasks, self.ctx.undo, f"add {values['name']}", apply,
                     lambda: people.deactivate(ws, state["id"]),
                     on_error=lambda exc: errors.show_user_error(self, exc))

    def delete_selected(self) -> None:
        """People are never deleted (votes and decisions name them): Delete makes the person inactive."""
        p = self.register.current()
        if p is None or not p.active:
            return
        ws = self.ctx.ws
        run_undoable(self.ctx.tasks, self.ctx.undo, f"deactivate {p.name}", lambda: people.deactivate(ws, p.id),
                     lambda: people.update(ws, p.id, {"active": True}),
                     on_done=lambda _r: self.ctx.status(f"{p.name} is now inactive"),
                     on_error=lambda exc: errors.show_user_error(self, exc))

    def edit_selected(self) -> None:
        p = self.register.current()
        if p is None:
            return
        before = {f.name: getattr(p, f.name) for f in FORM_FIELDS}
        self.form = self._form(f"Edit {p.name}", before, p.email)
        form, ws = self.form, self.ctx.ws

        def save() -> None:
            changes = form.changed_values()
            if changes:
                old = {k: before[k] if isinstance(before[k], bool) else getattr(before[k], "value", before[k])
                       for k in changes}
                run_undoable(self.ctx.tasks, self.ctx.undo, f"edit {p.name}",
                             lambda: people.update(ws, p.id, changes), lambda: people.update(ws, p.id, old),
                             on_error=lambda exc: errors.show_user_error(self, exc))

        form.accepted.connect(save)
        form.open()


class PeoplePage(Page):
    def __init__(self, ctx: PageContext) -> None:
        super().__init__(ctx)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("peopleTabs")
        self.people = PeopleRegister(ctx, self)
        self.tabs.addTab(self.people, ctx.actions.icon("people"), "People")
        from opsdesk.ui.pages.skills import SkillsMatrixView, TrainingView

        self.skills = SkillsMatrixView(ctx, self)
        self.skills.setObjectName("skillsMatrix")
        self.tabs.addTab(self.skills, "Skills matrix")
        self.training = TrainingView(ctx, self)
        self.training.setObjectName("training")
        self.tabs.addTab(self.training, "Training")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self._data: PeopleSkillsData | None = None

    def refresh(self) -> None:
        """Reload all three tabs in one worker task (plain rows, the cross-training report, the panel's HTML);
        the GUI thread only resets the three models when it arrives."""
        self.ctx.tasks.submit(load_people_and_skills, self.ctx.ws, self.skills.model.sort_state,
                              self.training.model.sort_state, on_done=self._loaded)

    def _loaded(self, data: PeopleSkillsData) -> None:
        retired, self._data = [self._data], data
        self.people.register.set_rows(data.people, hay=data.hay)
        self.skills.fill(data.matrix)
        self.training.fill(data.training)
        # the models now hold the new rows only: the previous load's tens of thousands of rows are freed on the
        # worker (plain Python objects, no Qt ones), not by the GUI thread between two frames
        self.ctx.tasks.submit(retired.clear, quiet=True)

    def find(self) -> None:
        self.people.register.search.setFocus()

    def extra_screenshots(self, folder, settle, grab):  # type: ignore[no-untyped-def]
        """The skills matrix and training tabs as their own screenshots."""
        return tab_screenshots(self.tabs, ((1, "people_skills"), (2, "people_training")), folder, settle, grab)

    def save_state(self) -> None:
        self.people.register.save_state()

    def restore_state(self) -> None:
        self.people.register.restore_state()

    def new_record(self) -> None:
        if self.tabs.currentWidget() is self.people:
            self.people.new_record()

    def new_member(self) -> None:
        """A new voting member of the committee (Getting started): the first discipline not yet covered."""
        self.tabs.setCurrentWidget(self.people)
        voting = {p.discipline for p in self.people.register.model.all_rows()
                  if p.active and p.committee_role in VOTING_ROLES}
        missing = [d for d in GOVERNING_DISCIPLINES if d not in voting]
        self.people.new_record("member", (missing[0] if missing else Discipline.DATA).value)

    def edit_selected(self) -> None:
        if self.tabs.currentWidget() is self.people:
            self.people.edit_selected()

    def delete_selected(self) -> None:
        if self.tabs.currentWidget() is self.people:
            self.people.delete_selected()
