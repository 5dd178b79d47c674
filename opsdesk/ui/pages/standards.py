"""The Standards page: the catalogue by category with each standard's requirements (editable in place), the
starter library, new versions, the cost allocation rules that implement a methodology, and the colour-coded
initiatives × requirements conformance matrix with gate readiness."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from opsdesk.domain.enums import StandardCategory, StandardStatus
from opsdesk.services.finance import allocation_standards
from opsdesk.services.standards import catalog, conformance
from opsdesk.services.standards import library as standard_library
from opsdesk.services.workspace import Workspace
from opsdesk.ui import errors
from opsdesk.ui.models.standards import (
    CATEGORY_LABELS,
    ITEM_ROLE,
    SORT_ROLE,
    RequirementsModel,
    StandardsModel,
    pct,
)
from opsdesk.ui.pages.base import Page, PageContext
from opsdesk.ui.widgets.empty_note import attach as say_when_empty


@dataclass(frozen=True)
class StandardsView:
    """What the page shows, loaded on the worker in one go."""

    standards: list[catalog.StandardDTO]
    matrix: conformance.ConformanceMatrix
    percent: dict[str, Any]
    rules: list[allocation_standards.RuleMethod]
    methods: dict[int, list[allocation_standards.InitiativeMethod]]  # standard id → per initiative


def load_view(ws: Workspace) -> StandardsView:
    stds = catalog.list_standards(ws)
    m = conformance.matrix(ws, include_retired=True)
    adopted = conformance.matrix(ws)
    percent = dict(m.by_standard) | {k: v for k, v in adopted.by_standard.items() if v is not None}
    cost = [s for s in stds if s.category is StandardCategory.COST_ALLOCATION]
    return StandardsView(stds, adopted, percent, allocation_standards.rules(ws),
                         {s.id: allocation_standards.methods_by_initiative(ws, s.id) for s in cost})


def _table(name: str, model: Any, parent: QWidget) -> QTableView:
    view = QTableView(parent)
    view.setObjectName(name)
    view.setAccessibleName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setVisible(False)
    return view


class StandardsPage(Page):
    def __init__(self, ctx: PageContext) -> None:
        super().__init__(ctx)
        self.view_data: StandardsView | None = None
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("standardsTabs")
        self.tabs.addTab(self._build_catalogue(), "Catalogue")
        from opsdesk.ui.pages.conformance_tab import ConformanceMatrixTab

        self.matrix_tab = ConformanceMatrixTab(ctx, self._run, self)
        self.tabs.addTab(self.matrix_tab, "Conformance matrix")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.tabs)
        for control in (self.adopt_button, self.version_button, self.add_req_button, self.status_combo):
            control.setEnabled(not ctx.ws.read_only)

    # --- catalogue -----------------------------------------------------------------------------------------

    def _build_catalogue(self) -> QWidget:
        w = QWidget(self)
        self.std_model = StandardsModel(self)
        self.std_proxy = QSortFilterProxyModel(self)
        self.std_proxy.setSourceModel(self.std_model)
        self.std_proxy.setSortRole(SORT_ROLE)
        self.std_proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.std_proxy.setFilterKeyColumn(-1)

        self.category = QComboBox(w)
        self.category.setAccessibleName("Category filter")
        self.category.addItem("All categories", None)
        for c in StandardCategory:
            self.category.addItem(_category_label(c), c.value)
        self.category.currentIndexChanged.connect(self._filter_catalogue)
        self.show_retired = QCheckBox("Show retired versions", w)
        self.show_retired.setAccessibleName("Show retired versions")
        self.show_retired.setChecked(True)
        self.show_retired.toggled.connect(self._filter_catalogue)
        self.std_search = QLineEdit(w)
        self.std_search.setPlaceholderText("Search standards…")
        self.std_search.setAccessibleName("Search standards")
        self.std_search.setClearButtonEnabled(True)
        self.std_search.textChanged.connect(self.std_proxy.setFilterFixedString)
        self.adopt_button = QPushButton("Adopt from library…", w)
        self.adopt_button.setAccessibleName("Adopt a standard from the starter library")
        self.adopt_button.clicked.connect(self._choose_library)
        self.version_button = QPushButton("Publish new version…", w)
        self.version_button.setAccessibleName("Publish a new version of the selected standard")
        self.version_button.clicked.connect(self._ask_new_version)
        top = QHBoxLayout()
        for x in (self.category, self.show_retired, self.std_search):
            top.addWidget(x)
        top.addStretch(1)
        top.addWidget(self.adopt_button)
        top.addWidget(self.version_button)

        self.std_table = _table("Standards", self.std_proxy, w)
        say_when_empty(self.std_table, "No standards yet: Adopt from library… adds a published one (OMB M-25-21, "
                                       "NIST AI RMF…), New… writes your own.")
        self.std_table.setSortingEnabled(True)
        self.std_table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.std_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.std_table.selectionModel().currentRowChanged.connect(lambda *_: self._show_selected())

        # detail of the selected standard
        detail = QWidget(w)
        self.std_title = QLabel(detail)
        self.std_title.setWordWrap(True)
        self.std_title.setTextFormat(Qt.TextFormat.RichText)
        self.status_combo = QComboBox(detail)
        self.status_combo.setAccessibleName("Standard status")
        for s in StandardStatus:
            self.status_combo.addItem(s.label, s.value)
        self.status_combo.activated.connect(self._status_chosen)
        self.add_req_button = QPushButton("Add requirement…", detail)
        self.add_req_button.setAccessibleName("Add a requirement")
        self.add_req_button.clicked.connect(self._ask_requirement)
        status_row = QHBoxLayout()
        status_row.addWidget(QLabel("Status:"))
        status_row.addWidget(self.status_combo)
        status_row.addStretch(1)
        status_row.addWidget(self.add_req_button)
        self.req_model = RequirementsModel(self)
        self.req_model.save = self._save_requirement
        self.req_table = _table("Requirements", self.req_model, detail)
        say_when_empty(self.req_table, "No requirements: select a standard; Add requirement… adds one.")
        self.req_table.setWordWrap(True)
        self.req_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.req_table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                       | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.methods = QTextBrowser(detail)
        self.methods.setObjectName("allocationMethods")
        self.methods.setAccessibleName("Allocation rules implementing this standard")
        dl = QVBoxLayout(detail)
        dl.setContentsMargins(0, 0, 0, 0)
        dl.addWidget(self.std_title)
        dl.addLayout(status_row)
        dl.addWidget(self.req_table, 3)
        dl.addWidget(self.methods, 2)

        split = QSplitter(Qt.Orientation.Horizontal, w)
        split.addWidget(self.std_table)
        split.addWidget(detail)
        split.setSizes([620, 600])
        layout = QVBoxLayout(w)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        return w

    def _filter_catalogue(self) -> None:
        cat = self.category.currentData()
        retired = self.show_retired.isChecked()
        for row in range(self.std_model.rowCount()):
            s = self.std_model.item(row)
            hidden = (cat is not None and s.category.value != cat) or (not retired and s.status is StandardStatus.RETIRED)
            source = self.std_model.index(row, 0)
            proxy_row = self.std_proxy.mapFromSource(source).row()
            if proxy_row >= 0:
                self.std_table.setRowHidden(proxy_row, hidden)

    def selected_standard(self) -> catalog.StandardDTO | None:
        index = self.std_table.currentIndex()
        return index.data(ITEM_ROLE) if index.isValid() else None

    def select_standard(self, code: str, version: str | None = None) -> None:
        for row in range(self.std_proxy.rowCount()):
            s = self.std_proxy.index(row, 0).data(ITEM_ROLE)
            if s.code == code and (version is None or s.version_label == version):
                self.std_table.setCurrentIndex(self.std_proxy.index(row, 0))
                return

    def _show_selected(self) -> None:
        s = self.selected_standard()
        if s is None:
            self.std_title.setText("Select a standard to see its requirements.")
            self.req_model.set_rows([])
            self.methods.setHtml("")
            return
        tiers = f" · applies to {', '.join(t.replace('_', '-') for t in s.risk_tiers)} risk only" if s.risk_tiers else ""
        superseded = ""
        if self.view_data:
            newer = [x for x in self.view_data.standards if x.supersedes_id == s.id]
            older = [x for x in self.view_data.standards if x.id == s.supersedes_id]
            if newer:
                superseded += f" · superseded by {newer[0].version_label}"
            if older:
                superseded += f" · supersedes {older[0].version_label}"
        percent = self.view_data.percent.get(f"{s.code} {s.version_label}") if self.view_data else None
        self.std_title.setText(
            f"<h3>{s.code} {s.version_label} — {s.title}</h3>"
            f"<p>{_category_label(s.category)} · owner {s.owner or '—'} · {s.status.label}{tiers}{superseded}"
            f" · conformance {pct(percent)}</p><p><i>Source:</i> {s.source or '—'}</p>")
        self.status_combo.setCurrentIndex(self.status_combo.findData(s.status.value))
        self.req_model.editable = not self.ctx.ws.read_only
        self.req_model.set_rows(s.requirements)
        self.req_table.setColumnWidth(0, 150)
        self.req_table.setColumnWidth(2, 180)
        self.req_table.resizeRowsToContents()
        self.methods.setVisible(s.category is StandardCategory.COST_ALLOCATION)
        if s.category is StandardCategory.COST_ALLOCATION and self.view_data:
            self.methods.setHtml(_methods_html(s, self.view_data))

    # actions (each one service call on the worker; the page reloads when the workspace says it changed)

    def _run(self, fn: Any, *args: Any, done: Any = None, **kwargs: Any) -> None:
        self.ctx.tasks.submit(fn, self.ctx.ws, *args, on_done=done or (lambda _r: None),
                              on_error=lambda exc: errors.show_user_error(self, exc), **kwargs)

    def _choose_library(self) -> None:
        items = standard_library.list_library()
        labels = [f"{i.code} {i.version_label} — {i.title} ({i.requirement_count} requirements)" for i in items]
        label, ok = QInputDialog.getItem(self, "Adopt a ready-made standard", "Starter library:", labels, 0, False)
        if ok and label:
            self.adopt_from_library(items[labels.index(label)].key)

    def adopt_from_library(self, key: str) -> None:
        self._run(standard_library.adopt, key,
                  done=lambda s: self.ctx.status(f"Adopted {s.code} {s.version_label} "
                                                 f"with {len(s.requirements)} requirements"))

    def _ask_new_version(self) -> None:
        s = self.selected_standard()
        if s is None:
            return
        label, ok = QInputDialog.getText(self, "Publish a new version",
                                         f"New version of {s.code} (now {s.version_label}). The old version and "
                                         "its conformance are kept:")
        if ok and label.strip():
            self.publish_new_version(s.id, label.strip())

    def publish_new_version(self, standard_id: int, label: str) -> None:
        self._run(catalog.publish_new_version, standard_id, label,
                  done=lambda s: self.ctx.status(f"Published {s.code} {s.version_label}"))

    def _status_chosen(self) -> None:
        s = self.selected_standard()
        status = self.status_combo.currentData()
        if s is not None and status != s.status.value:
            self._run(catalog.update_standard, s.id, {"status": status})

    def _ask_requirement(self) -> None:
        s = self.selected_standard()
        if s is None:
            return
        code, ok = QInputDialog.getText(self, "Add requirement", f"Code of the new requirement of {s.code}:")
        if not ok or not code.strip():
            return
        text, ok = QInputDialog.getMultiLineText(self, "Add requirement", "Requirement text:")
        if ok and text.strip():
            self._run(catalog.add_requirement, s.id, {"code": code, "text": text,
                                                        "stages": ["pilot", "expand", "production"]})

    def _save_requirement(self, requirement_id: int, field: str, value: str) -> None:
        self._run(catalog.update_requirement, requirement_id, {field: value})

    # --- loading ---------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.ctx.tasks.submit(load_view, self.ctx.ws, on_done=self._loaded)

    def _loaded(self, data: StandardsView) -> None:
        selected = self.selected_standard()
        self.view_data = data
        self.std_model.set_data(data.standards, data.percent)
        self.std_table.resizeColumnsToContents()
        self.std_table.setColumnWidth(3, min(self.std_table.columnWidth(3), 260))
        self._filter_catalogue()
        if selected is not None:
            self.select_standard(selected.code, selected.version_label)
        elif self.std_proxy.rowCount():
            self.std_table.setCurrentIndex(self.std_proxy.index(0, 0))
        self._show_selected()

        self.matrix_tab.set_matrix(data.matrix)

    def find(self) -> None:
        target = self.std_search if self.tabs.currentIndex() == 0 else self.matrix_tab.matrix_search
        target.setFocus()
        target.selectAll()

    def extra_screenshots(self, folder, settle, grab):
        self.tabs.setCurrentIndex(1)
        settle()
        path = folder / "standards_conformance.png"
        grab().save(str(path))
        self.tabs.setCurrentIndex(0)
        return [path]


def _category_label(c: StandardCategory) -> str:
    return CATEGORY_LABELS[c.value]


def _methods_html(s: catalog.StandardDTO, data: StandardsView) -> str:
    rules = [r for r in data.rules if r.standard_id == s.id]
    unlinked = [r for r in data.rules if r.standard_id is None]
    parts = [f"<p><b>Allocation rules implementing {s.code} {s.version_label}</b></p>"]
    if rules:
        parts.append("<ol>" + "".join(f"<li>{r.name} (priority {r.priority}{'' if r.active else ', inactive'}): "
                                      f"{r.method}</li>" for r in rules) + "</ol>")
    else:
        parts.append("<p>No allocation rule says it implements this standard yet.</p>")
    if unlinked:
        parts.append(f"<p><i>{len(unlinked)} rule(s) implement no standard: "
                     + ", ".join(r.name for r in unlinked) + "</i></p>")
    methods = data.methods.get(s.id, [])
    if methods:
        parts.append("<p><b>Method each initiative's costs follow</b></p><table cellpadding='2'>")
        for m in methods:
            amounts = "; ".join(f"{rule}: " + ", ".join(f"{amt:,.2f} {cur}" for cur, amt in by_cur.items())
                                for rule, by_cur in m.amounts.items())
            parts.append(f"<tr><td>{m.initiative_code}</td><td>{m.initiative_name}</td><td>{amounts}</td></tr>")
        parts.append("</table>")
    return "".join(parts)
