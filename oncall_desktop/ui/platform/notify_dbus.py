"""Notification buttons and the page sound, wired to the controller.

Why here: the freedesktop backend (services/paging/notifier.py) reports a pressed
**Acknowledge** button on its own listener thread; a Qt signal carries it to
the GUI thread, where the controller acknowledges the page like the tray's
menu does.  The chime (services/paging/page_sound.py) is played by the clock's
tick on the store thread — at once for a new page, then every 30 s until it
is acknowledged or snoozed — while the ``sound`` setting is on (default).
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from oncall_desktop.services.paging.notifier import ACK_ACTION, FreedesktopBackend
from oncall_desktop.services.paging.page_sound import PageSound
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

    def install(self, ws: Any) -> None:
        """Called on the store thread once the workspace is open."""
        if self.backend not in ws.notifier.backends:
            ws.notifier.backends.insert(0, self.backend)
        self.sound.available()  # look for a player here, not at the first page
        ws.clock_service.chime = lambda: self.sound.play()  # the tick decides when (and reads ``sound``)

    def _act(self, page_id: int, key: str) -> None:
        if key == ACK_ACTION:  # like the controller's acknowledge, with the origin for the event log
            self.controller.act(lambda ws: ws.acknowledge(page_id, origin="notification"))

    def shutdown(self) -> None:
        self.backend.close()
        self.sound.close()
