"""What the views show, as frozen values: the one shape the services hand the UI.

Why values and not a dict: every view reads the same picture, and a typo in a
key used to surface as an empty label at 3 AM; here it is a mypy error.  Why
frozen: a ``Snapshot`` is built on the store thread and read on the GUI
thread, and two snapshots compare field by field, so ``changed_parts`` can
tell which parts an operation changed and only the views drawing those parts
redraw.

Nothing here reads the clock: deadlines are instants (``PageView.ack_deadline``,
``TimerView.open_since``) and each view counts down from them with its own
timer, so no snapshot has to be rebuilt for a countdown to move.  Each part
holds what its views read and nothing more: a field no view draws would only
make two snapshots differ (and views redraw) for nothing.  One part keeps the
services' own JSON form: a schedule's definition, which the schedule editor
edits and saves back whole (``RotationView.definitions``).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from oncall_desktop.core.rotation.swaps import SwapProposal

Json = Mapping[str, Any]

#: Page states whose ack deadline counts: nobody has taken the page yet.
WAITING = ("pending", "escalated")


@dataclass(frozen=True, slots=True)
class OnCallView:
    """Who holds one schedule now, until when, and who follows."""

    schedule: str
    person: str
    shift_start: datetime
    shift_end: datetime
    shift_end_local: str
    next: str | None = None
    backup: str | None = None
    lead: str | None = None


@dataclass(frozen=True, slots=True)
class SlaView:
    """A page's SLA clock as last stored: the deadline moves only when the clock is paused or resumed."""

    kind: str
    deadline: datetime | None
    paused: bool = False
    remaining_minutes: int = 0
    business_hours: bool = False


@dataclass(frozen=True, slots=True)
class PageView:
    """One open page: the ticket, why it paged, who holds it and its deadlines."""

    id: int
    ticket: str
    state: str
    level: int
    person: str
    severity: str
    reason: str
    created: str
    client: str
    title: str
    ack_deadline: datetime | None = None
    ack_deadline_local: str = ""
    sla: SlaView | None = None
    acknowledged_by: str | None = None

    @property
    def waiting(self) -> bool:
        """Nobody has taken it yet: its ack deadline counts."""
        return self.state in WAITING


@dataclass(frozen=True, slots=True)
class TimerQuestion:
    """"Were you working from … to …?" after a sleep or a crash."""

    start: datetime
    end: datetime
    minutes: int
    why: str


@dataclass(frozen=True, slots=True)
class TimerView:
    """The work timer: finished seconds plus the part running since ``open_since``."""

    id: int
    ticket_id: str
    client: str
    state: str
    closed_seconds: int = 0
    open_since: datetime | None = None
    flag: str = ""
    question: TimerQuestion | None = None

    def elapsed(self, now: datetime) -> int:
        """Seconds worked by ``now``: what the Time tab's big clock shows."""
        running = max(0, int((now - self.open_since).total_seconds())) if self.open_since is not None else 0
        return self.closed_seconds + running


@dataclass(frozen=True, slots=True)
class TotalsRow:
    client: str
    worked_minutes: int
    after_hours_minutes: int
    billable_minutes: int


@dataclass(frozen=True, slots=True)
class EntryView:
    """A billed time entry and how far it got to the ticket system."""

    key: str
    timer: int
    ticket: str
    client: str
    start: datetime
    worked_minutes: int
    after_hours_minutes: int
    billable_minutes: int
    multiplier: float
    reasons: tuple[str, ...]
    sync: str
    state: str


@dataclass(frozen=True, slots=True)
class OutboxView:
    """The outbox's health: rows sent, waiting and failed, and the newest problem in words."""

    sent: int = 0
    pending: int = 0
    failed: int = 0
    last_error: str = ""


@dataclass(frozen=True, slots=True)
class WorkView:
    """A finished stretch of work (newest first)."""

    ticket_id: str
    client: str
    start_local: str
    minutes: int


@dataclass(frozen=True, slots=True)
class TimeView:
    """The Time tab's tables: today and this week per client, entries, the outbox."""

    today: tuple[TotalsRow, ...] = ()
    week: tuple[TotalsRow, ...] = ()
    entries: tuple[EntryView, ...] = ()
    clients: tuple[str, ...] = ()
    outbox: OutboxView = field(default_factory=OutboxView)
    work: tuple[WorkView, ...] = ()


@dataclass(frozen=True, slots=True)
class ShiftView:
    """One row of the next two weeks' shifts; a running shift shows its true start."""

    schedule: str
    person: str
    start_local: str
    end_local: str
    override: bool = False


@dataclass(frozen=True, slots=True)
class MyShiftView:
    """My next (or current) shift, for the tray's tooltip and the Rotation tab."""

    schedule: str
    start: datetime
    end: datetime
    now: bool


@dataclass(frozen=True, slots=True)
class TimelineShift:
    """One bar on the timeline: who, from when to when, and whether it is an override or mine."""

    person: str
    start: datetime
    end: datetime
    override: bool = False
    mine: bool = False


@dataclass(frozen=True, slots=True)
class TimelineRow:
    """One schedule's row of bars."""

    name: str
    shifts: tuple[TimelineShift, ...] = ()


@dataclass(frozen=True, slots=True)
class TimelineView:
    """The painted timeline, from local midnight today to a local midnight two weeks on.

    No "now": the red line is drawn at the view's own clock, so a rebuild a
    minute later compares equal and the Rotation tab does not redraw.
    """

    start: datetime
    end: datetime
    rows: tuple[TimelineRow, ...] = ()


@dataclass(frozen=True, slots=True)
class RotationView:
    """The Rotation tab: schedules, the timeline, my next shift, open swaps, the next two weeks' shifts.

    ``swaps`` are the offers still waiting for an answer, as the domain's own
    frozen ``SwapProposal`` (every field of it is shown: who, the slice, when offered).

    ``definitions`` are the schedules in their stored JSON form (``Schedule.to_dict``),
    not a view type: the schedule editor edits one and saves it back whole, so it
    must get every field the store keeps, including those no view draws.
    """

    definitions: tuple[Json, ...] = ()
    timeline: TimelineView | None = None
    my_next: MyShiftView | None = None
    swaps: tuple[SwapProposal, ...] = ()
    people: tuple[str, ...] = ()
    notice_days: tuple[int, ...] = ()
    shifts: tuple[ShiftView, ...] = ()


@dataclass(frozen=True, slots=True)
class RunbookSummary:
    """A runbook in the list: enough to list, filter and badge it; the body is fetched when it is opened.

    ``body_crc`` changes when the body does, so the tab knows a body it fetched is stale.
    """

    id: str
    title: str
    tags: tuple[str, ...] = ()
    origin: str = "bundled"
    body_crc: int = 0


@dataclass(frozen=True, slots=True)
class TreeSummary:
    """A triage tree in the list; the tree itself is loaded when a walk starts."""

    id: str
    title: str
    description: str = ""
    origin: str = "bundled"


@dataclass(frozen=True, slots=True)
class TeamPackView:
    """The team pack as the Runbooks tab's footer shows it: which one is in use, since when."""

    source: str = ""
    name: str = ""
    version: str = ""
    synced_at: datetime | None = None

    @property
    def active(self) -> bool:
        """A pack was accepted (it has a version); a source alone is "not synced yet"."""
        return bool(self.version)


@dataclass(frozen=True, slots=True)
class RunbooksView:
    """Runbook and tree summaries (bodies are fetched when one is opened) and the team pack.

    ``refused`` holds, for each folder the library refused, its problems in words.
    """

    runbooks: tuple[RunbookSummary, ...] = ()
    trees: tuple[TreeSummary, ...] = ()
    refused: tuple[tuple[str, ...], ...] = ()
    team_pack: TeamPackView = field(default_factory=TeamPackView)


@dataclass(frozen=True, slots=True)
class SettingsView:
    """The settings the General page and the controller's poll timer read."""

    poll_seconds: int = 60
    demo_feed: bool = False
    first_poll_seconds: int = 2
    poll_failures: int = 0
    sound: bool = True
    quiet_hours: str = ""


@dataclass(frozen=True, slots=True)
class StatusView:
    """What works: the ticket system in words, notifications, the keyring."""

    ticket_system: str = ""
    notifications: str = "unknown"
    notifications_ok: bool = True
    keyring: str = "unknown"


@dataclass(frozen=True, slots=True)
class SuppressedView:
    """A ticket a rule kept quiet lately, and why."""

    at_local: str
    ticket: str
    client: str
    title: str
    reason: str


@dataclass(frozen=True, slots=True)
class HandoffView:
    """The newest handoff written for me that I have not read: who wrote it and its text, as it is shown."""

    id: str
    author: str
    text: str


@dataclass(frozen=True, slots=True)
class ReadinessItem:
    """One line of the pre-shift checklist: pass or fail in words and, when it fails, the one thing to do."""

    title: str
    ok: bool
    detail: str
    fix: str = ""


@dataclass(frozen=True, slots=True)
class ReadinessView:
    """The last recorded pre-shift check, for the window's notice, the tray and the checklist.

    ``checked_at`` also names the run: dismissing the notice records it, and
    the notice stays closed until a later run.
    """

    checked_at: datetime
    trigger: str
    headline: str
    dismissed: bool = False
    items: tuple[ReadinessItem, ...] = ()

    @property
    def problems(self) -> tuple[str, ...]:
        return tuple(i.title for i in self.items if not i.ok)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def shows_notice(self) -> bool:
        """The notice (and the tray's entry) shows while the last check failed and nobody closed it."""
        return not self.ok and not self.dismissed


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The whole picture.  Each field is a *part*: what changed is said by naming parts."""

    me: str = ""
    me_on_call: bool = False
    on_call: tuple[OnCallView, ...] = ()
    pages: tuple[PageView, ...] = ()
    rotation: RotationView = field(default_factory=RotationView)
    timer: TimerView | None = None
    time: TimeView = field(default_factory=TimeView)
    runbooks: RunbooksView = field(default_factory=RunbooksView)
    settings: SettingsView = field(default_factory=SettingsView)
    status: StatusView = field(default_factory=StatusView)
    last_poll_local: str = ""
    offline_since: str = ""
    offline_reason: str = ""
    suppressed: tuple[SuppressedView, ...] = ()
    handoff_pending: HandoffView | None = None
    readiness: ReadinessView | None = None

    def page(self, page_id: int) -> PageView | None:
        return next((p for p in self.pages if p.id == page_id), None)


#: Every part's name (a field of ``Snapshot``).
PARTS: frozenset[str] = frozenset(f.name for f in fields(Snapshot))


def changed_parts(old: Snapshot | None, new: Snapshot) -> frozenset[str]:
    """The parts that differ between two snapshots (all of them when there was none before)."""
    if old is None:
        return PARTS
    return frozenset(name for name in PARTS if getattr(old, name) != getattr(new, name))
