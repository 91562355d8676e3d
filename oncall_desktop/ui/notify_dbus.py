"""Notification buttons and the page sound, wired to the controller.

Why here: the freedesktop backend (services/notifier.py) reports a pressed
**Acknowledge** button on its own listener thread; a Qt signal carries it to
the GUI thread, where the controller acknowledges the page like the tray's
menu does.  The optional chime (services/page_sound.py) plays on each new
page while the workspace's ``sound`` setting is on.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from oncall_desktop.services.notifier import ACK_ACTION, FreedesktopBackend
from oncall_desktop.services.page_sound import PageSound
from oncall_desktop.ui.controller import AppController


class NotificationActions(QObject):
    """Puts the actions backend first in the workspace's notifier; routes its buttons."""

    sig_action = Signal(int, str)
    """A notification button was pressed: (page id, action key); emitted from the listener thread."""

    def __init__(self, controller: AppController, backend: FreedesktopBackend | None = None) -> None:
        super().__init__(controller)
        self.controller = controller
        self.backend = backend or FreedesktopBackend(on_action=lambda page, key: self.sig_action.emit(page, key))
        self.sig_action.connect(self._act)
        self.sound = PageSound()
        controller.sig_paged.connect(self._paged)

    def install(self, ws: Any) -> None:
        """Called on the store thread once the workspace is open."""
        if self.backend not in ws.notifier.backends:
            ws.notifier.backends.insert(0, self.backend)
        self.sound.available()  # look for a player here, not on the GUI thread at the first page

    def _act(self, page_id: int, key: str) -> None:
        if key == ACK_ACTION:  # like the controller's acknowledge, with the origin for the event log
            self.controller.act(lambda ws: ws.acknowledge(page_id, origin="notification"))

    def _paged(self, note: dict[str, Any]) -> None:
        if self.controller.snapshot.get("settings", {}).get("sound"):
            self.sound.play()

    def shutdown(self) -> None:
        self.backend.close()
        self.sound.close()
