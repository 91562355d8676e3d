"""The pre-shift readiness check: will tonight's page actually reach me?

Why these seven items: each is a way on-call silently fails — notifications
switched off by a desktop update, an expired API key, a runbook pack months
old, a shift with no backup, a full disk that stops the store, an app that
does not come back after a reboot, a Qt binding that makes the app abort
after a few minutes with the window open.  Each item says pass/fail in words and,
when it fails, the one thing to do.  Every run is recorded (event log and the
``readiness`` table) so a lead can see the check was done.
"""
from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from oncall_desktop.core.time.clock import iso, parse_instant
from oncall_desktop.services.app.now import local_stamp

if TYPE_CHECKING:
    from oncall_desktop.services.app.workspace import Workspace
    from oncall_desktop.services.rotation.service import ShiftNotice

#: Below this the store (WAL, backups) may fail mid-shift.
MIN_FREE_BYTES = 500 * 1024 * 1024
#: A team pack not heard from for this long may be missing last week's fixes.
PACK_MAX_AGE = timedelta(days=7)
#: Runbooks nobody reviewed for this long (no team pack) count as stale.
RUNBOOK_MAX_AGE = timedelta(days=365)

#: Setting: the ``checked_at`` of the run whose notice the tech closed.
DISMISSED_SETTING = "readiness_dismissed"


@dataclass(frozen=True)
class CheckItem:
    key: str
    title: str
    ok: bool
    detail: str
    fix: str = ""


@dataclass(frozen=True)
class ReadinessReport:
    checked_at: datetime
    items: tuple[CheckItem, ...]

    @property
    def ok(self) -> bool:
        return all(i.ok for i in self.items)

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "checked_at": iso(self.checked_at), "passed": sum(i.ok for i in self.items),
                "failed": sum(not i.ok for i in self.items), "items": [asdict(i) for i in self.items]}


class Readiness:
    """Runs the checklist against one workspace; every probe can be replaced in tests."""

    def __init__(self, ws: Workspace, *, autostart_enabled: Callable[[], bool] | None = None,
                 disk_free: Callable[[], int] | None = None, min_free_bytes: int = MIN_FREE_BYTES,
                 qt_probe: Callable[[], QtHealth] | None = None) -> None:
        self.ws = ws
        self.qt_probe = qt_probe or _measure_qt
        self.autostart_enabled = autostart_enabled or self._autostart_enabled
        self.disk_free = disk_free or (lambda: shutil.disk_usage(self.ws.directory).free)
        self.min_free_bytes = min_free_bytes

    def run(self, confirm: Callable[[], bool] | None = None, resend: bool = True,
            trigger: str = "") -> ReadinessReport:
        """All items; ``confirm`` (the UI's Yes/No) makes the notification item a real round trip.

        ``resend=False``: the UI already sent the test notification and asked;
        ``confirm`` just returns that answer.  ``trigger`` says who started the
        run in the log ("" by hand, "shift start" when it ran by itself).
        """
        items = (self.notifications(confirm, send=resend), self.ticket_system(), self.runbooks(), self.backup(), self.disk(),
                 self.autostart(), self.qt_library())
        report = ReadinessReport(self.ws.clock.now(), items)
        self._record(report, trigger)
        return report

    def at_shift_start(self, notices: Sequence[ShiftNotice]) -> ReadinessReport | None:
        """Run the check by itself when one of ``notices`` (just sent) says my shift starts.

        Why on the notice: the rotation service sends the "you are on call now"
        notice exactly once per stint, from the poll cycle (so also after the
        laptop wakes), which is exactly when a silent failure starts to
        matter.  Nobody is there to answer "did you see it?", so the
        notification item checks that a backend can deliver.  The result is
        recorded like any run; the snapshot's ``readiness`` carries it to the
        tray (a balloon) and the window (a notice that opens the checklist)
        until the next check or until dismissed — no second pop-up on top of
        the shift notice.  The check must never stop the poll that runs it,
        so an unexpected failure is logged instead of raised.
        """
        starts = [n for n in notices if n.kind == "start"]
        if not starts:
            return None
        try:
            report = self.run(trigger="shift start")
        except Exception as exc:  # noqa: BLE001 — a broken check must not stop paging
            self.ws.store.log("readiness.auto_failed", self.ws.me,
                              {"problem": str(exc) or exc.__class__.__name__, "shift": starts[0].key})
            return None
        return report

    def summary(self) -> dict[str, Any] | None:
        """The last recorded run for the window's notice: when, how it started, what failed (None: never run)."""
        event = self.ws.store.db.conn.execute(
            "SELECT data FROM events WHERE kind = 'readiness.checked' ORDER BY at DESC, id DESC LIMIT 1").fetchone()
        if event is None:
            return None
        data = json.loads(event[0])
        failed = [i for i in data.get("items", []) if not i.get("ok")]
        dismissed = self.ws.store.get_setting(DISMISSED_SETTING)
        return {"checked_at": data.get("checked_at"), "trigger": data.get("trigger", ""), "ok": not failed,
                "failed": len(failed), "problems": [i["title"] for i in failed],
                "dismissed": bool(dismissed) and dismissed == data.get("checked_at"),
                "headline": problems_headline(len(failed)) if failed else "Pre-shift check: all clear",
                "report": data}

    def last(self) -> list[dict[str, Any]]:
        return [{"key": r[0], "ok": bool(r[1]), "detail": r[2], "fix": r[3], "checked_at": r[4]}
                for r in self.ws.store.db.conn.execute("SELECT item, ok, detail, fix, checked_at FROM readiness")]

    # ------------------------------------------------------------------ items
    def notifications(self, confirm: Callable[[], bool] | None = None, send: bool = True) -> CheckItem:
        title = "Notifications reach you"
        if confirm is not None and not send:
            if confirm():
                return CheckItem("notifications", title, True, "you saw the test notification")
            return CheckItem("notifications", title, False, "a test notification was sent but you did not see it",
                             "turn off Do Not Disturb / focus mode and allow notifications for oncall-desktop")
        if confirm is None:
            ok, how = self.ws.notifier.status()
            if not ok:
                return CheckItem("notifications", title, False, how,
                                 "start a notification service (or log in to a desktop session), then check again")
            return CheckItem("notifications", title, True,
                             f"can deliver ({how}); run the check from the tray to confirm you see one")
        from oncall_desktop.services.paging.notifier import Notification

        delivery = self.ws.notifier.publish(Notification(
            "oncall-desktop readiness check", "If you can read this, pages will reach you. Answer Yes in the app.",
            urgent=False))
        if not delivery.delivered:
            return CheckItem("notifications", title, False, f"the test notification was not delivered: "
                             f"{delivery.problem}", "start a notification service, then check again")
        if not confirm():
            return CheckItem("notifications", title, False,
                             f"a test notification was sent via {delivery.backend} but you did not see it",
                             "turn off Do Not Disturb / focus mode and allow notifications for oncall-desktop")
        return CheckItem("notifications", title, True, f"you saw the test notification ({delivery.backend})")

    def ticket_system(self) -> CheckItem:
        from oncall_desktop.services.psa.base import ErrorKind, TicketSystemError

        title = "Ticket system reachable, credentials valid"
        try:
            answer = self.ws.test_connection()  # "… needs no connection" for a system that signs in to nothing
        except TicketSystemError as exc:
            fixes = {ErrorKind.AUTH: "enter a new API key / password in Settings → Ticket system",
                     ErrorKind.NETWORK: "check the internet connection or VPN, then check again",
                     ErrorKind.TLS: "the server's certificate is not trusted; ask whoever runs the PSA",
                     ErrorKind.CONFIG: "fix the URL or company id in Settings → Ticket system",
                     ErrorKind.RATE_LIMIT: "the PSA is rate-limiting us; check again in a few minutes"}
            return CheckItem("ticket_system", title, False, str(exc),
                             fixes.get(exc.kind, "see Settings → Ticket system"))
        except (OSError, ValueError) as exc:
            return CheckItem("ticket_system", title, False, str(exc) or exc.__class__.__name__,
                             "see Settings → Ticket system")
        return CheckItem("ticket_system", title, True, str(answer) or "connected")

    def runbooks(self) -> CheckItem:
        title = "Runbook pack is current"
        now = self.ws.clock.now()
        store = self.ws.store
        pack_source = str(store.get_setting("team_pack_source", "") or "")
        if pack_source:
            heard = store.latest_event("pack.synced", "pack.checked")
            if heard is None:
                return CheckItem("runbooks", title, False, f"the team pack {pack_source} was never synced",
                                 "run 'oncall-desktop pack sync' (or Settings → Team pack → Sync)")
            age = now - parse_instant(heard["at"])
            detail = f"team pack last synced {_age(age)} ago"
            if age > PACK_MAX_AGE:
                return CheckItem("runbooks", title, False, detail,
                                 "sync the team pack now ('oncall-desktop pack sync'); if it fails, tell your lead")
            return CheckItem("runbooks", title, True, detail)
        from oncall_desktop.services.runbooks.store import bundled_library

        dates = [r.reviewed_on for r in bundled_library().runbooks.values()]
        if not dates:
            return CheckItem("runbooks", title, False, "no runbooks are installed", "set up a team pack in Settings")
        newest = max(dates)
        age = now.date() - newest
        detail = f"newest runbook review {newest.isoformat()} ({age.days} days ago); no team pack set up"
        if timedelta(days=age.days) > RUNBOOK_MAX_AGE:
            return CheckItem("runbooks", title, False, detail, "ask your lead for the team pack and set it in Settings")
        return CheckItem("runbooks", title, True, detail)

    def backup(self) -> CheckItem:
        """The shift that matters is mine now, else my next one; someone else must back it up.

        Backup rotas often cover only nights and weekends, so the check asks
        whether the backup rota has anyone during the shift, and names them.
        """
        from oncall_desktop.core.rotation.compute import next_shift_for, on_call, shifts
        from oncall_desktop.core.rotation.model import RotationError

        title = "A backup covers this shift"
        ws = self.ws
        schedule, schedules = ws.paging()
        if schedule is None:
            return CheckItem("backup", title, False, "no on-call schedule is set up",
                             "import the rotation (Rotation tab or 'oncall-desktop rotation import')")
        if schedule.backup is None:
            return CheckItem("backup", title, False, f"schedule '{schedule.name}' has no backup schedule",
                             "ask your lead to set a backup schedule for it")
        backup = schedules.get(schedule.backup)
        if backup is None:
            return CheckItem("backup", title, False, f"the backup schedule '{schedule.backup}' does not exist",
                             "import it, or ask your lead to fix the schedule's backup")
        now = ws.clock.now()
        try:
            shift = on_call(schedule, now)
            if ws.me and (shift is None or shift.person != ws.me):
                shift = next_shift_for(schedule, ws.me, now)
                if shift is None:
                    return CheckItem("backup", title, True, f"{ws.me} has no upcoming shift; nothing to cover")
                when = f"your next shift ({local_stamp(shift.start)}–{local_stamp(shift.end)})"
            elif shift is None:
                return CheckItem("backup", title, False, f"nobody is on call in '{schedule.name}' now",
                                 f"ask {schedule.lead or 'your lead'} to fill the gap")
            else:
                when = f"this shift (until {local_stamp(shift.end)})"
            covering = shifts(backup, max(now, shift.start), shift.end)
        except RotationError as exc:
            return CheckItem("backup", title, False, str(exc), "fix the schedule in the Rotation tab")
        people = list(dict.fromkeys(s.person for s in covering))
        if not people:
            return CheckItem("backup", title, False, f"nobody is on the backup rota '{backup.name}' during {when}",
                             f"ask {schedule.lead or 'your lead'} to cover it, or arrange a swap")
        if shift.person in people:
            return CheckItem("backup", title, False, f"{shift.person} is both on call and the backup during {when}",
                             "arrange a swap so the backup is someone else")
        return CheckItem("backup", title, True, f"{', '.join(people)} back(s) up {shift.person} during {when}")

    def disk(self) -> CheckItem:
        title = "Workspace disk has room"
        try:
            free = int(self.disk_free())
        except OSError as exc:
            return CheckItem("disk", title, False, f"cannot read free space of {self.ws.directory}: {exc.strerror}",
                             "check the workspace folder exists and is readable")
        detail = f"{free / 1024 ** 3:.1f} GB free on the workspace's disk"
        if free < self.min_free_bytes:
            return CheckItem("disk", title, False, detail,
                             f"free at least {self.min_free_bytes // 1024 ** 2} MB on the disk holding "
                             f"{self.ws.directory}")
        return CheckItem("disk", title, True, detail)

    def autostart(self) -> CheckItem:
        title = "The app starts at login"
        if self.autostart_enabled():
            return CheckItem("autostart", title, True, "oncall-desktop starts when you log in")
        return CheckItem("autostart", title, False, "oncall-desktop will not start after a reboot",
                         "turn on 'Start at login' in Settings")

    def qt_library(self) -> CheckItem:
        title = "The window library is sound"
        result = self.qt_probe()
        if result.ok:
            return CheckItem("qt_library", title, True, result.sentence)
        return CheckItem("qt_library", title, False, result.sentence,
                         "update oncall-desktop, or install another PySide6 release")

    # -------------------------------------------------------------- internals
    def _autostart_enabled(self) -> bool:
        from oncall_desktop.services.platform.autostart import Autostart

        return Autostart.current(self.ws.directory).enabled()

    def _record(self, report: ReadinessReport, trigger: str = "") -> None:
        store = self.ws.store
        with store.transaction() as db:
            for item in report.items:
                db.conn.execute(
                    "INSERT INTO readiness (item, ok, detail, fix, checked_at) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT(item) DO UPDATE SET ok=excluded.ok, detail=excluded.detail, fix=excluded.fix, "
                    "checked_at=excluded.checked_at",
                    (item.key, int(item.ok), item.detail, item.fix, iso(report.checked_at)))
            store.log("readiness.checked", self.ws.me,
                      {**json.loads(json.dumps(report.to_json())), **({"trigger": trigger} if trigger else {})})


@dataclass(frozen=True)
class QtHealth:
    ok: bool
    sentence: str


QT_PROBE_SECONDS = 20


def _measure_qt() -> QtHealth:
    """Run the Qt reference probe (ui/platform/qt_probe.py) as its own program: the services never import Qt."""
    import subprocess
    import sys

    frozen = getattr(sys, "frozen", False)
    probe = "oncall_desktop.ui.platform.qt_probe"
    command = [sys.executable, "--qt-probe"] if frozen else [sys.executable, "-m", probe]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=QT_PROBE_SECONDS,
                              env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
        data = json.loads(done.stdout.strip().splitlines()[-1])
        return QtHealth(bool(data["ok"]), str(data["sentence"]))
    except subprocess.TimeoutExpired:
        return QtHealth(False, f"the Qt library check did not finish within {QT_PROBE_SECONDS} s")
    except (OSError, ValueError, KeyError, IndexError):
        return QtHealth(False, "PySide6 could not be loaded: reinstall oncall-desktop")


def problems_headline(failed: int) -> str:
    return f"Pre-shift check: {failed} problem{'s' if failed != 1 else ''} — open the checklist"


def _age(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    return f"{hours // 24} days" if hours >= 48 else f"{hours} hours"
