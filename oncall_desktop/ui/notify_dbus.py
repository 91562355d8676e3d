"""Notification buttons and the page sound, wired to the controller.

Why here: the freedesktop backend (services/notifier.py) reports a pressed
**Acknowledge** button on its own listener thread; a Qt signal carries it to
the GUI thread, where the controller acknowledges the page like the tray's
menu does.  The optional sound is a Qt concern too (QtMultimedia), played
only when the workspace's ``sound`` setting is on.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QUrl, Signal

from oncall_desktop.services.notifier import ACK_ACTION, FreedesktopBackend
from oncall_desktop.ui.controller import AppController

log = logging.getLogger(__name__)
#: Inside the package, so a pip install (package-data) and the PyInstaller bundle (which keeps
#: oncall_desktop/ beside the frozen modules' __file__) find it at the same place as a checkout.
SOUND = Path(__file__).resolve().parents[1] / "resources" / "sounds" / "page.wav"


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

    def _act(self, page_id: int, key: str) -> None:
        if key == ACK_ACTION:
            self.controller.acknowledge(page_id)

    def _paged(self, note: dict[str, Any]) -> None:
        if self.controller.snapshot.get("settings", {}).get("sound"):
            self.sound.play()

    def shutdown(self) -> None:
        self.backend.close()


class PageSound:
    """The page chime through QSoundEffect, if QtMultimedia loads on this machine.

    QtMultimedia needs the system's audio libraries (PulseAudio's libpulse on
    Linux); without them the sound is skipped and ``problem`` says why.
    """

    def __init__(self, path: Path = SOUND) -> None:
        self.path = path
        self.problem = ""
        self._effect: Any = None
        self._tried = False

    def available(self) -> bool:
        self._load()
        return self._effect is not None

    def play(self) -> bool:
        if not self.available():
            return False
        self._effect.play()
        return True

    def _load(self) -> None:
        if self._tried:
            return
        self._tried = True
        if not self.path.exists():
            self.problem = f"the sound file {self.path.name} is missing"
            return
        try:
            from PySide6.QtMultimedia import QSoundEffect
        except ImportError as exc:
            self.problem = f"sound is off: Qt Multimedia cannot load here ({exc})"
            log.info(self.problem)
            return
        effect = QSoundEffect()
        effect.setSource(QUrl.fromLocalFile(str(self.path)))
        effect.setVolume(0.8)
        self._effect = effect
