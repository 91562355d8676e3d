"""The composition root: every service for one workspace folder.

Why one place: the CLI, the tray app and the tests build services the same
way, so a feature wired here works everywhere.  Construction is cheap and lazy;
nothing touches the network until asked.

What the services do lives in them: the poll → judge → page → notify path is
``services/paging/intake.py`` (``intake``); here it is only wired to the rest.

Threads: ``poll``, ``deliver_outbox`` and ``test_connection`` wait on the
network on the caller's thread and reach the store only through
``on_store`` (services/storage/store_thread.py).  The app runs them on a network
thread with its store thread's ``on_store``; the CLI and tests call them
directly and keep the default, which just runs the store work.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oncall_desktop.core.time.clock import Clock, SystemClock
from oncall_desktop.services.storage.store_thread import OnStore, run_here, uses_store

if TYPE_CHECKING:  # imported lazily at run time: start-up speed
    from oncall_desktop.core.paging.poll_policy import PollPlan, Scope
    from oncall_desktop.core.rotation.model import Schedule
    from oncall_desktop.services.app.readiness import Readiness
    from oncall_desktop.services.app.view_model import Snapshot
    from oncall_desktop.services.delivery.outbox import DeliveryReport, Outbox
    from oncall_desktop.services.paging.ack_clock import ClockService
    from oncall_desktop.services.paging.intake import Intake
    from oncall_desktop.services.paging.maintenance_service import MaintenanceService
    from oncall_desktop.services.paging.notifier import Notifier
    from oncall_desktop.services.paging.pages import PageService
    from oncall_desktop.services.paging.poller import Poller, SyncResult
    from oncall_desktop.services.psa.base import TicketSystem
    from oncall_desktop.services.psa.rate_meter import RateMeter
    from oncall_desktop.services.psa.ticket_systems import Connection
    from oncall_desktop.services.psa.vendors.local import LocalBook
    from oncall_desktop.services.rotation.service import RotationService
    from oncall_desktop.services.runbooks.store import RunbookStore
    from oncall_desktop.services.runbooks.team_pack import TeamPack
    from oncall_desktop.services.shift.handoff_service import HandoffService
    from oncall_desktop.services.storage.directory import Directory
    from oncall_desktop.services.time.billing_service import BillingService
    from oncall_desktop.services.time.timers import TimerService


class Workspace:
    """Services bound to one open store."""

    on_store: OnStore = staticmethod(run_here)
    """How network work reaches the store: the app sets its store thread's (``TaskRunner.on_store``)."""

    rand: Callable[[], float] = staticmethod(random.random)
    """Spreads the off-call apps' polls (a bench or test gives its own)."""

    last_plan: PollPlan | None = None
    """The next poll as the policy planned it after the last poll (``plan_poll``)."""

    def __init__(self, directory: Path | str, clock: Clock | None = None,
                 notifier: Notifier | None = None) -> None:
        from oncall_desktop.services.storage.store import Store

        self.directory = Path(directory).expanduser()
        self.clock = clock or SystemClock()
        self.store = Store.open(self.directory, self.clock)
        if notifier is not None:
            self.notifier = notifier
            if notifier.hold is None:
                notifier.hold = self.quiet_reason

    def close(self) -> None:
        self.store.close()

    # ------------------------------------------------------------- shift life
    @cached_property
    def maintenance(self) -> MaintenanceService:
        from oncall_desktop.services.paging.maintenance_service import MaintenanceService

        return MaintenanceService(self.store)

    @cached_property
    def handoffs(self) -> HandoffService:
        from oncall_desktop.services.shift.handoff_service import HandoffService

        return HandoffService(self)

    @cached_property
    def readiness(self) -> Readiness:
        from oncall_desktop.services.app.readiness import Readiness

        return Readiness(self)

    # --------------------------------------------------------------- services
    @cached_property
    def book(self) -> LocalBook:
        from oncall_desktop.services.psa.vendors.local import LocalBook

        return LocalBook(self.store)

    @cached_property
    def pages(self) -> PageService:
        from oncall_desktop.services.paging import ack_clock
        from oncall_desktop.services.paging.pages import PageService

        return PageService(self.store, policy=lambda: ack_clock.ack_policy(self),
                           chain=lambda at: ack_clock.escalation_chain(self, at),
                           contract=lambda client: ack_clock.sla_contract(self, client),
                           effects=ack_clock.WorkspaceEffects(self),
                           assignee=lambda ticket_id: ack_clock.assignee_of(self, ticket_id))

    @cached_property
    def clock_service(self) -> ClockService:
        """Fires ack windows, stale checks and reminders from their stored deadlines (``tick``)."""
        from oncall_desktop.services.paging.ack_clock import ClockService

        return ClockService(self)

    @cached_property
    def directory_service(self) -> Directory:
        from oncall_desktop.services.storage.directory import Directory

        return Directory(self.store)

    @cached_property
    def rotation(self) -> RotationService:
        from oncall_desktop.services.rotation.service import RotationService

        return RotationService(self.store, self.directory_service, self.clock)

    @cached_property
    def timers(self) -> TimerService:
        from oncall_desktop.services.time.timers import TimerService

        # finished work is billed (and queued for the PSA) in the same transaction that stops it
        return TimerService(self.store, did_finish=lambda timer_id: self.billing.bill_timer(timer_id),
                            will_change=lambda timer_id: self.billing.unbill(timer_id))

    @cached_property
    def billing(self) -> BillingService:
        """Clients file, billed entries, reports and CSV export."""
        from oncall_desktop.services.delivery.outbox import system_source
        from oncall_desktop.services.time.billing_service import BillingService

        return BillingService(self.store, self.outbox, source=lambda: system_source(self.ticket_system()),
                              person=lambda: self.me)

    @cached_property
    def runbooks(self) -> RunbookStore:
        """Bundled + team pack + workspace runbooks and trees, with history and search."""
        from oncall_desktop.services.runbooks.store import RunbookStore

        return RunbookStore(self.store, pack_texts=self.team_pack.runbook_texts)

    @cached_property
    def team_pack(self) -> TeamPack:
        from oncall_desktop.services.runbooks.team_pack import TeamPack

        return TeamPack(self.store, self.directory_service, save_schedule=lambda s: self.rotation.save(s, by="team pack"))

    @cached_property
    def outbox(self) -> Outbox:
        """Every write to a ticket system goes through here (durable, ordered, never twice)."""
        from oncall_desktop.services.delivery.outbox import Outbox

        return Outbox(self.store)

    @cached_property
    def notifier(self) -> Notifier:
        from oncall_desktop.services.paging.notifier import Notifier

        return Notifier(hold=self.quiet_reason)

    def quiet_reason(self) -> str | None:
        """Why pop-ups are held back now: quiet hours (setting ``quiet_hours``), only while *I* am off call."""
        text = self.store.get_setting("quiet_hours")
        if not text or not self.me:
            return None
        from oncall_desktop.services.app.now import on_call_now
        from oncall_desktop.services.paging.notifier import QuietHours, silenced_by

        try:
            quiet = QuietHours.parse(str(text))
        except ValueError:
            return None  # Settings refuses such text; an old value must not silence pages
        local = self.clock.now().astimezone()
        if quiet is None or not quiet.covers(local.time()):
            return None
        on_call = any(e["person"].casefold() == self.me.casefold() for e in on_call_now(self))
        return silenced_by(quiet, local, on_call)

    @cached_property
    def poller(self) -> Poller:
        """The configured ticket system's poller (built again after ``connect``), paging through ``intake``."""
        from oncall_desktop.services.paging.ack_clock import follow_ticket
        from oncall_desktop.services.paging.poller import Poller

        intake = self.intake
        return Poller(self.store, self.ticket_system(), intake.open_page, intake.context, intake.assigned_to_me,
                      elsewhere=lambda ticket, was: follow_ticket(self, ticket, was),
                      on_store=lambda fn: self.on_store(fn))

    @cached_property
    def intake(self) -> Intake:
        """Poll → judge → page → notify, and what rides on each poll cycle, in that order."""
        from oncall_desktop.services.paging import ack_clock, intake, offline_notice

        def demo_feed() -> None:
            from oncall_desktop.services.demo.demo_feed import maybe_drop

            maybe_drop(self)

        return intake.Intake(
            self.store, self.clock, poller=lambda: self.poller, pages=self.pages, notifier=lambda: self.notifier,
            directory=self.directory_service, maintenance=self.maintenance, me=lambda: self.me,
            on_call=lambda: ack_clock.paging_person(self),
            caught_up=lambda page, ticket: ack_clock.caught_up(self, page, ticket),
            take_over=lambda page, ticket: ack_clock.take_over(self, page, ticket),
            before=[demo_feed],
            after=[lambda: intake.maintenance_after_poll(self.maintenance, self.notifier, self.outbox.enqueue_note),
                   lambda: self.handoffs.import_folder(),
                   lambda: intake.shift_notices_after_poll(self.rotation, self.notifier, self.store,
                                                           self.readiness.at_shift_start),
                   lambda: offline_notice.follow(self)],
            deliver=lambda: self.deliver_outbox(), on_store=lambda fn: self.on_store(fn))

    def ticket_system(self) -> TicketSystem:
        """The configured ticket system; the local book when none is set up.

        Built once (the secret is read from the keyring then); a system that
        cannot be built stands in as ``Unusable`` whose polls say why.
        """
        if "_system" not in self.__dict__:
            from oncall_desktop.services.psa.factory import build_or_unusable

            conn = self.connection()
            built = build_or_unusable(conn, local=self.book, domain_clients=self._domain_clients())
            self.__dict__["_system"] = self.metered(built)
        system: TicketSystem = self.__dict__["_system"]
        return system

    def metered(self, system: TicketSystem) -> TicketSystem:
        """``system`` counting its requests on this workspace's meter (a REST system; the others send none)."""
        from oncall_desktop.services.psa.http import RestAdapter

        if isinstance(system, RestAdapter):
            system.http.meter = self.rate_meter
        return system

    @cached_property
    def rate_meter(self) -> RateMeter:
        """Requests sent in the last hour and the vendor's own count (services/psa/rate_meter.py)."""
        from oncall_desktop.services.paging.poll_schedule import load_usage
        from oncall_desktop.services.psa.rate_meter import RateMeter

        return load_usage(self, RateMeter(self.clock.now))

    def plan_poll(self) -> PollPlan:
        """When to poll next and for what (core/paging/poll_policy.py), on the store thread."""
        from oncall_desktop.services.paging.poll_schedule import plan_poll

        self.last_plan = plan_poll(self, self.rate_meter, self.rand)
        return self.last_plan

    def connection(self) -> Connection:
        """The stored ``ticket_systems.Connection`` (kind, URL, user; never the secret)."""
        from oncall_desktop.services.psa import ticket_systems

        return ticket_systems.load(self.store)

    def connect(self, kind: str, *, url: str = "", user: str = "", company: str = "", secret: str | None = None,
                options: dict[str, Any] | None = None) -> Connection:
        """Store a new ticket system (secret to the keyring); the next poll uses it."""
        from oncall_desktop.services.psa import ticket_systems

        conn = ticket_systems.save(self.store, ticket_systems.Connection(
            kind=kind, url=url.strip(), user=user.strip(), company=company.strip(), options=dict(options or {})),
            secret)
        if secret:
            from oncall_desktop.services.app import app_log

            app_log.add_secret(secret)  # the log file masks it from now on, even in a traceback
        self.__dict__.pop("_system", None)
        self.__dict__.pop("poller", None)
        return conn

    def test_connection(self, conn: Connection | None = None, secret: str | None = None) -> str:
        """Sign in to ``conn`` (default: the stored one) and say so; raises TicketSystemError."""
        from oncall_desktop.services.psa.base import ChecksConnection, Closes
        from oncall_desktop.services.psa.factory import build

        on_store = self.on_store
        system: TicketSystem = on_store(lambda: build(conn or self.connection(), secret=secret, local=self.book,
                                                      domain_clients=self._domain_clients()))
        try:
            if not isinstance(system, ChecksConnection):
                return f"{system.name} needs no connection"
            if uses_store(system):
                return str(on_store(system.test_connection))
            return str(system.test_connection())  # the network wait: on the caller's thread
        finally:
            if system is not self.book and isinstance(system, Closes):
                system.close()

    def forget_ticket_system(self) -> None:
        """Build the ticket system again on next use (e.g. the clients' mail domains changed)."""
        from oncall_desktop.services.psa.base import Closes

        system = self.__dict__.pop("_system", None)
        self.__dict__.pop("poller", None)
        if system is not None and system is not self.book and isinstance(system, Closes):
            system.close()

    def _domain_clients(self) -> dict[str, str]:
        """Mail domain → client, from each client's ``domains`` list (the IMAP inbox's map)."""
        return {str(d).lower(): name for name, data in self.directory_service.clients().items()
                for d in data.get("domains", []) or []}

    @property
    def me(self) -> str:
        """Who uses this workspace (set in Settings / by the demo)."""
        return str(self.store.get_setting("me", "") or "")

    def paging_schedule(self, schedules: Sequence[Schedule] | None = None) -> str | None:
        """The schedule whose on-call person is paged first (level 1).

        The setting ``page_schedule`` wins; otherwise the first schedule that
        is nobody's backup (backups are level 2, not the first call).
        ``schedules``: the stored ones, when the caller has read them already.
        """
        chosen = self.store.get_setting("page_schedule")
        if chosen:
            return str(chosen)
        schedules = self.directory_service.schedules() if schedules is None else schedules
        backups = {s.backup for s in schedules if s.backup}
        return next((s.name for s in schedules if s.name not in backups), None)

    def paging(self) -> tuple[Schedule | None, dict[str, Schedule]]:
        """The paging schedule (None when there is none) and every schedule by name, from one read."""
        schedules = self.directory_service.schedules()
        by_name = {s.name: s for s in schedules}
        return by_name.get(self.paging_schedule(schedules) or ""), by_name

    # ------------------------------------------------------------------ verbs
    def poll(self, scope: Scope = "all") -> tuple[SyncResult, list[dict[str, Any]]]:
        """One poll, then the notifications for the pages it opened (``Intake.poll``), then the calendar links."""
        from oncall_desktop.services.paging.poll_schedule import save_usage

        outcome = self.intake.poll(scope)
        # after the pages are out: a slow calendar server delays only the next poll, never a notification
        self.rotation.refresh_feeds(on_store=self.on_store)
        self.on_store(lambda: save_usage(self, self.rate_meter))
        return outcome

    def deliver_outbox(self) -> DeliveryReport:
        """Send the outbox's due rows to the configured ticket system (each row's fate is logged)."""
        def prepare() -> Any:
            self.billing.bill_pending()  # work finished but not billed (a crash mid-stop, an older version)
            return self.ticket_system()

        from oncall_desktop.services.paging.poll_schedule import save_usage

        system = self.on_store(prepare)
        self.last_delivery = self.outbox.deliver(system, self.clock.now(), on_store=self.on_store)
        self.on_store(lambda: save_usage(self, self.rate_meter))
        return self.last_delivery

    def poll_and_snapshot(self, scope: Scope = "all") -> tuple[Snapshot, list[dict[str, Any]]]:
        """A poll, the new snapshot, and the next poll planned (``last_plan``), for the app's timer."""
        _, notes = self.poll(scope)

        def after() -> Snapshot:
            self.plan_poll()
            return self.snapshot()

        return self.on_store(after), notes

    def acknowledge(self, page_id: int | None = None, by: str | None = None, origin: str = "window") -> Any:
        """Acknowledge a page (default: the newest waiting); ``origin`` ("window", "tray", "notification",
        "cli") is kept in the event log."""
        from oncall_desktop.services.paging.pages import PageError

        if page_id is None:
            page = self.pages.newest_waiting()
            if page is None:
                raise PageError("no page is waiting to be acknowledged")
            page_id = int(page.id)  # type: ignore[arg-type]
        return self.pages.acknowledge(page_id, by or self.me or "me", origin=origin)

    def resolve(self, page_id: int, by: str | None = None, outcome: str = "fixed") -> Any:
        """Resolve a page; ``outcome="no action needed"`` records a false alarm."""
        return self.pages.resolve(page_id, by or self.me or "me", outcome)  # its StopTimer effect stops the timer

    def escalate(self, page_id: int, by: str | None = None) -> Any:
        """Escalate now: the next level is paged at once and the note says who asked."""
        return self.pages.escalate(page_id, by if by is not None else (self.me or None))

    def snooze(self, page_id: int, minutes: int) -> Any:
        """Quiet the reminders; the ack deadline keeps running."""
        return self.pages.snooze(page_id, minutes)

    def toggle_timer(self, page_id: int | None = None) -> Any:
        from oncall_desktop.services.paging.pages import PageError

        if self.timers.running() is not None:
            return self.timers.stop()
        active = self.pages.active() if page_id is None else []
        page = self.pages.get(page_id) if page_id is not None else (active[0] if active else None)
        if page is None:
            raise PageError("pick a page to time first (no page is open)")
        client = self._ticket_field(page.ticket_id, "client") or "unknown"
        return self.timers.start(page.ticket_id, client)

    def snapshot(self) -> Snapshot:
        """What the views show (services/app/view_model.py), read on the store thread."""
        from oncall_desktop.services.app.now import snapshot

        return snapshot(self)

    # -------------------------------------------------------------- internals
    def _ticket_field(self, ticket_id: str, name: str) -> Any:
        row = self.store.db.conn.execute(f"SELECT {name} FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
        return row[0] if row else None
