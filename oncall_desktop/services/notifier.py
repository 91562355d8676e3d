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
from dataclasses import dataclass, field
from typing import Callable, Protocol

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


@dataclass
class Notifier:
    """A Qt-free bus: tries backends in order; subscribers hear about every delivery."""

    backends: list[NotificationBackend] = field(default_factory=lambda: [PlyerBackend()])
    subscribers: list[Callable[[Notification, Delivery], None]] = field(default_factory=list)

    def status(self) -> tuple[bool, str]:
        problems = []
        for backend in self.backends:
            ok, why = backend.available()
            if ok:
                return True, f"native notifications via {backend.name}"
            problems.append(f"{backend.name}: {why}")
        return False, "notifications are not reaching you — " + "; ".join(problems)

    def publish(self, note: Notification) -> Delivery:
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
