"""The window's "Pre-shift check: 2 problems — open the checklist" bar.

Why a bar and not only a pop-up: the check runs by itself when the shift
starts, often while the tech is still making coffee; the bar stays above the
tabs until the problems are fixed (a later check passes) or the tech closes
it, and its button opens the checklist with the recorded results.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from oncall_desktop.core.time.clock import iso
from oncall_desktop.services.app.readiness import DISMISSED_SETTING
from oncall_desktop.ui.controller import AppController

if TYPE_CHECKING:
    from oncall_desktop.services.app.view_model import ReadinessView, Snapshot


class ReadinessNotice(QWidget):
    def __init__(self, controller: AppController) -> None:
        super().__init__()
        self.controller = controller
        self.summary: ReadinessView | None = None
        self.setObjectName("readinessNotice")
        self.setStyleSheet("#readinessNotice { background: #fff4ce; } QLabel { color: #3b2f00; }")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # a plain QWidget paints no style sheet
        self.text = QLabel("")
        self.text.setWordWrap(True)
        self.open_button = QPushButton("Open the &checklist")
        self.open_button.setToolTip("What failed and the one thing to do about each (Ctrl+Shift+K)")
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.setToolTip("Hide this until the next check")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.open_button)
        layout.addWidget(self.dismiss_button)
        self.open_button.clicked.connect(lambda: controller.sig_open_shift_dialog.emit("readiness"))
        self.dismiss_button.clicked.connect(self._dismiss)
        controller.watch(self, ("readiness",), self.update_snapshot)
        self.hide()

    def update_snapshot(self, snapshot: Snapshot, _parts: frozenset[str] = frozenset()) -> None:
        summary = snapshot.readiness
        self.summary = summary
        if summary is None or not summary.shows_notice:
            self.hide()
            return
        how = "ran by itself at the start of your shift" if summary.trigger == "shift start" else "last run"
        self.text.setText(f"<b>{summary.headline}</b> ({how}): {', '.join(summary.problems)}.")
        self.show()

    def _dismiss(self) -> None:
        if self.summary:
            self.controller.set_setting(DISMISSED_SETTING, iso(self.summary.checked_at))  # as the run was recorded
