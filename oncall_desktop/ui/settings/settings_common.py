"""What every Settings page shares: save through the services, show the answer beside the field.

Why: each page has many small fields, and each field's refusal ("notice days
must be whole numbers…") belongs next to that field, not in the status bar
where it vanishes.  Saving runs ``services.preferences`` on the store thread
(``controller.act``); the page never touches the store itself.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QWidget

from oncall_desktop.ui.controller import AppController

OK_STYLE = "QLabel { color: #1a7f37; }"
FAIL_STYLE = "QLabel { color: #cf222e; }"


class Status(QLabel):
    """A one-line verdict beside a field: ✓ in green, ✗ in red, or nothing."""

    def __init__(self) -> None:
        super().__init__("")
        self.setWordWrap(True)

    def ok(self, text: str) -> None:
        self.setStyleSheet(OK_STYLE)
        self.setText(f"✓ {text}" if text else "")

    def fail(self, text: str) -> None:
        self.setStyleSheet(FAIL_STYLE)
        self.setText(f"✗ {text}")

    def clear_text(self) -> None:
        self.setText("")

    @property
    def failed(self) -> bool:
        return self.text().startswith("✗")


def row(*widgets: QWidget, stretch: bool = True) -> QWidget:
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    if stretch:
        layout.addStretch(1)
    return box


class SettingsPage(QWidget):
    """A page of the Settings tab; ``load(values)`` fills it from ``Preferences.values()``."""

    title = ""

    def __init__(self, controller: AppController) -> None:
        super().__init__()
        self.controller = controller
        self.loading = False
        self.values: dict[str, Any] = {}
        #: replaced in tests: (title, filter) → chosen path or "" (cancelled)
        self.pick_file: Callable[[str, str], str] = self._pick_file
        self.pick_folder: Callable[[str], str] = self._pick_folder
        self.on_saved: Callable[[], None] = lambda: None

    def load(self, values: dict[str, Any]) -> None:
        self.values = values
        self.loading = True
        try:
            self.fill(values)
        finally:
            self.loading = False

    def fill(self, values: dict[str, Any]) -> None:  # pragma: no cover — each page draws itself
        raise NotImplementedError

    def save(self, fn: Callable[[Any], Any], status: Status, said: Callable[[Any], str]) -> None:
        """Run ``fn(preferences)`` on the store thread; ✓ ``said(result)`` or ✗ the refusal in words."""
        if self.loading:
            return
        from oncall_desktop.services.app.preferences import Preferences

        def done(result: Any) -> None:
            status.ok(said(result))
            self.on_saved()

        self.controller.act(lambda ws: fn(Preferences(ws)), done,
                            lambda exc: status.fail(str(exc) or exc.__class__.__name__))

    def _pick_file(self, title: str, filters: str) -> str:
        return QFileDialog.getOpenFileName(self, title, "", filters)[0]

    def _pick_folder(self, title: str) -> str:
        return QFileDialog.getExistingDirectory(self, title)
