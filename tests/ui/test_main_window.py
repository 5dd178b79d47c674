from __future__ import annotations

from opsdesk.ui.pages import PAGES


def test_window_opens_on_demo_with_sidebar_and_title(window, tmp_path):
    titles = [window.sidebar.item(i).text() for i in range(window.sidebar.count())]
    assert titles == [p.title for p in PAGES]
    assert titles[:2] == ["Dashboard", "Initiatives"]
    assert "Department of Public Services" in window.windowTitle()
    assert "[SECRET]" in window.windowTitle()  # the highest marking in the demo
    window.grab().save(str(tmp_path / "window.png"))


def test_initiatives_page_lists_the_register(window, qtbot):
    page = window.go_to("initiatives")
    window.settle()
    model = page.proxy
    assert model.rowCount() >= 12
    codes = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert codes[0] == "AI-0001"
    page.search.setText("wildfire")
    page.search.flush()
    assert page.proxy.rowCount() == 1
    assert page.proxy.index(0, 1).data() == "Wildfire risk forecasting"


def test_every_sidebar_page_is_a_working_page(window):
    from opsdesk.ui.pages.base import Page

    assert [spec.key for spec in PAGES][-2:] == ["lessons", "reporting"]
    for spec in PAGES:
        page = window.go_to(spec.key)
        window.settle()
        assert isinstance(page, Page) and window.current_page() is page, spec.key




def test_people_and_skills_page_holds_register_matrix_and_training(window):
    page = window.go_to("people")
    window.settle()
    titles = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    assert titles == ["People", "Skills matrix", "Training"]
    page.tabs.setCurrentIndex(1)
    window.settle()
    assert page.skills.isVisible()


def test_changes_saved_by_another_process_show_without_a_restart(window, demo_ws):
    """Another OpsDesk (a second window, a command, a colleague on a shared server) writes to the same workspace:
    the next poll notices and every page reloads; the window's own changes do not count as someone else's, and a
    poll that finds nothing new leaves the status bar alone."""
    from opsdesk.services.registry import initiatives
    from opsdesk.services.workspace import lifecycle

    page = window.go_to("initiatives")
    window.settle()
    said: list[str] = []
    window.statusBar().messageChanged.connect(lambda text: text and said.append(text))  # "" is a message expiring
    window.poll_changes()
    window.settle()
    assert said == []  # nothing new: no "Working…", no "Ready"
    dashboard_loads = window.pages["dashboard"].loads
    other = lifecycle.open_workspace(demo_ws.location, actor="colleague")
    try:
        initiatives.update(other, "AI-0003", {"name": "Renamed by a colleague"})
    finally:
        other.close()
    window.poll_changes()
    window.settle()
    window.settle()
    names = {page.proxy.index(r, 0).data(): page.proxy.index(r, 1).data() for r in range(page.proxy.rowCount())}
    assert names["AI-0003"] == "Renamed by a colleague"
    assert window.pages["dashboard"].loads > dashboard_loads
    assert "Updated with changes saved elsewhere" in said

    said.clear()
    initiatives.update(window.ws, "AI-0003", {"name": "Renamed here"})  # this window's own change
    window.settle()
    window.settle()
    window.poll_changes()
    window.settle()
    assert said and not any("elsewhere" in text for text in said)
