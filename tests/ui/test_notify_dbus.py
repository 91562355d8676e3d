"""A new page plays the chime when the Sound setting is on, through the system's player; off, it is silent."""
from __future__ import annotations

import sys
import time

import pytest

from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.services.paging.page_sound import SOUND, PageSound


@pytest.mark.skipif(sys.platform == "win32", reason="a shell stand-in for the Linux player")
def test_a_page_chimes_by_default_and_not_once_sound_is_off(make_controller, tmp_path, monkeypatch) -> None:
    played = tmp_path / "played.txt"
    player = tmp_path / "paplay"
    player.write_text(f"#!/bin/sh\necho \"$*\" >> '{played}'\n")
    player.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    controller = make_controller(seed=lambda ws: None, start=True)  # an empty book, notifications recorded
    controller.actions.sound = PageSound(platform="linux")
    ws = controller.ws
    ws.book.add(Ticket(title="Exchange outage", client="Acme", priority=1))
    controller.check_now()
    controller.tick_clock()  # the clock's tick (every second in the app) plays it: sound is on by default
    deadline = time.monotonic() + 5
    while not (played.exists() and played.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert played.read_text().split() == [str(SOUND)]
    controller.actions.sound.close()
    controller.set_setting("sound", False)
    ws.book.add(Ticket(title="VPN down for everyone", client="Acme", priority=1))
    controller.check_now()
    controller.tick_clock()
    time.sleep(0.3)
    assert len(ws.pages.active()) == 2 and played.read_text().split() == [str(SOUND)]


def test_the_notification_button_acknowledges_with_its_origin(make_controller) -> None:
    controller = make_controller(seed=lambda ws: None, start=True)
    ws = controller.ws
    ws.book.add(Ticket(title="Exchange outage", client="Acme", priority=1))
    controller.check_now()
    [page] = ws.pages.active()
    controller.actions.sig_action.emit(int(page.id), "ack")  # what the listener emits for a believed button
    assert ws.pages.get(int(page.id)).state == "acknowledged"
    assert [e["data"]["origin"] for e in ws.store.events(kind="page.acknowledged")] == ["notification"]
