"""The chime is played by the system's own player, as its own process; without one, Settings says why."""
from __future__ import annotations

import os
import shutil
import sys
import time
import types
from pathlib import Path

import pytest

from oncall_desktop.services.paging.page_sound import SOUND, PageSound


def _player(folder: Path, name: str, log: Path) -> None:
    """A stand-in player on PATH that writes down what it was asked to play."""
    script = folder / name
    script.write_text(f"#!/bin/sh\necho \"$0 $*\" >> '{log}'\n")
    script.chmod(0o755)


def _wait_for(path: Path) -> str:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text()
        time.sleep(0.02)
    raise AssertionError(f"the player never ran ({path} is empty)")


@pytest.mark.skipif(sys.platform == "win32", reason="shell stand-ins for Linux/macOS players")
def test_linux_prefers_pipewire_then_pulseaudio_then_alsa(tmp_path, monkeypatch) -> None:
    log = tmp_path / "played.txt"
    for name in ("aplay", "paplay"):
        _player(tmp_path, name, log)
    monkeypatch.setenv("PATH", str(tmp_path))
    sound = PageSound(platform="linux")
    assert sound.available() and sound.problem == ""
    assert sound.play() is True
    assert _wait_for(log).split() == [str(tmp_path / "paplay"), str(SOUND)]  # no pw-play here: paplay
    sound.close()
    _player(tmp_path, "pw-play", log)
    log.unlink()
    sound = PageSound(platform="linux")
    assert sound.play()
    assert _wait_for(log).split() == [str(tmp_path / "pw-play"), str(SOUND)]
    sound.close()


@pytest.mark.skipif(sys.platform == "win32", reason="shell stand-ins for Linux/macOS players")
def test_alsa_plays_quietly_and_macos_uses_afplay(tmp_path, monkeypatch) -> None:
    log = tmp_path / "played.txt"
    _player(tmp_path, "aplay", log)
    _player(tmp_path, "afplay", log)
    monkeypatch.setenv("PATH", str(tmp_path))
    for platform, expected in (("linux", ["aplay", "-q"]), ("darwin", ["afplay"])):
        sound = PageSound(platform=platform)
        assert sound.play()
        assert _wait_for(log).split() == [str(tmp_path / expected[0]), *expected[1:], str(SOUND)]
        sound.close()
        log.unlink()


@pytest.mark.skipif(sys.platform == "win32", reason="shell stand-ins for Linux/macOS players")
def test_a_chime_still_sounding_is_not_stacked_and_close_reaps_it(tmp_path, monkeypatch) -> None:
    slow = tmp_path / "paplay"
    slow.write_text(f"#!/bin/sh\necho started >> '{tmp_path / 'played.txt'}'\n{shutil.which('sleep')} 1\n")
    slow.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    sound = PageSound(platform="linux")
    assert sound.play() and sound.play()  # the second asks while the first still sounds
    playing = sound._playing
    sound.close()
    assert playing is not None and playing.returncode == 0  # waited for, not left behind
    assert (tmp_path / "played.txt").read_text().split() == ["started"]


def test_no_player_says_what_to_install_and_does_not_play(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: nothing to play with
    sound = PageSound(platform="linux")
    assert not sound.available() and sound.play() is False
    assert "no sound player found" in sound.problem and "alsa-utils" in sound.problem


def test_windows_plays_asynchronously_through_winsound(monkeypatch) -> None:
    calls: list[tuple[str, int]] = []
    fake = types.SimpleNamespace(SND_FILENAME=0x20000, SND_ASYNC=0x1, SND_NODEFAULT=0x2,
                                 PlaySound=lambda path, flags: calls.append((path, flags)))
    monkeypatch.setitem(sys.modules, "winsound", fake)
    assert PageSound(platform="win32").play()
    assert calls == [(str(SOUND), 0x20000 | 0x1 | 0x2)]


def test_a_missing_sound_file_is_named(tmp_path) -> None:
    sound = PageSound(path=tmp_path / "gone.wav", platform="linux")
    assert not sound.available() and "gone.wav" in sound.problem


def test_a_player_that_cannot_start_is_a_problem_not_a_crash(tmp_path, monkeypatch) -> None:
    broken = tmp_path / "paplay"
    broken.write_text("not a program")
    broken.chmod(0o755)  # executable bit, but no interpreter line: exec fails
    monkeypatch.setenv("PATH", str(tmp_path))
    sound = PageSound(platform="linux")
    if os.name == "nt":
        pytest.skip("exec semantics differ on Windows")
    assert sound.play() is False and "could not play" in sound.problem
