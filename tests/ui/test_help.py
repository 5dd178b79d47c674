"""F1 opens the bundled guide at the part about the current page; the guide's links all lead somewhere in it."""

from __future__ import annotations

import re

from opsdesk.ui.pages import PAGES


def test_every_link_of_the_guide_leads_to_a_part_of_it():
    from opsdesk.ui.dialogs.help import anchors, guide_path

    text = guide_path().read_text(encoding="utf-8")
    links = set(re.findall(r'href="([^"]+)"', text))
    assert links and all(link.startswith("#") for link in links), "the guide links only within itself"
    assert {link[1:] for link in links} <= anchors()
    for task in ("getting-started", "importing", "import-focus", "import-mlflow", "import-metrics", "meetings",
                 "papers", "exchange"):
        assert task in anchors()


def test_f1_opens_the_guide_at_the_page(window, tmp_path):
    for spec in PAGES:
        window.go_to(spec.key)
        window.actions_.get("help").trigger()
        browser = window.help_window
        assert browser is not None and browser.isVisible()
        assert browser.topic == f"page-{spec.key}"
        shown = browser.browser.toPlainText()
        assert "Getting started" in shown and len(shown) > 3000
        # scrolled to the page's part, well below the contents at the top
        assert browser.browser.verticalScrollBar().value() > 0, spec.key
    browser.show_topic("getting-started")
    browser.grab().save(str(tmp_path / "help.png"))


def test_the_guide_finds_text(window):
    window.actions_.get("help").trigger()
    browser = window.help_window
    browser.search.setText("Unallocated")
    assert browser.find_next()
    assert browser.browser.textCursor().selectedText() == "Unallocated"
    browser.search.setText("no such words anywhere")
    assert not browser.find_next()
