"""Native notifications, behind a small backend protocol, never assumed to be seen.

Why the checks: plyer returns quietly when there is no session bus or no
notification server, so a page could vanish.  Each backend first says whether
delivery is *possible*; the notifier tries them in order and reports which one
delivered (or that none could), so the tray can fall back to its own balloon
and the readiness check can say "notifications are not reaching you".
"""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any, Protocol

log = logging.getLogger(__name__)
APP_NAME = "oncall-desktop"


@dataclass(frozen=True)
class Notification:
    title: str
    body: str
    page_id: int | None = None
    ticket_id: str = ""
    urgent: bool = True


@dataclass(frozen=True)
class Delivery:
    delivered: bool
    backend: str
    problem: str = ""


class NotificationBackend(Protocol):
    name: str

    def available(self) -> tuple[bool, str]:
        """(possible, why not) — cheap; asked before every send."""
        ...

    def send(self, note: Notification) -> None:
        """Deliver or raise."""
        ...


class WithdrawingBackend(NotificationBackend, Protocol):
    """A backend that keeps one pop-up per page and can take it off the screen again.

    ``send`` of a note for a page already on screen replaces that pop-up;
    ``withdraw(page_id)`` closes it (the page was acknowledged, resolved,
    handed over); ``shown()`` names the pages with a pop-up up now.
    """

    def withdraw(self, page_id: int) -> None:
        ...

    def shown(self) -> set[int]:
        ...


def freedesktop_server_present(environ: dict[str, str] | None = None) -> tuple[bool, str]:
    """Is someone serving org.freedesktop.Notifications on our session bus?"""
    env = os.environ if environ is None else environ
    address = env.get("DBUS_SESSION_BUS_ADDRESS", "")
    if not address or address.startswith("disabled:"):
        return False, "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)"
    tool = shutil.which("dbus-send")
    if tool is None:
        return True, ""  # cannot ask; let the send itself tell
    try:
        out = subprocess.run(
            [tool, "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
             "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.Notifications"],
            capture_output=True, text=True, timeout=3, env=dict(env))
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"the session bus did not answer ({exc.__class__.__name__})"
    if out.returncode != 0:
        return False, "the session bus did not answer: " + (out.stderr.strip().splitlines() or ["?"])[-1]
    if "boolean true" in out.stdout:
        return True, ""
    # servers may be D-Bus activatable without running yet
    listed = subprocess.run(
        [tool, "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
         "org.freedesktop.DBus.ListActivatableNames"], capture_output=True, text=True, timeout=3, env=dict(env))
    if "org.freedesktop.Notifications" in listed.stdout:
        return True, ""
    return False, "no notification server is running on this desktop session"


class PlyerBackend:
    """The default native backend (libnotify/D-Bus on Linux, native elsewhere)."""

    name = "plyer"

    def __init__(self, environ: dict[str, str] | None = None) -> None:
        self.environ = environ

    def available(self) -> tuple[bool, str]:
        import sys

        if sys.platform.startswith("linux"):
            return freedesktop_server_present(self.environ)
        return True, ""

    def send(self, note: Notification) -> None:
        import warnings

        from plyer import notification

        with warnings.catch_warnings():
            # without dbus-python plyer warns, then uses notify-send: fine for us
            warnings.simplefilter("ignore", UserWarning)
            notification.notify(title=note.title, message=note.body, app_name=APP_NAME,
                                timeout=0 if note.urgent else 10)


DBUS_NAME = "org.freedesktop.Notifications"
DBUS_PATH = "/org/freedesktop/Notifications"
ACK_ACTION = "ack"
#: The bus daemon's own name: the sender of NameOwnerChanged, which no other connection can claim.
BUS_DAEMON = "org.freedesktop.DBus"


class FreedesktopBackend:
    """org.freedesktop.Notifications over D-Bus, with an **Acknowledge** button.

    Why not QtDBus: PySide6 cannot mark an argument as UINT32, so the
    ``Notify`` call (signature ``susssasa{sv}i``) is refused by the server.
    jeepney (pure Python, already installed with keyring on Linux) marshals
    exact types and is thread-safe through its router, so the store thread
    can send while a listener thread waits for ``ActionInvoked``.  The
    button is added only when the server lists the ``actions`` capability;
    ``on_action(page_id, key)`` runs on the listener thread — the UI hops
    to its own thread before touching anything.

    One pop-up per page: a later note for the same page (a reminder, an
    escalation) replaces it (``replaces_id``), and :meth:`withdraw` closes it
    when the page no longer waits.  The map lives only as long as the process.

    Any connection on the session bus can emit a signal named
    ``ActionInvoked``, and notification ids are small sequential numbers, so a
    button press is believed only when (a) the bus daemon names its sender as
    the connection that owns ``org.freedesktop.Notifications`` now (asked with
    ``GetNameOwner``, followed through ``NameOwnerChanged``), (b) its id is one
    of ours still on screen, and (c) the first time: the id is forgotten as it
    is used.
    """

    name = "freedesktop"

    def __init__(self, on_action: Callable[[int, str], None] | None = None,
                 environ: dict[str, str] | None = None) -> None:
        self.on_action = on_action
        self.environ = environ
        self._router: Any = None
        self._caps: frozenset[str] | None = None
        self._pages: dict[int, int] = {}  # notification id → page id
        self._shown: dict[int, int] = {}  # page id → notification id
        self._owner: str | None = None  # the unique bus name of the notification server
        self._lock = threading.Lock()
        self._listener: threading.Thread | None = None

    def available(self) -> tuple[bool, str]:
        env = os.environ if self.environ is None else self.environ
        address = env.get("DBUS_SESSION_BUS_ADDRESS", "")
        if not address or address.startswith("disabled:"):
            return False, "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)"
        try:
            if not self._server_present(self._connect()):
                self.close()
                return False, "no notification server is running on this desktop session"
            return True, ""
        except Exception as exc:  # noqa: BLE001 — any failure means "cannot deliver this way"
            self.close()
            return False, f"the notification server cannot be reached ({exc})"

    def capabilities(self) -> frozenset[str]:
        self._connect()
        return self._caps or frozenset()

    def send(self, note: Notification) -> None:
        router = self._connect()
        try:
            self._notify(router, note)
        except Exception:
            self.close()  # a dead bus connection: reconnect on the next page
            raise

    def shown(self) -> set[int]:
        """The pages whose pop-up is on screen (as far as this process knows)."""
        with self._lock:
            return set(self._shown)

    def withdraw(self, page_id: int) -> None:
        """Close the page's pop-up, if one is up; never waits for the server's answer."""
        from jeepney import DBusAddress, new_method_call

        with self._lock:
            notification_id = self._shown.pop(int(page_id), None)
            if notification_id is not None:
                self._pages.pop(notification_id, None)
        router = self._router
        if notification_id is None or router is None:
            return
        address = DBusAddress(DBUS_PATH, bus_name=DBUS_NAME, interface=DBUS_NAME)
        try:
            router.send(new_method_call(address, "CloseNotification", "u", (notification_id,)))
        except Exception as exc:  # noqa: BLE001 — a dead bus: the pop-up cannot be reached anyway
            log.info("could not close the pop-up of page %s: %s", page_id, exc)

    def _notify(self, router: Any, note: Notification) -> None:
        from jeepney import DBusAddress, MessageType, new_method_call
        from jeepney.low_level import HeaderFields

        actions = [ACK_ACTION, "Acknowledge"] if note.page_id is not None and "actions" in (self._caps or ()) else []
        hints = {"urgency": ("y", 2 if note.urgent else 1)}
        with self._lock:
            replaces = self._shown.get(int(note.page_id), 0) if note.page_id is not None else 0
        address = DBusAddress(DBUS_PATH, bus_name=DBUS_NAME, interface=DBUS_NAME)
        reply = router.send_and_get_reply(new_method_call(address, "Notify", "susssasa{sv}i", (
            APP_NAME, replaces, "", note.title, note.body, actions, hints, 0 if note.urgent else 10_000)), timeout=5)
        if reply.header.message_type is MessageType.error:
            raise RuntimeError(f"the notification server refused it: {reply.body[0] if reply.body else '?'}")
        with self._lock:
            if self._owner is None:  # the bus routed Notify to whoever owns the name: that is the server
                self._owner = reply.header.fields.get(HeaderFields.sender)
            if note.page_id is not None:
                notification_id, page_id = int(reply.body[0]), int(note.page_id)
                previous = self._shown.get(page_id)
                if previous is not None and previous != notification_id:
                    self._pages.pop(previous, None)
                self._pages[notification_id] = page_id
                self._shown[page_id] = notification_id

    def close(self) -> None:
        router, self._router = self._router, None
        if router is not None:
            router.close()
            router.conn.close()

    # ------------------------------------------------------------- internals
    def _connect(self) -> Any:
        if self._router is not None:
            return self._router
        from jeepney import DBusAddress, MatchRule, message_bus, new_method_call
        from jeepney.io.threading import DBusRouter, Proxy, open_dbus_connection

        env = os.environ if self.environ is None else self.environ
        conn = open_dbus_connection(env.get("DBUS_SESSION_BUS_ADDRESS", "SESSION"))
        router = DBusRouter(conn)
        try:
            bus = Proxy(message_bus, router, timeout=3)
            if not self._server_present(router):
                raise RuntimeError("no notification server is running on this desktop session")
            address = DBusAddress(DBUS_PATH, bus_name=DBUS_NAME, interface=DBUS_NAME)
            caps = router.send_and_get_reply(new_method_call(address, "GetCapabilities"), timeout=3).body
            self._caps = frozenset(caps[0]) if caps else frozenset()
            rule = MatchRule(type="signal", interface=DBUS_NAME, path=DBUS_PATH)
            bus.AddMatch(rule)  # some servers broadcast ActionInvoked; dunst sends it to us only
            handle = router.filter(rule, bufsize=256)
            owners = MatchRule(type="signal", sender=BUS_DAEMON, interface=BUS_DAEMON, member="NameOwnerChanged",
                               path="/org/freedesktop/DBus")
            owners.add_arg_condition(0, DBUS_NAME)
            bus.AddMatch(owners)
            router.filter(owners, queue=handle.queue)  # one queue: the listener sees them in bus order
            owner = self._owner_of(router)
        except BaseException:
            router.close()
            conn.close()
            raise
        with self._lock:
            self._owner = owner
        self._router = router
        self._listener = threading.Thread(target=self._listen, args=(router, handle), name="oncall-notify-actions",
                                          daemon=True)
        self._listener.start()
        return router

    @staticmethod
    def _owner_of(router: Any) -> str | None:
        """The unique name owning org.freedesktop.Notifications now (None: not running yet)."""
        from jeepney import MessageType, message_bus, new_method_call

        reply = router.send_and_get_reply(new_method_call(message_bus, "GetNameOwner", "s", (DBUS_NAME,)), timeout=3)
        if reply.header.message_type is MessageType.error:
            return None  # activatable, not started: the first Notify's reply names it
        return str(reply.body[0])

    @staticmethod
    def _server_present(router: Any) -> bool:
        """Someone owns the Notifications name, or the bus can start a server on demand."""
        from jeepney import message_bus
        from jeepney.io.threading import Proxy

        bus = Proxy(message_bus, router, timeout=3)
        return bool(bus.NameHasOwner(DBUS_NAME)[0]) or DBUS_NAME in bus.ListActivatableNames()[0]

    def _listen(self, router: Any, handle: Any) -> None:
        import queue

        while self._router is router:
            try:
                msg = handle.queue.get(timeout=0.5)
            except queue.Empty:
                continue
            try:
                self.dispatch(msg)
            except Exception:  # noqa: BLE001 — a malformed signal must not kill the listener
                log.exception("a notification signal could not be read")

    def dispatch(self, msg: Any) -> None:
        """One signal from the bus (listener thread): believed only from the notification server."""
        from jeepney.low_level import HeaderFields

        fields = msg.header.fields
        member, sender = fields.get(HeaderFields.member), fields.get(HeaderFields.sender)
        if member == "NameOwnerChanged":
            if sender == BUS_DAEMON and msg.body and msg.body[0] == DBUS_NAME:
                self._server_changed(str(msg.body[2]) or None)
            return
        if fields.get(HeaderFields.interface) != DBUS_NAME or member not in ("ActionInvoked", "NotificationClosed"):
            return
        with self._lock:
            trusted = self._owner is not None and sender == self._owner
        if not trusted:
            log.warning("ignored %s from %s: not the notification server (%s)", member, sender, self._owner)
            return
        if member == "ActionInvoked":
            self.action_invoked(int(msg.body[0]), str(msg.body[1]))
        else:
            with self._lock:
                page_id = self._pages.pop(int(msg.body[0]), None)
                if page_id is not None and self._shown.get(page_id) == int(msg.body[0]):
                    del self._shown[page_id]

    def _server_changed(self, owner: str | None) -> None:
        """Another process serves notifications now: ours died with the old one, its ids mean nothing."""
        with self._lock:
            self._owner = owner
            self._pages.clear()
            self._shown.clear()

    def action_invoked(self, notification_id: int, key: str) -> None:
        """A button was pressed on one of our notifications (listener thread, sender already checked)."""
        with self._lock:
            page_id = self._pages.pop(notification_id, None)
            if page_id is not None and self._shown.get(page_id) == notification_id:
                del self._shown[page_id]
        if page_id is not None and self.on_action is not None:
            try:
                self.on_action(page_id, key)
            except Exception:  # noqa: BLE001 — a failing callback must not kill the listener
                log.exception("notification action %r for page %s failed", key, page_id)


# ------------------------------------------------------------------ policy --

@dataclass(frozen=True)
class QuietHours:
    """A nightly stretch (e.g. 22:00–07:00, local time) with no pop-ups — *only while off call*."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours | None:
        """``"22:00-07:00"`` → QuietHours; empty → None; anything else is a ValueError with an example."""
        raw = (text or "").strip()
        if not raw:
            return None
        try:
            first, second = (part.strip() for part in raw.replace("–", "-").split("-"))
            return cls(time.fromisoformat(first), time.fromisoformat(second))
        except ValueError:
            raise ValueError(f"quiet hours '{text}' are not like 22:00-07:00 (start-end, 24-hour clock)") from None

    def covers(self, local: time) -> bool:
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


def silenced_by(quiet: QuietHours | None, local_now: datetime, on_call: bool) -> str | None:
    """Why a pop-up is held back now, or None.  On call, nothing is ever held back."""
    if on_call or quiet is None or not quiet.covers(local_now.time()):
        return None
    return f"quiet hours {quiet} (you are off call)"


@dataclass
class Notifier:
    """A Qt-free bus: tries backends in order; subscribers hear about every delivery."""

    backends: list[NotificationBackend] = field(default_factory=lambda: [PlyerBackend()])
    subscribers: list[Callable[[Notification, Delivery], None]] = field(default_factory=list)
    #: why pop-ups are held back right now (quiet hours while off call), or None
    hold: Callable[[], str | None] | None = None

    def status(self) -> tuple[bool, str]:
        problems = []
        for backend in self.backends:
            ok, why = backend.available()
            if ok:
                return True, f"native notifications via {backend.name}"
            problems.append(f"{backend.name}: {why}")
        return False, "notifications are not reaching you — " + "; ".join(problems)

    def withdraw(self, page_id: int) -> None:
        """Take the page's pop-up off the screen wherever a backend put one (never raises)."""
        for backend in self.backends:
            withdraw = getattr(backend, "withdraw", None)
            if withdraw is None:
                continue
            try:
                withdraw(page_id)
            except Exception:  # noqa: BLE001 — a pop-up left up must not fail the acknowledgement
                log.exception("closing the pop-up of page %s via %s failed", page_id, backend.name)

    def shown(self) -> set[int]:
        """The pages with a pop-up up now, over the backends that keep count."""
        pages: set[int] = set()
        for backend in self.backends:
            shown = getattr(backend, "shown", None)
            if shown is not None:
                pages |= shown()
        return pages

    def publish(self, note: Notification) -> Delivery:
        """Deliver through the first backend that can.

        A pop-up held back on purpose (quiet hours) is ``Delivery(True, "held",
        reason)``: handled as configured, so nobody raises a delivery alarm,
        and the reason lands in the event log.
        """
        held = self.hold() if self.hold is not None else None
        if held:
            quiet = Delivery(True, "held", held)
            for subscriber in self.subscribers:
                subscriber(note, quiet)
            return quiet
        problems = []
        delivery: Delivery | None = None
        for backend in self.backends:
            ok, why = backend.available()
            if not ok:
                problems.append(f"{backend.name}: {why}")
                continue
            try:
                backend.send(note)
            except Exception as exc:  # noqa: BLE001 — a backend failing must not lose the page
                problems.append(f"{backend.name}: {exc}")
                continue
            delivery = Delivery(True, backend.name)
            break
        if delivery is None:
            delivery = Delivery(False, "", "; ".join(problems) or "no notification backend configured")
            log.warning("notification not delivered: %s", delivery.problem)
        for subscriber in self.subscribers:
            subscriber(note, delivery)
        return delivery
