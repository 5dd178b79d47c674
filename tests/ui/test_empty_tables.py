"""Every empty table says what fills it (issue 20, point 3)."""

from __future__ import annotations

from pathlib import Path


def test_every_empty_table_of_an_empty_workspace_says_what_fills_it(empty_window, tmp_path: Path):
    from PySide6.QtWidgets import QLabel, QTableView

    from opsdesk.ui.pages import PAGES
    from opsdesk.ui.widgets.table_tab import TableTab  # says it in its own note instead of the table

    w = empty_window
    silent = []
    for spec in PAGES:
        page = w.go_to(spec.key)
        w.settle()
        for view in page.findChildren(QTableView):
            if view.model() is None or view.model().rowCount() > 0 or isinstance(view.parent(), TableTab):
                continue
            notes = [x for x in view.viewport().findChildren(QLabel) if x.objectName() == "tableEmptyNote"]
            if not notes or not notes[0].text().strip():
                silent.append(f"{spec.key}: {view.accessibleName() or view.objectName()}")
    w.go_to("committee")
    w.settle()
    w.grab().save(str(tmp_path / "committee_empty.png"))
    assert not silent, "\n".join(silent)


def test_the_note_goes_when_rows_come_and_a_filter_says_nothing_matches(window, qtbot):
    page = window.go_to("initiatives")
    window.settle()
    note = page.register.table.empty_note.label
    assert not note.isVisible()
    page.register.search.setText("no initiative is called this")
    qtbot.waitUntil(lambda: page.register.proxy.rowCount() == 0)
    assert note.isVisible() and "Nothing matches" in note.text()
