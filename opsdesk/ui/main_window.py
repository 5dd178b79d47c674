"""The main window: sidebar of pages, menus and toolbar from the action registry, status bar.

The window shows first and fills in: it can be built before its workspace is open (``MainWindow(None)``, then
:meth:`MainWindow.attach`), and builds each page the first time it is visited. Nothing here imports SQLAlchemy,
pandas or pyqtgraph at module level, so the window is on screen before they load."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, QSize, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from opsdesk.ui import first_paint
from opsdesk.ui.actions import ActionRegistry, ActionSpec, set_shortcut
from opsdesk.ui.pages import PAGE_KEYS, PAGES, LazyPages, PageSpec, build_page
from opsdesk.ui.pages.base import PageContext
from opsdesk.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from opsdesk.services.workspace import Workspace

SK = QKeySequence.StandardKey
# Qt.ItemDataRole.UserRole (each sidebar item carries its page's key), by number: naming the Qt namespace before
# the window shows has PySide6 build its hundred enums first (see opsdesk.ui.errors)
USER_ROLE = 0x0100
POLL_MS = 5000  # how often the window asks whether someone else has written
_WINDOWS: set[QMainWindow] = set()  # windows opened from File ▸ Open stay alive until closed


def _install_cell_tips() -> None:
    from opsdesk.ui import readability

    readability.install(QApplication.instance())


class MainWindow(QMainWindow):
    def __init__(self, ws: Workspace | None, parent: QWidget | None = None, *, owns_workspace: bool = False,
                 persist: bool = True, opening: str = "") -> None:
        """``ws`` None: the window of a workspace still opening (``opening`` names it); :meth:`attach` gives it
        the workspace once open. Until then only Quit, Help and About work."""
        super().__init__(parent)
        # a cut-short table cell shows its whole text on hover: an application-wide event filter, so installed
        # once the window is on screen (before, it cost start-up every event of building the window in Python)
        first_paint.after_first_paint(self, _install_cell_tips)
        self.persist = persist  # off for --screenshot: a fixed layout, and the user's settings left alone
        self.ws: Workspace = None  # type: ignore[assignment]  # set by attach(); None only while opening
        self.owns_workspace = owns_workspace
        self.replaced_by: MainWindow | None = None
        self.help_window: QWidget | None = None  # the guide, once F1 opened it
        self.setObjectName("mainWindow")
        self.tasks = TaskRunner(self)
        self.undo = QUndoStack(self)
        self.actions_ = ActionRegistry(self)
        self._build_actions()

        self.sidebar = QListWidget(self)
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setAccessibleName("Navigation")
        self.sidebar.setIconSize(QSize(20, 20))
        self.sidebar.setMinimumWidth(170)
        self.stack = QStackedWidget(self)
        self.opening_label = QLabel(f"Opening {opening}…" if opening else "", self.stack)
        self.opening_label.setObjectName("openingLabel")
        # centred (Qt.AlignmentFlag.AlignCenter), set as a property: naming the Qt namespace before the window
        # shows would build all its enums first (see opsdesk.ui.errors)
        self.opening_label.setProperty("alignment", 0x0084)
        self.stack.addWidget(self.opening_label)
        self.pages = LazyPages(self._build_page)  # each page built the first time it is visited
        for spec in PAGES:
            item = QListWidgetItem(self.actions_.icon(spec.icon), spec.title)
            item.setData(USER_ROLE, spec.key)
            self.sidebar.addItem(item)
        self.sidebar.currentRowChanged.connect(self._show_row)

        # side by side (horizontal), the default; parent by keyword: QSplitter(self) would have PySide6 weigh the
        # (Qt.Orientation, parent) overload and so build the Qt namespace's enums before the window shows
        self.splitter = QSplitter(parent=self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([190, 1200])
        self.setCentralWidget(self.splitter)

        self._build_menus()
        self.ws_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.ws_label)
        self._after_work: str | None = None  # what the status bar says once the work in hand is done
        self.tasks.busy_changed.connect(self._busy_changed)

        self.setAcceptDrops(True)  # files dropped on the window open the import wizard
        # changes made elsewhere (another process, another user of a shared server) show within a few seconds
        self._seen_version: int | None = None
        self.poll_timer = QTimer(self)
        self.poll_timer.setInterval(POLL_MS)
        self.poll_timer.timeout.connect(self.poll_changes)
        self._restore_state()
        if ws is not None:
            self.attach(ws)
        else:
            self.setWindowTitle(f"OpsDesk — opening {opening}" if opening else "OpsDesk")
            self.actions_.set_enabled(False, keep=("quit", "help", "about"))
            self.recent_menu.setEnabled(False)

    def attach(self, ws: Workspace) -> None:
        """Show ``ws``: the first page is built and every built page loads (on the worker)."""
        self.ws = ws
        self.ctx = PageContext(ws=ws, tasks=self.tasks, actions=self.actions_, undo=self.undo,
                               open_initiative=self.open_initiative, status=self.show_status,
                               go_to=self.go_to)
        self.actions_.set_enabled(True)
        self.actions_.set_read_only(ws.read_only)
        self.recent_menu.setEnabled(True)
        ws.subscribe(self._data_changed)
        self.poll_timer.start()
        if self.persist:
            from opsdesk.ui import recent

            recent.remember(ws.location)
        row = max(self.sidebar.currentRow(), 0)  # a page chosen while the workspace was opening, or the dashboard
        self.refresh_all()
        self.sidebar.setCurrentRow(row)
        self._show_row(row)
        if ws.read_only_reason:
            self.show_status(f"Opened read-only: {ws.read_only_reason}")

    def _build_page(self, spec: PageSpec) -> QWidget:
        if self.ws is None:
            raise RuntimeError(f"the {spec.title} page needs an open workspace")
        page = build_page(spec, self.ctx)
        page.setObjectName(f"page_{spec.key}")
        self.stack.addWidget(page)
        if self.persist:
            restore = getattr(page, "restore_state", None)
            if restore is not None:
                restore()
        refresh = getattr(page, "refresh", None)
        if refresh is not None:
            refresh()
        return page

    def page(self, key: str) -> QWidget:
        """The page ``key``, built now if it has not been visited yet (without showing it)."""
        return self.pages[key]

    def _show_row(self, row: int) -> None:
        if self.ws is None or not 0 <= row < len(PAGE_KEYS):
            return  # still opening: attach() shows the chosen page
        self.stack.setCurrentWidget(self.pages[PAGE_KEYS[row]])

    # --- actions and menus -------------------------------------------------------------------------------

    def _build_actions(self) -> None:
        a = self.actions_
        a.add(ActionSpec("new", "&New…", SK.New, "new", "Create a record on this page", editing=True),
              lambda: self._page_call("new_record"))
        a.add(ActionSpec("edit", "&Edit…", "Ctrl+E", "edit", "Edit the selected record", editing=True),
              lambda: self._page_call("edit_selected"))
        a.add(ActionSpec("new_workspace", "New &workspace…", "Ctrl+Shift+N", "new", "Create an empty workspace"),
              self._new_workspace)
        a.add(ActionSpec("open_workspace", "&Open workspace…", SK.Open, "open", "Open another workspace"),
              self._open_workspace)
        a.add(ActionSpec("connect_server", "Connect to &server…", None, "open",
                         "Open a shared workspace on a PostgreSQL server"), self._connect_server)
        a.add(ActionSpec("find", "&Find", SK.Find, "find", "Search on this page"), self._find)
        a.add(ActionSpec("import", "&Import…", "Ctrl+I", "import", "Import metrics, costs, MLflow, lineage or "
                         "data-quality files", editing=True), self.open_import)
        a.add(ActionSpec("export_brief", "Export &brief…", SK.Print, "export",
                         "Export the selected agenda item's brief, or the meeting pack, as PDF"), self._export_brief)
        a.add(ActionSpec("export_signed", "Export &signed…", "Ctrl+Shift+P", "export",
                         "Export the brief (or the pack) and sign it with a certificate file or a smart card"),
              lambda: self._export_brief(sign=True))
        a.add(ActionSpec("signatures", "Signa&tures of a PDF…", None, "open",
                         "Who signed a PDF and whether each signature is valid, checked offline"), self._signatures)
        a.add(ActionSpec("backup", "&Backup…", None, "backup", "Copy the workspace to a file"), self._backup)
        a.add(ActionSpec("restore", "&Restore…", None, "restore", "Replace the workspace with a verified backup",
                         editing=True), self._restore)
        a.add(ActionSpec("exchange", "E&xchange…", None, "exchange",
                         "Export or import a signed bundle of initiatives"), self._exchange)
        a.add(ActionSpec("quit", "&Quit", SK.Quit), self.close)
        undo = self.undo.createUndoAction(self, "&Undo")
        set_shortcut(undo, QKeySequence(SK.Undo))
        redo = self.undo.createRedoAction(self, "&Redo")
        set_shortcut(redo, QKeySequence("Ctrl+Shift+Z"))
        self.undo_action, self.redo_action = undo, redo
        a.add(ActionSpec("delete", "&Delete", SK.Delete, "delete", "Delete the selected record", editing=True),
              lambda: self._page_call("delete_selected"))
        undo.setIcon(a.icon("undo"))
        redo.setIcon(a.icon("redo"))
        a.add(ActionSpec("refresh", "&Refresh", SK.Refresh, "refresh"), self.refresh_all)
        a.add(ActionSpec("help", "OpsDesk &Help", SK.HelpContents, "help"), self._help)
        a.add(ActionSpec("about", "&About OpsDesk"), self._about)

    def _build_menus(self) -> None:
        a = self.actions_
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(a.get("new_workspace"))
        file_menu.addAction(a.get("open_workspace"))
        file_menu.addAction(a.get("connect_server"))
        self.recent_menu = file_menu.addMenu("Recent &workspaces")
        self.recent_menu.setObjectName("recentMenu")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu.addSeparator()
        file_menu.addAction(a.get("new"))
        file_menu.addSeparator()
        file_menu.addAction(a.get("import"))
        file_menu.addAction(a.get("export_brief"))
        file_menu.addAction(a.get("export_signed"))
        file_menu.addAction(a.get("signatures"))
        file_menu.addAction(a.get("exchange"))
        file_menu.addAction(a.get("backup"))
        file_menu.addAction(a.get("restore"))
        file_menu.addSeparator()
        file_menu.addAction(a.get("quit"))
        edit = self.menuBar().addMenu("&Edit")
        edit.addAction(self.undo_action)
        edit.addAction(self.redo_action)
        edit.addSeparator()
        edit.addAction(a.get("edit"))
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
        for key in ("new", "edit", "delete"):
            tb.addAction(a.get(key))
        tb.addSeparator()
        tb.addAction(self.undo_action)
        tb.addAction(self.redo_action)
        tb.addSeparator()
        for key in ("find", "refresh", "backup"):
            tb.addAction(a.get(key))

    # --- behaviour ---------------------------------------------------------------------------------------

    def current_page(self) -> QWidget | None:
        current = self.stack.currentWidget()
        return None if current is self.opening_label else current

    def go_to(self, key: str) -> QWidget:
        self.sidebar.setCurrentRow(PAGE_KEYS.index(key))
        page = self.pages[key]
        self.stack.setCurrentWidget(page)
        return page

    def open_initiative(self, code: str) -> None:
        page = self.go_to("initiatives")
        opener = getattr(page, "open_initiative", None)
        if opener is not None:
            opener(code)

    def show_status(self, text: str) -> None:
        self.statusBar().showMessage(text, 5000)

    def refresh_all(self) -> None:
        """Reload the title and every page built so far (a page not yet visited loads when it is)."""
        if self.ws is None:
            return
        from opsdesk.services.workspace import lifecycle as workspace_service

        self.tasks.submit(workspace_service.data_version, self.ws, on_done=self._saw_version)
        self.tasks.submit(self._title_info, on_done=self._set_title)
        for page in self.pages.built().values():
            refresh = getattr(page, "refresh", None)
            if refresh:
                refresh()

    def _busy_changed(self, busy: bool) -> None:
        if busy:
            self.show_status("Working…")
        else:
            self.show_status(self._after_work or "Ready")
            self._after_work = None

    def _saw_version(self, version: int) -> None:
        self._seen_version = version

    def poll_changes(self) -> None:
        """Ask (on the worker, when it is idle) whether anyone has written since the pages were last loaded."""
        if self.tasks.pending == 0 and self._seen_version is not None:
            from opsdesk.services.workspace import lifecycle as workspace_service

            self.tasks.submit(workspace_service.data_version, self.ws, on_done=self._polled, quiet=True,
                              on_error=lambda _exc: None)  # a server gone for a moment: the next poll tells

    def _polled(self, version: int) -> None:
        if self._seen_version is not None and version != self._seen_version:
            self._seen_version = version
            self._after_work = "Updated with changes saved elsewhere"
            self.refresh_all()

    def _data_changed(self, _topic: str) -> None:
        # called on whatever thread committed; hop to the GUI thread
        QTimer.singleShot(0, self, self._changed_here)

    def _changed_here(self) -> None:
        self._seen_version = None  # no poll until the refresh has read the new version: this change is ours
        self.refresh_all()

    def _title_info(self) -> tuple[str, str]:
        from opsdesk.services.registry import initiatives as initiative_service
        from opsdesk.services.workspace import lifecycle as workspace_service

        info = workspace_service.info(self.ws)
        return info.organisation, initiative_service.highest_classification(self.ws)

    def _set_title(self, result: tuple[str, str]) -> None:
        organisation, marking = result
        ro = " — read-only" if self.ws.read_only else ""
        self.setWindowTitle(f"OpsDesk — {organisation} [{marking}]{ro}")
        why = f": {self.ws.read_only_reason}" if self.ws.read_only_reason else ""
        self.ws_label.setText(f"{Path(self.ws.location).name}  ·  {marking}{ro}{why}")

    def _page_call(self, method: str) -> None:
        handler = getattr(self.current_page(), method, None)
        if handler is not None:
            handler()
        else:
            self.show_status("Nothing to do for that on this page.")

    # --- workspaces ----------------------------------------------------------------------------------------

    def _fill_recent(self) -> None:
        from opsdesk.ui import recent

        self.recent_menu.clear()
        paths = [p for p in recent.load() if p != self.ws.location]
        if not paths:
            self.recent_menu.addAction("No other recent workspaces").setEnabled(False)
        for path in paths:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _c=False, p=path: self.switch_workspace(p))

    def _new_workspace(self) -> None:
        from opsdesk.ui import file_dialogs

        path = file_dialogs.save_file(self, "workspaces", "New workspace", "workspace.opsdesk",
                                      "OpsDesk workspace (*.opsdesk)", default_folder=Path(self.ws.location).parent)
        if path:
            self.switch_workspace(path, create=True)

    def _open_workspace(self) -> None:
        from opsdesk.ui import file_dialogs

        path = file_dialogs.open_file(self, "workspaces", "Open workspace",
                                      "OpsDesk workspace (*.opsdesk);;All files (*)",
                                      default_folder=Path(self.ws.location).parent)
        if path:
            self.switch_workspace(path)

    def _connect_server(self) -> None:
        from PySide6.QtWidgets import QInputDialog, QLineEdit

        url, ok = QInputDialog.getText(
            self, "Connect to server", "PostgreSQL workspace URL (no password — a passfile or the next prompt "
            "supplies it):", QLineEdit.EchoMode.Normal, "postgresql+psycopg://user@host:5432/opsdesk")
        if ok and url.strip():
            self.connect_server(url.strip())

    def connect_server(self, url: str, password: str | None = None) -> None:
        """Open a shared workspace on a server on the worker; ask for a password when no passfile gave one."""
        from PySide6.QtWidgets import QInputDialog, QLineEdit

        from opsdesk.services.workspace import lifecycle as workspace_service
        from opsdesk.services.workspace import redact
        from opsdesk.ui import errors

        def failed(exc: BaseException) -> None:
            if isinstance(exc, workspace_service.PasswordRequired) and password is None and errors.dialogs_enabled:
                secret, ok = QInputDialog.getText(self, "Password", f"Password for {redact(url)}:",
                                                  QLineEdit.EchoMode.Password)
                if ok:
                    self.connect_server(url, secret)
                return
            errors.show_user_error(self, exc)

        self.tasks.submit(workspace_service.open_workspace, url, password=password, on_done=self._show_opened,
                          on_error=failed)

    def _show_opened(self, ws: Workspace) -> None:
        window = MainWindow(ws, owns_workspace=True)
        window.show()
        _WINDOWS.add(window)
        self.replaced_by = window
        self.close()

    def switch_workspace(self, path: str, *, create: bool = False) -> None:
        """Open (or create) another workspace on the worker, then show it in a new window and close this one."""
        from opsdesk.services.workspace import lifecycle as workspace_service
        from opsdesk.ui import errors

        opened = self._show_opened

        if create:
            # unnamed until the user names it (Getting started asks first): never the file's name on every paper
            self.tasks.submit(workspace_service.create, path, organisation="", force=True,
                              on_done=opened, on_error=lambda exc: errors.show_user_error(self, exc))
        else:
            self.tasks.submit(workspace_service.open_workspace, path, read_only=self.ws.read_only, exclusive=True,
                              on_done=opened, on_error=lambda exc: errors.show_user_error(self, exc))

    def _find(self) -> None:
        page = self.current_page()
        finder = getattr(page, "find", None)
        if finder:
            finder()

    def _export_brief(self, sign: bool = False) -> None:
        name = "export_brief_signed" if sign else "export_brief"
        exporter = getattr(self.current_page(), name, None)
        if exporter is None:
            exporter = getattr(self.go_to("committee"), name, None)
        if exporter is not None:
            exporter()

    def _signatures(self) -> None:
        from opsdesk.ui import file_dialogs

        path = file_dialogs.open_file(self, "papers", "Check the signatures of a PDF", "PDF (*.pdf)")
        if path:
            self.show_signatures(path)

    def show_signatures(self, path: str | Path) -> None:
        """Check a PDF's signatures on the worker, then show the Signatures panel."""
        from opsdesk.services.signing import papers
        from opsdesk.ui import errors
        from opsdesk.ui.dialogs.signing import SignaturesDialog

        def done(report) -> None:  # type: ignore[no-untyped-def]
            self.signatures_dialog = SignaturesDialog(report, self)
            self.signatures_dialog.show()

        self.ctx.tasks.submit(papers.verify_file, self.ws, str(path), on_done=done,
                              on_error=lambda exc: errors.show_user_error(self, exc))

    def show_signed(self, data: bytes, name: str) -> None:
        """The Signatures panel of a signed paper kept in the workspace (checked on the worker)."""
        from opsdesk.services.signing import papers
        from opsdesk.ui import errors
        from opsdesk.ui.dialogs.signing import SignaturesDialog

        def done(report) -> None:  # type: ignore[no-untyped-def]
            self.signatures_dialog = SignaturesDialog(report, self)
            self.signatures_dialog.show()

        self.ctx.tasks.submit(papers.verify_bytes, self.ws, data, name, on_done=done,
                              on_error=lambda exc: errors.show_user_error(self, exc))

    def _backup(self) -> None:
        from opsdesk.errors import OpsDeskError
        from opsdesk.services.workspace import lifecycle as workspace_service
        from opsdesk.ui import errors, file_dialogs

        dest = file_dialogs.save_file(self, "backups", "Back up workspace",
                                      Path(self.ws.location).with_suffix(".backup.opsdesk"),
                                      "OpsDesk workspace (*.opsdesk)")
        if not dest:
            return
        try:
            saved = workspace_service.backup(self.ws, dest, force=True)  # the save dialog asked to replace
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
        if urls and all(u.isLocalFile() for u in urls) and self.ws is not None and not self.ws.read_only:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths and self.ws is not None and not self.ws.read_only:
            event.acceptProposedAction()
            self.open_import(paths)

    def _exchange(self) -> None:
        from opsdesk.ui.dialogs.exchange import ExchangeDialog

        self.exchange_dialog = ExchangeDialog(self.ctx, self)
        self.exchange_dialog.show()

    def _restore(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        from opsdesk.services.workspace import backups
        from opsdesk.ui import file_dialogs

        start = backups.auto_backup_dir(self.ws.location)
        src = file_dialogs.open_file(self, "backups", "Restore workspace from backup", "OpsDesk workspace (*.opsdesk)",
                                     default_folder=start if start.is_dir() else Path(self.ws.location).parent)
        if not src:
            return
        answer = QMessageBox.question(self, "Restore workspace",
                                      f"Replace the open workspace with\n{src}?\n\nThe backup is verified first; "
                                      "the current file is kept beside it.")
        if answer == QMessageBox.StandardButton.Yes:
            self.restore_from(src)

    def restore_from(self, src: str) -> None:
        """Verify ``src`` and put it in place of the open workspace (on the database worker)."""
        from opsdesk.errors import OpsDeskError
        from opsdesk.services.workspace import backups
        from opsdesk.ui import errors

        def work() -> object:
            self.ws.engine.dispose()  # no connection may keep the old file open
            return backups.restore(src, self.ws.location, held_lock=self.ws.access_lock)

        def done(result: object) -> None:
            self.refresh_all()
            kept = getattr(result, "kept", None)
            self.notify("Restore", f"Restored the workspace from {src}."
                        + (f"\n\nThe replaced file is kept as {kept}." if kept else ""))

        def failed(exc: BaseException) -> None:
            if isinstance(exc, OpsDeskError):
                errors.show_user_error(self, exc)
                self.show_status(f"Restore refused: {exc}")
            else:
                errors.handle(type(exc), exc, exc.__traceback__)

        self.tasks.submit(work, on_done=done, on_error=failed)

    def notify(self, title: str, text: str) -> None:
        """Tell the user something worth more than a passing status message."""
        from opsdesk.ui import errors

        self.show_status(text.replace("\n\n", " "))
        if errors.dialogs_enabled:
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.information(self, title, text)

    def _help(self) -> None:
        """F1: the bundled guide, at the part about the current page (one help window, reused)."""
        from opsdesk.ui.dialogs.help import HelpBrowser, topic_for_page

        row = self.sidebar.currentRow()
        key = PAGE_KEYS[row] if 0 <= row < len(PAGE_KEYS) else ""
        topic = getattr(self.current_page(), "help_topic", None) or topic_for_page(key)
        if not isinstance(self.help_window, HelpBrowser):
            self.help_window = HelpBrowser(self, topic)
        else:
            self.help_window.show_topic(topic)
        self.help_window.show()
        self.help_window.raise_()

    def _about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        from opsdesk import __version__

        QMessageBox.about(self, "About OpsDesk", f"OpsDesk {__version__}\nThe AI governance committee's "
                                                  "workspace. Runs entirely offline.")

    # --- state and screenshots ---------------------------------------------------------------------------

    def _restore_state(self) -> None:
        if not self.persist:
            self.resize(1440, 900)
            return
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
        if self.persist:
            s = QSettings()
            s.setValue("window/geometry", self.saveGeometry())
            s.setValue("window/state", self.saveState())
            s.setValue("window/splitter", self.splitter.saveState())
            for page in self.pages.built().values():  # a page never visited left its state as it was
                save = getattr(page, "save_state", None)
                if save is not None:
                    save()
        self.tasks.shutdown()
        if self.owns_workspace and self.ws is not None:
            self.ws.close()
        _WINDOWS.discard(self)
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
            time.sleep(0.001)  # a result is taken up within 1 ms of its arrival (the bench times page opens by this)

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
