"""An empty workspace opens on the Getting started checklist; its buttons do the steps; it goes once done."""

from __future__ import annotations

from pathlib import Path


def test_an_empty_workspace_opens_on_the_checklist(empty_window, tmp_path: Path, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    from opsdesk.services.workspace import lifecycle

    w = empty_window
    panel = w.pages["dashboard"].getting_started
    assert w.current_page() is w.pages["dashboard"] and panel.isVisible()
    assert panel.checklist is not None and panel.checklist.remaining == 8
    texts = {k: b.text() for k, b in panel.buttons.items()}
    assert texts["organisation"] == "Name it…" and texts["classification"] == "Keep these markings"
    w.grab().save(str(tmp_path / "getting_started.png"))

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("Department of Examples", True)))
    panel.buttons["organisation"].click()
    w.settle()
    assert lifecycle.info(w.ws).organisation == "Department of Examples"
    panel.buttons["classification"].click()
    w.settle()
    done = {s.key for s in panel.checklist.steps if s.done}
    assert {"organisation", "classification"} <= done and panel.checklist.remaining == 6

    assert texts["committee"] == "Add a voting member…"
    panel.buttons["committee"].click()  # a voting member's form, for the first discipline not yet covered
    people = w.pages["people"]
    assert w.current_page() is people and people.people.form is not None
    assert people.people.form.raw_values()["committee_role"] == "member"
    people.people.form.reject()
    w.go_to("dashboard")
    panel.buttons["models"].click()
    assert w.current_page() is w.pages["data_models"] and w.pages["data_models"].tabs.currentIndex() == 1


def test_the_demo_workspace_does_not_show_it(window):
    panel = window.pages["dashboard"].getting_started
    assert panel.checklist is not None and panel.checklist.done and not panel.isVisible()


def test_every_empty_chart_says_what_fills_it_and_offers_the_action(qtbot, empty_window, monkeypatch):
    w = empty_window
    page = w.pages["dashboard"]
    opened = []
    monkeypatch.setattr(w, "open_import", lambda paths=None: opened.append(paths))
    w.actions_.get("import").triggered.disconnect()
    w.actions_.get("import").triggered.connect(lambda: w.open_import())
    # the first screen reads the last year; once the older history is read too, each empty chart says what fills it
    qtbot.waitUntil(lambda: page._history_complete, timeout=30_000)
    w.settle()
    for key, chart in page.trend_charts.items():
        assert chart.empty_note.isVisible(), key
        assert "import" in chart.empty_note.text().lower() or "FOCUS" in chart.empty_note.text()
    chart = page.trend_charts["finops"]
    chart.empty_note.linkActivated.emit("do")
    assert opened == [None]
    assert page.portfolio.empty_note.isVisible() and "initiative" in page.portfolio.empty_note.text()


def test_charts_with_data_say_nothing(window):
    page = window.pages["dashboard"]
    assert not any(c.empty_note.isVisible() for c in page.trend_charts.values())
    assert not page.portfolio.empty_note.isVisible()
