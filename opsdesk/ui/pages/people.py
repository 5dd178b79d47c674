"""People & Skills: a tab widget whose first tab is the people register, then the skills matrix and the training
records. Each tab loads on the worker when it is shown (the others when they are next shown); rows one tab has
read (everyone, the training records) are handed to the others of the same load rather than read again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QCheckBox, QTabWidget, QVBoxLayout, QWidget

from opsdesk.domain.enums import GOVERNING_DISCIPLINES, VOTING_ROLES, CommitteeRole, Discipline
from opsdesk.services.registry import people
from opsdesk.services.registry.people import PersonDTO
from opsdesk.ui import errors
from opsdesk.ui.dialogs.record_form import FormField, RecordForm, enum_choices
from opsdesk.ui.models.records import Column, attr
from opsdesk.ui.pages.base import Page, PageContext, tab_screenshots
from opsdesk.ui.pages.skills import Shared, SkillsMatrixView, TrainingView
from opsdesk.ui.undo import run_undoable
from opsdesk.ui.widgets.register import RegisterView

if TYPE_CHECKING:
    from opsdesk.services.workspace import Workspace

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


@dataclass(frozen=True)
class RegisterData:
    people: list[PersonDTO]  # everyone, by name
    hay: list[str]  # their search text


def load_people(ws: Workspace) -> RegisterData:
    """The People tab: everyone (plain rows, no ORM objects) and their search text, read on the worker."""
    from opsdesk.ui import gc_guard
    from opsdesk.ui.models.records import haystack

    with gc_guard.held():
        everyone = people.list_all(ws, include_inactive=True)
        return RegisterData(everyone, haystack(COLUMNS, everyone))


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
        self.skills = SkillsMatrixView(ctx, self)
        self.skills.setObjectName("skillsMatrix")
        self.tabs.addTab(self.skills, "Skills matrix")
        self.training = TrainingView(ctx, self)
        self.training.setObjectName("training")
        self.tabs.addTab(self.training, "Training")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self._data: RegisterData | None = None
        self._loads = 0  # refreshes so far: rows are handed between the tabs of one load only
        self._shared = Shared()  # rows the current load's tabs have read, for the others
        self._stale: set[QWidget] = {self.people, self.skills, self.training}  # tabs to reload when shown
        self.tabs.currentChanged.connect(self._shown)

    def refresh(self) -> None:
        """Reload the tab shown, on the worker; the other two reload when they are next shown (each tab is a wait
        of its own: a person opening the register does not wait for the heat map's analytics)."""
        self._loads += 1
        self._shared = Shared()
        self._stale = {self.people, self.skills, self.training}
        self._load(self.tabs.currentWidget())

    def _shown(self, _index: int) -> None:
        tab = self.tabs.currentWidget()
        if tab in self._stale:
            self._load(tab)

    def _load(self, tab: QWidget) -> None:
        self._stale.discard(tab)
        load = self._loads
        if tab is self.skills:
            self.skills.refresh(self._shared, on_done=lambda data: self._share(load, data.read))
        elif tab is self.training:
            self.training.refresh(self._shared,
                                  on_done=lambda data: self._share(load, Shared(data.people, data.rows)))
        else:
            self.ctx.tasks.submit(load_people, self.ctx.ws, on_done=lambda data: self._people_loaded(load, data))

    def _share(self, load: int, read: Shared) -> None:
        """Keep the rows a tab read for the other tabs of the same load (not of an older one)."""
        if load == self._loads:
            mine = self._shared
            self._shared = Shared(mine.people if mine.people is not None else read.people,
                                  mine.training if mine.training is not None else read.training)

    def _people_loaded(self, load: int, data: RegisterData) -> None:
        retired, self._data = [self._data], data
        self.people.register.set_rows(data.people, hay=data.hay)
        self._share(load, Shared(data.people))
        # the model now holds the new rows only: the previous load's rows are freed on the worker (plain Python
        # objects, no Qt ones), not by the GUI thread between two frames
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
