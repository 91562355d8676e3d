"""One run of the tray app, as the store sees it: started, alive, stopped cleanly — or not.

Why a module of its own: the app must say when it died and what arrived
meanwhile, keep its log free of secrets, and keep the event log bounded.
Each of those is a store-thread step at a known moment of the run (open,
first poll, every minute, quit); the controller calls these and nothing else.
``run`` names the run (pids repeat after a reboot; one process, one run).
"""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from oncall_desktop.core.time.clock import iso, parse_instant

if TYPE_CHECKING:
    from oncall_desktop.services.app.workspace import Workspace

log = logging.getLogger(__name__)

PRUNE_EVERY = timedelta(days=1)
PRUNED_SETTING = "events_pruned_at"


def opened(ws: Workspace, run: str) -> None:
    """The workspace is open in the app: log to the file, mark the run, tidy the event log."""
    from oncall_desktop.services.app import app_log, last_run
    try:
        app_log.install()
    except OSError as exc:  # a read-only home must not keep the app from paging
        log.warning("no log file: %s", exc)
    app_log.remember_workspace_secrets(ws.store)
    last_run.mark_started(ws.store, ws.clock.now(), run_id=run)
    prune_if_due(ws)


def alive(ws: Workspace, run: str) -> None:
    """Once a minute: the last sign of life an unclean exit is dated by; the daily prune."""
    from oncall_desktop.services.app import last_run

    last_run.beat(ws.store, ws.clock.now(), run_id=run)
    prune_if_due(ws)


def quitting(ws: Workspace, run: str) -> None:
    from oncall_desktop.services.app import last_run

    last_run.mark_clean_exit(ws.store, ws.clock.now(), run_id=run)


def prune_if_due(ws: Workspace) -> int:
    """Drop events past the retention setting, at most once a day."""
    from oncall_desktop.services.storage.store import prune_events

    now = ws.clock.now()
    last = ws.store.get_setting(PRUNED_SETTING)
    if last and now - parse_instant(str(last)) < PRUNE_EVERY:
        return 0
    removed = prune_events(ws.store, now)
    ws.store.set_setting(PRUNED_SETTING, iso(now))
    return int(removed)


def after_unclean_exit(ws: Workspace, run: str) -> str | None:
    """After the first poll of a run that followed a crash: say so, and page again what is waiting.

    The report ("stopped unexpectedly at 02:14; since then: 3 tickets
    arrived, 1 page waiting") goes out as one notification; each page still
    waiting on me gets its pop-up again, since the one shown before the crash
    is gone with the process that owned it.
    """
    from oncall_desktop.services.app import last_run
    from oncall_desktop.services.app.now import page_rows
    from oncall_desktop.services.paging.notifier import Notification

    now = ws.clock.now()
    report = last_run.unclean_report(ws.store, now, now.astimezone().tzinfo, run_id=run)
    if not report:
        return None
    ws.store.log("app.unclean_report", "", {"report": report})
    ws.notifier.publish(Notification("oncall-desktop was not running", report, urgent=True))
    me = ws.me.casefold()
    for page in page_rows(ws):
        if page["state"] not in ("pending", "escalated") or (me and str(page["person"]).casefold() != me):
            continue
        _page_again(ws, page)
    return report


def _page_again(ws: Workspace, page: dict[str, Any]) -> None:
    from oncall_desktop.services.paging.notifier import Notification

    deadline = f" Acknowledge by {page['ack_deadline_local']}." if page.get("ack_deadline_local") else ""
    ws.notifier.publish(Notification(
        f"{page['severity']} · {page['client']}: {page['title']}",
        f"Still waiting while the app was not running: {page['reason']}.{deadline}",
        int(page["id"]), str(page["ticket"])))

