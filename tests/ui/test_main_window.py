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


def test_pages_not_built_yet_say_so_plainly(window):
    from PySide6.QtWidgets import QLabel

    for spec in PAGES:
        if spec.factory is None:
            text = " ".join(label.text() for label in window.pages[spec.key].findChildren(QLabel))
            assert "not built yet" in text




def test_people_and_skills_page_holds_register_matrix_and_training(window):
    page = window.go_to("people")
    window.settle()
    titles = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    assert titles == ["People", "Skills matrix", "Training"]
    page.tabs.setCurrentIndex(1)
    window.settle()
    assert page.skills.isVisible()
