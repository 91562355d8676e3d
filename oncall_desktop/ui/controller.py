"""The UI's single handle on the services: runs them off the GUI thread and re-emits results.

Why: widgets must stay free of logic and of blocking calls.  They receive this
controller in ``__init__``, call its verbs (acknowledge, resolve, check now),
and redraw from the snapshots it emits.  The workspace itself is opened on the
store thread *after* the tray is visible, so start-up stays fast.

A snapshot (services/app/view_model.py) is emitted only when an operation
changed it, with the names of the parts that changed; a view ``watch``es the
parts it draws, so a timer toggle does not redraw the Rotation tab and a poll
that brought nothing redraws no tab.  Countdowns tick in the views, from the
deadlines the snapshot holds: nothing is rebuilt or re-sent to make them move.

Polls and Test connection run on a network thread and reach the store
through ``TaskRunner.on_store``: a ticket system that trickles bytes holds
only that thread, never an acknowledgement.  The background features — the
poll, the page clock, the timer's heartbeat — each keep their own "running"
flag and failure handler: a failure is logged, shown (status bar, and
``sig_troubles`` for the views that say what is not working) and the feature
tries again on its next turn; one failure never switches a feature off.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from oncall_desktop.ui.tasks import TaskRunner

if TYPE_CHECKING:  # loaded with the first snapshot: its twenty dataclasses cost the tray start ~30 ms
    from oncall_desktop.services.app.view_model import Snapshot

log = logging.getLogger(__name__)

#: What each background feature is called when it fails (status bar, Now tab, tray tooltip).
FEATURES = {"poll": "Checking the ticket system", "clock": "The page clock",
            "heartbeat": "The work timer's heartbeat", "alive": "Recording that the app is running"}

#: The run's sign of life (dates an unclean exit) and the daily event-log prune.
ALIVE_SECONDS = 60


#: What a view's redraw is handed: the new snapshot and which of its parts changed.
Redraw = Callable[["Snapshot", frozenset[str]], None]


class _PartsFilter(QObject):
    """Calls ``slot`` for the snapshots that changed a watched part; dies with its owner (so does the link)."""

    def __init__(self, owner: QObject, parts: frozenset[str], slot: Redraw) -> None:
        super().__init__(owner)
        self.parts = parts
        self.slot = slot

    def relay(self, snapshot: Snapshot, changed: frozenset[str]) -> None:
        hit = changed & self.parts
        if hit:
            self.slot(snapshot, hit)


class AppController(QObject):
    sig_snapshot = Signal(object, object)
    """A new ``Snapshot`` and the frozenset of part names it changed; views connect through ``watch``."""

    sig_error = Signal(str)
    """A readable sentence about something that failed (shown in the status bar / tray)."""

    sig_paged = Signal(dict)
    """A new page was opened; carries the notification text (title, body, page id)."""

    sig_workspace_failed = Signal(str)
    """The workspace could not be opened at all (message for a dialog)."""

    sig_open_shift_dialog = Signal(str)
    """Open a shift-life dialog ("handoff", "readiness", "maintenance") — from the tray menu, say."""

    sig_open_triage = Signal(int, str)
    """Open triage on a page: (page id, decision tree id) for the runbook walker to start."""

    sig_find_runbook = Signal()
    """Show the Runbooks tab with its search box focused (tray: "Find runbook…")."""

    sig_clock_fired = Signal(list)
    """The clock service fired transitions (escalations, reminders, stale acks); JSON records."""

    sig_troubles = Signal(dict)
    """Background features failing now: feature key → a readable sentence (empty: all well)."""

    sig_notice = Signal(str, str)
    """A lasting notice for the window: (key, text); empty text takes it away."""

    def __init__(self, directory: Path, *, runner: TaskRunner | None = None,
                 clock: Any = None, poll_seconds: int | None = None) -> None:
        super().__init__()
        self.directory = Path(directory)
        self.runner = runner or TaskRunner()
        self._clock = clock
        self.ws: Any = None
        self.snapshot: Snapshot | None = None
        self._poll_seconds = poll_seconds
        self._poll_timer = QTimer(self)
        self._poll_timer.setSingleShot(True)
        self._poll_timer.timeout.connect(self._scheduled_poll)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(1000)
        self._refresh_timer.timeout.connect(self._tick)
        self._alive_timer = QTimer(self)
        self._alive_timer.setInterval(ALIVE_SECONDS * 1000)
        self._alive_timer.timeout.connect(self._alive)
        self._first_poll_done = False
        import uuid

        self.run_id = uuid.uuid4().hex  # this run of the app, for the unclean-exit report
        self._polling = False
        self._ticking = False
        self._beating = False
        self.troubles: dict[str, str] = {}
        self._poll_failures = 0  # failures of the poll job itself (not the ticket system's: those are stored)
        self.actions: Any = None  # ui.notify_dbus.NotificationActions, made in start()
        self._next_scope = "all"  # what the timer's next poll asks for (core/paging/poll_policy.py)
        from oncall_desktop.ui.outbox_courier import OutboxCourier

        self.courier = OutboxCourier(self.runner, self)  # notes and time entries leave as soon as queued
        self.courier.delivered.connect(self._delivered)

    # ------------------------------------------------------------------ life
    def start(self) -> None:
        """Open the workspace in the background, then poll on the interval."""
        if self.actions is None:
            from oncall_desktop.ui.platform.notify_dbus import NotificationActions

            self.actions = NotificationActions(self)  # Acknowledge buttons on notifications, sound
        self.runner.db(self._open, self._opened, self._open_failed)

    def _open(self) -> Snapshot:
        from oncall_desktop.services.app.workspace import Workspace

        self.ws = Workspace(self.directory, self._clock)
        self.ws.on_store = self.runner.on_store  # network jobs hand their store work to this thread
        from oncall_desktop.services.app import app_run

        app_run.opened(self.ws, self.run_id)  # the log file, this run's marker, the event log's retention
        if self.actions is not None:
            self.actions.install(self.ws)
        self.courier.install(self.ws)
        return self.ws.snapshot()

    def _opened(self, snapshot: Snapshot) -> None:
        self._publish(snapshot)
        self._poll_timer.start(self._interval(snapshot) * 1000)
        self._refresh_timer.start()
        self._alive_timer.start()
        QTimer.singleShot(snapshot.settings.first_poll_seconds * 1000, self.check_now)
        self.courier.deliver()  # what the last run left queued

    def _open_failed(self, exc: BaseException) -> None:
        self.sig_workspace_failed.emit(str(exc))

    def shutdown(self) -> None:
        self._poll_timer.stop()
        self.courier.stop()
        self._refresh_timer.stop()
        self._alive_timer.stop()
        if self.actions is not None:
            self.actions.shutdown()
        if self.ws is not None:
            ws = self.ws

            def close() -> None:
                from oncall_desktop.services.app import app_run

                try:
                    app_run.quitting(ws, self.run_id)  # a clean exit: the next start does not report a crash
                finally:
                    ws.close()

            self.runner.db(close)
        self.runner.shutdown()

    # --------------------------------------------------------------- verbs
    def check_now(self, scope: str = "all") -> None:
        """Poll the ticket system now: the whole desk (Check now), or what the timer's plan says."""
        if self.ws is None or self._polling:
            return
        self._polling = True
        ws = self.ws
        self.runner.net(lambda: ws.poll_and_snapshot(scope), self._polled, self._poll_failed)

    def _scheduled_poll(self) -> None:
        self.check_now(self._next_scope)

    def _polled(self, result: tuple[Snapshot, list[dict[str, Any]]]) -> None:
        self._polling = False
        self._poll_failures = 0
        self._recovered("poll")
        if not self._first_poll_done:
            self._first_poll_done = True
            self._report_unclean_exit()
        snapshot, notifications = result
        for note in notifications:
            self.sig_paged.emit(note)
        self._publish(snapshot)
        self._reschedule(snapshot)

    def _report_unclean_exit(self) -> None:
        """After the first poll (the night's tickets are in): if the last run died, say so and page again."""
        from oncall_desktop.services.app import app_run

        ws = self.ws

        def said(report: str | None) -> None:
            if report:
                self.sig_notice.emit("unclean-exit", report + ". Pages still waiting were notified again.")

        self.runner.db(lambda: app_run.after_unclean_exit(ws, self.run_id), said, self._failed)

    def _alive(self) -> None:
        if self.ws is None:
            return
        from oncall_desktop.services.app import app_run

        ws = self.ws
        self.runner.db(lambda: app_run.alive(ws, self.run_id), lambda _r: self._recovered("alive"),
                       lambda exc: self._trouble("alive", exc))

    def _poll_failed(self, exc: BaseException) -> None:
        """The poll job itself broke (the store was locked, an adapter bug): say so, try again soon."""
        self._polling = False
        self._poll_failures += 1
        self._trouble("poll", exc)
        self._reschedule(self.snapshot, failures=self._poll_failures)

    def _reschedule(self, snapshot: Snapshot | None, failures: int | None = None) -> None:
        """The next poll: when and for what the workspace's plan says (core/paging/poll_policy.py).

        A failed poll job, or a fixed ``poll_seconds`` given to the controller, backs off from the
        interval instead (``failure_delay``: 30 s, doubling, up to 10 minutes).
        """
        from oncall_desktop.core.paging.poll_policy import failure_delay

        plan = getattr(self.ws, "last_plan", None)
        if failures is None and plan is not None and not self._poll_seconds:
            self._next_scope = plan.scope
            now = self.ws.clock.now()
            self._poll_timer.start(max(1000, int(plan.seconds_from(now) * 1000)))
            return
        if failures is None:
            failures = snapshot.settings.poll_failures if snapshot is not None else 0
        self._next_scope = "all"
        self._poll_timer.start(int(failure_delay(self._interval(snapshot), failures) * 1000))

    def _delivered(self, _report: Any) -> None:
        """An outbox round finished: the Time tab's outbox rows may have changed."""
        if self.ws is not None:
            self.runner.db(self.ws.snapshot, self._publish, self._failed)

    def _interval(self, snapshot: Snapshot | None) -> int:
        """Seconds between polls: the one given at start, else the workspace's setting (at least 1)."""
        stored = snapshot.settings.poll_seconds if snapshot is not None else 60
        return max(1, self._poll_seconds or stored)

    def acknowledge(self, page_id: int | None = None, origin: str = "window") -> None:
        """Acknowledge a page (the newest pending one when no id is given); ``origin`` goes to the event log."""
        self.act(lambda ws: ws.acknowledge(page_id, origin=origin))

    def resolve(self, page_id: int, outcome: str = "fixed") -> None:
        self.act(lambda ws: ws.resolve(page_id, outcome=outcome))

    def escalate(self, page_id: int) -> None:
        """Escalate now: the next level in the chain is paged at once."""
        self.act(lambda ws: ws.escalate(page_id))

    def snooze(self, page_id: int, minutes: int) -> None:
        """Quiet the page's reminders for ``minutes``; the ack deadline keeps running."""
        self.act(lambda ws: ws.snooze(page_id, minutes))

    def now(self) -> Any:
        """The workspace's "now" (the demo clock when the app was started with one); for countdowns."""
        from oncall_desktop.core.time.clock import SystemClock

        return (self._clock or SystemClock()).now()

    def find_runbook(self) -> None:
        """Ask the Runbooks tab to come forward with the search box focused."""
        self.sig_find_runbook.emit()

    def open_triage(self, page_id: int, tree_id: str = "after-hours-triage") -> None:
        """Ask whoever walks decision trees to start ``tree_id`` for this page."""
        self.sig_open_triage.emit(page_id, tree_id)

    def tick_clock(self) -> None:
        """Fire due page transitions on the store thread; redraw only when something fired."""
        if self.ws is None or self._ticking:
            return
        self._ticking = True
        ws = self.ws

        def work() -> tuple[list[dict[str, Any]], Snapshot | None]:
            fired = ws.clock_service.tick()
            return fired, (ws.snapshot() if fired else None)

        def done(result: tuple[list[dict[str, Any]], Snapshot | None]) -> None:
            self._ticking = False
            self._recovered("clock")
            fired, snapshot = result
            if snapshot is not None:
                self._publish(snapshot)
                self.sig_clock_fired.emit(fired)

        def failed(exc: BaseException) -> None:
            self._ticking = False
            self._trouble("clock", exc)  # the next second's tick tries again

        self.runner.db(work, done, failed)

    def toggle_timer(self, page_id: int | None = None) -> None:
        self.act(lambda ws: ws.toggle_timer(page_id))

    def set_setting(self, key: str, value: Any) -> None:
        self.act(lambda ws: ws.store.set_setting(key, value))

    def act(self, fn: Callable[[Any], Any], on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None) -> None:
        """Change something through the services, then redraw the views whose parts it changed.

        ``fn(ws)`` runs on the store thread; ``on_done(result)`` on the GUI
        thread after the new snapshot is published.  Failures reach
        ``sig_error`` as one readable sentence (or ``on_error``, for a form
        that shows the refusal beside the field).
        """
        if self.ws is None:
            self.sig_error.emit("The workspace is still opening; try again in a moment.")
            return
        ws = self.ws

        def work() -> tuple[Any, Snapshot]:
            result = fn(ws)
            return result, ws.snapshot()

        def done(pair: tuple[Any, Snapshot]) -> None:
            result, snapshot = pair
            self._publish(snapshot)
            if on_done is not None:
                on_done(result)

        self.runner.db(work, done, on_error or self._failed)

    def query(self, fn: Callable[[Any], Any], on_done: Callable[[Any], None],
              on_error: Callable[[BaseException], None] | None = None) -> None:
        """Read something from the services (store thread) without redrawing everything."""
        if self.ws is None:
            self.sig_error.emit("The workspace is still opening; try again in a moment.")
            return
        ws = self.ws
        self.runner.db(lambda: fn(ws), on_done, on_error or self._failed)

    def fetch(self, fn: Callable[[Any], Any], on_done: Callable[[Any], None],
              on_error: Callable[[BaseException], None] | None = None, *, redraw: bool = False) -> None:
        """Something that waits on the network (Test connection, a team pack, a calendar URL).

        ``fn(ws)`` runs on a network thread; the services it calls reach the
        store through ``ws.on_store``.  ``redraw``: it changed the workspace,
        so the views get a new snapshot (its changed parts) before ``on_done``.
        """
        if self.ws is None:
            self.sig_error.emit("The workspace is still opening; try again in a moment.")
            return
        ws = self.ws

        def work() -> tuple[Any, Snapshot | None]:
            result = fn(ws)
            return result, (ws.on_store(ws.snapshot) if redraw else None)

        def done(pair: tuple[Any, Snapshot | None]) -> None:
            result, snapshot = pair
            if snapshot is not None:
                self._publish(snapshot)
            on_done(result)

        self.runner.net(work, done, on_error or self._failed)

    # ------------------------------------------------------------- plumbing
    def _tick(self) -> None:
        # nothing is re-sent: the views count down from the deadlines they hold
        self.tick_clock()  # the ack clock fires due transitions off the GUI thread
        self.beat_timer()

    def beat_timer(self) -> None:
        """The running timer's heartbeat (crash safety, sleep detection); redraws only when it changed."""
        timer = self.snapshot.timer if self.snapshot is not None else None
        if self.ws is None or self._beating or timer is None or timer.state != "running":
            return
        self._beating = True
        ws = self.ws

        def done(snapshot: Snapshot | None) -> None:
            self._beating = False
            self._recovered("heartbeat")
            if snapshot is not None:
                self._publish(snapshot)

        def failed(exc: BaseException) -> None:
            self._beating = False
            self._trouble("heartbeat", exc)  # the next second's beat tries again

        self.runner.db(lambda: ws.snapshot() if ws.timers.heartbeat() else None, done, failed)

    def watch(self, owner: QObject, parts: Iterable[str], slot: Redraw) -> None:
        """Call ``slot(snapshot, changed)`` for each snapshot that changed one of ``parts``.

        A view built after the workspace opened (the window, on first open)
        is drawn from the current snapshot at once.  The link lives as long
        as ``owner`` (a view's widget), so a view that is gone is never called.
        """
        relay = _PartsFilter(owner, frozenset(parts), slot)
        self.sig_snapshot.connect(relay.relay)
        if self.snapshot is not None:
            slot(self.snapshot, relay.parts)

    def _publish(self, snapshot: Snapshot) -> None:
        """Keep the new picture; tell the views only about the parts that differ from the last one."""
        from oncall_desktop.services.app.view_model import changed_parts

        changed = changed_parts(self.snapshot, snapshot)
        self.snapshot = snapshot
        if changed:
            self.sig_snapshot.emit(snapshot, changed)

    def _failed(self, exc: BaseException) -> None:
        self.sig_error.emit(str(exc) or exc.__class__.__name__)

    def _trouble(self, feature: str, exc: BaseException) -> None:
        """A background feature failed: log it, and tell the views when its sentence is new."""
        sentence = f"{FEATURES[feature]} failed: {str(exc) or exc.__class__.__name__}; trying again"
        log.warning("%s", sentence)
        if self.troubles.get(feature) == sentence:
            return  # the same failure every second is said once
        self.troubles = {**self.troubles, feature: sentence}
        self.sig_error.emit(sentence)
        self.sig_troubles.emit(dict(self.troubles))

    def _recovered(self, feature: str) -> None:
        if feature in self.troubles:
            log.info("%s works again", FEATURES[feature])
            self.troubles = {k: v for k, v in self.troubles.items() if k != feature}
            self.sig_troubles.emit(dict(self.troubles))
