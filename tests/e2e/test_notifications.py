"""Pages reach a real notification daemon (dunst 1.9) and its Acknowledge button acknowledges them.

dunst triggers actions from a script: ``dunstctl action 0`` invokes the only
action of the newest notification (or its "default"), and dunst then sends
``ActionInvoked(id, "ack")`` to the connection that called ``Notify`` — so
the test exercises the same path as a click.
"""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

from oncall_desktop.services.paging.notifier import FreedesktopBackend, Notification, Notifier, PlyerBackend
from tests.e2e.desktop import Desktop, wait_for


def _forge_actions(desktop: Desktop, ids: range, to: str | None = None) -> None:
    """What a hostile local script does: emit ActionInvoked for small ids from its own bus connection."""
    from jeepney import DBusAddress, new_signal
    from jeepney.io.blocking import open_dbus_connection
    from jeepney.low_level import HeaderFields

    with open_dbus_connection(desktop.env["DBUS_SESSION_BUS_ADDRESS"]) as conn:
        for notification_id in ids:
            msg = new_signal(DBusAddress("/org/freedesktop/Notifications", interface="org.freedesktop.Notifications"),
                             "ActionInvoked", "us", (notification_id, "ack"))
            if to is not None:
                msg.header.fields[HeaderFields.destination] = to  # straight to us, past any match rule
            conn.send(msg)
        # a round trip, so the bus has delivered every signal before we look
        from jeepney import message_bus, new_method_call
        conn.send_and_get_reply(new_method_call(message_bus, "GetId"), timeout=5)


def _cli(desktop: Desktop, workspace: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "oncall_desktop", "--workspace", str(workspace), *args],
                          env=desktop.env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_backend_delivers_summary_and_body_and_reports_the_button(desktop: Desktop) -> None:
    pressed: list[tuple[int, str]] = []
    got = threading.Event()
    backend = FreedesktopBackend(on_action=lambda page, key: (pressed.append((page, key)), got.set()),
                                 environ=desktop.env)
    try:
        notifier = Notifier(backends=[backend, PlyerBackend(desktop.env)])
        assert notifier.status() == (True, "native notifications via freedesktop")
        assert "actions" in backend.capabilities()
        delivery = notifier.publish(Notification("P1 · Acme: Mail server down",
                                                 "Paged because subject contains 'down'. Acknowledge by 23:25.", 41))
        assert delivery.delivered and delivery.backend == "freedesktop"
        wait_for(lambda: desktop.run("dunstctl", "count", "displayed").stdout.strip() == "1", 10, "the pop-up")
        _forge_actions(desktop, range(1, 11))  # broadcast
        _forge_actions(desktop, range(1, 11), to=backend._router.unique_name)  # sent to our connection only
        assert not got.wait(1.0), f"a forged ActionInvoked was believed: {pressed}"
        assert desktop.run("dunstctl", "action", "0").returncode == 0
        assert got.wait(10), "no ActionInvoked reached the backend"
        assert pressed == [(41, "ack")]
    finally:
        backend.close()
    received = desktop.notifications()
    assert received[0]["summary"] == "P1 · Acme: Mail server down"
    assert received[0]["body"] == "Paged because subject contains 'down'. Acknowledge by 23:25."
    assert received[0]["appname"] == "oncall-desktop"


def test_a_pages_pop_up_is_replaced_by_its_reminder_and_closed_when_withdrawn(desktop: Desktop) -> None:
    backend = FreedesktopBackend(environ=desktop.env)
    try:
        displayed = lambda: desktop.run("dunstctl", "count", "displayed").stdout.strip()  # noqa: E731
        backend.send(Notification("P1 · Acme: Mail server down", "Paged because …", 41))
        wait_for(lambda: displayed() == "1", 10, "the pop-up")
        backend.send(Notification("Still waiting · P1 · Acme: Mail server down", "Not acknowledged yet", 41))
        time.sleep(0.5)  # dunst draws a new pop-up within ~100 ms
        assert displayed() == "1", "the reminder stacked a second pop-up"
        backend.withdraw(41)
        wait_for(lambda: displayed() == "0", 10, "the pop-up to close")
        assert backend.shown() == set()
    finally:
        backend.close()


def test_acknowledge_button_acknowledges_the_page_in_the_workspace(desktop: Desktop, tmp_path: Path,
                                                                   artifacts: Path) -> None:
    workspace = tmp_path / "ws"
    _cli(desktop, workspace, "demo")
    app = desktop.spawn(sys.executable, "-m", "oncall_desktop", "--workspace", str(workspace), log="app.log")
    try:
        wait_for(lambda: desktop.run("dunstctl", "count", "displayed").stdout.strip() == "1", 45,
                 "the demo page on screen")
        desktop.screenshot(artifacts / "page-popup.png")
        pages = json.loads(_cli(desktop, workspace, "now", "--json"))["pages"]
        assert [p["state"] for p in pages] == ["pending"]
        _forge_actions(desktop, range(1, 11))  # any local process emitting ActionInvoked
        time.sleep(1.5)
        assert [p["state"] for p in json.loads(_cli(desktop, workspace, "now", "--json"))["pages"]] == ["pending"]
        assert desktop.run("dunstctl", "action", "0").returncode == 0   # the "Acknowledge" button
        wait_for(lambda: json.loads(_cli(desktop, workspace, "now", "--json"))["pages"][0]["state"] == "acknowledged",
                 20, "the page to be acknowledged through the notification button")
        assert app.poll() is None, (desktop.root / "app.log").read_text()
    finally:
        app.terminate()
        app.wait(timeout=15)
    received = desktop.notifications()
    assert any("Practice server down" in n["summary"] and "Acknowledge by" in n["body"] for n in received)
    events = json.loads(_cli(desktop, workspace, "events", "--json"))
    sent = [e for e in events if e["kind"] == "notification.sent"]
    assert sent[0]["data"]["backend"] == "freedesktop"
    assert [e["kind"] for e in events if e["kind"] == "page.acknowledged"] == ["page.acknowledged"]
    assert [e["data"]["origin"] for e in events if e["kind"] == "page.acknowledged"] == ["notification"]
