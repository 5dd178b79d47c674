"""Skills widgets for the People & Skills page: the person × skill heat map (editable in place, with the
cross-training analytics beside it) and the training records. Each is a standalone widget with ``refresh()``."""

from __future__ import annotations

import datetime as dt
import heapq
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from opsdesk.analytics import skills as analytics
from opsdesk.domain.enums import GOVERNING_DISCIPLINES
from opsdesk.services.registry import people
from opsdesk.services.standards import skills, skills_csv
from opsdesk.services.workspace import Workspace
from opsdesk.ui import errors, file_dialogs, gc_guard
from opsdesk.ui.models.skills import (
    HEAT,
    LEVEL_NAMES,
    SORT_ROLE,
    SkillColumnsProxy,
    SkillsMatrixModel,
    SourceSortProxy,
    TrainingModel,
    cell_levels,
    expiry_state,
    in_order,
    matrix_key,
    training_key,
)
from opsdesk.ui.pages.base import PageContext
from opsdesk.ui.widgets.empty_note import attach as say_when_empty
from opsdesk.ui.widgets.register import ROWS_MEASURED

Order = tuple[int, Qt.SortOrder]  # a table's sort column and order
PANEL_CAP = 40  # entries shown per list of the cross-training panel, then "… and N more"


@dataclass(frozen=True)
class Shared:
    """Rows one tab of People & Skills has read that another may use instead of reading them again — only rows
    of the same load of the page (its ``refresh`` starts a new one)."""

    people: list[people.PersonDTO] | None = None  # everyone, by name
    training: list[skills.TrainingDTO] | None = None  # every record, the latest completed first


@dataclass(frozen=True)
class MatrixData:
    people: list[people.PersonDTO]  # active people
    skills: list[skills.SkillDTO]
    levels: dict[int, int]  # keyed by cell(person id, skill id)
    html: str = ""  # the cross-training panel, built on the worker (its report stays there)
    longest: tuple[tuple[str, ...], ...] = ()  # the longest texts of the person and home columns (their widths)
    ordered_by: Order | None = None  # the column and order ``people`` are sorted by
    read: Shared = Shared()  # everyone and (when the load read them all) every training record


@dataclass(frozen=True)
class TrainingData:
    rows: list[skills.TrainingDTO]
    people: list[people.PersonDTO]  # everyone, active or not
    as_of: dt.date
    hours: list[analytics.QuarterHours]
    summary: str = ""
    longest: tuple[tuple[str, ...], ...] = ()  # the longest texts of each column (their widths)
    ordered_by: Order | None = None  # the column and order ``rows`` are sorted by
    names: dict[int, str] = field(default_factory=dict)  # everyone's name by id


def load_matrix(ws: Workspace, order: Order | None = None, shared: Shared = Shared()) -> MatrixData:  # noqa: B008
    """The skills matrix tab: the heat map's rows and the cross-training panel (``shared``: rows already read).
    The panel lists the certificates expiring soon: without the training tab's records at hand, only those are
    read."""
    with gc_guard.held():
        read = Shared(_everyone(ws, shared), shared.training)
        as_of = ws.clock().astimezone(dt.UTC).date()
        if read.training is not None:
            return matrix_data(ws, read, read.training, as_of, analytics.hours_by_quarter(read.training), order)
        expiring = skills.list_expiring(ws, as_of, as_of + dt.timedelta(days=analytics.EXPIRY_WINDOW_DAYS))
        hours = analytics.hours_by_quarter_counted(skills.training_hours(ws))
        return matrix_data(ws, read, expiring, as_of, hours, order)


def load_training(ws: Workspace, order: Order | None = None, shared: Shared = Shared()) -> TrainingData:  # noqa: B008
    """The training tab: its records, summary and column widths (``shared``: rows already read)."""
    with gc_guard.held():
        training = shared.training if shared.training is not None else skills.list_training(ws)
        return training_data(ws, _everyone(ws, shared), training, order)


def _everyone(ws: Workspace, shared: Shared) -> list[people.PersonDTO]:
    return shared.people if shared.people is not None else people.list_all(ws, include_inactive=True)


def matrix_data(ws: Workspace, read: Shared, training: Sequence[skills.TrainingDTO], as_of: dt.date,
                hours: list[analytics.QuarterHours], order: Order | None) -> MatrixData:
    """The heat map's rows and the cross-training panel of everyone (``read.people``): ``training`` holds at
    least the records expiring within the panel's window of ``as_of``, ``hours`` the hours per quarter."""
    everyone = read.people or []
    active = [p for p in everyone if p.active]
    skill_rows, levels = skills.list_skills(ws), skills.levels(ws)
    snap = analytics.snapshot(active, skill_rows, levels, *analytics.load_teams(ws))
    report = analytics.report(snap, training, {p.id: p.name for p in everyone}, as_of, pairings=PANEL_CAP,
                              hours=hours)
    cells = cell_levels(levels)
    shown = in_order(active, *order, matrix_key(skill_rows, cells, order[0])) if order else active
    return MatrixData(shown, skill_rows, cells, _analytics_html(report),
                      (_longest(p.name for p in active),
                       _longest(d.label for d in {p.discipline for p in active})), order, read)


def training_data(ws: Workspace, everyone: list[people.PersonDTO], rows: list[skills.TrainingDTO],
                  order: Order | None) -> TrainingData:
    as_of = ws.clock().date()
    hours = analytics.hours_by_quarter(rows)
    states: Counter[str] = Counter()  # each expiry date's state found once: thousands of records share a date
    for expires_on, n in Counter(t.expires_on for t in rows).items():
        states[expiry_state(expires_on, as_of)] += n
    quarters = sorted({h.quarter for h in hours})[-4:]
    per_q = " · ".join(f"{q}: {sum(h.hours for h in hours if h.quarter == q):g} h" for q in quarters)
    summary = (f"{len(rows)} records · {states['expiring']} certificates expire within 90 days · "
               f"{states['expired']} expired · hours per quarter: {per_q or '—'}")
    names = {p.id: p.name for p in everyone}
    longest = (_longest(names[pid] for pid in {t.person_id for t in rows}), _longest({t.course for t in rows}),
               _longest({t.provider for t in rows}), _longest({d.label for d in {t.discipline for t in rows}}),
               _longest(f"{h:g}" for h in {t.hours for t in rows}), ("0000-00-00",),
               _longest({t.certificate_ref or "" for t in rows}), ("0000-00-00",))
    shown = in_order(rows, *order, training_key(names, order[0])) if order else rows
    return TrainingData(shown, everyone, as_of, hours, summary, longest, order, names)


def _longest(texts: Iterable[str], keep: int = 12) -> tuple[str, ...]:
    """The few longest of ``texts`` (by characters): the widest when drawn is among them."""
    return tuple(heapq.nlargest(keep, set(texts), key=len))


def fit_columns(table: QTableView, longest: Sequence[Sequence[str]], cap: int = 320) -> None:
    """Each column as wide as its longest text (found on the worker) or its title, at most ``cap`` pixels: no
    table measuring thousands of rows on the GUI thread."""
    header, model = table.horizontalHeader(), table.model()
    text, title = table.fontMetrics(), header.fontMetrics()
    for col, widest in enumerate(longest):
        name = str(model.headerData(col, Qt.Orientation.Horizontal) or "")
        need = max(max((text.horizontalAdvance(t) for t in widest), default=0) + 20,
                   max((title.horizontalAdvance(line) for line in name.splitlines()), default=0) + 28)
        header.resizeSection(col, min(cap, need))


class _SetLevel(QUndoCommand):
    """One edit of the heat map, undoable with Ctrl+Z."""

    def __init__(self, view: SkillsMatrixView, person_id: int, skill_id: int, old: int, new: int) -> None:
        super().__init__(f"set skill level to {new}")
        self.view, self.person_id, self.skill_id, self.old, self.new = view, person_id, skill_id, old, new

    def redo(self) -> None:
        self.view.write_level(self.person_id, self.skill_id, self.new)

    def undo(self) -> None:
        self.view.write_level(self.person_id, self.skill_id, self.old)


def _csv_buttons(parent: QWidget, what: str, on_import, on_export) -> tuple[QPushButton, QPushButton]:
    imp = QPushButton("Import CSV…", parent)
    imp.setAccessibleName(f"Import {what} from CSV")
    imp.clicked.connect(on_import)
    exp = QPushButton("Export CSV…", parent)
    exp.setAccessibleName(f"Export {what} as CSV")
    exp.clicked.connect(on_export)
    return imp, exp


class SkillsMatrixView(QWidget):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("skillsMatrixView")
        self._sized = False
        self.model = SkillsMatrixModel(self)
        self.model.editable = not ctx.ws.read_only
        self.model.save = self._edited
        self.proxy = SkillColumnsProxy(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterKeyColumn(0)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

        self.discipline = QComboBox(self)
        self.discipline.setAccessibleName("Skill discipline filter")
        self.discipline.addItem("All disciplines", None)
        for d in GOVERNING_DISCIPLINES:
            self.discipline.addItem(d.label, d.value)
        self.discipline.currentIndexChanged.connect(lambda _i: self.proxy.set_discipline(self.discipline.currentData()))
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Filter people…")
        self.search.setAccessibleName("Filter people")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.starter = QPushButton("Add starter skills", self)
        self.starter.setAccessibleName("Add the starter skills catalogue")
        self.starter.clicked.connect(self.add_starter_skills)
        self.import_button, self.export_button = _csv_buttons(self, "skill levels", self._import, self._export)
        top = QHBoxLayout()
        for w in (self.discipline, self.search):
            top.addWidget(w)
        top.addWidget(QLabel("Levels:"))
        for lvl, name in enumerate(LEVEL_NAMES):
            chip = QLabel(f" {lvl} {name} ")
            chip.setStyleSheet(f"background:{HEAT[lvl]}; color:{'#ffffff' if lvl >= 3 else '#1c1e21'};")
            top.addWidget(chip)
        top.addStretch(1)
        for w in (self.starter, self.import_button, self.export_button):
            top.addWidget(w)
        self.starter.setEnabled(not ctx.ws.read_only)
        self.import_button.setEnabled(not ctx.ws.read_only)

        self.table = QTableView(self)
        self.table.setObjectName("skillsMatrix")
        self.table.setAccessibleName("Skills matrix")
        self.table.setModel(self.proxy)
        say_when_empty(self.table, "No skill levels yet: add people, then Add starter skills and import your HR "
                                   "export of skill levels (Import…), or type levels in the cells.")
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setDefaultSectionSize(78)
        self.table.horizontalHeader().setResizeContentsPrecision(ROWS_MEASURED)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.analytics = QTextBrowser(self)
        self.analytics.setObjectName("crossTraining")
        self.analytics.setAccessibleName("Cross-training analytics")
        self.message = QLabel(self)
        self.message.setObjectName("skillsMessage")
        self.message.setWordWrap(True)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.table)
        split.addWidget(self.analytics)
        split.setSizes([860, 420])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addWidget(self.message)

    # editing: the model shows the new level at once; the write goes to the worker through the undo stack
    def _edited(self, person_id: int, skill_id: int, old: int, new: int) -> None:
        self.ctx.undo.push(_SetLevel(self, person_id, skill_id, old, new))

    def write_level(self, person_id: int, skill_id: int, level: int) -> None:
        self.model.set_level(person_id, skill_id, level)
        self.ctx.tasks.submit(skills.set_level, self.ctx.ws, person_id, skill_id, level,
                              self.ctx.ws.clock().date(), on_done=lambda _r: self.refresh(),
                              on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(str(exc))
        errors.show_user_error(self, exc)
        self.refresh()

    def add_starter_skills(self) -> None:
        self.ctx.tasks.submit(skills.adopt_starter_skills, self.ctx.ws, on_error=self._failed,
                              on_done=lambda added: (self.message.setText(f"{len(added)} starter skills added"),
                                                     self.refresh()))

    def import_file(self, path: Path | str) -> None:
        self.ctx.tasks.submit(skills_csv.import_matrix, self.ctx.ws, path, on_error=self._failed,
                              on_done=self._imported)

    def _imported(self, result: skills_csv.ImportResult) -> None:
        self.message.setText(_import_text(result))
        self.refresh()

    def _import(self) -> None:
        path = file_dialogs.open_file(self, "skills", "Import skill levels", "CSV files (*.csv)")
        if path:
            self.import_file(path)

    def _export(self) -> None:
        path = file_dialogs.save_file(self, "skills", "Export skill levels", "skills-matrix.csv", "CSV files (*.csv)")
        if path:
            self.ctx.tasks.submit(skills_csv.export_matrix, self.ctx.ws, path, on_error=self._failed,
                                  on_done=lambda p: self.message.setText(f"Wrote {p}"))

    def refresh(self, shared: Shared = Shared(), on_done: Callable[[MatrixData], None] | None = None) -> None:  # noqa: B008
        """Reload the heat map and the panel on the worker (``shared``: rows the page has read already)."""
        self.ctx.tasks.submit(load_matrix, self.ctx.ws, self.model.sort_state, shared,
                              on_done=lambda data: (self.fill(data), on_done and on_done(data)))

    def fill(self, data: MatrixData) -> None:
        """Show what the worker loaded: one model reset, the panel's ready-made HTML."""
        self.model.set_data(data.people, data.skills, data.levels, data.ordered_by)
        if not self._sized and data.people:  # fitted once; a reload keeps the widths the user may have set
            self._sized = True
            fit_columns(self.table, data.longest)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.analytics.setHtml(data.html)


def _import_text(r: skills_csv.ImportResult) -> str:
    if r.already_imported:
        return f"{r.file_name} was already imported; nothing changed."
    return f"{r.file_name}: {r.rows} rows — {r.created} new, {r.updated} updated, {r.unchanged} unchanged."


def _capped(items: Sequence[object], line: Callable[[Any], str], cap: int = PANEL_CAP, total: int | None = None) -> str:
    """A list of at most ``cap`` entries (only those are formatted), then "… and N more" (of ``total``)."""
    total = len(items) if total is None else total
    more = f"<li><i>… and {total - cap:,} more</i></li>" if total > cap else ""
    return "<ul>" + "".join(f"<li>{line(item)}</li>" for item in items[:cap]) + more + "</ul>"


def _analytics_html(r: analytics.CoverageReport) -> str:
    parts = ["<h3>Cross-training</h3><table cellpadding='2'><tr><th align='left'>Discipline</th>"
             "<th>Home</th><th>Level ≥ 2 from elsewhere</th></tr>"]
    parts += [f"<tr><td>{d.discipline.label}</td><td align='center'>{d.home_people}</td>"
              f"<td align='center'>{d.cross_trained}</td></tr>" for d in r.depth]
    parts.append("</table>")
    gaps = [(code, t) for code, t in r.teams.items() if t.missing]
    parts.append(f"<h3>Teams missing a discipline ({len(gaps)} of {len(r.teams)})</h3>")
    parts.append(_capped(gaps, lambda g: f"<b>{escape(g[0])}</b>: {', '.join(d.label for d in g[1].missing)}")
                 if gaps else "<p>Every live team covers data, ML, finance and executive.</p>")
    parts.append(f"<h3>Suggested pairings ({r.pairing_count})</h3>")
    parts.append(_capped(r.pairings, lambda p: f"{escape(p.learner)} (level {p.learner_level}) with "
                         f"<b>{escape(p.mentor)}</b> (level {p.mentor_level}) in {escape(p.skill)} — "
                         f"{escape(', '.join(p.initiatives))}", total=r.pairing_count))
    parts.append(f"<h3>Certificates expiring within 90 days ({len(r.expiring)})</h3>")
    parts.append(_capped(r.expiring, lambda e: f"{escape(e.person)}: {escape(e.course)} "
                         f"({escape(e.certificate_ref or 'no ref')}) on {e.expires_on.isoformat()}, "
                         f"{e.days_left} days"))
    recent = r.hours[-12:]
    if recent:
        quarters = sorted({h.quarter for h in recent})[-4:]
        parts.append("<h3>Training hours, last quarters</h3><p>" + " · ".join(
            f"{q}: {sum((h.hours for h in r.hours if h.quarter == q), Decimal(0)):g} h"
            for q in quarters) + "</p>")
    return "".join(parts)


class TrainingView(QWidget):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("trainingView")
        self._sized = False
        self.everyone: list[people.PersonDTO] = []  # active or not
        self.model = TrainingModel(self)
        self.proxy = SourceSortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Filter training (person, course, provider…)")
        self.search.setAccessibleName("Filter training records")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.add_button = QPushButton("Add record…", self)
        self.add_button.setAccessibleName("Add a training record")
        self.add_button.setEnabled(not ctx.ws.read_only)
        self.add_button.clicked.connect(self._add)
        self.import_button, self.export_button = _csv_buttons(self, "training records", self._import, self._export)
        self.import_button.setEnabled(not ctx.ws.read_only)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        for w in (self.add_button, self.import_button, self.export_button):
            top.addWidget(w)
        self.table = QTableView(self)
        self.table.setObjectName("trainingTable")
        self.table.setAccessibleName("Training records")
        self.table.setModel(self.proxy)
        say_when_empty(self.table, "No training records yet: add them, or import the HR export (Import…).")
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(5, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setResizeContentsPrecision(ROWS_MEASURED)
        self.summary = QLabel(self)
        self.summary.setObjectName("trainingSummary")
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)

    def _failed(self, exc: BaseException) -> None:
        self.summary.setText(str(exc))
        errors.show_user_error(self, exc)

    def _add(self) -> None:
        from opsdesk.ui.dialogs.training import TrainingDialog

        dialog = TrainingDialog([p for p in self.everyone if p.active], self.ctx.ws.clock().date(), self)
        if dialog.exec():
            self.add_record(dialog.person_id(), dialog.values())

    def add_record(self, person_id: int, values: dict) -> None:
        self.ctx.tasks.submit(skills.add_training, self.ctx.ws, person_id, values, on_error=self._failed,
                              on_done=lambda _r: self.refresh())

    def import_file(self, path: Path | str) -> None:
        self.ctx.tasks.submit(skills_csv.import_training, self.ctx.ws, path, on_error=self._failed,
                              on_done=lambda r: (self.refresh(), self.summary.setText(_import_text(r))))

    def _import(self) -> None:
        path = file_dialogs.open_file(self, "skills", "Import training records", "CSV files (*.csv)")
        if path:
            self.import_file(path)

    def _export(self) -> None:
        path = file_dialogs.save_file(self, "skills", "Export training records", "training-records.csv",
                                      "CSV files (*.csv)")
        if path:
            self.ctx.tasks.submit(skills_csv.export_training, self.ctx.ws, path, on_error=self._failed,
                                  on_done=lambda p: self.summary.setText(f"Wrote {p}"))

    def refresh(self, shared: Shared = Shared(), on_done: Callable[[TrainingData], None] | None = None) -> None:  # noqa: B008
        """Reload the training records on the worker (``shared``: rows the page has read already)."""
        self.ctx.tasks.submit(load_training, self.ctx.ws, self.model.sort_state, shared,
                              on_done=lambda data: (self.fill(data), on_done and on_done(data)))

    def fill(self, data: TrainingData) -> None:
        """Show what the worker loaded: one model reset, the summary it wrote."""
        self.everyone = data.people
        self.model.set_data(data.rows, data.names, data.as_of, data.ordered_by)
        if not self._sized and data.rows:  # fitted once; a reload keeps the widths the user may have set
            self._sized = True
            fit_columns(self.table, data.longest)
            self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.summary.setText(data.summary)
