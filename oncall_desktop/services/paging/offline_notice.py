"""Say so when the ticket system has been unreachable for a while during my shift, and when it is back.

Why: while the ticket system cannot be reached, no new ticket can page the
tech, and a tray icon that stays green says the opposite.  A blip (one failed
poll, a laptop waking up) is not worth waking anyone; a few minutes of
silence while I am on call — or while a page of mine is open — is.  Each
outage is announced once and its end once; both go to the event log.
"""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from oncall_desktop.core.time.clock import parse_instant

if TYPE_CHECKING:
    from oncall_desktop.services.app.workspace import Workspace

#: How long the ticket system must be unreachable before the tech is told.
NOTICE_AFTER = timedelta(minutes=3)
#: Setting: the ``offline_since`` of the outage already announced.
SAID_SETTING = "offline_said"


def follow(ws: Workspace) -> str | None:
    """After each poll (store thread): announce a long outage or its end; returns what was said."""
    from oncall_desktop.core.time.clock import local_time
    from oncall_desktop.services.paging.notifier import Notification

    store = ws.store
    since = store.get_setting("offline_since")
    said = store.get_setting(SAID_SETTING)
    now = ws.clock.now()
    system = ws.connection().describe()
    if since:
        if said == since or now - parse_instant(str(since)) < NOTICE_AFTER or not _watching(ws):
            return None
        reason = store.get_setting("offline_reason") or ""
        body = (f"{system} has not answered since {local_time(parse_instant(str(since)))}"
                f"{f' ({reason})' if reason else ''}. New tickets cannot page you until it is back; "
                "the app keeps trying.")
        ws.notifier.publish(Notification("Ticket system unreachable", body, urgent=True))
        store.set_setting(SAID_SETTING, since)
        store.log("poller.offline_announced", "", {"since": since, "reason": reason})
        return body
    if not said:
        return None
    minutes = max(1, round((now - parse_instant(str(said))).total_seconds() / 60))
    body = f"{system} answers again after {minutes} min without it; what arrived meanwhile is being checked."
    ws.notifier.publish(Notification("Ticket system reachable again", body, urgent=False))
    store.set_setting(SAID_SETTING, None)
    store.log("poller.online_announced", "", {"since": said})
    return body


def _watching(ws: Workspace) -> bool:
    """I am on call now, or a page of mine is still open: an outage matters to me."""
    from oncall_desktop.services.app.now import on_call_now

    me = ws.me.casefold()
    if not me:
        return True  # nobody set up yet: say it rather than stay silent
    if any(e["person"].casefold() == me for e in on_call_now(ws)):
        return True
    row = ws.store.db.conn.execute(
        "SELECT 1 FROM pages WHERE state IN ('pending', 'escalated', 'acknowledged') AND lower(person) = ? LIMIT 1",
        (me,)).fetchone()
    return row is not None


def offline_for(ws: Workspace) -> timedelta | None:
    since = ws.store.get_setting("offline_since")
    return ws.clock.now() - parse_instant(str(since)) if since else None
