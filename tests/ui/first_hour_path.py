"""The first hour, driven through the window as a newcomer does it, counting what it costs them.

From an empty workspace to an exported meeting pack with the four files an Ops team hands over (a FOCUS export,
an MLflow store, a metrics CSV, the skills CSV): every step goes through the window's own actions — menu actions,
the Getting started buttons, page buttons, dialogs filled through their widgets, files dropped on the window.
Nothing is written through a service from here.

:class:`User` does the clicking and typing and counts it: a click is 1, typed text is its keystrokes, a choice in
a drop-down is 2 (open it, pick), a file named in a file dialog is its typed name and Enter (1 when the suggested
name is accepted), a drop of files from the file manager is 1. Used by ``tests/ui/test_first_hour.py`` (which
asserts the outcome) and ``bench/first_hour.py`` (which reports the count).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FILES = Path(__file__).resolve().parent.parent / "fixtures" / "first_hour"
ORGANISATION = "Department of Examples"
INITIATIVE = "Benefits claim triage"
MEMBERS = (("Ada Lovelace", "ada.lovelace@example.gov"), ("Grace Hopper", "grace.hopper@example.gov"),
           ("Frank Knight", "frank.knight@example.gov"), ("Mary Parker", "mary.parker@example.gov"))
MEETING = "First committee meeting"
RATIONALE = "Team gap noted; a finance analyst joins."


@dataclass
class User:
    """A person at the window: does what they do through the widgets and counts the actions by step."""

    settle: Callable[[], None]
    folder: Path  # where their file dialogs open
    steps: dict[str, int] = field(default_factory=dict)
    step: str = ""

    def begin(self, step: str) -> None:
        self.step = step
        self.steps.setdefault(step, 0)

    def _count(self, n: int) -> None:
        self.steps[self.step] = self.steps.get(self.step, 0) + n

    @property
    def total(self) -> int:
        return sum(self.steps.values())

    def click(self, widget: Any) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        assert widget.isEnabled(), f"{widget.text() if hasattr(widget, 'text') else widget} is disabled"
        self._count(1)
        QTest.mouseClick(widget, Qt.MouseButton.LeftButton)
        self.settle()

    def menu(self, action: Any) -> None:
        """A menu command: open the menu, pick the item."""
        assert action.isEnabled(), action.text()
        self._count(2)
        action.trigger()
        self.settle()

    def type(self, widget: Any, text: str) -> None:
        from PySide6.QtTest import QTest

        self._count(len(text))
        QTest.keyClicks(widget, text)

    def choose(self, combo: Any, data: Any) -> None:
        index = combo.findData(data)
        assert index >= 0, data
        if index != combo.currentIndex():
            self._count(2)
            combo.setCurrentIndex(index)

    def tick(self, item: Any) -> None:
        from PySide6.QtCore import Qt

        if item.checkState() != Qt.CheckState.Checked:
            self._count(1)
            item.setCheckState(Qt.CheckState.Checked)

    def go(self, window: Any, key: str) -> Any:
        """Click a page in the sidebar."""
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        bar = window.sidebar
        row = next(i for i in range(bar.count()) if bar.item(i).data(Qt.ItemDataRole.UserRole) == key)
        self._count(1)
        QTest.mouseClick(bar.viewport(), Qt.MouseButton.LeftButton, pos=bar.visualItemRect(bar.item(row)).center())
        self.settle()
        assert window.current_page() is window.pages[key]
        return window.pages[key]

    def tab(self, tabs: Any, widget: Any) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        index = tabs.indexOf(widget)
        if tabs.currentIndex() != index:
            self._count(1)
            bar = tabs.tabBar()
            QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
            self.settle()
        assert tabs.currentIndex() == index

    def select_row(self, view: Any, row: int) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        index = view.model().index(row, 1)
        view.scrollTo(index)
        self._count(1)
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())
        self.settle()

    def drop(self, window: Any, paths: list[Path]) -> None:
        """Drag files from the file manager onto the window: one gesture."""
        from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
        from PySide6.QtGui import QDragEnterEvent, QDropEvent
        from PySide6.QtWidgets import QApplication

        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
        pos = window.rect().center()
        enter = QDragEnterEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(window, enter)
        assert enter.isAccepted(), "the window refuses the drop"
        self._count(1)
        QApplication.sendEvent(window, QDropEvent(QPointF(pos), Qt.DropAction.CopyAction, mime,
                                                  Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
        self.settle()

    # --- the platform's own dialogs, answered as the person answers them ---------------------------------------

    def _file_answer(self, start: str, typed: str | None) -> str:
        if typed is None:  # the suggested name, in the folder they work in: Enter
            self._count(1)
            return str(self.folder / Path(start).name)
        self._count(len(typed) + 1)
        return str(self.folder / typed)

    @contextlib.contextmanager
    def answering(self, *, save_as: str | None = None, open_name: str | None = None,
                  text: str | None = None) -> Iterator[None]:
        """While inside: the next save dialog gets ``save_as`` typed (None: the suggested name accepted), an
        open dialog ``open_name``, an input box ``text`` (typed, then Enter)."""
        from PySide6.QtWidgets import QFileDialog, QInputDialog

        saved = (QFileDialog.getSaveFileName, QFileDialog.getOpenFileName, QInputDialog.getText)

        def save(_parent: Any, _caption: str = "", start: str = "", _filter: str = "", *a: Any, **k: Any):
            return self._file_answer(start, save_as), ""

        def open_(_parent: Any, _caption: str = "", _start: str = "", _filter: str = "", *a: Any, **k: Any):
            assert open_name is not None
            return self._file_answer("", open_name), ""

        def ask(*_a: Any, **_k: Any) -> tuple[str, bool]:
            assert text is not None
            self._count(len(text) + 1)
            return text, True

        QFileDialog.getSaveFileName, QFileDialog.getOpenFileName = staticmethod(save), staticmethod(open_)
        QInputDialog.getText = staticmethod(ask)
        try:
            yield
        finally:
            QFileDialog.getSaveFileName, QFileDialog.getOpenFileName, QInputDialog.getText = saved

    def dialog(self, fill: Callable[[Any], None]) -> Callable[[Any], bool]:
        """A page's modal dialog (its ``run_dialog`` hook): filled through its widgets, then OK."""
        from PySide6.QtWidgets import QDialogButtonBox

        def run(dlg: Any) -> bool:
            dlg.show()
            fill(dlg)
            ok = dlg.buttons.button(QDialogButtonBox.StandardButton.Ok) if hasattr(dlg, "buttons") else None
            if ok is None:
                ok = dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
            assert ok.isEnabled(), getattr(getattr(dlg, "status", None), "text", lambda: "")()
            self._count(1)
            dlg.accept()
            return True

        return run

    def form_ok(self, form: Any) -> None:
        assert form.ok_button.isEnabled(), form.problems()
        self.click(form.ok_button)


@dataclass
class Outcome:
    window: Any
    user: User
    pack: Path


def open_empty(path: Path, keep: Callable[[Any], object] = lambda _w: None) -> Any:
    """A window on a new, empty workspace, as the first start opens it (``keep``: e.g. ``qtbot.addWidget``)."""
    from opsdesk.services.workspace import lifecycle
    from opsdesk.ui.main_window import MainWindow

    w = MainWindow(lifecycle.create(path, organisation="", actor="secretary"), owns_workspace=True)
    keep(w)
    w.resize(1440, 900)
    w.show()
    w.settle()
    return w


def first_hour(make_window: Callable[[Path], Any], folder: Path) -> Outcome:
    """Drive the whole first hour from a window on an empty workspace (``make_window(path)``)."""
    from PySide6.QtWidgets import QApplication

    folder.mkdir(parents=True, exist_ok=True)
    first = make_window(folder / "default.opsdesk")

    def settle() -> None:
        (w if w is not None else first).settle()

    w: Any = None
    user = User(settle, folder)

    user.begin("create the workspace")
    with user.answering(save_as="committee.opsdesk"):
        user.menu(first.actions_.get("new_workspace"))
    for _ in range(400):
        if first.replaced_by is not None:
            break
        first.settle()
        QApplication.processEvents()
    w = first.replaced_by
    assert w is not None, "File ▸ New workspace did not open the new workspace"
    w.resize(1440, 900)
    w.settle()
    panel = w.pages["dashboard"].getting_started
    assert panel.isVisible() and panel.checklist is not None and panel.checklist.remaining == 8

    user.begin("name the organisation")
    with user.answering(text=ORGANISATION):
        user.click(panel.buttons["organisation"])

    user.begin("classification scheme")
    user.click(panel.buttons["classification"])

    user.begin("committee of four")
    for n, (name, email) in enumerate(MEMBERS):
        if n:
            user.go(w, "dashboard")
        user.click(panel.buttons["committee"])
        form = w.pages["people"].people.form
        user.type(form.widgets["name"], name)
        user.type(form.widgets["email"], email)
        user.form_ok(form)

    user.begin("first initiative")
    user.go(w, "dashboard")
    user.click(panel.buttons["initiative"])
    form = w.pages["initiatives"].form
    user.type(form.widgets["name"], INITIATIVE)
    user.form_ok(form)

    user.begin("import the Ops files")
    user.drop(w, [FILES / "focus-export.csv", FILES / "mlflow.db", FILES / "metrics.csv"])
    wizard = w.import_wizard
    user.click(wizard.preview_button)
    assert wizard.plan is not None, wizard.summary.text()
    if wizard.plan.has_rejections:
        user.click(wizard.partial)
    user.click(wizard.commit_button)
    assert wizard.report is not None, wizard.summary.text()
    user.click(wizard.close_button)

    user.begin("import the skills CSV")
    people = user.go(w, "people")
    user.tab(people.tabs, people.skills)
    user.click(people.skills.starter)
    with user.answering(open_name="skills.csv"):
        user.click(people.skills.import_button)

    user.begin("allocation rule")
    user.go(w, "dashboard")
    assert "project" in panel.buttons["allocate"].text(), panel.buttons["allocate"].text()
    user.click(panel.buttons["allocate"])

    user.begin("link the models")
    models_page = w.pages["data_models"]
    while True:
        user.go(w, "dashboard")
        step = next(s for s in panel.checklist.steps if s.key == "models")
        if step.done:
            break
        user.click(panel.buttons["models"])
        register = models_page.models
        row = next(r for r in range(register.proxy.rowCount()) if not _initiative_of(register, r))
        user.select_row(register.table, row)
        user.click(_button(register, "Edit…"))
        form = models_page.form
        user.choose(form.widgets["initiative_code"], "AI-0001")
        user.form_ok(form)

    user.begin("plan the meeting")
    committee = w.pages["committee"]
    committee.run_dialog = user.dialog(lambda dlg: user.type(dlg.title, MEETING))
    user.click(panel.buttons["meeting"])
    assert w.current_page() is committee

    user.begin("agenda from “Needs the committee”")
    if committee.meeting() is None:
        user.select_row(committee.meetings_view, 0)

    def take_first(dlg: Any) -> None:
        assert dlg.list.count() >= 1, "nothing needs the committee"
        user.tick(dlg.list.item(0))

    committee.run_dialog = user.dialog(take_first)
    user.click(committee.add_attention_btn)
    meeting = committee.meeting()
    assert meeting is not None and meeting.items, committee.message.text()

    user.begin("hold the meeting and decide")
    # the meeting day comes: the secretary opens the window on it (time passing is not a user action)
    day = meeting.starts_at + dt.timedelta(hours=1)
    w.ws.clock = lambda: day
    for i in range(committee.attendance.count()):
        user.tick(committee.attendance.item(i))
    user.click(committee.save_attendance_btn)
    user.click(committee.held_btn)
    user.select_row(committee.items_view, 0)

    def decide(dlg: Any) -> None:
        from opsdesk.domain.enums import VoteChoice

        for box in dlg.vote_boxes.values():
            user.choose(box, VoteChoice.FOR.value)
        user.type(dlg.rationale, RATIONALE)

    committee.run_dialog = user.dialog(decide)
    user.click(committee.decide_btn)
    assert committee.last_error is None, committee.message.text()

    user.begin("export the pack")
    with user.answering(save_as=None):
        user.click(committee.pack_btn)
    for _ in range(2000):
        if committee.last_export is not None or committee.last_error is not None:
            break
        w.settle()
        QApplication.processEvents()
    assert committee.last_export is not None, committee.message.text()
    user.go(w, "dashboard")
    return Outcome(w, user, Path(committee.last_export.path))


def _button(register: Any, text: str) -> Any:
    from PySide6.QtWidgets import QPushButton

    return next(b for b in register.findChildren(QPushButton) if b.text() == text)


def _initiative_of(register: Any, row: int) -> str:
    from PySide6.QtCore import Qt

    columns = [register.proxy.headerData(c, Qt.Orientation.Horizontal) for c in range(register.proxy.columnCount())]
    return str(register.proxy.index(row, columns.index("Initiative")).data() or "")
