"""The whole night call, end to end: a real Redmine, a real notification daemon, the real app.

23:10 on a Wednesday in London.  An Urgent issue is opened in Redmine through
its REST API; the tray app (its own process, on an Xvfb desktop with dunst)
pages the technician.  Then Redmine goes away — the app says so and keeps
working from its cache: the page is acknowledged with the keyboard (Ctrl+1,
Enter), the after-hours triage tree is walked (Alt+G, keys 2 1 2) and its
outcome applied (Enter).  Redmine comes back and gets both notes, in that
order.  The timer that the acknowledgement started runs on; Resolve (Alt+R)
stops it and the client's after-hours agreement turns it into one time entry
on the issue — read back from Redmine itself (Redmine REST API wiki:
"Rest_Issues" ``GET /issues/{id}.json?include=journals``, "Rest_TimeEntries"
``GET /time_entries.json?issue_id=``).

The app runs "at 23:10" through ``ONCALL_CLOCK_OFFSET`` (oncall_desktop.core.time.clock),
with ``TZ=Europe/London`` so that local time is well defined.  Screenshots of
each step land in test-output/<test>/NN-step.png; the README tour's images
(docs/tour-*.png) are copies of them (ONCALL_TOUR_DIR=docs refreshes them).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from oncall_desktop.services.app.workspace import Workspace
from oncall_desktop.services.platform.autostart import Autostart, launch_command
from tests.e2e.desktop import Desktop
from tests.e2e.night_call_helpers import NightApp
from tests.e2e.redmine import RedmineServer

NIGHT = datetime(2026, 11, 25, 23, 10, tzinfo=timezone.utc)  # a Wednesday; London keeps GMT in November
ME = "Ana Souza"
CLIENT = "Harbour Dental"
SUBJECT = "Practice server down — reception cannot book patients"
TRIAGE_KEYS = ("2", "1", "2")  # no security sign › a production system › working but degraded
TRIAGE_ANSWERS = ["no", "production", "degraded"]

ROTATION = """\
[[schedule]]
name = "Nights"
time_zone = "Europe/London"
backup = "Backup"
lead = "Erin Walsh"

  [[schedule.layers]]
  name = "Weekly nights"
  members = ["Ana Souza", "Ben Okafor"]
  start = 2026-11-23T09:00:00
  turn_length = "weekly"

[[schedule]]
name = "Backup"
time_zone = "Europe/London"

  [[schedule.layers]]
  name = "Weekly backup"
  members = ["Chloé Martin", "Dev Patel"]
  start = 2026-11-23T09:00:00
  turn_length = "weekly"
"""

CLIENTS = f"""\
[default]
time_zone = "Europe/London"
hours = {{ "mon-fri" = "09:00-17:00" }}
holidays = false

[clients.harbour]
name = "{CLIENT}"
tier = "gold"

[[clients.harbour.agreements]]
name = "Night cover 2026"
effective_from = 2026-01-01
multiplier = 2.0
rounding_increment = 15
minimum_minutes = 60
"""

TOUR = {"page": "tour-1-page.png", "offline": "tour-2-offline.png", "triage": "tour-3-triage.png",
        "timer": "tour-4-timer.png", "billed": "tour-5-billed.png"}


def _project(redmine: RedmineServer) -> str:
    """A Redmine project of our own, named like the client: Redmine's client is the issue's project."""
    identifier = f"harbour-{uuid.uuid4().hex[:8]}"
    redmine.api("POST", "/projects.json", json={"project": {
        "name": CLIENT, "identifier": identifier, "is_public": False,
        "enabled_module_names": ["issue_tracking", "time_tracking"], "tracker_ids": redmine.tracker_ids}})
    return identifier


def _create_issue(redmine: RedmineServer, project: str) -> int:
    body = {"issue": {"project_id": project, "tracker_id": redmine.tracker_ids[0], "subject": SUBJECT,
                      "priority_id": redmine.priority_ids["Urgent"],
                      "description": "Server HARBOUR-SRV01 stopped answering at 23:02; the booking system is down."}}
    return int(redmine.api("POST", "/issues.json", json=body)["issue"]["id"])


def _set_up(night: NightApp, redmine: RedmineServer, project: str) -> None:
    """What a lead does once: rotation, clients file, the ticket system (key on stdin), a few settings."""
    (night.workspace.parent / "rotation.toml").write_text(ROTATION, encoding="utf-8")
    (night.workspace.parent / "clients.toml").write_text(CLIENTS, encoding="utf-8")
    night.cli("rotation", "load", str(night.workspace.parent / "rotation.toml"))
    night.cli("clients", "load", str(night.workspace.parent / "clients.toml"))
    out = night.cli("connect", "redmine", "--url", redmine.url, "--option", f"project={project}",
                    "--option", f"activity_id={redmine.activity_id}", stdin=redmine.api_key + "\n")
    assert "Connected to Redmine" in out, out
    # the tech has ticked "start at login" (Settings): the desktop's own temporary autostart folder
    Autostart(sys.platform, night.env, launch_command(night.workspace)).enable()
    ws = Workspace(night.workspace)  # settings have no CLI verb; the app reads them at start
    try:
        ws.store.set_setting("me", ME)
        ws.store.set_setting("page_schedule", "Nights")
        ws.store.set_setting("poll_seconds", 2)  # a quick demo cadence: the whole night in about a minute
        ws.store.set_setting("first_poll_seconds", 1)
    finally:
        ws.close()


def _notes(redmine: RedmineServer, issue: int) -> list[str]:
    return [j["notes"] for j in redmine.journals(issue) if j.get("notes")]


def _publish_tour(night: NightApp) -> None:
    """Copy the tour's screenshots to docs/ when asked (ONCALL_TOUR_DIR), shrunk to keep the repository small."""
    target = os.environ.get("ONCALL_TOUR_DIR")
    if not target:
        return
    folder = Path(target)
    folder.mkdir(parents=True, exist_ok=True)
    for shot in night.shots:
        step = shot.stem.split("-", 1)[1]
        if step in TOUR:  # the window (960x600 at the top left), and for the page also dunst's pop-up beside it
            area = "1280x600+0+0" if step == "page" else "960x600+0+0"
            subprocess.run(["convert", str(shot), "-crop", area, "+repage", "-resize", "75%",
                            "-colors", "128", "-strip", str(folder / TOUR[step])], check=True, timeout=60)


def test_night_call_from_page_to_billed_time_entry(redmine: RedmineServer, desktop: Desktop, tmp_path: Path,
                                                   artifacts: Path) -> None:
    if shutil.which("convert") is None and os.environ.get("ONCALL_TOUR_DIR"):
        pytest.skip("ImageMagick's convert is needed to publish the tour")
    project = _project(redmine)
    night = NightApp(desktop, tmp_path / "ws", artifacts)
    _set_up(night, redmine, project)
    night.start(NIGHT)

    night.wait(lambda: night.window(), 30, "the main window")
    night.wait_polls(2)  # the shift's "you are on call" notices come with the first poll;
    desktop.run("dunstctl", "close-all")  # the tech has read them

    # 23:10 — the issue arrives; the app pages, and dunst really shows it
    issue = _create_issue(redmine, project)
    ticket = f"redmine:{issue}"
    night.wait(lambda: any(e["subject"] == ticket for e in night.events("notification.sent")), 45,
               "the page's notification to be sent")
    night.wait(lambda: int(desktop.run("dunstctl", "count", "displayed").stdout.strip() or 0) >= 1, 10,
               "the page's pop-up on screen")
    pages = night.pages()
    assert [(p["ticket"], p["client"], p["state"], p["severity"]) for p in pages] == \
        [(ticket, CLIENT, "pending", "P1")], pages
    night.shot("page")
    received = [n for n in desktop.notifications() if n["summary"] == f"P1 · {CLIENT}: {SUBJECT}"]
    assert len(received) == 1, desktop.notifications()  # (reading them closes the pop-ups, as a tech would)
    assert received[0]["appname"] == "oncall-desktop"
    assert "Acknowledge by 23:2" in received[0]["body"], received[0]  # 15 minutes after 23:10-ish, London time
    opened = night.events("page.opened")
    assert [e["subject"] for e in opened] == [ticket]
    assert opened[0]["at"].startswith("2026-11-25T23:1"), opened[0]  # the app's clock: 23:10 at night

    # the network goes away mid-flow; the app says so and keeps working from its cache
    with redmine.down():
        night.wait(lambda: night.events("poller.offline"), 30, "the poller to notice Redmine is gone")
        night.keys("ctrl+1", "Return")  # select the page, Enter acknowledges
        night.wait(lambda: night.pages()[0]["state"] == "acknowledged", 20, "the page to be acknowledged offline")
        night.shot("offline")  # the Now tab's banner: "Offline since 23:10 — showing cached tickets"
        before = night.window_digest()
        night.keys("alt+g")  # Open triage
        night.wait(lambda: night.window_digest() != before, 20, "the triage walker to open")
        night.wait(_settled(night), 20, "the triage walker to finish drawing")
        night.keys(*TRIAGE_KEYS)
        walked = night.wait(lambda: night.events("tree.walked"), 20, "the triage walk to reach its outcome")
        assert walked[-1]["data"]["answers"] == TRIAGE_ANSWERS and walked[-1]["data"]["severity"] == "P2"
        night.keys("Return")  # queue the outcome's note, set the severity
        night.wait(lambda: night.events("tree.applied"), 20, "the triage outcome to be applied")
        assert night.pages()[0]["severity"] == "P2"
        night.shot("triage")
        night.wait(lambda: any(e["subject"] == ticket for e in night.events("outbox.retry")), 30,
                   "a delivery attempt that fails while Redmine is down")
    offline = night.events("poller.offline")
    assert len(offline) == 1 and "refused" in offline[0]["data"]["reason"], offline

    # Redmine is back: both notes arrive, in the order they were made
    night.keys("ctrl+r")  # Check now
    notes = night.wait(lambda: (n := _notes(redmine, issue)) and len(n) >= 2 and n, 90,
                       "the acknowledgement and triage notes on the Redmine issue")
    assert len(notes) == 2, notes
    assert notes[0].startswith(f"Acknowledged by {ME} at 23:1"), notes
    assert notes[1].startswith("After-hours triage: production system degraded"), notes
    assert night.events("poller.online"), "the app never said it was back online"

    # the timer started with the acknowledgement runs on; show it, then resolve
    started = night.events("timer.started")
    assert [e["subject"] for e in started] == [ticket], started
    night.keys("alt+i")  # the Time tab
    night.wait(lambda: (night.app_now() - _at(started[0])).total_seconds() >= 45, 60,
               "45 s of work on the timer")
    night.shot("timer")
    night.keys("alt+n", "alt+r")  # back to Now, Resolve
    night.wait(lambda: not night.pages(), 20, "the page to be resolved")
    entries = night.wait(lambda: redmine.time_entries(issue), 60, "the time entry on the Redmine issue")
    night.keys("alt+i")  # the Time tab: the billed entry, synced
    night.wait(lambda: _billed(night, ticket) and _billed(night, ticket)[0]["sync"] == "synced", 20,
               "the entry to show as synced")
    night.wait(_settled(night), 20, "the Time tab to redraw")
    night.shot("billed")

    billed = _billed(night, ticket)
    assert len(billed) == 1, billed
    entry = billed[0]
    worked = entry["worked_minutes"]
    assert worked >= 1 and (entry["after_hours_minutes"], entry["billable_minutes"], entry["multiplier"]) == \
        (worked, 60, 2.0), entry  # all of it after hours, billed as the 60-minute minimum call-out at 2x
    assert entry["start"].startswith("2026-11-25T23:1") and entry["sync"] == "synced", entry
    [key] = [e["data"]["key"] for e in night.events("outbox.queued") if e["data"]["kind"] == "time_entry"]
    assert len(entries) == 1, entries
    remote = entries[0]
    assert remote["hours"] == pytest.approx(round(worked / 60, 2))
    assert remote["spent_on"] == "2026-11-25" and remote["activity"]["id"] == redmine.activity_id
    assert "After-hours work (Night cover 2026)" in remote["comments"], remote
    assert "(billable 60 min at 2×)" in remote["comments"] and f"[oncall-key:{key}]" in remote["comments"], remote

    # once: another delivery round from a second process sends nothing more
    night.cli("sync", "--once")
    assert len(redmine.time_entries(issue)) == 1
    notes = _notes(redmine, issue)
    assert len(notes) == 3 and notes[2].startswith(f"Resolved by {ME} at 23:1"), notes
    assert night.proc is not None and night.proc.poll() is None, night.explain("the app died")
    _publish_tour(night)
    assert night.stop() in (0, -15), night.explain("the app did not end cleanly")


def _settled(night: NightApp):
    """True once two looks at the window 0.3 s apart agree (the walker has drawn its question)."""
    last: dict[str, str] = {}

    def check() -> bool:
        digest = night.window_digest()
        same = digest == last.get("digest")
        last["digest"] = digest
        return same

    return check


def _at(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["at"].replace("Z", "+00:00"))


def _billed(night: NightApp, ticket: str) -> list[dict[str, Any]]:
    report = night.cli_json("time", "report", "--from", "2026-11-25T00:00:00Z", "--to", "2026-11-27T00:00:00Z")
    return [e for e in report if e.get("ticket") == ticket]
