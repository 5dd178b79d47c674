"""The window shows first and fills in (issue 21): no page, heavy library or migration machinery stands between
starting OpsDesk and seeing its window. Architecture, not timing (bench/startup.py measures the time)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEAVY = ("sqlalchemy", "alembic", "mako", "pygments", "pyqtgraph", "numpy", "pandas", "pyarrow", "reportlab",
         "pyhanko")

# PySide6 builds a class's Python enums when the class is first named: the Qt namespace alone is about a hundred
# enums (tens of milliseconds), QStyle, QMessageBox and QFileDialog a dozen more; none is needed to show the window
BUILT_LATER = ("Qt", "QStyle", "QMessageBox", "QFileDialog", "QStyleOption")


def _run(code: str, tmp_path: Path) -> list[str]:
    env = {"QT_QPA_PLATFORM": "offscreen", "OPSDESK_DATA_DIR": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "PATH": "/usr/bin:/bin"}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    return r.stdout.strip().splitlines()


def test_the_window_is_on_screen_before_the_workspace_or_any_heavy_library_loads(demo_path: Path, tmp_path: Path):
    """`opsdesk --workspace W`: at the window's first paint nothing heavy is imported, no page is built, no
    application-wide Python event filter has run for every event of building the window (the cell tips come
    after) and PySide6 has not built the enums of classes the window does not need; the workspace then opens (on
    the worker) and the dashboard fills in."""
    code = f"""
import os, sys
os.environ["OPSDESK_EXIT_AFTER_SHOW"] = "1"
from opsdesk.ui import first_paint
exit_now = first_paint.exit_now
def at_first_paint():
    from PySide6.QtWidgets import QApplication
    window = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "mainWindow")
    print(sorted(m for m in {HEAVY!r} if m in sys.modules))
    print(sorted(window.pages.built()), window.isVisible(), window.ws is None)
    import PySide6.QtCore, PySide6.QtWidgets
    enums = sorted(n for n in {BUILT_LATER!r} if n in {{**vars(PySide6.QtCore), **vars(PySide6.QtWidgets)}})
    from opsdesk.ui import readability
    print(readability.cell_tips_installed())
    print(enums)
    exit_now()
first_paint.exit_now = at_first_paint
from opsdesk.cli import main
main(["--workspace", {str(demo_path)!r}])
"""
    heavy, state, cell_tips, enums = _run(code, tmp_path)
    assert heavy == "[]"
    assert state == "[] True True"
    assert cell_tips == "False"
    assert enums == "[]"


def test_a_workspace_at_the_current_schema_opens_without_alembic_and_builds_only_the_page_shown(
        demo_path: Path, tmp_path: Path):
    code = f"""
import sys
from PySide6.QtWidgets import QApplication
from opsdesk.services.workspace import lifecycle
from opsdesk.ui.app import make_app
from opsdesk.ui.main_window import MainWindow
app = make_app()
ws = lifecycle.open_workspace({str(demo_path)!r})
window = MainWindow(ws, persist=False)
window.show()
window.settle()
print(sorted(m for m in ("alembic", "mako", "pygments") if m in sys.modules))
print(sorted(window.pages.built()))
people = window.go_to("people")
window.settle()
print(sorted(window.pages.built()), window.current_page() is people)
window.close()
ws.close()
"""
    migrations, built, after_visit = _run(code, tmp_path)
    assert migrations == "[]"
    assert built == "['dashboard']"
    assert after_visit == "['dashboard', 'people'] True"


def test_opening_window_fills_in_with_the_workspace(qtbot, demo_path: Path):
    """The window shows at once saying which workspace it is opening; once open, its title and dashboard fill in
    and the workspace's actions work."""
    from opsdesk.ui.app import _opening_window

    window = _opening_window(str(demo_path), read_only=False)
    qtbot.addWidget(window)
    assert window.isVisible() and "demo.opsdesk" in window.opening_label.text()
    assert not window.actions_.get("new").isEnabled() and window.actions_.get("quit").isEnabled()
    qtbot.waitUntil(lambda: window.ws is not None, timeout=30_000)
    window.settle()
    assert "Department of Public Services" in window.windowTitle()
    assert window.current_page() is window.pages["dashboard"]
    assert window.actions_.get("new").isEnabled()
    window.close()


def test_a_page_chosen_while_the_workspace_opens_is_the_page_it_opens_on(qtbot, demo_ws):
    from opsdesk.ui.main_window import MainWindow
    from opsdesk.ui.pages import PAGE_KEYS

    window = MainWindow(None, opening="demo.opsdesk")
    qtbot.addWidget(window)
    window.show()
    window.sidebar.setCurrentRow(PAGE_KEYS.index("people"))
    assert window.current_page() is None
    window.attach(demo_ws)
    window.settle()
    assert window.current_page() is window.pages["people"]
    assert sorted(window.pages.built()) == ["people"]
    window.tasks.shutdown()


def test_a_page_can_be_built_without_visiting_it(window):
    assert not window.pages.is_built("costs")
    costs = window.page("costs")
    window.settle()
    assert window.pages.is_built("costs") and window.current_page() is not costs
    assert costs.objectName() == "page_costs"


def test_a_workspace_that_cannot_be_opened_ends_the_start_with_a_message(qtbot, tmp_path: Path, capfd):
    from opsdesk.ui.app import _opening_window

    window = _opening_window(str(tmp_path / "missing.opsdesk"), read_only=False)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: "does not exist" in capfd.readouterr().err, timeout=30_000)
    assert window.ws is None
    window.close()


def test_cut_short_cells_get_their_tips_once_the_window_is_painted(demo_path: Path, tmp_path: Path):
    """The cell tips' event filter is installed right after the first paint, so hovering works from then on."""
    code = f"""
from opsdesk.services.workspace import lifecycle
from opsdesk.ui import readability
from opsdesk.ui.app import make_app
from opsdesk.ui.main_window import MainWindow
app = make_app()
ws = lifecycle.open_workspace({str(demo_path)!r})
window = MainWindow(ws, persist=False)
print(readability.cell_tips_installed())
window.show()
window.settle()
print(readability.cell_tips_installed())
window.close()
ws.close()
"""
    assert _run(code, tmp_path) == ["False", "True"]


def test_each_sidebar_item_carries_its_page_key(window):
    from PySide6.QtCore import Qt

    from opsdesk.ui.pages import PAGE_KEYS

    bar = window.sidebar
    assert [bar.item(i).data(Qt.ItemDataRole.UserRole) for i in range(bar.count())] == list(PAGE_KEYS)
