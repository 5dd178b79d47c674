"""The main window: sidebar of pages, menus and toolbar from the action registry, status bar."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from opsdesk.services import initiatives as initiative_service
from opsdesk.services import workspace as workspace_service
from opsdesk.services.context import Workspace
from opsdesk.ui.actions import ActionRegistry, ActionSpec
from opsdesk.ui.pages import PAGES, PageSpec, build_page
from opsdesk.ui.pages.base import PageContext
from opsdesk.ui.tasks import TaskRunner

SK = QKeySequence.StandardKey


class MainWindow(QMainWindow):
    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.setObjectName("mainWindow")
        self.tasks = TaskRunner(self)
        self.undo = QUndoStack(self)
        self.actions_ = ActionRegistry(self)
        self._build_actions()
        self.ctx = PageContext(ws=ws, tasks=self.tasks, actions=self.actions_, undo=self.undo,
                               open_initiative=self.open_initiative, status=self.show_status)

        self.sidebar = QListWidget(self)
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setAccessibleName("Navigation")
        self.sidebar.setIconSize(QSize(20, 20))
        self.sidebar.setMinimumWidth(170)
        self.stack = QStackedWidget(self)
        self.pages: dict[str, QWidget] = {}
        for spec in PAGES:
            page = build_page(spec, self.ctx)
            page.setObjectName(f"page_{spec.key}")
            self.pages[spec.key] = page
            self.stack.addWidget(page)
            item = QListWidgetItem(self.actions_.icon(spec.icon), spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            self.sidebar.addItem(item)
        self.sidebar.currentRowChanged.connect(self.stack.setCurrentIndex)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([190, 1200])
        self.setCentralWidget(self.splitter)

        self._build_menus()
        self.ws_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.ws_label)
        self.tasks.busy_changed.connect(lambda busy: self.show_status("Working…" if busy else "Ready"))

        self.setAcceptDrops(True)  # files dropped on the window open the import wizard
        ws.subscribe(self._data_changed)
        self._restore_state()
        self.sidebar.setCurrentRow(1 if self.pages.get("dashboard") is None else 0)
        self.refresh_all()

    # --- actions and menus -------------------------------------------------------------------------------

    def _build_actions(self) -> None:
        a = self.actions_
        a.add(ActionSpec("new", "&New…", SK.New, "new", "Create a record on this page", editing=True))
        a.add(ActionSpec("find", "&Find", SK.Find, "find", "Search on this page"), self._find)
        a.add(ActionSpec("import", "&Import…", "Ctrl+I", "import", "Import metrics, costs, MLflow, lineage or "
                         "data-quality files", editing=True), self.open_import)
        a.add(ActionSpec("export_brief", "Export &brief…", SK.Print, "export",
                         "Export the selected agenda item's brief, or the meeting pack, as PDF"), self._export_brief)
        a.add(ActionSpec("backup", "&Backup…", None, "backup", "Copy the workspace to a file"), self._backup)
        a.add(ActionSpec("quit", "&Quit", SK.Quit), self.close)
        undo = self.undo.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence(SK.Undo))
        redo = self.undo.createRedoAction(self, "&Redo")
        redo.setShortcut(QKeySequence("Ctrl+Shift+Z"))
        self.undo_action, self.redo_action = undo, redo
        a.add(ActionSpec("delete", "&Delete", SK.Delete, "delete", "Delete the selected record", editing=True))
        a.add(ActionSpec("refresh", "&Refresh", SK.Refresh, "refresh"), self.refresh_all)
        a.add(ActionSpec("help", "OpsDesk &Help", SK.HelpContents, "help"), self._help)
        a.add(ActionSpec("about", "&About OpsDesk"), self._about)
        a.set_read_only(self.ws.read_only)

    def _build_menus(self) -> None:
        a = self.actions_
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(a.get("new"))
        file_menu.addSeparator()
        file_menu.addAction(a.get("import"))
        file_menu.addAction(a.get("export_brief"))
        file_menu.addAction(a.get("backup"))
        file_menu.addSeparator()
        file_menu.addAction(a.get("quit"))
        edit = self.menuBar().addMenu("&Edit")
        edit.addAction(self.undo_action)
        edit.addAction(self.redo_action)
        edit.addSeparator()
        edit.addAction(a.get("delete"))
        edit.addAction(a.get("find"))
        view = self.menuBar().addMenu("&View")
        view.addAction(a.get("refresh"))
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(a.get("help"))
        help_menu.addAction(a.get("about"))
        tb = self.addToolBar("Main")
        tb.setObjectName("mainToolbar")
        tb.setMovable(False)
        for key in ("new", "find", "refresh"):
            tb.addAction(a.get(key))

    # --- behaviour ---------------------------------------------------------------------------------------

    def current_page(self) -> QWidget:
        return self.stack.currentWidget()

    def go_to(self, key: str) -> QWidget:
        index = [s.key for s in PAGES].index(key)
        self.sidebar.setCurrentRow(index)
        return self.pages[key]

    def open_initiative(self, code: str) -> None:
        page = self.go_to("initiatives")
        opener = getattr(page, "open_initiative", None)
        if opener is not None:
            opener(code)

    def show_status(self, text: str) -> None:
        self.statusBar().showMessage(text, 5000)

    def refresh_all(self) -> None:
        self.tasks.submit(self._title_info, on_done=self._set_title)
        for page in self.pages.values():
            refresh = getattr(page, "refresh", None)
            if refresh:
                refresh()

    def _data_changed(self, _topic: str) -> None:
        # called on whatever thread committed; hop to the GUI thread
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, self, self.refresh_all)

    def _title_info(self) -> tuple[str, str]:
        info = workspace_service.info(self.ws)
        return info.organisation, initiative_service.highest_classification(self.ws)

    def _set_title(self, result: tuple[str, str]) -> None:
        organisation, marking = result
        ro = " — read-only" if self.ws.read_only else ""
        self.setWindowTitle(f"OpsDesk — {organisation} [{marking}]{ro}")
        self.ws_label.setText(f"{Path(self.ws.location).name}  ·  {marking}{ro}")

    def _find(self) -> None:
        page = self.current_page()
        finder = getattr(page, "find", None)
        if finder:
            finder()

    def _export_brief(self) -> None:
        exporter = getattr(self.current_page(), "export_brief", None)
        if exporter is None:
            exporter = getattr(self.go_to("committee"), "export_brief", None)
        if exporter is not None:
            exporter()

    def _backup(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        from opsdesk.errors import OpsDeskError
        from opsdesk.ui import errors

        dest, _ = QFileDialog.getSaveFileName(self, "Back up workspace", str(Path(self.ws.location).with_suffix(
            ".backup.opsdesk")), "OpsDesk workspace (*.opsdesk)")
        if not dest:
            return
        try:
            saved = workspace_service.backup(self.ws, dest)
        except OpsDeskError as exc:
            errors.show_user_error(self, exc)
            return
        self.show_status(f"Backed up to {saved}")

    def open_import(self, paths: list[str] | None = None):
        """File ▸ Import… (and files dropped on the window): the import wizard, optionally pre-filled."""
        from opsdesk.ui.dialogs.import_wizard import ImportWizard

        wizard = ImportWizard(self.ws, self.tasks, paths or [], self)
        wizard.setModal(True)
        wizard.show()
        self.import_wizard = wizard
        return wizard

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if urls and all(u.isLocalFile() for u in urls) and not self.ws.read_only:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths and not self.ws.read_only:
            event.acceptProposedAction()
            self.open_import(paths)

    def _help(self) -> None:
        QMessageBox.information(self, "OpsDesk help",
                                "Use the sidebar to move between registers. Ctrl+F searches the current page, "
                                "Ctrl+N creates a record, Ctrl+Z undoes the last edit.\n\nThe README that came "
                                "with OpsDesk describes every screen and command.")

    def _about(self) -> None:
        from opsdesk import __version__

        QMessageBox.about(self, "About OpsDesk", f"OpsDesk {__version__}\nThe AI governance committee's "
                                                  "workspace. Runs entirely offline.")

    # --- state and screenshots ---------------------------------------------------------------------------

    def _restore_state(self) -> None:
        s = QSettings()
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1440, 900)
        state = s.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        splitter = s.value("window/splitter")
        if isinstance(splitter, QByteArray) and not splitter.isEmpty():
            self.splitter.restoreState(splitter)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        s = QSettings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/splitter", self.splitter.saveState())
        self.tasks.shutdown()
        super().closeEvent(event)

    def settle(self, timeout: float = 20.0) -> None:
        """Process events until every background task has delivered its result."""
        deadline = time.monotonic() + timeout
        app = QApplication.instance()
        while time.monotonic() < deadline:
            app.processEvents()
            if self.tasks.pending == 0:
                app.processEvents()
                if self.tasks.pending == 0:
                    return
            time.sleep(0.005)

    def save_screenshots(self, folder: Path) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        saved: list[Path] = []
        self.settle()
        for spec in PAGES:
            self.go_to(spec.key)
            self.settle()
            path = folder / f"{spec.key}.png"
            self.grab().save(str(path))
            saved.append(path)
            saved.extend(self._extra_screenshots(spec, folder))
        return saved

    def _extra_screenshots(self, spec: PageSpec, folder: Path) -> list[Path]:
        extra = getattr(self.pages[spec.key], "extra_screenshots", None)
        if extra is None:
            return []
        return list(extra(folder, self.settle, self.grab))
