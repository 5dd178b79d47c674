"""File ▸ Import…: pick files, see the detected format, preview what would be imported (rejected rows
highlighted with their reasons), then commit. Reading and writing run on the worker with a progress bar and
Cancel; a cancelled commit is rolled back, so nothing is half-written."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from opsdesk.errors import ImportCancelled, OpsDeskError
from opsdesk.ingest.detect import KINDS, LABELS, detect_kind
from opsdesk.ingest.report import ImportReport
from opsdesk.services.imports import runs
from opsdesk.services.workspace import Workspace
from opsdesk.ui import file_dialogs
from opsdesk.ui.models.import_preview import make_model, preview_rows
from opsdesk.ui.models.rows import SORT_ROLE
from opsdesk.ui.tasks import Cancelled, TaskRunner, TaskState


class ImportWizard(QDialog):
    imported = Signal(object)  # the ImportReport of a commit

    def __init__(self, ws: Workspace, tasks: TaskRunner, paths: Sequence[str | Path] = (),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importWizard")
        self.setWindowTitle("Import files")
        self.resize(1100, 700)
        self.ws, self.tasks = ws, tasks
        self.paths: list[Path] = []
        self.plan: runs.ImportPlan | None = None
        self.state: TaskState | None = None
        self.report: ImportReport | None = None

        self.files = QTableWidget(0, 2, self)
        self.files.setObjectName("importFiles")
        self.files.setAccessibleName("Files to import")
        self.files.setHorizontalHeaderLabels(["File", "Detected format"])
        self.files.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.files.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.files.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.files.verticalHeader().setVisible(False)
        self.files.setMaximumHeight(150)

        self.add_files = self._button("Add files…", "Add files to import", self._pick_files)
        self.add_folder = self._button("Add MLflow folder…", "Add an mlruns folder", self._pick_folder)
        self.remove = self._button("Remove", "Remove the selected files", self._remove_selected)
        self.kind = QComboBox(self)
        self.kind.setAccessibleName("Format")
        self.kind.addItem("Detect the format", None)
        for kind in KINDS:
            self.kind.addItem(LABELS[kind], kind)
        self.kind.currentIndexChanged.connect(self._invalidate)
        self.preview_button = self._button("Preview", "Read and check the files without importing", self.preview)

        self.model = make_model(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView(self)
        self.table.setObjectName("importPreview")
        self.table.setAccessibleName("Import preview")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # rejections first, as listed
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)

        self.summary = QLabel("Add files, then Preview.", self)
        self.summary.setObjectName("importSummary")
        self.summary.setWordWrap(True)
        self.partial = QCheckBox("Import without the rejected rows", self)
        self.partial.setAccessibleName("Import without the rejected rows")
        self.partial.setEnabled(False)
        self.include_deleted = QCheckBox("Keep deleted MLflow runs (marked deleted)", self)
        self.include_deleted.setAccessibleName("Keep deleted MLflow runs")
        self.include_deleted.setToolTip("Deleted runs are left out by default, and the preview names them")
        self.strict = QCheckBox("Reject metric rows that repeat a series and time", self)
        self.strict.setAccessibleName("Reject repeated metric rows")
        self.strict.setToolTip("By default the last of such rows is kept and the preview warns")
        for box in (self.include_deleted, self.strict):
            box.toggled.connect(self._options_changed)
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName("Import progress")
        self.progress.setVisible(False)
        self.cancel = self._button("Cancel", "Stop the import; nothing is written", self._cancel)
        self.cancel.setVisible(False)
        self.commit_button = self._button("Import", "Write the previewed rows to the workspace", self.commit)
        self.commit_button.setEnabled(False)
        self.close_button = self._button("Close", "Close this window", self.reject)

        pick = QHBoxLayout()
        for w in (self.add_files, self.add_folder, self.remove, QLabel("Format:", self), self.kind):
            pick.addWidget(w)
        pick.addStretch(1)
        pick.addWidget(self.preview_button)
        options = QHBoxLayout()
        options.addWidget(self.include_deleted)
        options.addWidget(self.strict)
        options.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.partial)
        bottom.addStretch(1)
        bottom.addWidget(self.progress, 1)
        bottom.addWidget(self.cancel)
        bottom.addWidget(self.commit_button)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.files)
        layout.addLayout(pick)
        layout.addLayout(options)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addLayout(bottom)
        if paths:
            self.add_paths(paths)

    def _button(self, text: str, tip: str, slot) -> QPushButton:
        button = QPushButton(text, self)
        button.setAccessibleName(text.replace("…", ""))
        button.setToolTip(tip)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    # --- files ----------------------------------------------------------------------------------------------

    def add_paths(self, paths: Sequence[str | Path]) -> None:
        for raw in paths:
            path = Path(raw)
            if path in self.paths:
                continue
            self.paths.append(path)
            row = self.files.rowCount()
            self.files.insertRow(row)
            self.files.setItem(row, 0, QTableWidgetItem(str(path)))
            self.files.setItem(row, 1, QTableWidgetItem("detecting…"))
            self.tasks.submit(detect_kind, path, on_done=lambda kind, p=path: self._detected(p, kind))
        self._invalidate()

    def _detected(self, path: Path, kind) -> None:
        if path not in self.paths:
            return
        text = LABELS.get(kind, "unknown — choose the format") if kind else "unknown — choose the format"
        self.files.setItem(self.paths.index(path), 1, QTableWidgetItem(text))

    def detected_formats(self) -> list[str]:
        return [self.files.item(r, 1).text() for r in range(self.files.rowCount())]

    def _pick_files(self) -> None:
        names = file_dialogs.open_files(self, "imports", "Files to import", "Data files (*.csv *.xlsx *.json "
                                        "*.ndjson *.jsonl *.db);;All files (*)")
        self.add_paths(names)

    def _pick_folder(self) -> None:
        folder = file_dialogs.folder(self, "imports", "MLflow mlruns folder")
        if folder:
            self.add_paths([folder])

    def _remove_selected(self) -> None:
        for row in sorted({i.row() for i in self.files.selectedIndexes()}, reverse=True):
            self.files.removeRow(row)
            del self.paths[row]
        self._invalidate()

    def _invalidate(self) -> None:
        self.plan = None
        self.commit_button.setEnabled(False)
        self.partial.setEnabled(False)
        self.preview_button.setEnabled(bool(self.paths))

    # --- preview and commit on the worker ---------------------------------------------------------------------

    def _busy(self, busy: bool, text: str = "") -> None:
        self.progress.setVisible(busy)
        self.cancel.setVisible(busy)
        self.progress.setRange(0, 0)
        for w in (self.preview_button, self.commit_button, self.add_files, self.add_folder, self.remove, self.kind):
            w.setEnabled(not busy)
        if text:
            self.summary.setText(text)

    def _on_progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(text + " %p%")

    def _options_changed(self) -> None:
        """A previewed plan was read with the old options: preview again before importing."""
        if self.plan is not None:
            self.plan = None
            self.commit_button.setEnabled(False)
            self.summary.setText("The reading options changed: Preview again.")

    def preview(self) -> None:
        if not self.paths:
            return
        kind = self.kind.currentData()
        paths = list(self.paths)
        self._busy(True, "Reading…")

        options = runs.ReadOptions(include_deleted=self.include_deleted.isChecked(), strict=self.strict.isChecked())

        def run(state: TaskState) -> runs.ImportPlan:
            return runs.preview(self.ws, paths, kind, progress=state, options=options)

        self.state = self.tasks.submit(run, on_done=self._previewed, on_error=self._failed,
                                       on_progress=self._on_progress)

    def _previewed(self, plan: runs.ImportPlan) -> None:
        self._busy(False)
        self.plan = plan
        self.model.set_rows(preview_rows(plan.files, [o.status for o in plan.outcomes]))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        report = plan.report()
        lines = [f"{o.name}: {o.accepted} accepted, {o.rejected} rejected — " +
                 {"preview": "ready", "refused": "refused"}.get(o.status, o.status)
                 + (f" ({o.message})" if o.message else "") for o in plan.outcomes]
        writable = any(o.status == "preview" and o.accepted for o in plan.outcomes)
        lines.append(f"{report.accepted} rows accepted · {len(report.rejected)} rejected · "
                     f"{len(report.warnings)} warnings")
        if report.rejected:
            lines.append("Rows with problems are highlighted. Nothing is imported while any row is rejected, "
                         "unless you choose to import without them.")
        self.summary.setText("\n".join(lines))
        self.partial.setEnabled(bool(report.rejected) and writable)
        self.commit_button.setEnabled(writable and not self.ws.read_only)

    def commit(self) -> None:
        if self.plan is None:
            return
        plan, accept = self.plan, self.partial.isChecked()
        if plan.has_rejections and not accept:
            self.summary.setText(self.summary.text() + "\nTick “Import without the rejected rows” to import "
                                                       "the accepted rows only.")
            return
        self._busy(True, "Importing…")

        def run(state: TaskState) -> ImportReport:
            return runs.commit(self.ws, plan, accept_partial=accept, progress=state)

        self.state = self.tasks.submit(run, on_done=self._committed, on_error=self._failed,
                                       on_progress=self._on_progress)

    def _committed(self, report: ImportReport) -> None:
        self._busy(False)
        self.report = report
        self.plan = None
        self.commit_button.setEnabled(False)
        self.partial.setEnabled(False)
        self.summary.setText(report.message + "".join(f"\n{o.name}: {o.status}"
                                                      + (f" as batch {o.batch_id}" if o.batch_id else "")
                                                      + (f" — {o.message}" if o.message else "")
                                                      for o in report.files))
        self.imported.emit(report)

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        if isinstance(exc, ImportCancelled | Cancelled):
            self.summary.setText("Cancelled — nothing was written.")
        elif isinstance(exc, OpsDeskError):
            self.summary.setText(str(exc))
        else:
            from opsdesk.ui import errors

            errors.handle(type(exc), exc, exc.__traceback__)
        self.preview_button.setEnabled(bool(self.paths))
        self.commit_button.setEnabled(self.plan is not None)

    def _cancel(self) -> None:
        if self.state is not None:
            self.state.cancel()
            self.summary.setText("Cancelling…")
