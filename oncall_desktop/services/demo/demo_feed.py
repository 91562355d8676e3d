"""While a demo workspace is open, a new escalated ticket arrives every few minutes.

Why: a newcomer running ``make run`` should see a real page — notification,
red tray, countdown — within a minute, without setting anything up.  The feed
only writes to the local book; everything after that is the real pipeline.
"""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from oncall_desktop.core.time.clock import iso, parse_instant

if TYPE_CHECKING:
    from oncall_desktop.services.app.workspace import Workspace

FEED = (
    ("Cobalt Logistics", "Warehouse scanners offline — outage on the night shift", 2,
     "nightlead@cobalt-logistics.example", "All handheld scanners lost the ERP connection at once."),
    ("Foxglove Hotel", "Booking system down, guests cannot check in", 1,
     "frontdesk@foxglovehotel.example", "The booking system shows 'database unavailable'."),
    ("Birch & Co Solicitors", "Possible ransomware: files renamed to .locked", 1,
     "it@birchlaw.example", "A partner reports files on the S: drive renamed with a .locked extension."),
    ("Evergreen Accountants", "VPN down for remote staff before the tax deadline", 2,
     "office@evergreen-acc.example", "Nobody can connect to the VPN since 20:00."),
    ("Acme Dental", "Imaging PC will not start after Windows update", 2,
     "reception@acmedental.example", "Stuck on 'Preparing automatic repair'."),
    ("Delta Veterinary", "Email outage — Outlook cannot connect", 2,
     "vet@deltavet.example", "Outlook says 'Trying to connect…' on every PC."),
)
FIRST_AFTER = timedelta(seconds=20)
EVERY = timedelta(minutes=3)
#: Setting: minutes between demo tickets instead of :data:`EVERY` (the soak bench drops one a minute).
EVERY_SETTING = "demo_feed_minutes"


def maybe_drop(ws: Workspace) -> bool:
    """Drop the next demo ticket when one is due; True when one was added."""
    store = ws.store
    if not store.get_setting("demo_feed", False):
        return False
    now = ws.clock.now()
    state = store.get_setting("demo_feed_state") or {}
    due_raw = state.get("due")
    if due_raw is None:
        store.set_setting("demo_feed_state", {"due": iso(now + FIRST_AFTER), "next": 0})
        return False
    if now < parse_instant(due_raw):
        return False
    from oncall_desktop.core.tickets.tickets import Ticket

    index = int(state.get("next", 0))
    client, title, priority, contact, body = FEED[index % len(FEED)]
    with store.transaction():
        ws.book.add(Ticket(title=title, client=client, priority=priority, contact=contact, body=body))
        minutes = store.get_setting(EVERY_SETTING)
        every = timedelta(minutes=float(minutes)) if minutes else EVERY
        store.set_setting("demo_feed_state", {"due": iso(now + every), "next": index + 1})
    return True
