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

    assert [spec.key for spec in PAGES][-1] == "lessons"
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
