"""The conformance matrix tab of the Standards page: initiatives × requirements of the adopted standards,
colour-coded and filterable, with the recording dialog and the selected initiative's gate readiness."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from opsdesk.services.standards import conformance
from opsdesk.ui.models.standards import (
    SORT_ROLE,
    STATUS_STYLE,
    ConformanceMatrixModel,
    MatrixFilterProxy,
    pct,
)
from opsdesk.ui.pages.base import PageContext
from opsdesk.ui.widgets.empty_note import attach as say_when_empty


class ConformanceMatrixTab(QWidget):
    """``run(fn, *args, done=...)`` runs a service call on the worker and reports a user error."""

    def __init__(self, ctx: PageContext, run: Callable[..., None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._run = run
        self._build()
        self.record_button.setEnabled(not ctx.ws.read_only)

    def _build(self) -> None:
        w = self
        self.matrix_model = ConformanceMatrixModel(self)
        self.matrix_proxy = MatrixFilterProxy(self)
        self.matrix_proxy.setSourceModel(self.matrix_model)
        self.matrix_proxy.setSortRole(SORT_ROLE)

        self.standard_filter = QComboBox(w)
        self.standard_filter.setAccessibleName("Standard filter")
        self.standard_filter.setMinimumWidth(220)
        self.gaps_only = QCheckBox("Only initiatives with gaps", w)
        self.gaps_only.setAccessibleName("Only initiatives with gaps")
        self.matrix_search = QLineEdit(w)
        self.matrix_search.setPlaceholderText("Filter initiatives…")
        self.matrix_search.setAccessibleName("Filter initiatives")
        self.matrix_search.setClearButtonEnabled(True)
        for signal in (self.standard_filter.currentIndexChanged, self.gaps_only.toggled,
                       self.matrix_search.textChanged):
            signal.connect(self._filter_matrix)
        self.record_button = QPushButton("Record conformance…", w)
        self.record_button.setAccessibleName("Record conformance for the selected cell")
        self.record_button.clicked.connect(self.edit_current_cell)
        top = QHBoxLayout()
        for x in (self.standard_filter, self.gaps_only, self.matrix_search):
            top.addWidget(x)
        top.addStretch(1)
        top.addWidget(self.record_button)

        legend = QHBoxLayout()
        for key in ("met", "partial", "not_met", "waived", "expired", "not_applicable", "unassessed"):
            bg, fg, text = STATUS_STYLE[key]
            chip = QLabel(f" {text} ")
            chip.setStyleSheet(f"background:{bg}; color:{fg}; border-radius:3px; padding:1px 4px;")
            legend.addWidget(chip)
        blank = QLabel(" blank = does not apply at that stage or tier ")
        legend.addWidget(blank)
        legend.addStretch(1)
        self.by_standard = QLabel(w)
        self.by_standard.setObjectName("conformanceByStandard")
        self.by_standard.setWordWrap(True)

        self.matrix_table = QTableView(w)
        self.matrix_table.setObjectName("Conformance matrix")
        self.matrix_table.setAccessibleName("Conformance matrix")
        self.matrix_table.setModel(self.matrix_proxy)
        say_when_empty(self.matrix_table, "No conformance yet: it needs initiatives and an adopted standard "
                                          "(Standards ▸ Adopt from library…).")
        self.matrix_table.verticalHeader().setVisible(False)
        self.matrix_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.matrix_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.matrix_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.matrix_table.setSortingEnabled(True)
        self.matrix_table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.matrix_table.setAlternatingRowColors(False)
        self.matrix_table.horizontalHeader().setDefaultSectionSize(64)
        self.matrix_table.doubleClicked.connect(lambda _i: self.edit_current_cell())
        self.matrix_table.selectionModel().currentChanged.connect(lambda *_: self._show_gate())

        self.gate = QTextBrowser(w)
        self.gate.setObjectName("gateReadiness")
        self.gate.setAccessibleName("Gate readiness of the selected initiative")
        split = QSplitter(Qt.Orientation.Vertical, w)
        split.addWidget(self.matrix_table)
        split.addWidget(self.gate)
        split.setSizes([520, 200])
        layout = QVBoxLayout(w)
        layout.addLayout(top)
        layout.addLayout(legend)
        layout.addWidget(self.by_standard)
        layout.addWidget(split, 1)

    def _filter_matrix(self) -> None:
        self.matrix_proxy.set_filters(standard=self.standard_filter.currentData(),
                                      gaps_only=self.gaps_only.isChecked(), text=self.matrix_search.text())
        self.matrix_table.resizeColumnToContents(0)

    def _current_cell(self):
        index = self.matrix_table.currentIndex()
        if not index.isValid():
            return None, None, None
        src = self.matrix_proxy.mapToSource(index)
        init = self.matrix_model.initiative_at(src.row())
        return init, self.matrix_model.requirement_at(src.column()), self.matrix_model.cell_at(src.row(), src.column())

    def select_cell(self, code: str, requirement_key: str) -> None:
        """Put the matrix's current cell on initiative ``code`` × requirement ``STD:REQ``."""
        m = self.matrix_model.matrix
        assert m is not None
        row = [i.code for i in m.initiatives].index(code)
        col = self.matrix_model.FIXED + [r.key for r in m.requirements].index(requirement_key)
        self.matrix_table.setCurrentIndex(self.matrix_proxy.mapFromSource(self.matrix_model.index(row, col)))

    def conformance_dialog(self):
        """The dialog for the current cell (not shown), or ``None`` when no requirement cell is selected."""
        from opsdesk.ui.dialogs.conformance import ConformanceDialog

        init, req, cell = self._current_cell()
        if init is None or req is None:
            return None
        files = conformance.evidence_files(self.ctx.ws, init.code, req.id) if cell and cell.recorded else []
        assert self.matrix_model.matrix is not None
        return ConformanceDialog(f"{init.code} {init.name}", req, cell, self.matrix_model.matrix.as_of,
                                 self.ctx.ws.actor, files, self)

    def edit_current_cell(self) -> None:
        if self.ctx.ws.read_only:
            return
        dialog = self.conformance_dialog()
        if dialog is not None and dialog.exec():
            self.save_dialog(dialog)

    def save_dialog(self, dialog) -> None:
        init, req, _cell = self._current_cell()
        self._run(conformance.record_conformance, init.code, req.id, dialog.values(), list(dialog.new_files),
                  done=lambda c: self.ctx.status(f"Recorded {c.status.label.lower()} for {c.initiative_code} "
                                                 f"on {c.standard_code} {c.requirement_code}"))

    def _show_gate(self) -> None:
        init, _req, _cell = self._current_cell()
        if init is None:
            self.gate.setHtml("")
            return
        self.ctx.tasks.submit(conformance.next_gate, self.ctx.ws, init.code,
                              on_done=lambda result, i=init: self._gate_loaded(i, result))

    def _gate_loaded(self, init, result) -> None:
        target, criteria = result
        if target is None:
            self.gate.setHtml(f"<b>{init.code}</b> is {init.stage.label.lower()}: no further stage gate.")
            return
        open_items = [c for c in criteria if not c.met]
        rows = "".join(f"<tr><td>{c.standard}</td><td>{c.requirement}</td>"
                       f"<td>{c.status.label if c.status else 'Not assessed'}</td><td>{c.note}</td></tr>"
                       for c in open_items)
        verdict = ("<span style='color:#2e7d32'><b>ready</b></span>" if not open_items else
                   f"<span style='color:#c62828'><b>{len(open_items)} of {len(criteria)} criteria not met"
                   "</b></span>")
        self.gate.setHtml(f"<p><b>Gate readiness of {init.code} for {target.label}</b>: {verdict}</p>"
                          + (f"<table cellpadding='3'><tr><th align='left'>Standard</th><th align='left'>Requirement"
                             f"</th><th align='left'>Status</th><th align='left'>Note</th></tr>{rows}</table>"
                             if rows else ""))

    def set_matrix(self, matrix: conformance.ConformanceMatrix) -> None:
        current = self.standard_filter.currentData()
        self.standard_filter.blockSignals(True)
        self.standard_filter.clear()
        self.standard_filter.addItem("All adopted standards", None)
        for key in matrix.by_standard:
            self.standard_filter.addItem(key, key)
        self.standard_filter.setCurrentIndex(max(0, self.standard_filter.findData(current)))
        self.standard_filter.blockSignals(False)
        self.matrix_model.set_matrix(matrix)
        self._filter_matrix()
        self.matrix_table.resizeColumnToContents(0)
        self.matrix_table.resizeColumnToContents(1)
        if not self.matrix_table.currentIndex().isValid():
            self.gate.setHtml("<p>Select a cell to see that initiative's readiness for its next stage gate; "
                              "double-click it (or press <i>Record conformance…</i>) to record a status.</p>")
        self.by_standard.setText(
            f"Conformance on {matrix.as_of.isoformat()} by standard: "
            + " · ".join(f"<b>{k}</b> {pct(v)}" for k, v in matrix.by_standard.items())
            + f"<br><small>Scoring: {matrix.method}.</small>")

