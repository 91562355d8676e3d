"""Notifier: delivery is never assumed, quiet hours only while off call, buttons map back to pages."""
from __future__ import annotations

from datetime import datetime, time

import pytest

from oncall_desktop.services.paging.notifier import FreedesktopBackend, Notification, Notifier, QuietHours, silenced_by


def test_quiet_hours_parse_and_cover_midnight() -> None:
    night = QuietHours.parse("22:00-07:00")
    assert night == QuietHours(time(22), time(7)) and str(night) == "22:00–07:00"
    assert night.covers(time(23, 30)) and night.covers(time(6, 59)) and not night.covers(time(7, 0))
    lunch = QuietHours.parse(" 12:00 – 13:00 ")
    assert lunch.covers(time(12, 30)) and not lunch.covers(time(13, 30))
    assert QuietHours.parse("") is None
    with pytest.raises(ValueError, match="not like 22:00-07:00"):
        QuietHours.parse("after ten")


def test_quiet_hours_never_silence_the_person_on_call() -> None:
    night = QuietHours(time(22), time(7))
    late = datetime(2026, 11, 25, 23, 0)
    assert silenced_by(night, late, on_call=True) is None
    assert silenced_by(night, late, on_call=False) == "quiet hours 22:00–07:00 (you are off call)"
    assert silenced_by(night, datetime(2026, 11, 25, 12, 0), on_call=False) is None
    assert silenced_by(None, late, on_call=False) is None


def test_held_notifications_are_handled_not_failed(recorder) -> None:
    heard = []
    notifier = Notifier(backends=[recorder], subscribers=[lambda n, d: heard.append(d)],
                        hold=lambda: "quiet hours 22:00–07:00 (you are off call)")
    delivery = notifier.publish(Notification("P2 · Acme: VPN down", "Paged because …", 3))
    assert (delivery.delivered, delivery.backend) == (True, "held")
    assert recorder.sent == [] and heard == [delivery]


def test_status_names_every_backend_that_cannot_deliver(recorder) -> None:
    offline = FreedesktopBackend(environ={"DBUS_SESSION_BUS_ADDRESS": "disabled:"})
    ok, text = Notifier(backends=[offline]).status()
    assert not ok and text == ("notifications are not reaching you — freedesktop: no D-Bus session bus "
                               "(DBUS_SESSION_BUS_ADDRESS is not set)")
    gone = FreedesktopBackend(environ={"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/bus"})
    ok, why = gone.available()
    assert not ok and why.startswith("the notification server cannot be reached")
    assert Notifier(backends=[gone, recorder]).status() == (True, "native notifications via recorder")
    delivery = Notifier(backends=[gone, recorder]).publish(Notification("t", "b", 1))
    assert delivery.backend == "recorder" and len(recorder.sent) == 1


def test_a_pressed_button_reaches_its_page_once() -> None:
    pressed = []
    backend = FreedesktopBackend(on_action=lambda page, key: pressed.append((page, key)))
    backend._pages[17] = 4  # what send() records: notification id 17 shows page 4
    backend.action_invoked(17, "ack")
    backend.action_invoked(17, "ack")  # a second signal for a closed notification is ignored
    backend.action_invoked(99, "ack")  # not ours
    assert pressed == [(4, "ack")]


def test_workspace_holds_pop_ups_in_quiet_hours_only_when_i_am_off_call(workspace, recorder, fake_clock) -> None:
    from oncall_desktop.services.app.now import on_call_now
    from oncall_desktop.services.demo.demo import seed_demo

    seed_demo(workspace)
    on_call = {e["person"] for e in on_call_now(workspace)}
    local = fake_clock.now().astimezone().time()
    around = f"{(local.hour - 1) % 24:02d}:00-{(local.hour + 1) % 24:02d}:00"
    workspace.store.set_setting("quiet_hours", around)
    workspace.store.set_setting("me", next(iter(on_call)))
    assert workspace.quiet_reason() is None  # on call: never quiet
    workspace.store.set_setting("me", "Somebody Off Call")
    assert workspace.quiet_reason() == f"quiet hours {QuietHours.parse(around)} (you are off call)"
    result, notes = workspace.poll()
    assert result.paged == 1 and recorder.sent == []
    sent = workspace.store.events(kind="notification.sent")
    assert sent[0]["data"]["backend"] == "held" and "quiet hours" in sent[0]["data"]["problem"]


def _signal(member: str, signature: str, body: tuple, sender: str, interface: str = "org.freedesktop.Notifications",
            path: str = "/org/freedesktop/Notifications"):
    """A signal as the bus delivers it: the bus daemon writes the sender field, nobody can forge it."""
    from jeepney import DBusAddress, new_signal
    from jeepney.low_level import HeaderFields

    msg = new_signal(DBusAddress(path, interface=interface), member, signature, body)
    msg.header.fields[HeaderFields.sender] = sender
    return msg


def _owned_backend(pressed: list) -> FreedesktopBackend:
    backend = FreedesktopBackend(on_action=lambda page, key: pressed.append((page, key)))
    backend._owner = ":1.7"  # what GetNameOwner answered at connect
    backend._pages.update({1: 3, 2: 4})  # notifications 1 and 2 show pages 3 and 4
    backend._shown.update({3: 1, 4: 2})
    return backend


def test_an_action_from_any_other_sender_is_ignored() -> None:
    pressed: list = []
    backend = _owned_backend(pressed)
    for forged in (1, 2, 3):  # a local script tries the small sequential ids
        backend.dispatch(_signal("ActionInvoked", "us", (forged, "ack"), sender=":1.42"))
    assert pressed == [] and backend.shown() == {3, 4}
    backend.dispatch(_signal("NotificationClosed", "uu", (1, 2), sender=":1.42"))
    assert backend.shown() == {3, 4}  # nor may it make us forget a pop-up
    backend.dispatch(_signal("ActionInvoked", "us", (2, "ack"), sender=":1.7"))
    backend.dispatch(_signal("ActionInvoked", "us", (2, "ack"), sender=":1.7"))  # once only
    backend.dispatch(_signal("ActionInvoked", "us", (9, "ack"), sender=":1.7"))  # not one of ours
    assert pressed == [(4, "ack")] and backend.shown() == {3}


def test_no_action_is_believed_before_the_server_is_known() -> None:
    pressed: list = []
    backend = _owned_backend(pressed)
    backend._owner = None
    backend.dispatch(_signal("ActionInvoked", "us", (1, "ack"), sender=":1.7"))
    assert pressed == []


def test_a_new_notification_server_is_followed_and_the_old_ids_forgotten() -> None:
    pressed: list = []
    backend = _owned_backend(pressed)
    owner_changed = ("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus")
    forged = _signal("NameOwnerChanged", "sss", ("org.freedesktop.Notifications", ":1.7", ":1.42"), sender=":1.42",
                     interface=owner_changed[2], path=owner_changed[1])
    backend.dispatch(forged)  # only the bus daemon speaks for name ownership
    assert backend._owner == ":1.7" and backend.shown() == {3, 4}
    real = _signal("NameOwnerChanged", "sss", ("org.freedesktop.Notifications", ":1.7", ":1.8"),
                   sender=owner_changed[0], interface=owner_changed[2], path=owner_changed[1])
    backend.dispatch(real)  # the daemon restarted: its pop-ups are gone, its ids start again
    assert backend._owner == ":1.8" and backend.shown() == set()
    backend.dispatch(_signal("ActionInvoked", "us", (1, "ack"), sender=":1.8"))
    assert pressed == []
