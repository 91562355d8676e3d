"""The Runbooks tab: the bundled and workspace runbooks, readable offline.

Markdown renders through ``QTextBrowser.setMarkdown`` with external links and
remote resources disabled, so a runbook cannot run scripts or load URLs.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QSplitter, QTextBrowser, QVBoxLayout, QWidget

from oncall_desktop.ui.controller import AppController


class SafeBrowser(QTextBrowser):
    """A text browser that never fetches anything: remote images stay blank, links inert."""

    def __init__(self) -> None:
        super().__init__()
        self.setOpenExternalLinks(False)
        self.setOpenLinks(False)

    def loadResource(self, kind: int, url: QUrl) -> Any:  # noqa: N802 — Qt override
        return None


class RunbooksTab(QWidget):
    def __init__(self, controller: AppController) -> None:
        super().__init__()
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter runbooks…")
        self.filter.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.view = SafeBrowser()
        split = QSplitter()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.filter)
        left_layout.addWidget(self.list)
        split.addWidget(left)
        split.addWidget(self.view)
        split.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self.runbooks: dict[str, dict[str, Any]] = {}
        self.list.currentItemChanged.connect(self._show)
        self.filter.textChanged.connect(self._filter)
        controller.sig_snapshot.connect(self.update_snapshot)

    def update_snapshot(self, snapshot: dict[str, Any]) -> None:
        runbooks = {r["id"]: r for r in snapshot.get("runbooks", [])}
        if runbooks.keys() == self.runbooks.keys():
            return
        self.runbooks = runbooks
        self.list.clear()
        for rb in sorted(runbooks.values(), key=lambda r: r["title"].lower()):
            item = QListWidgetItem(rb["title"])
            item.setData(Qt.ItemDataRole.UserRole, rb["id"])
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def _filter(self, text: str) -> None:
        needle = text.lower().strip()
        for i in range(self.list.count()):
            item = self.list.item(i)
            rb = self.runbooks[item.data(Qt.ItemDataRole.UserRole)]
            hay = (rb["title"] + " " + " ".join(rb.get("tags", []))).lower()
            item.setHidden(bool(needle) and needle not in hay)

    def _show(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        rb = self.runbooks[item.data(Qt.ItemDataRole.UserRole)]
        self.view.document().setMarkdown(rb.get("body", ""), QTextDocument.MarkdownFeature.MarkdownDialectGitHub)
