"""The shell: actions with standard shortcuts and bundled icons, workspaces, remembered layout, palettes."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QKeySequence

from opsdesk import paths
from opsdesk.ui.pages import PAGES

SK = QKeySequence.StandardKey
ICONS = ("dashboard", "initiatives", "objectives", "data", "costs", "standards", "committee", "people", "lessons", "risks",
         "new", "edit", "find", "backup", "delete", "refresh", "help", "import", "export", "undo", "redo", "open",
         "risks", "reporting")


@pytest.mark.parametrize("name", ICONS)
def test_every_icon_is_bundled_and_renders(qapp, name):
    from opsdesk.ui import icons

    path = paths.resources_dir() / "icons" / f"{name}.svg"
    assert path.is_file() and "<script" not in path.read_text()
    image = icons.icon(name).pixmap(24, 24).toImage()
    assert not image.isNull()
    assert any(image.pixelColor(x, y).alpha() > 0 for x in range(24) for y in range(24)), "the icon drew nothing"


def test_sidebar_and_actions_only_name_bundled_icons(window):
    names = {spec.icon for spec in PAGES}
    assert names <= set(ICONS)
    for action in window.findChildren(type(window.actions_.get("new"))):
        if action.objectName().startswith("action_") and action.text() not in ("&Quit", "&About OpsDesk"):
            assert not action.icon().isNull(), action.objectName()


def test_standard_shortcuts(window):
    a = window.actions_
    assert a.get("new").shortcut() == QKeySequence(SK.New)
    assert a.get("find").shortcut() == QKeySequence(SK.Find)
    assert a.get("delete").shortcut() == QKeySequence(SK.Delete)
    assert a.get("help").shortcut() == QKeySequence(SK.HelpContents)
    assert window.undo_action.shortcut() == QKeySequence(SK.Undo)
    assert window.redo_action.shortcut() == QKeySequence("Ctrl+Shift+Z")


def test_menus_offer_workspaces_and_backup(window):
    file_menu = window.menuBar().actions()[0].menu()
    texts = [x.text() for x in file_menu.actions()]
    for wanted in ("New &workspace…", "&Open workspace…", "Recent &workspaces", "&Backup…"):
        assert wanted in texts
    toolbar_texts = [x.text() for x in window.findChild(type(window.addToolBar("probe")), "mainToolbar").actions()]
    assert "&New…" in toolbar_texts and "&Undo" in toolbar_texts


def test_find_focuses_the_search_box_of_the_page(window):
    page = window.go_to("initiatives")
    window.actions_.get("find").trigger()
    assert page.search.hasFocus() or window.focusWidget() is page.search


def test_new_workspace_opens_in_a_new_window_and_is_remembered(window, tmp_path: Path):
    from opsdesk.ui import recent

    assert recent.load()[0] == window.ws.location
    target = tmp_path / "second.opsdesk"
    window.switch_workspace(str(target), create=True)
    window.settle()
    new = window.replaced_by
    assert new is not None and new.isVisible() and not window.isVisible()
    new.settle()
    assert Path(new.ws.location) == target and target.exists()
    assert new.pages["initiatives"].model.total == 0
    assert recent.load()[:2] == [str(target), window.ws.location]
    new.close()


def test_opening_a_missing_workspace_says_so_and_keeps_the_window(window, tmp_path: Path):
    shown = []
    from opsdesk.ui import errors

    original = errors.show_user_error
    errors.show_user_error = lambda _parent, exc, title="OpsDesk": shown.append(str(exc))
    try:
        window.switch_workspace(str(tmp_path / "nowhere.opsdesk"))
        window.settle()
    finally:
        errors.show_user_error = original
    assert window.isVisible() and window.replaced_by is None
    assert shown and "does not exist" in shown[0]


def test_geometry_splitters_and_columns_are_restored(qtbot, demo_ws, window):
    from opsdesk.ui.main_window import MainWindow

    window.resize(790, 560)  # within the offscreen screen (800×600), which restoreGeometry clamps to
    size = (window.width(), window.height())
    assert size != (1440, 900)
    page = window.pages["initiatives"]
    page.splitter.setSizes([200, 500])
    page.table.horizontalHeader().setSectionHidden(4, True)
    sizes = page.splitter.sizes()
    window.close()
    again = MainWindow(demo_ws)
    qtbot.addWidget(again)
    again.show()
    again.settle()
    assert (again.width(), again.height()) == size
    assert again.pages["initiatives"].splitter.sizes() == sizes
    assert again.pages["initiatives"].table.horizontalHeader().isSectionHidden(4)
    again.tasks.shutdown()


@pytest.mark.parametrize("dark", [False, True])
def test_light_and_dark_palettes_are_readable(window, tmp_path: Path, dark: bool):
    from PySide6.QtWidgets import QApplication

    from opsdesk.ui import theme

    app = QApplication.instance()
    theme.apply(app, dark=dark)
    try:
        pal = app.palette()
        window_colour, text = pal.window().color(), pal.windowText().color()
        assert abs(window_colour.lightnessF() - text.lightnessF()) > 0.6
        assert (window_colour.lightnessF() < 0.3) is dark
        window.go_to("initiatives")
        window.settle()
        window.grab().save(str(tmp_path / f"initiatives_{'dark' if dark else 'light'}.png"))
    finally:
        theme.apply(app, dark=False)


def test_a_read_only_workspace_offers_no_editing(qtbot, demo_path):
    from PySide6.QtWidgets import QPushButton

    from opsdesk.services.workspace import lifecycle
    from opsdesk.ui.main_window import MainWindow

    ws = lifecycle.open_workspace(demo_path, read_only=True)
    w = MainWindow(ws)
    qtbot.addWidget(w)
    w.show()
    w.settle()
    assert not w.actions_.get("new").isEnabled() and not w.actions_.get("delete").isEnabled()
    for key in ("data_models", "people"):
        buttons = [b for b in w.pages[key].findChildren(QPushButton) if b.text() in ("New…", "Edit…", "Delete",
                                                                                      "Deactivate")]
        assert buttons and not any(b.isEnabled() for b in buttons)
    assert not w.pages["initiatives"].detail.edit.isEnabled()
    w.tasks.shutdown()
    ws.close()


def test_recent_workspace_the_window_had_open_before_opens_writable_again(qtbot, tmp_path: Path):
    """A → B → Recent ▸ A in one process: A opens for editing, not read-only "open in another process" naming
    this very process (the first window kept A's lock after it was replaced)."""
    from opsdesk.services.workspace import lifecycle
    from opsdesk.ui.app import first_window

    a, b = tmp_path / "a.opsdesk", tmp_path / "b.opsdesk"
    lifecycle.create(a, organisation="A").close()
    lifecycle.create(b, organisation="B").close()
    first = first_window(lifecycle.open_workspace(a, exclusive=True))
    qtbot.addWidget(first)
    first.show()
    first.settle()
    first.switch_workspace(str(b))
    qtbot.waitUntil(lambda: first.replaced_by is not None, timeout=30_000)
    second = first.replaced_by
    second.settle()
    assert Path(second.ws.location) == b and not second.ws.read_only
    recent_paths = [x.text() for x in (second._fill_recent(), second.recent_menu.actions())[1]]
    assert str(a) in recent_paths
    second.switch_workspace(str(a))
    qtbot.waitUntil(lambda: second.replaced_by is not None, timeout=30_000)
    third = second.replaced_by
    third.settle()
    assert Path(third.ws.location) == a
    assert not third.ws.read_only, third.ws.read_only_reason
    third.close()


def test_nothing_visible_waits_unpainted_while_the_workspace_loads(qtbot, demo_ws):
    """While the first load runs, every visible widget paints (a placeholder says the dashboard is loading): a
    widget shown with updates disabled is a black rectangle on X11 until the load lands."""
    from PySide6.QtWidgets import QWidget

    from opsdesk.ui.main_window import MainWindow

    w = MainWindow(demo_ws)
    qtbot.addWidget(w)
    w.resize(1440, 900)
    w.show()
    qtbot.waitExposed(w)
    unpainted = [x.objectName() or type(x).__name__ for x in w.findChildren(QWidget)
                 if x.isVisible() and not x.updatesEnabled()]
    page = w.pages["dashboard"]
    loading = page.placeholder.isVisible()
    w.settle()
    assert unpainted == []
    assert loading and not page.placeholder.isVisible() and page.main_area.isVisible()
    w.tasks.shutdown()


@pytest.mark.parametrize("size", [(1440, 900), (1280, 720)])
def test_no_text_is_cut_short_without_its_whole_text_at_hand(window, size):
    """At both sizes, on every page and tab: no label, button, combo or header narrower than its text unless a
    tool tip gives the whole text; table cells cut short show theirs on hover (checked below)."""
    from opsdesk.ui import readability

    window.resize(*size)
    window.settle()
    assert window.minimumSizeHint().width() <= size[0]  # every page fits beside the sidebar
    assert [f"{page}: {f}" for page, f in readability.every_page(window)] == []
    assert window.width() == size[0]


def test_a_cut_short_cell_shows_its_whole_text_on_hover(window, qtbot):
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication, QToolTip

    from opsdesk.ui import readability

    page = window.go_to("initiatives")
    window.settle()
    view = page.register.table
    name_col = next(c for c in range(view.model().columnCount())
                    if view.model().headerData(c, view.horizontalHeader().orientation()) == "Name")
    from PySide6.QtWidgets import QHeaderView

    view.horizontalHeader().setSectionResizeMode(name_col, QHeaderView.ResizeMode.Interactive)
    view.setColumnWidth(name_col, 40)
    window.settle()
    index = view.model().index(0, name_col)
    full = readability.full_text_if_cut(view, index)
    assert full is not None, (view.visualRect(index), index.data())
    assert full and len(full) > 8
    rect = view.visualRect(index)
    pos = rect.center()
    event = QHelpEvent(QHelpEvent.Type.ToolTip, pos, view.viewport().mapToGlobal(pos))
    QApplication.sendEvent(view.viewport(), event)
    qtbot.waitUntil(QToolTip.isVisible, timeout=3000)
    assert QToolTip.text() == full
    QToolTip.hideText()
