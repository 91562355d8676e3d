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
from pathlib import Path

log = logging.getLogger(__name__)

#: Inside the package, so a pip install (package-data) and the PyInstaller bundle (which keeps
#: oncall_desktop/ beside the frozen modules' __file__) find it at the same place as a checkout.
SOUND = Path(__file__).resolve().parents[1] / "resources" / "sounds" / "page.wav"

#: Linux players in order of preference (PipeWire, PulseAudio, ALSA), each with its arguments
LINUX_PLAYERS = (("pw-play", ()), ("paplay", ()), ("aplay", ("-q",)))


class PageSound:
    """Plays the chime when asked; ``problem`` says why it cannot, in words for Settings."""

    def __init__(self, path: Path = SOUND, platform: str = sys.platform) -> None:
        self.path = path
        self.platform = platform
        self.problem = ""
        self._command: list[str] | None = None
        self._winsound = None
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
                import winsound  # type: ignore[import-not-found]
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
