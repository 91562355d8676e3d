"""The poller stores a poll's tickets in one batch; it must page exactly as one-by-one storing did.

The reference below is the rule the poller has always had, written out per
ticket: a ticket is news when it is first seen open, or when it is open again
after its last seen status was closed; nothing else pages, and a ticket twice
in one answer is judged against its own first copy.
"""
from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.core.time.clock import FakeClock, iso
from oncall_desktop.services.paging.poller import Poller, is_closed
from oncall_desktop.services.psa.base import PollResult
from oncall_desktop.services.storage.store import Store

STATUSES = ("new", "open", "pending", "resolved", "Closed", " closed ", "done")


class Scripted:
    """A ticket system answering each poll with the next scripted list of tickets."""

    name = "scripted"
    source = "scripted"

    def __init__(self, polls: list[list[Ticket]]) -> None:
        self.polls = list(polls)

    def poll(self, since: str | None) -> PollResult:
        return PollResult(self.polls.pop(0), f"c{len(self.polls)}")


def _ticket(remote_id: str, status: str, title: str = "Server down") -> Ticket:
    return Ticket(title=title, source="scripted", remote_id=remote_id, priority=1, status=status, client="Acme")


def _run(store: Store, clock: FakeClock, polls: list[list[Ticket]]) -> list[list[str]]:
    """The ticket ids handed to ``open_page`` in each poll."""
    opened: list[list[str]] = []
    current: list[str] = []
    poller = Poller(store, Scripted(polls), lambda ticket, decision: current.append(ticket.id) or {})
    for _ in polls:
        current = []
        poller.poll_once()
        opened.append(current)
        clock.advance(minutes=1)
    return opened


def _reference(polls: list[list[Ticket]]) -> list[list[str]]:
    last: dict[str, str] = {}
    out = []
    for tickets in polls:
        paged = []
        for t in tickets:
            was = last.get(t.id)
            last[t.id] = t.status
            if (was is None and not is_closed(t.status)) or (
                    was is not None and is_closed(was) and not is_closed(t.status)):
                paged.append(t.id)
        out.append(paged)
    return out


def test_new_reopened_and_never_twice(tmp_path: Path) -> None:
    clock = FakeClock()
    store = Store.open(tmp_path / "ws", clock)
    polls = [
        [_ticket("1", "new"), _ticket("2", "closed"), _ticket("3", "open")],
        [_ticket("1", "open"), _ticket("3", "open")],                      # seen before: no page
        [_ticket("1", "resolved"), _ticket("2", "new")],                   # 2 was first seen closed: re-opened
        [_ticket("1", "open", "Server down again")],                       # 1 re-opened after resolve
        [_ticket("4", "closed"), _ticket("4", "new"), _ticket("4", "open")],  # twice in one answer: once
    ]
    assert _run(store, clock, polls) == [["scripted:1", "scripted:3"], [], ["scripted:2"], ["scripted:1"],
                                         ["scripted:4"]]
    reopened = [(e["subject"], e["data"]) for e in store.events(kind="ticket.reopened")]
    assert reopened == [("scripted:2", {"was": "closed", "now": "new"}),
                        ("scripted:1", {"was": "resolved", "now": "open"}),
                        ("scripted:4", {"was": "closed", "now": "new"})]
    # the stored row is the last copy seen; first_seen is kept, last_seen moves on
    row = store.db.conn.execute("SELECT title, status, first_seen, last_seen FROM tickets WHERE id = 'scripted:1'"
                                ).fetchone()
    start = FakeClock().now()
    assert row == ("Server down again", "open", iso(start), iso(start + timedelta(minutes=3)))
    store.close()


def test_times_are_stored_as_before(tmp_path: Path) -> None:
    """Stored instants: ISO UTC with Z, whole seconds; a ticket without times gets the poll's time."""
    clock = FakeClock()
    store = Store.open(tmp_path / "ws", clock)
    with_times = Ticket(title="a", source="scripted", remote_id="1", status="new",
                        created=clock.now() - timedelta(hours=2, microseconds=700_000),
                        updated=(clock.now() - timedelta(minutes=5)).astimezone())
    bare = Ticket(title="b", source="scripted", remote_id="2", status="new")
    _run(store, clock, [[with_times, bare]])
    rows = dict((r[0], r[1:]) for r in store.db.conn.execute("SELECT id, created, updated FROM tickets"))
    assert rows["scripted:1"] == (iso(with_times.created), iso(with_times.updated))  # type: ignore[arg-type]
    assert rows["scripted:2"] == (iso(clock.now() - timedelta(minutes=1)),) * 2
    assert rows["scripted:1"][0].endswith(":59Z")  # microseconds cut, never rounded up
    store.close()


polls_strategy = st.lists(
    st.lists(st.tuples(st.sampled_from("abcde"), st.sampled_from(STATUSES)), max_size=8),
    min_size=1, max_size=6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(polls_strategy)
def test_batch_pages_exactly_like_one_by_one(script: list[list[tuple[str, str]]]) -> None:
    polls = [[_ticket(rid, status) for rid, status in poll] for poll in script]
    with tempfile.TemporaryDirectory() as tmp:
        clock = FakeClock()
        store = Store.open(Path(tmp) / "ws", clock)
        try:
            assert _run(store, clock, polls) == _reference(polls)
            last = {t.id: t.status for poll in polls for t in poll}
            assert dict(store.db.conn.execute("SELECT id, status FROM tickets").fetchall()) == last
        finally:
            store.close()


def _all_recent(store: Store, tickets: list[Ticket], now) -> dict[str, list[Ticket]]:
    """Every contact's tickets, unfiltered (what the repeat-caller context held before it left out lone callers)."""
    from oncall_desktop.core.time.clock import parse_instant

    out: dict[str, list[Ticket]] = {}
    for row in store.db.conn.execute("SELECT id, contact, created FROM tickets WHERE created >= ?",
                                     (iso(now - timedelta(hours=2)),)):
        if any(t.contact == row[1] for t in tickets):
            out.setdefault(row[1], []).append(Ticket(title="x", id=row[0], contact=row[1],
                                                     created=parse_instant(row[2])))
    for t in tickets:
        if t.contact and all(o.id != t.id for o in out.get(t.contact, [])):
            out.setdefault(t.contact, []).append(t)
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.tuples(st.sampled_from("abcdef "), st.sampled_from(["", "x@a", "X@A", "y@b", "z@c"]),
                                   st.integers(0, 150)), max_size=8),
                min_size=1, max_size=3))
def test_leaving_out_lone_callers_changes_no_decision(script) -> None:
    """Repeat-caller verdicts with the slimmed context equal those with every contact's tickets.

    A remote id " " stands for a ticket without an id (typed in by hand), which
    the rule does not skip as "itself".
    """
    from oncall_desktop.core.paging.escalation import Context, default_rules, evaluate
    from oncall_desktop.services.paging.poller import recent_by_contact

    with tempfile.TemporaryDirectory() as tmp:
        clock = FakeClock()
        store = Store.open(Path(tmp) / "ws", clock)
        rules = default_rules()
        try:
            for poll in script:
                now = clock.now()
                tickets = [Ticket(title="printer jammed", source="s", remote_id=rid.strip(), contact=contact,
                                  priority=4, status="open", created=now - timedelta(minutes=age))
                           for rid, contact, age in poll]
                slim = Context(recent_by_contact=recent_by_contact(store, tickets, now))
                full = Context(recent_by_contact=_all_recent(store, tickets, now))
                for t in tickets:
                    assert evaluate(t, rules, slim, now) == evaluate(t, rules, full, now)
                Poller(store, Scripted([[t for t in tickets if t.id]]), lambda t, d: {}).poll_once()
                clock.advance(minutes=20)
        finally:
            store.close()
