"""The page chime, played by the operating system's own sound player.

Why not QtMultimedia: it drags FFmpeg and the audio stack into the frozen
build (the bundle leaves it out, so the chime was silent there) and needs
libpulse besides.  Every desktop already has a player for a short WAV:
``winsound`` on Windows (standard library), ``afplay`` on macOS, and on Linux
PipeWire's ``pw-play``, PulseAudio's ``paplay`` or ALSA's ``aplay``.  The
player runs as its own process, so a slow or missing audio device never
holds up the app.
"""
from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from collections.abc import Collection
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType

log = logging.getLogger(__name__)

#: Inside the package, so a pip install (package-data) and the PyInstaller bundle (which keeps
#: oncall_desktop/ beside the frozen modules' __file__) find it at the same place as a checkout.
SOUND = Path(__file__).resolve().parents[2] / "resources" / "sounds" / "page.wav"

#: Linux players in order of preference (PipeWire, PulseAudio, ALSA), each with its arguments
LINUX_PLAYERS = (("pw-play", ()), ("paplay", ()), ("aplay", ("-q",)))


#: How often the chime sounds again while a page waits (unacknowledged, not snoozed).
CHIME_EVERY = timedelta(seconds=30)


class ChimeRepeat:
    """When the chime sounds: at once for a page newly waiting, then every ``every`` while any still waits.

    Pure, so the clock's once-a-second tick can drive it and a test can step
    it: :meth:`due` is given the instant and the pages waiting on me now
    (acknowledged, resolved and snoozed ones left out) and answers whether
    to play.  Nothing waiting resets it, so the chime stops by itself when
    the last page is acknowledged or snoozed, and a snooze that runs out
    counts as a page waiting anew.
    """

    def __init__(self, every: timedelta = CHIME_EVERY) -> None:
        self.every = every
        self._last: datetime | None = None
        self._waiting: frozenset[int] = frozenset()

    def due(self, now: datetime, waiting: Collection[int]) -> bool:
        now_waiting = frozenset(waiting)
        fresh = now_waiting - self._waiting
        self._waiting = now_waiting
        if not now_waiting:
            self._last = None
            return False
        if fresh or self._last is None or now - self._last >= self.every or now < self._last:
            self._last = now
            return True
        return False


class PageSound:
    """Plays the chime when asked; ``problem`` says why it cannot, in words for Settings."""

    def __init__(self, path: Path = SOUND, platform: str = sys.platform) -> None:
        self.path = path
        self.platform = platform
        self.problem = ""
        self._command: list[str] | None = None
        self._winsound: ModuleType | None = None
        self._checked = False
        self._playing: subprocess.Popen[bytes] | None = None

    def available(self) -> bool:
        self._check()
        return not self.problem

    def play(self) -> bool:
        """Start the chime and return at once; False (and ``problem``) when it cannot play."""
        if not self.available():
            return False
        try:
            if self._winsound is not None:
                flags = self._winsound.SND_FILENAME | self._winsound.SND_ASYNC | self._winsound.SND_NODEFAULT
                self._winsound.PlaySound(str(self.path), flags)
            else:
                assert self._command is not None
                if self._playing is not None and self._playing.poll() is None:
                    return True  # the last chime is still sounding: two at once would only blur
                self._playing = subprocess.Popen([*self._command, str(self.path)], stdin=subprocess.DEVNULL,
                                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except (OSError, RuntimeError) as exc:  # a player that vanished, a busy sound device
            self.problem = f"the chime could not play ({exc})"
            log.info(self.problem)
            return False
        return True

    def close(self, timeout: float = 2.0) -> None:
        """At shutdown: let a chime still sounding finish (the player is reaped, not left behind)."""
        playing, self._playing = self._playing, None
        if playing is None:
            return
        try:
            playing.wait(timeout)
        except subprocess.TimeoutExpired:
            playing.kill()
            playing.wait()

    def _check(self) -> None:
        if self._checked:
            return
        self._checked = True
        if not self.path.exists():
            self.problem = f"the sound file {self.path.name} is missing"
        elif self.platform == "win32":
            try:
                import winsound
            except ImportError:
                self.problem = "sound is off: Windows' winsound module is missing"
            else:
                self._winsound = winsound
        elif self.platform == "darwin":
            self._command = self._find((("afplay", ()),), "afplay (part of macOS) was not found")
        else:
            self._command = self._find(LINUX_PLAYERS, "no sound player found: install pipewire-bin, "
                                       "pulseaudio-utils or alsa-utils")
        if self.problem:
            log.info(self.problem)

    def _find(self, players: tuple[tuple[str, tuple[str, ...]], ...], missing: str) -> list[str] | None:
        for name, args in players:
            found = shutil.which(name)
            if found:
                return [found, *args]
        self.problem = missing
        return None
