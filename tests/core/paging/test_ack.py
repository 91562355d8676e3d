from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from oncall_desktop.core.paging.ack import (
    PageState,
    Transition,
    catch_up,
    chain_level,
    due,
    held_by_nobody,
    open_page,
    remote_assignment,
    renotify_due,
    transition,
)
from oncall_desktop.core.paging.ack_events import (
    AckError,
    Acknowledge,
    AckPolicy,
    AssignTicket,
    Escalate,
    Event,
    Handover,
    Note,
    Notify,
    Reassign,
    RemoteAcknowledge,
    RemoteResolve,
    Renotify,
    Resolve,
    Snooze,
    StaleCheck,
    StartTimer,
    StopTimer,
    Timeout,
    Unack,
)

UTC = timezone.utc
T0 = datetime(2026, 1, 5, 23, 10, tzinfo=UTC)
CHAIN = ("Ana", "Ben", "Cleo")
POLICY = AckPolicy()


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def pending() -> PageState:
    return open_page("local:42", T0, POLICY, CHAIN, client="Acme", severity="P1").state


def escalated() -> PageState:
    return transition(pending(), Timeout(), T0 + minutes(15), POLICY).state


def acknowledged() -> PageState:
    return transition(pending(), Acknowledge("Ana"), T0 + minutes(4), POLICY).state


def resolved() -> PageState:
    return transition(acknowledged(), Resolve("Ana"), T0 + minutes(40), POLICY).state


STATES = {"pending": pending, "escalated": escalated, "acknowledged": acknowledged, "resolved": resolved}
EVENTS: dict[str, Event] = {
    "acknowledge": Acknowledge("Ana"),
    "resolve": Resolve("Ana"),
    "escalate": Escalate("Ana"),
    "timeout": Timeout(),
    "unack": Unack("Ana"),
    "reassign": Reassign("Dan", "Ana"),
    "snooze": Snooze(10),
    "renotify": Renotify(),
    "stale_check": StaleCheck(timer_running=False),
    # what other technicians' apps did, seen in the shared ticket system (no effects here)
    "remote_acknowledge": RemoteAcknowledge("Dan"),
    "remote_resolve": RemoteResolve("Ben"),
    "handover": Handover("Cleo"),
}
REMOTE = ("remote_acknowledge", "remote_resolve", "handover")
ERR = AckError
# state × event → resulting state, or AckError.  Every cell is tested.
MATRIX: dict[str, dict[str, object]] = {
    "pending": {
        "acknowledge": "acknowledged", "resolve": "resolved", "escalate": "escalated", "timeout": "escalated",
        "unack": ERR, "reassign": "pending", "snooze": "pending", "renotify": "pending", "stale_check": ERR,
        "remote_acknowledge": "acknowledged", "remote_resolve": "resolved", "handover": "escalated",
    },
    "escalated": {
        "acknowledge": "acknowledged", "resolve": "resolved", "escalate": "escalated", "timeout": "escalated",
        "unack": ERR, "reassign": "pending", "snooze": "escalated", "renotify": "escalated", "stale_check": ERR,
        "remote_acknowledge": "acknowledged", "remote_resolve": "resolved", "handover": "escalated",
    },
    "acknowledged": {
        "acknowledge": ERR, "resolve": "resolved", "escalate": "escalated", "timeout": ERR,
        "unack": "pending", "reassign": "pending", "snooze": ERR, "renotify": ERR, "stale_check": "pending",
        "remote_acknowledge": "acknowledged", "remote_resolve": "resolved", "handover": "escalated",
    },
    "resolved": {name: ERR for name in EVENTS},
}


def at_deadline(state: PageState) -> datetime:
    """A moment when deadline-driven events are legal for this state."""
    return state.deadline if state.deadline is not None else T0 + minutes(60)


@pytest.mark.parametrize("state_name", list(MATRIX))
@pytest.mark.parametrize("event_name", list(EVENTS))
def test_transition_matrix(state_name: str, event_name: str) -> None:
    state = STATES[state_name]()
    expected = MATRIX[state_name][event_name]
    now = at_deadline(state)
    if expected is ERR:
        with pytest.raises(AckError) as info:
            transition(state, EVENTS[event_name], now, POLICY)
        assert "Traceback" not in str(info.value) and len(str(info.value)) > 15
        return
    result = transition(state, EVENTS[event_name], now, POLICY)
    assert result.state.state == expected
    assert result.deadline == result.state.deadline
    assert result.state.page_id == "local:42"
    if event_name in REMOTE:
        assert result.effects == []  # the other app already wrote the note and the assignment
    if expected == "resolved" or event_name == "remote_acknowledge":
        assert result.deadline is None  # nothing more fires here: the clock is the holder's app's
    elif event_name in ("snooze", "renotify"):
        assert result.deadline == state.deadline  # reminders never move the ack clock
    else:
        assert result.deadline is not None and result.deadline > now


def test_matrix_covers_every_state_and_event() -> None:
    assert set(MATRIX) == {"pending", "escalated", "acknowledged", "resolved"}
    assert all(set(row) == set(EVENTS) for row in MATRIX.values())


# -- opening, acknowledging, notes ----------------------------------------------

def test_open_page_pending_level_one_with_15_minute_window() -> None:
    t = open_page("local:42", T0, POLICY, CHAIN, client="Acme", severity="P1")
    assert t.state.state == "pending" and t.state.level == 1 and t.state.person == "Ana"
    assert t.deadline == T0 + minutes(15)
    assert t.effects == [Notify("Ana", 1)]


def test_acknowledge_note_and_timer() -> None:
    t = transition(pending(), Acknowledge("Ana"), T0 + minutes(4, ), POLICY)
    assert t.effects == [Note("Acknowledged by Ana at 23:14 (after 4 min)"), StartTimer("Ana")]
    assert t.state.acknowledged_by == "Ana" and t.state.acknowledged_at == T0 + minutes(4)
    assert t.deadline == T0 + minutes(4 + 30)  # the stale check
    assert t.state.renotify_at is None


def test_notes_use_the_policy_zone() -> None:
    berlin = AckPolicy(zone="Europe/Berlin")
    t = transition(pending(), Acknowledge("Ana"), T0 + minutes(4), berlin)
    assert t.effects[0] == Note("Acknowledged by Ana at 00:14 (after 4 min)")


def test_acknowledge_at_once_says_less_than_a_minute() -> None:
    t = transition(pending(), Acknowledge("Ana"), T0 + timedelta(seconds=20), POLICY)
    assert t.effects[0] == Note("Acknowledged by Ana at 23:10 (after less than 1 min)")


def test_timeout_escalates_to_backup_with_note() -> None:
    t = transition(pending(), Timeout(), T0 + minutes(15), POLICY)
    assert t.state.state == "escalated" and t.state.level == 2 and t.state.person == "Ben"
    assert t.effects == [
        Note("Not acknowledged within 15 min by Ana; escalated to Ben"),
        Notify("Ben", 2),
        AssignTicket("Ben"),
    ]
    assert t.deadline == T0 + minutes(30)


def test_someone_else_acknowledging_takes_the_ticket() -> None:
    t = transition(pending(), Acknowledge("Ben"), T0 + minutes(3), POLICY)
    assert t.state.person == "Ben"
    assert t.effects == [Note("Acknowledged by Ben at 23:13 (after 3 min)"), StartTimer("Ben"), AssignTicket("Ben")]


def test_backup_acknowledges_after_escalation() -> None:
    t = transition(escalated(), Acknowledge("Ben"), T0 + minutes(21), POLICY)
    assert t.state.person == "Ben" and t.state.level == 2
    assert t.effects[0] == Note("Acknowledged by Ben at 23:31 (after 21 min)")


def test_early_timeout_is_refused() -> None:
    with pytest.raises(AckError, match="runs until 23:25; it has not timed out yet"):
        transition(pending(), Timeout(), T0 + minutes(14), POLICY)


def test_already_acknowledged_and_resolved_messages() -> None:
    with pytest.raises(AckError, match="already acknowledged by Ana at 23:14"):
        transition(acknowledged(), Acknowledge("Ben"), T0 + minutes(5), POLICY)
    with pytest.raises(AckError, match="this page is already resolved by Ana at 23:50"):
        transition(resolved(), Acknowledge("Ben"), T0 + minutes(50), POLICY)


def test_resolve_note_and_stop_timer() -> None:
    t = transition(acknowledged(), Resolve("Ana"), T0 + minutes(40), POLICY)
    assert t.effects == [Note("Resolved by Ana at 23:50 (40 min after the page)"), StopTimer()]
    assert t.state.resolved_by == "Ana"
    assert not due(t.state, T0 + minutes(500))


def test_empty_names_are_refused() -> None:
    with pytest.raises(AckError, match="name is empty"):
        transition(pending(), Acknowledge("  "), T0, POLICY)


# -- manual escalation, top of the chain ------------------------------------------

def test_escalate_now_goes_to_next_level_with_fresh_window() -> None:
    t = transition(pending(), Escalate("Ana"), T0 + minutes(2), POLICY)
    assert (t.state.level, t.state.person) == (2, "Ben")
    assert t.deadline == T0 + minutes(17)
    assert t.effects[0] == Note("Escalated by Ana to Ben (level 2) at 23:12")
    scripted = transition(pending(), Escalate(), T0 + minutes(2), POLICY)
    assert scripted.effects[0] == Note("Escalated to Ben (level 2) at 23:12")


def test_escalate_from_acknowledged_stops_the_timer() -> None:
    t = transition(acknowledged(), Escalate("Ana"), T0 + minutes(10), POLICY)
    assert t.state.state == "escalated" and t.state.person == "Ben"
    assert StopTimer() in t.effects


def test_escalate_at_top_is_refused() -> None:
    top = transition(escalated(), Timeout(), T0 + minutes(30), POLICY).state
    assert (top.level, top.person) == (3, "Cleo")
    with pytest.raises(AckError, match=r"already at the top of the escalation chain \(level 3, Cleo\)"):
        transition(top, Escalate("Cleo"), T0 + minutes(31), POLICY)


def test_top_level_timeout_stays_escalated_and_renotifies() -> None:
    top = transition(escalated(), Timeout(), T0 + minutes(30), POLICY).state
    t = transition(top, Timeout(), T0 + minutes(45), POLICY)
    assert t.state.state == "escalated" and t.state.level == 3
    assert t.effects == [Notify("Cleo", 3)]  # no note spam in the ticket
    assert t.deadline == T0 + minutes(60)


def test_short_chain_caps_the_levels() -> None:
    one = open_page("p", T0, POLICY, ("Ana",)).state
    t = transition(one, Timeout(), T0 + minutes(15), POLICY)
    assert t.state.state == "escalated" and t.state.level == 1
    assert t.effects[0] == Note(
        "Not acknowledged within 15 min by Ana; nobody further in the escalation chain, re-notifying Ana"
    )


# -- hand back, reassign, stale ----------------------------------------------------

def test_unack_hands_back_with_fresh_window() -> None:
    t = transition(acknowledged(), Unack("Ana"), T0 + minutes(10), POLICY)
    assert t.state.state == "pending" and t.state.acknowledged_by == ""
    assert t.deadline == T0 + minutes(25)
    assert t.effects[0] == Note("Handed back by Ana at 23:20; waiting for acknowledgement by Ana again")
    assert StopTimer() in t.effects and Notify("Ana", 1) in t.effects


def test_reassign_to_named_person() -> None:
    t = transition(acknowledged(), Reassign("Dan", "Ana"), T0 + minutes(10), POLICY)
    assert t.state.state == "pending" and t.state.person == "Dan"
    assert t.effects == [
        Note("Reassigned by Ana to Dan at 23:20; waiting for Dan to acknowledge"),
        StopTimer(),
        Notify("Dan", 1),
        AssignTicket("Dan"),
    ]
    with pytest.raises(AckError, match="already with Dan"):
        transition(t.state, Reassign("dan", "Ana"), T0 + minutes(11), POLICY)
    # If Dan does not answer, escalation carries on up the chain.
    later = transition(t.state, Timeout(), T0 + minutes(25), POLICY)
    assert later.state.person == "Ben"
    assert later.effects[0] == Note("Not acknowledged within 15 min by Dan; escalated to Ben")


def test_stale_acknowledgement_pages_again() -> None:
    ack = acknowledged()
    assert not due(ack, T0 + minutes(33))
    assert due(ack, T0 + minutes(34))
    with pytest.raises(AckError, match="checked for staleness at 23:44, not yet"):
        transition(ack, StaleCheck(False), T0 + minutes(33), POLICY)
    t = transition(ack, StaleCheck(False), T0 + minutes(34), POLICY)
    assert t.state.state == "pending" and t.state.person == "Ana"
    assert t.deadline == T0 + minutes(34 + 15)
    assert t.effects == [
        Note("Acknowledged by Ana 30 min ago, but not resolved and no timer running; paging Ana again"),
        Notify("Ana", 1),
    ]


def test_stale_check_with_running_timer_just_looks_again_later() -> None:
    t = transition(acknowledged(), StaleCheck(True), T0 + minutes(34), POLICY)
    assert t.state.state == "acknowledged" and t.effects == []
    assert t.deadline == T0 + minutes(64)


def test_stale_minutes_per_client() -> None:
    policy = AckPolicy(stale_by_client={"Acme": 60})
    t = transition(pending(), Acknowledge("Ana"), T0 + minutes(4), policy)
    assert t.deadline == T0 + minutes(64)


# -- snooze and re-notification ------------------------------------------------------

def test_snooze_moves_reminders_not_the_ack_clock() -> None:
    state = pending()
    assert state.renotify_at == T0 + minutes(5)
    assert renotify_due(state, T0 + minutes(5))
    snoozed = transition(state, Snooze(10), T0 + minutes(6), POLICY)
    assert snoozed.state.renotify_at == T0 + minutes(16)
    assert snoozed.deadline == T0 + minutes(15)  # unchanged
    assert not renotify_due(snoozed.state, T0 + minutes(15))
    assert due(snoozed.state, T0 + minutes(15))
    fired = catch_up(snoozed.state, T0 + minutes(15), POLICY)
    assert [t.state.person for t in fired] == ["Ben"]


def test_renotify_repeats_and_reschedules() -> None:
    t = transition(pending(), Renotify(), T0 + minutes(5), POLICY)
    assert t.effects == [Notify("Ana", 1)]
    assert t.state.renotify_at == T0 + minutes(10)


@pytest.mark.parametrize("bad", [0, -5, 121, True])
def test_snooze_limits(bad: int) -> None:
    with pytest.raises(AckError, match="snooze for 1 to 120 minutes"):
        transition(pending(), Snooze(bad), T0, POLICY)


# -- restart and sleep ---------------------------------------------------------------

def test_restart_in_the_middle_of_a_window() -> None:
    state = pending()
    stored = json.dumps(state.to_dict())
    again = PageState.from_dict(json.loads(stored))
    assert again == state
    assert again.deadline == T0 + minutes(15)
    assert not due(again, T0 + minutes(9))
    assert catch_up(again, T0 + minutes(9), POLICY) == []
    fired = catch_up(again, T0 + minutes(15), POLICY)
    assert len(fired) == 1 and fired[0].state.person == "Ben"


def test_acknowledged_state_round_trips() -> None:
    state = acknowledged()
    data = json.loads(json.dumps(state.to_dict()))
    assert data["acknowledged_at"] == "2026-01-05T23:14:00Z"
    assert PageState.from_dict(data) == state


def test_laptop_asleep_past_two_windows_fires_level_2_then_level_3() -> None:
    woke = T0 + minutes(37)
    fired = catch_up(pending(), woke, POLICY, CHAIN)
    assert [(t.state.level, t.state.person) for t in fired] == [(2, "Ben"), (3, "Cleo")]
    assert fired[0].effects[0] == Note(
        "Not acknowledged within 15 min by Ana; escalated to Ben "
        "(fired late at 23:47: the app was asleep or closed)"
    )
    assert fired[1].effects[0] == Note(
        "Not acknowledged within 15 min by Ben; escalated to Cleo "
        "(fired late at 23:47: the app was asleep or closed)"
    )
    # windows stay anchored to when they were due, not to when we woke
    assert fired[0].state.window_start == T0 + minutes(15)
    assert fired[1].deadline == T0 + minutes(45)
    assert not due(fired[-1].state, woke)


def test_asleep_all_night_fires_each_level_once_then_one_reminder() -> None:
    woke = T0 + timedelta(hours=8, minutes=3)
    fired = catch_up(pending(), woke, POLICY, CHAIN)
    assert [(t.state.level, t.state.person) for t in fired] == [(2, "Ben"), (3, "Cleo"), (3, "Cleo")]
    assert fired[-1].effects == [Notify("Cleo", 3)]
    assert woke < fired[-1].deadline <= woke + minutes(15)
    assert (fired[-1].deadline - T0) % minutes(15) == timedelta(0)


def test_catch_up_uses_the_fresh_chain() -> None:
    fired = catch_up(pending(), T0 + minutes(16), POLICY, ("Ana", "Zoe", "Cleo"))
    assert fired[0].state.person == "Zoe"


def test_catch_up_runs_stale_check_only_when_timer_state_known() -> None:
    ack = acknowledged()
    later = T0 + minutes(40)
    assert catch_up(ack, later, POLICY) == []
    fired = catch_up(ack, later, POLICY, timer_running=False)
    assert [t.state.state for t in fired] == ["pending"]
    assert catch_up(resolved(), later, POLICY, timer_running=False) == []


# -- policy --------------------------------------------------------------------------

def test_policy_window_per_client_and_severity() -> None:
    policy = AckPolicy(
        ack_minutes=15,
        by_client={"Acme": 10},
        by_severity={"P1": 5, "P3": 30},
        by_client_severity={"Beta": {"P1": 8}},
    )
    assert policy.ack_window("Acme", "P1") == minutes(5)  # shortest of the two
    assert policy.ack_window("Acme", "P3") == minutes(10)
    assert policy.ack_window("Beta", "P1") == minutes(8)  # explicit pair wins
    assert policy.ack_window("Gamma", "P2") == minutes(15)
    t = open_page("p", T0, policy, CHAIN, client="Acme", severity="P1")
    assert t.deadline == T0 + minutes(5)
    assert AckPolicy.from_dict(json.loads(json.dumps(policy.to_dict()))) == policy


def test_policy_validation_messages() -> None:
    with pytest.raises(AckError, match="ack_minutes must be a whole number of minutes"):
        AckPolicy(ack_minutes=0)
    with pytest.raises(AckError, match="unknown time zone 'Mars/Olympus'"):
        AckPolicy(zone="Mars/Olympus")
    with pytest.raises(AckError, match="unknown ack policy setting"):
        AckPolicy.from_dict({"ack_minute": 10})
    with pytest.raises(AckError, match=r"by_client\['Acme'\] must be a whole number"):
        AckPolicy(by_client={"Acme": "ten"})  # type: ignore[dict-item]


def test_damaged_stored_page_is_reported() -> None:
    with pytest.raises(AckError, match="missing window_start"):
        PageState.from_dict({"page_id": "p", "state": "pending", "level": 1, "created": "2026-01-05T23:10:00Z"})
    data = pending().to_dict()
    with pytest.raises(AckError, match="unknown page state 'waiting'"):
        PageState.from_dict({**data, "state": "waiting"})
    with pytest.raises(AckError, match="'deadline'"):
        PageState.from_dict({**data, "deadline": "soon"})


def test_transition_to_json_is_plain_data() -> None:
    t: Transition = transition(pending(), Timeout(), T0 + minutes(15), POLICY)
    data = json.loads(json.dumps(t.to_json()))
    assert data["state"] == "escalated" and data["level"] == 2 and data["deadline"] == "2026-01-05T23:40:00Z"
    assert data["effects"][0] == {"type": "note", "text": "Not acknowledged within 15 min by Ana; escalated to Ben"}
    assert replace(t.state, level=2) == t.state


# -- what other apps did, seen through the shared ticket system ---------------------

def test_remote_acknowledge_takes_the_page_without_effects() -> None:
    t = transition(pending(), RemoteAcknowledge("Ben", at=T0 + minutes(3)), T0 + minutes(4), POLICY)
    assert (t.state.state, t.state.person, t.state.acknowledged_by) == ("acknowledged", "Ben", "Ben")
    assert t.state.acknowledged_at == T0 + minutes(3) and t.effects == [] and t.deadline is None
    assert not due(t.state, T0 + minutes(500)) and not renotify_due(t.state, T0 + minutes(500))


def test_remote_instants_are_never_in_this_apps_future() -> None:
    t = transition(pending(), RemoteAcknowledge("Ben", at=T0 + minutes(9)), T0 + minutes(4), POLICY)
    assert t.state.acknowledged_at == T0 + minutes(4)


def test_remote_resolve_without_effects_and_without_a_name() -> None:
    t = transition(escalated(), RemoteResolve(at=T0 + minutes(20)), T0 + minutes(21), POLICY)
    assert (t.state.state, t.state.resolved_by, t.state.resolved_at) == ("resolved", "someone else", T0 + minutes(20))
    assert t.effects == []


def test_handover_continues_at_the_escalated_level_from_the_handover_time() -> None:
    """The backup's app takes over Ana's page at level 2; its window counts from the assignment."""
    t = transition(pending(), Handover("Ben", at=T0 + minutes(15)), T0 + minutes(16), POLICY)
    assert (t.state.state, t.state.level, t.state.person) == ("escalated", 2, "Ben")
    assert t.state.window_start == T0 + minutes(15) and t.deadline == T0 + minutes(30)
    assert t.effects == []
    # …so the backup's own clock escalates further to the lead, with the usual note
    up = transition(t.state, Timeout(), T0 + minutes(30), POLICY)
    assert (up.state.level, up.state.person) == (3, "Cleo")
    assert up.effects == [Note("Not acknowledged within 15 min by Ben; escalated to Cleo"), Notify("Cleo", 3),
                          AssignTicket("Cleo")]


def test_handover_to_someone_outside_the_chain_keeps_the_level() -> None:
    t = transition(escalated(), Handover("Dan", at=T0 + minutes(17)), T0 + minutes(17), POLICY)
    assert (t.state.level, t.state.person, t.deadline) == (2, "Dan", T0 + minutes(32))
    back = transition(acknowledged(), Handover("Ana"), T0 + minutes(20), POLICY)
    assert (back.state.state, back.state.level, back.state.acknowledged_by) == ("pending", 1, "")


def test_remote_assignment_reads_an_escalation_or_an_acknowledgement() -> None:
    page = pending()  # Ana holds level 1; Ben is backup, Cleo lead
    assert remote_assignment(page, "Ben", T0) == Handover("Ben", T0)  # Ana's app escalated it
    assert remote_assignment(page, "cleo") == Handover("cleo")  # two levels on: a laptop slept through one
    assert remote_assignment(page, "Dan", T0) == RemoteAcknowledge("Dan", T0)  # someone took it
    assert remote_assignment(page, "ana") == RemoteAcknowledge("ana")  # she took the ticket: her acknowledgement
    assert remote_assignment(acknowledged(), "Ana") is None and remote_assignment(page, " ") is None
    assert remote_assignment(escalated(), "Ana") == RemoteAcknowledge("Ana")  # Ana took it back after all
    assert remote_assignment(resolved(), "Ben") is None
    assert (chain_level(page, "BEN"), chain_level(page, "Dan")) == (2, None)


def test_acknowledge_can_take_a_ticket_assigned_to_someone_else() -> None:
    t = transition(pending(), Acknowledge("Ana", take_ticket=True), T0 + minutes(4), POLICY)
    assert t.effects == [Note("Acknowledged by Ana at 23:14 (after 4 min)"), StartTimer("Ana"), AssignTicket("Ana")]


def test_held_by_nobody_when_no_rotation_named_anyone() -> None:
    nobody = open_page("local:1", T0, POLICY, ()).state
    assert held_by_nobody(nobody) and nobody.person == "level 1"
    assert not held_by_nobody(pending())
