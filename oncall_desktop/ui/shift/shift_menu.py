"""The main window's Shift menu and the "read the handoff first" rule.

Why its own module: the main window only wires tabs; the three shift dialogs
(handoff, readiness, maintenance), their shortcuts, and the rule that a
pending handoff opens by itself once the window is on screen live here.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow

from oncall_desktop.ui.controller import AppController

if TYPE_CHECKING:
    from oncall_desktop.services.app.view_model import HandoffView, Snapshot

SHORTCUTS = {"handoff": "Ctrl+Shift+H", "readiness": "Ctrl+Shift+K", "maintenance": "Ctrl+Shift+M"}


class ShiftMenu:
    def __init__(self, window: QMainWindow, controller: AppController) -> None:
        self.window = window
        self.controller = controller
        self.dialog: Any = None
        self.pending: HandoffView | None = None
        self._offered: set[str] = set()
        menu = window.menuBar().addMenu("S&hift")
        self.actions: dict[str, QAction] = {}
        for key, text in (("handoff", "&Write handoff…"), ("read", "&Read handoff"),
                          ("readiness", "Readiness &check…"), ("maintenance", "&Maintenance windows…")):
            action = QAction(text, window)
            if key in SHORTCUTS:
                action.setShortcut(QKeySequence(SHORTCUTS[key]))
            action.triggered.connect(lambda _checked=False, k=key: self.open(k))
            menu.addAction(action)
            self.actions[key] = action
        self.actions["read"].setEnabled(False)
        controller.watch(window, ("handoff_pending",), self._snapshot)
        if hasattr(controller, "sig_open_shift_dialog"):
            controller.sig_open_shift_dialog.connect(self.open)

    def open(self, kind: str) -> Any:
        from oncall_desktop.ui.shift.handoff_dialog import HandoffDialog
        from oncall_desktop.ui.shift.maintenance_dialog import MaintenanceDialog
        from oncall_desktop.ui.shift.readiness_dialog import ReadinessDialog

        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            return self.dialog
        if kind == "read" and self.pending is None:
            return None
        if kind == "handoff":
            self.dialog = HandoffDialog(self.controller, "write", parent=self.window)
        elif kind == "read":
            self.dialog = HandoffDialog(self.controller, "read", self.pending, parent=self.window)
        elif kind == "readiness":
            self.dialog = ReadinessDialog(self.controller, parent=self.window)
        elif kind == "maintenance":
            self.dialog = MaintenanceDialog(self.controller, parent=self.window)
        else:
            return None
        self.dialog.show()
        return self.dialog

    def _snapshot(self, snapshot: Snapshot, _parts: frozenset[str]) -> None:
        self.pending = snapshot.handoff_pending
        self.actions["read"].setEnabled(self.pending is not None)
        self.offer()

    def offer(self) -> None:
        """The incoming tech reads the handoff before anything else: once per handoff, when the window shows.

        Called when the handoff arrives and when the window comes on screen
        (``MainWindow.showEvent``): no snapshot is re-sent just for this.
        """
        if self.pending is not None and self.pending.id not in self._offered and self.window.isVisible():
            self._offered.add(self.pending.id)
            self.open("read")
