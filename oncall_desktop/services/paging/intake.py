"""Intake: one poll of the ticket system, judged, paged and notified.

Why one module: this is the path a new ticket takes to the person on call,
and it should read top to bottom in one place.  :meth:`Intake.poll` runs it:

1. ``before`` on the store thread (the demo feed drops its next ticket), then
   the current :class:`Poller` is asked for;
2. the poll: the network wait, then one transaction on the store thread that
   stores the batch, judges what is new with the rules, and opens a page per
   paging decision through :meth:`open_page` (or, for a ticket escalated to
   me through the ticket system, :meth:`assigned_to_me`);
3. after the commit, one notification per page opened (:meth:`notify`), so a
   pop-up never announces a page that a rollback took back;
4. ``after``: what else rides on the poll cycle, so it also runs after the
   laptop sleeps (maintenance reminders, handoffs from the shared folder,
   shift notices, the offline notice);
5. ``deliver``: the outbox sends what is due.

Why the collaborators are handed in, and not the Workspace: the use case says
what it touches, and a test can drive it with a fake ticket system and a
recording notifier (tests/services/paging/test_intake.py).  What may be
replaced while a workspace is open is handed in as a way to get the current
one: the poller (a new connection in Settings builds a new one) and the
notifier (the app installs its own).

Threads: ``poll`` waits on the network on the caller's thread (the app's
network pool) and reaches the store only through ``on_store``
(services/storage/store_thread.py).  ``open_page``, ``assigned_to_me`` and
``context`` are the poller's callbacks and run inside its transaction.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from oncall_desktop.core.paging.escalation import Context, Decision
from oncall_desktop.core.paging.poll_policy import Scope
from oncall_desktop.core.paging.signals_fired import Signal, fired_signals
from oncall_desktop.core.rotation.model import RotationError
from oncall_desktop.core.tickets.tickets import Page, Ticket
from oncall_desktop.core.time.clock import Clock, local_time, local_tzinfo
from oncall_desktop.services.paging.notifier import Notification, Notifier
from oncall_desktop.services.paging.poller import Poller, SyncResult, recent_by_contact
from oncall_desktop.services.paging.rules_store import RulesStore
from oncall_desktop.services.storage.store import Store
from oncall_desktop.services.storage.store_thread import OnStore, run_here

if TYPE_CHECKING:  # only named in signatures
    from oncall_desktop.services.paging.maintenance_service import MaintenanceService
    from oncall_desktop.services.paging.pages import PageService
    from oncall_desktop.services.rotation.service import RotationService, ShiftNotice
    from oncall_desktop.services.storage.directory import Directory

#: A page the poll opened, as the poller collects it and :meth:`Intake.notify` words it:
#: ``page_id``, ``ticket`` (the :class:`Ticket`), ``reason``, ``severity``, ``ack_deadline``, ``person``.
Opened = dict[str, Any]


class Intake:
    """Poll → judge → page → notify, for one workspace's services."""

    def __init__(self, store: Store, clock: Clock, *, poller: Callable[[], Poller], pages: PageService,
                 notifier: Callable[[], Notifier], directory: Directory, maintenance: MaintenanceService,
                 me: Callable[[], str], on_call: Callable[[], str],
                 caught_up: Callable[[Page, Ticket], tuple[Page, str]],
                 take_over: Callable[[Page, Ticket], Page],
                 before: Sequence[Callable[[], object]] = (), after: Sequence[Callable[[], object]] = (),
                 deliver: Callable[[], object] = lambda: None, on_store: OnStore = run_here) -> None:
        self.store = store
        self.clock = clock
        self.poller = poller
        self.pages = pages
        self.notifier = notifier
        self.directory = directory
        self.maintenance = maintenance
        #: who uses this workspace (setting ``me``; "" when nobody is set up)
        self.me = me
        #: who the paging schedule has on call now ("" for nobody): the new page's holder
        self.on_call = on_call
        #: a page opened for a ticket first seen already escalated continues at that level (ack_clock.caught_up)
        self.caught_up = caught_up
        #: a ticket escalated to me through the ticket system: my copy of its page becomes mine (ack_clock.take_over)
        self.take_over = take_over
        self.before = tuple(before)
        self.after = tuple(after)
        self.deliver = deliver
        self.on_store = on_store

    # ------------------------------------------------------------- the cycle
    def poll(self, scope: Scope = "all") -> tuple[SyncResult, list[dict[str, Any]]]:
        """One poll (``scope``: the whole desk, or what is assigned to me), then the notifications for the
        pages it opened (one record each), then the outbox."""
        poller = self.on_store(self._prepare)
        result = poller.poll_once(scope)  # the network wait, on this thread
        notes: list[dict[str, Any]] = self.on_store(lambda: self._after_poll(result))
        self.deliver()
        return result, notes

    def _prepare(self) -> Poller:
        for step in self.before:
            step()
        return self.poller()

    def _after_poll(self, result: SyncResult) -> list[dict[str, Any]]:
        notes = [self.notify(opened) for opened in result.pages]
        for step in self.after:
            step()
        return notes

    # ------------------------------------------------ the poller's callbacks
    def open_page(self, ticket: Ticket, decision: Decision) -> Opened:
        """Page for a ticket the rules say pages: held by whoever the paging schedule has on call."""
        person = self.on_call()
        reason = "; ".join(r for r in decision.reasons if not r.startswith("not paged"))
        page, escalated = self.caught_up(self.pages.open(ticket, decision.severity, reason, person,
                                                         *self._grounds(ticket, decision)), ticket)
        return {"page_id": page.id, "ticket": ticket, "reason": f"{escalated}; {reason}" if escalated else reason,
                "severity": decision.severity, "ack_deadline": page.ack_deadline, "person": page.person}

    def assigned_to_me(self, ticket: Ticket, reason: str, decision: Decision) -> Opened:
        """A ticket escalated to me through the ticket system: my page (or the one already open), my reason."""
        me = self.me()
        page = self.take_over(self.pages.open(ticket, decision.severity, reason, me,
                                              *self._grounds(ticket, decision)), ticket)  # at my level
        return {"page_id": page.id, "ticket": ticket, "reason": reason, "severity": page.severity,
                "ack_deadline": page.ack_deadline, "person": me}

    def _grounds(self, ticket: Ticket, decision: Decision) -> tuple[list[Signal], list[str]]:
        """What a page is opened on: the triage signals that counted under the rules in use, the reasons."""
        return fired_signals(RulesStore(self.store).rules(), ticket), list(decision.reasons)

    def context(self, tickets: list[Ticket], at: datetime | None = None) -> Context:
        """What the rules know beyond the tickets: client tiers and production systems, repeat callers,
        maintenance windows, the zone for business hours — now, or as the store remembers them at ``at``.

        ``at`` is for judging again a ticket that arrived then (``rules replay``): the repeat callers are
        the contact's tickets stored in the two hours before, the windows those in force then.  The
        clients' tiers and production systems are today's: the store keeps no history of them.
        """
        now = self.clock.now() if at is None else at
        clients = self.directory.clients()
        tiers = {name: str(data["tier"]) for name, data in clients.items() if data.get("tier")}
        production = {name: list(data.get("production_systems", [])) for name, data in clients.items()
                      if data.get("production_systems")}
        return Context(tiers=tiers, production=production,
                       recent_by_contact=recent_by_contact(self.store, tickets, now),
                       maintenance=self.maintenance.active(now) if at is None else self.maintenance.in_force_at(at),
                       display_tz=local_tzinfo(now))

    # -------------------------------------------------------------- the word
    def notify(self, opened: Opened) -> dict[str, Any]:
        """The pop-up for a page just opened, and its fate in the event log; returns what was said."""
        ticket = opened["ticket"]
        title = f"{opened['severity']} · {ticket.client}: {ticket.title}"
        deadline = local_time(opened["ack_deadline"]) if opened["ack_deadline"] else "—"
        body = f"Paged because {opened['reason']}. Acknowledge by {deadline}."
        delivery = self.notifier().publish(Notification(title, body, opened["page_id"], ticket.id))
        self.store.log("notification.sent" if delivery.delivered else "notification.failed", ticket.id,
                       {"page": opened["page_id"], "backend": delivery.backend, "problem": delivery.problem})
        return {"title": title, "body": body, "page_id": opened["page_id"], "delivered": delivery.delivered,
                "problem": delivery.problem}


# ------------------------------------------------ riding on the poll cycle --

def maintenance_after_poll(maintenance: MaintenanceService, notifier: Notifier,
                           enqueue_note: Callable[[str, str, str], Any]) -> None:
    """Say that a maintenance window ended, and note on each ticket what the window kept from paging."""
    maintenance.remind_ended(lambda title, body: notifier.publish(Notification(title, body, urgent=False)))
    maintenance.annotate_suppressed(enqueue_note)


def shift_notices_after_poll(rotation: RotationService, notifier: Notifier, store: Store,
                             at_shift_start: Callable[[list[ShiftNotice]], object]) -> None:
    """Shift heads-ups, and the pre-shift check once my shift starts (``at_shift_start``, readiness)."""
    try:
        sent = rotation.send_notices(notifier)
    except RotationError as exc:  # a broken schedule must not stop paging
        store.log("rotation.notice_failed", "", {"problem": str(exc)})
        return
    at_shift_start(sent)
