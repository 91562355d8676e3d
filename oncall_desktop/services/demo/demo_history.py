"""A believable past month for the demo MSP, so Insights has something to say.

Why events and not replayed polls: insights read only the event log (and the
ticket names), so writing the log a real month would have produced is enough,
fast, and deterministic (a fixed random seed: every screenshot is the same).
The history's pages use their own ids ("h1", "h2"…) and a ``history`` ticket
source, so they never mix with the live pages of the demo.

Each past ticket is judged by the workspace's own rules at the instant it
arrived (the context ``rules replay`` uses), and a page is written only when
they page, with their severity, reasons and signals — so a replay of the
demo month with the rules in use changes nothing, and Insights' proposals
read real verdicts.  Beside the calls with a priority, Evergreen's backup
NAS mails "offline" most nights while it restarts for its updates: mail
without a priority, paged by the triage words, and every time "no action
needed" — the pattern Insights proposes a change for.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from oncall_desktop.core.paging.escalation import RuleSet, evaluate
from oncall_desktop.core.paging.signals_fired import fired_signals
from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.core.time.clock import iso
from oncall_desktop.services.paging.rules_store import RulesStore

if TYPE_CHECKING:
    from oncall_desktop.core.rotation.model import Schedule
    from oncall_desktop.services.app.workspace import Workspace

#: (client, title, weight, after-hours bias 0–1, chance the page needed nobody)
ISSUES = (
    ("Acme Dental", "Backup failed on ACME-SRV01", 6, 0.95, 0.35),
    ("Foxglove Hotel", "Booking system not responding", 5, 0.8, 0.1),
    ("Cobalt Logistics", "Warehouse scanners offline", 4, 0.7, 0.15),
    ("Evergreen Accountants", "File server disk 95% full", 3, 0.9, 0.5),
    ("Birch & Co Solicitors", "VPN down for remote staff", 3, 0.6, 0.1),
    ("Delta Veterinary", "Internet down at the clinic", 2, 0.7, 0.2),
    ("Foxglove Hotel", "POS terminals cannot take cards", 2, 0.85, 0.05),
    ("Acme Dental", "Imaging workstation cannot reach server", 2, 0.3, 0.2),
    ("Cobalt Logistics", "ERP login failures", 2, 0.5, 0.3),
)
#: (client, subject, body, the night's chance): monitoring mail without a priority, a false alarm every time
NIGHTLY_ALERTS = (
    ("Evergreen Accountants", "EVG-NAS01 server offline",
     "Monitoring: the device EVG-NAS01 has been offline for 5 minutes.", 0.3),
)
RATES_CENTS = {"Acme Dental": 12000, "Birch & Co Solicitors": 14000, "Cobalt Logistics": 11000,
               "Delta Veterinary": 9500, "Evergreen Accountants": 10500, "Foxglove Hotel": 12500}


def seed_history(ws: Workspace, days: int = 30, seed: int = 8) -> int:
    """Write ``days`` of past pages, acks, escalations, resolutions and timed work; returns pages written."""
    if ws.store.get_setting("demo_history_seeded"):
        return 0
    rng = random.Random(seed)
    alerts = random.Random(seed + 1)  # its own sequence: the calls above stay the month they always were
    rules = RulesStore(ws.store).rules()
    store = ws.store
    now = ws.clock.now().replace(second=0, microsecond=0)
    weights = [i[2] for i in ISSUES]
    written = 0
    with store.transaction():
        _extend_rotations_back(ws, days)
        primary = ws.paging()[0]
        for name, data in ws.directory_service.clients().items():
            agreement = {**data.get("agreement", {}), "normal_rate_cents": RATES_CENTS.get(name, 10000)}
            ws.directory_service.save_client(name, {**data, "agreement": agreement})
        local_now = now.astimezone()
        for back in range(days, 0, -1):
            day = (local_now - timedelta(days=back)).replace(hour=0, minute=0)
            weekend = day.weekday() >= 5
            for _ in range(rng.choice((1, 2, 2, 3, 3, 4) if not weekend else (2, 3, 4, 5))):
                client, title, _, bias, noise = rng.choices(ISSUES, weights)[0]
                after = rng.random() < bias
                hour = rng.choice((18, 19, 20, 21, 22, 23, 0, 1, 2, 3, 5, 6, 7)) if after else rng.randint(9, 16)
                opened = (day + timedelta(hours=hour, minutes=rng.randint(0, 59))).astimezone()
                if opened >= now:
                    continue
                written += 1
                page_id = f"h{written}"
                ticket = f"history:{written}"
                if not _arrive(ws, rules, Ticket(title=title, source="history", remote_id=str(written), client=client,
                                                 priority=rng.choice((1, 2, 2)), status="new", created=opened),
                               page_id, primary):
                    continue
                person = _on_call(primary, opened)
                ack_after = timedelta(minutes=min(40.0, rng.lognormvariate(1.6, 0.7)))
                if ack_after > timedelta(minutes=15):
                    store.log("page.escalated", ticket, {"page": page_id, "level": 2}, at=opened + timedelta(minutes=15))
                acked = opened + ack_after
                store.log("page.acknowledged", ticket, {"page": page_id, "by": person}, at=acked)
                if rng.random() < noise:
                    store.log("page.resolved", ticket, {"page": page_id, "by": person, "outcome": "no action needed"},
                              at=acked + timedelta(minutes=rng.randint(2, 8)))
                    continue
                start = acked + timedelta(minutes=1)
                end = start + timedelta(minutes=rng.choice((20, 35, 45, 60, 75, 95)))
                store.log("timer.started", ticket, {"client": client}, at=start)
                store.log("timer.stopped", ticket, {"client": client, "minutes": int((end - start).total_seconds() // 60),
                                                    "start": iso(start), "end": iso(end)}, at=end)
                store.log("page.resolved", ticket, {"page": page_id, "by": person, "outcome": "fixed"}, at=end)
            for client, title, body, chance in NIGHTLY_ALERTS:
                opened = (day + timedelta(hours=2, minutes=alerts.randint(0, 20))).astimezone()
                if alerts.random() >= chance or opened >= now:
                    continue
                written += 1
                page_id, ticket = f"h{written}", f"history:{written}"
                alert = Ticket(title=title, source="history", remote_id=str(written), client=client, body=body,
                               status="new", created=opened, contact=f"monitor@{client.split()[0].lower()}.example",
                               priority_given=False)
                if _arrive(ws, rules, alert, page_id, primary):
                    person = _on_call(primary, opened)
                    acked = opened + timedelta(minutes=alerts.randint(3, 12))
                    store.log("page.acknowledged", ticket, {"page": page_id, "by": person}, at=acked)
                    store.log("page.resolved", ticket, {"page": page_id, "by": person, "outcome": "no action needed"},
                              at=acked + timedelta(minutes=alerts.randint(2, 6)))
            if rng.random() < 0.25:
                store.log("page.suppressed", "history:maintenance",
                          {"reason": "maintenance window (demo history)"}, at=(day + timedelta(hours=23)).astimezone())
        store.set_setting("demo_history_seeded", True)
    return written


def _on_call(primary: Schedule | None, at: datetime) -> str:
    from oncall_desktop.core.rotation.compute import on_call

    shift = on_call(primary, at) if primary is not None else None
    return shift.person if shift else ""


def _arrive(ws: Workspace, rules: RuleSet, ticket: Ticket, page_id: str, primary: Schedule | None) -> bool:
    """Store a past ticket, judge it as the poll that first saw it would have, log its page; True when it paged."""
    assert ticket.created is not None
    at = ticket.created
    ws.store.db.conn.execute(
        "INSERT OR IGNORE INTO tickets (id, source, remote_id, client, title, body, priority, priority_given, status, "
        "contact, created, updated, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'closed', ?, ?, ?, ?, ?)",
        (ticket.id, ticket.source, ticket.remote_id, ticket.client, ticket.title, ticket.body, ticket.priority,
         int(ticket.priority_given), ticket.contact, iso(at), iso(at), iso(at), iso(at)))
    decision = evaluate(ticket, rules, ws.intake.context([ticket], at=at), at)
    if not decision.page:
        return False
    ws.store.log("page.opened", ticket.id, {
        "page": page_id, "severity": decision.severity, "person": _on_call(primary, at), "client": ticket.client,
        "reason": "; ".join(r for r in decision.reasons if not r.startswith("not paged")),
        "signals": [s.to_json() for s in fired_signals(rules, ticket)]}, at=at)
    return True


def _extend_rotations_back(ws: Workspace, days: int) -> None:
    """Start the demo's layers whole rotation cycles earlier, so the past month had people on call.

    Moving a layer's start back by a multiple of (turn × members) keeps every
    present and future shift exactly where it was.
    """
    from dataclasses import replace

    for schedule in ws.directory_service.schedules():
        layers = []
        for layer in schedule.layers:
            cycle = timedelta(days=layer.turn_length.days, hours=layer.turn_length.hours) * len(layer.members)
            cycles = -(-timedelta(days=days + 7) // cycle)
            layers.append(replace(layer, start=layer.start - cycle * cycles))
        ws.directory_service.save_schedule(replace(schedule, layers=tuple(layers)))
