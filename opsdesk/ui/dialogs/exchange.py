"""File ▸ Exchange…: export a signed bundle of initiatives, or verify a bundle, preview it and apply it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from opsdesk.errors import OpsDeskError
from opsdesk.services.exchange import bundles as exchange
from opsdesk.services.exchange import keys
from opsdesk.services.exchange.bundles import ImportPreview, PlanItem
from opsdesk.services.registry import initiatives
from opsdesk.ui import errors, file_dialogs
from opsdesk.ui.pages.base import PageContext

Index = QModelIndex | QPersistentModelIndex
PLAN_COLUMNS = (("action", "Action"), ("entity", "Record"), ("key", "Key"), ("detail", "Changes"))
ACTION_ORDER = {"conflict": 0, "stale": 1, "update": 2, "kept": 3, "create": 4, "unchanged": 5}
BUNDLE_FILTER = "OpsDesk exchange bundle (*.opsbundle);;All files (*)"


class PlanModel(QAbstractTableModel):
    """What importing a bundle would do, one row per record."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[PlanItem] = []

    def set_items(self, items: Sequence[PlanItem]) -> None:
        """Conflicts first, then updates, then the rest, each in the bundle's order."""
        self.beginResetModel()
        self._items = sorted(items, key=lambda i: ACTION_ORDER.get(i.action, 9))
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(PLAN_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal and 0 <= section < len(PLAN_COLUMNS):
            return PLAN_COLUMNS[section][1]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._items)):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return str(getattr(self._items[index.row()], PLAN_COLUMNS[index.column()][0]))
        return None


class ExchangeDialog(QDialog):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Exchange bundles")
        self.resize(900, 620)
        self.preview: ImportPreview | None = None
        tabs = QTabWidget(self)
        tabs.setAccessibleName("Exchange")
        tabs.addTab(self._export_tab(), "Export")
        tabs.addTab(self._import_tab(), "Import")
        self.tabs = tabs
        self.key_label = QLabel("This workspace's key: …", self)
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        self.export_key_button = buttons.addButton("Export public key…", QDialogButtonBox.ButtonRole.ActionRole)
        self.export_key_button.clicked.connect(self._choose_public_key_file)
        self.trust_button = buttons.addButton("Trust a key…", QDialogButtonBox.ButtonRole.ActionRole)
        self.trust_button.clicked.connect(self._choose_key_to_trust)
        self.trust_button.setEnabled(not ctx.ws.read_only)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(self.key_label)
        layout.addWidget(buttons)
        ctx.tasks.submit(self._load, on_done=self._loaded)

    # --- export ------------------------------------------------------------------------------------------

    def _export_tab(self) -> QWidget:
        page = QWidget(self)
        self.initiative_list = QListWidget(page)
        self.initiative_list.setAccessibleName("Initiatives to export")
        self.limit_dates = QCheckBox("Only metrics and costs between", page)
        self.limit_dates.setAccessibleName("Limit metrics and costs to dates")
        self.date_from = QDateEdit(QDate(2026, 1, 1), page)
        self.date_from.setAccessibleName("From date")
        self.date_to = QDateEdit(QDate.currentDate(), page)
        self.date_to.setAccessibleName("To date")
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        dates = QHBoxLayout()
        dates.addWidget(self.limit_dates)
        dates.addWidget(self.date_from)
        dates.addWidget(QLabel("and", page))
        dates.addWidget(self.date_to)
        dates.addStretch(1)
        self.export_path = QLineEdit(page)
        self.export_path.setAccessibleName("Bundle file to write")
        browse = QPushButton("Choose…", page)
        browse.clicked.connect(self._choose_export)
        path_row = QHBoxLayout()
        path_row.addWidget(self.export_path, 1)
        path_row.addWidget(browse)
        self.export_button = QPushButton("Export signed bundle", page)
        self.export_button.setAccessibleName("Export signed bundle")
        self.export_button.clicked.connect(self.start_export)
        self.export_result = QLabel("", page)
        self.export_result.setWordWrap(True)
        form = QFormLayout(page)
        form.addRow("Initiatives", self.initiative_list)
        form.addRow("Dates", dates)
        form.addRow("File", path_row)
        form.addRow("", self.export_button)
        form.addRow("", self.export_result)
        return page

    def _load(self) -> tuple[list[tuple[str, str]], str]:
        rows = [(r.code, r.name) for r in initiatives.list_rows(self.ctx.ws)]
        fp = "" if self.ctx.ws.read_only else keys.short(keys.own_fingerprint(self.ctx.ws))
        return rows, fp

    def _loaded(self, result: tuple[list[tuple[str, str]], str]) -> None:
        rows, fp = result
        for code, name in rows:
            item = QListWidgetItem(f"{code}  {name}", self.initiative_list)
            item.setData(Qt.ItemDataRole.UserRole, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        self.key_label.setText(f"This workspace signs with key {fp}" if fp else
                               "The workspace is read-only: it cannot sign or import bundles")

    def checked_codes(self) -> list[str]:
        items = [self.initiative_list.item(i) for i in range(self.initiative_list.count())]
        return [i.data(Qt.ItemDataRole.UserRole) for i in items if i.checkState() == Qt.CheckState.Checked]

    def _choose_export(self) -> None:
        path = file_dialogs.save_file(self, "bundles", "Write bundle", "exchange.opsbundle", BUNDLE_FILTER)
        if path:
            self.export_path.setText(path)

    def start_export(self) -> None:
        codes, out = self.checked_codes(), self.export_path.text().strip()
        if not codes or not out:
            self.export_result.setText("Tick at least one initiative and name the file to write.")
            return
        start = self.date_from.date().toPython() if self.limit_dates.isChecked() else None
        end = self.date_to.date().toPython() if self.limit_dates.isChecked() else None
        self.export_button.setEnabled(False)
        self.ctx.tasks.submit(exchange.export_bundle, self.ctx.ws, codes, out, start=start, end=end,
                              on_done=self._exported, on_error=self._export_failed)

    def _exported(self, result: exchange.ExportResult) -> None:
        self.export_button.setEnabled(True)
        counted = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in result.counts.items() if n)
        self.export_result.setText(f"Wrote {result.path.name} (SHA-256 {result.sha256[:16]}…): {counted}.")
        self.ctx.status(f"Exported {result.path}")

    def _export_failed(self, exc: BaseException) -> None:
        self.export_button.setEnabled(True)
        self._fail(exc, self.export_result)

    # --- keys -------------------------------------------------------------------------------------------

    def _choose_public_key_file(self) -> None:
        path = file_dialogs.save_file(self, "keys", "Write this workspace's public key", "opsdesk-public-key.json",
                                      "Public key (*.json)")
        if path:
            self.export_public_key(path)

    def export_public_key(self, path: str) -> None:
        self.ctx.tasks.submit(keys.export_public, self.ctx.ws, path,
                              on_done=lambda p: self.key_label.setText(f"Public key written to {p}"),
                              on_error=lambda exc: self._fail(exc, self.key_label))

    def _choose_key_to_trust(self) -> None:
        path = file_dialogs.open_file(self, "keys", "Trust the public key of another workspace",
                                      "Public key (*.json *.pub);;All files (*)")
        if not path:
            return
        from PySide6.QtWidgets import QInputDialog

        label, ok = QInputDialog.getText(self, "Trust a key", "Name for this key (e.g. the sending office):")
        if ok:
            self.trust_key(path, label.strip() or None)

    def trust_key(self, path: str, label: str | None) -> None:
        def done(key: keys.KeyDTO) -> None:
            self.key_label.setText(f"Now trusting '{key.label}' ({keys.short(key.fingerprint)})")
            if self.import_path.text().strip():
                self.start_preview()

        self.ctx.tasks.submit(keys.trust, self.ctx.ws, path, label, on_done=done,
                              on_error=lambda exc: self._fail(exc, self.key_label))

    # --- import ------------------------------------------------------------------------------------------

    def _import_tab(self) -> QWidget:
        page = QWidget(self)
        self.import_path = QLineEdit(page)
        self.import_path.setAccessibleName("Bundle file to import")
        browse = QPushButton("Choose…", page)
        browse.clicked.connect(self._choose_import)
        self.preview_button = QPushButton("Verify and preview", page)
        self.preview_button.setAccessibleName("Verify and preview")
        self.preview_button.clicked.connect(self.start_preview)
        row = QHBoxLayout()
        row.addWidget(self.import_path, 1)
        row.addWidget(browse)
        row.addWidget(self.preview_button)
        self.summary = QLabel("Choose a bundle: its signature and every file are checked before anything is shown.",
                              page)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Bundle summary")
        self.plan_model = PlanModel(page)
        self.plan_proxy = QSortFilterProxyModel(page)
        self.plan_proxy.setSourceModel(self.plan_model)
        self.plan_view = QTableView(page)
        self.plan_view.setAccessibleName("What the import would do")
        self.plan_view.setModel(self.plan_proxy)
        header = self.plan_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((90, 150, 380)):
            header.resizeSection(column, width)
        self.plan_view.verticalHeader().setDefaultSectionSize(24)
        self.show_unchanged = QCheckBox("Show unchanged records", page)
        self.show_unchanged.toggled.connect(self._show_items)
        self.take_theirs = QCheckBox("For records changed on both sides or stale, take the bundle's version", page)
        self.take_theirs.setAccessibleName("Take the bundle's version of conflicts")
        self.apply_button = QPushButton("Apply", page)
        self.apply_button.setAccessibleName("Apply the bundle")
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.start_apply)
        bottom = QHBoxLayout()
        bottom.addWidget(self.show_unchanged)
        bottom.addWidget(self.take_theirs)
        bottom.addStretch(1)
        bottom.addWidget(self.apply_button)
        layout = QVBoxLayout(page)
        layout.addLayout(row)
        layout.addWidget(self.summary)
        layout.addWidget(self.plan_view, 1)
        layout.addLayout(bottom)
        return page

    def _choose_import(self) -> None:
        path = file_dialogs.open_file(self, "bundles", "Open bundle", BUNDLE_FILTER)
        if path:
            self.import_path.setText(path)
            self.start_preview()

    def start_preview(self) -> None:
        path = self.import_path.text().strip()
        if not path:
            return
        self.apply_button.setEnabled(False)
        self.preview = None
        self.summary.setText("Verifying…")
        self.ctx.tasks.submit(exchange.preview_import, self.ctx.ws, path, on_done=self._previewed,
                              on_error=lambda exc: self._fail(exc, self.summary))

    def _previewed(self, preview: ImportPreview) -> None:
        self.preview = preview
        counts = preview.counts()
        text = (f"Signed by <b>{preview.signer_label}</b> ({preview.signer_fingerprint[:16]}…) — signature and "
                f"every file verified. From {preview.organisation or '?'}, initiatives "
                f"{', '.join(preview.initiatives)}.<br>Would create {counts.get('create', 0)}, update "
                f"{counts.get('update', 0)}; {counts.get('conflict', 0)} changed on both sides; "
                f"{counts.get('kept', 0)} changed only here; {counts.get('unchanged', 0)} unchanged.")
        if counts.get("stale"):
            text += (f"<br><b>{counts['stale']} stale</b>: older than what the same signer sent before; not applied "
                     "unless you take the bundle's version.")
        if preview.already_imported:
            text += "<br><b>This bundle was already imported here.</b>"
        self.summary.setText(text)
        self._show_items()
        self.apply_button.setEnabled(not preview.already_imported and not self.ctx.ws.read_only)

    def _show_items(self) -> None:
        if self.preview is None:
            self.plan_model.set_items([])
            return
        show_all = self.show_unchanged.isChecked()
        self.plan_model.set_items([i for i in self.preview.items if show_all or i.action != "unchanged"])

    def start_apply(self) -> None:
        path = self.import_path.text().strip()
        self.apply_button.setEnabled(False)
        resolve = "theirs" if self.take_theirs.isChecked() else "keep"
        self.ctx.tasks.submit(exchange.import_bundle, self.ctx.ws, path, resolve=resolve, on_done=self._applied,
                              on_error=lambda exc: self._fail(exc, self.summary))

    def _applied(self, preview: ImportPreview) -> None:
        counts = preview.counts()
        self.summary.setText(f"Applied bundle {preview.bundle_uuid}: created {counts.get('create', 0)}, updated "
                             f"{counts.get('update', 0)}; {counts.get('conflict', 0)} conflicts "
                             f"{'took the bundle' if self.take_theirs.isChecked() else 'kept ours'}.")
        self.preview = None
        self._show_items()
        self.ctx.status(f"Imported bundle {preview.file_name}")

    def _fail(self, exc: BaseException, label: QLabel) -> None:
        if isinstance(exc, OpsDeskError):
            label.setText(str(exc))
            return
        errors.handle(type(exc), exc, exc.__traceback__)
