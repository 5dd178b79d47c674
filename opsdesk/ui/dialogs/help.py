"""The help browser: OpsDesk's guide, bundled with it (resources/help), opened at the topic of the current page.
Links inside the guide move within it; nothing is ever fetched."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from opsdesk import paths


def guide_path():  # type: ignore[no-untyped-def]
    return paths.resources_dir() / "help" / "guide.html"


class HelpBrowser(QDialog):
    def __init__(self, parent: QWidget | None = None, topic: str = "contents") -> None:
        super().__init__(parent)
        self.setObjectName("helpBrowser")
        self.setWindowTitle("OpsDesk help")
        self.resize(820, 680)
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("helpText")
        self.browser.setOpenExternalLinks(False)
        self.browser.setOpenLinks(True)
        self.browser.setSearchPaths([str(guide_path().parent)])
        back = QPushButton("Back", self)
        back.clicked.connect(self.browser.backward)
        self.browser.backwardAvailable.connect(back.setEnabled)
        back.setEnabled(False)
        contents = QPushButton("Contents", self)
        contents.clicked.connect(lambda: self.show_topic("contents"))
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Find in the guide…")
        self.search.setClearButtonEnabled(True)
        self.search.returnPressed.connect(self.find_next)
        bar = QHBoxLayout()
        bar.addWidget(back)
        bar.addWidget(contents)
        bar.addStretch(1)
        bar.addWidget(self.search)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.browser)
        self.browser.setSource(QUrl.fromLocalFile(str(guide_path())))
        self.show_topic(topic)
        find = self.search
        find.setToolTip(f"Find ({QKeySequence(QKeySequence.StandardKey.Find).toString()}), Enter for the next match")

    def show_topic(self, topic: str) -> None:
        """Scroll to ``topic`` (an anchor of the guide); the contents when the guide has no such anchor."""
        anchor = topic if topic in anchors() else "contents"
        self.browser.scrollToAnchor(anchor)
        self.topic = anchor

    def find_next(self) -> bool:
        text = self.search.text().strip()
        if not text:
            return False
        if self.browser.find(text):
            return True
        cursor = self.browser.textCursor()
        cursor.movePosition(cursor.MoveOperation.Start)
        self.browser.setTextCursor(cursor)
        return self.browser.find(text)


def anchors() -> set[str]:
    import re

    return set(re.findall(r'<a name="([^"]+)"', guide_path().read_text(encoding="utf-8")))


def topic_for_page(key: str) -> str:
    return f"page-{key}"
