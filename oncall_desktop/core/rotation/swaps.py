"""Shift swaps: one person offers a slice of their shift to a colleague.

Split out of compute.py, which keeps who-is-on-call.  A proposal is
checked against the schedule when it is made and again when it is accepted
(the rotation may have changed in between); an accepted swap is nothing but
an Override on the schedule, so on_call/shifts need no notion of swaps.  The
functions return event-log entries; the service layer writes them.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from oncall_desktop.core.rotation.compute import final_pieces
from oncall_desktop.core.rotation.model import (
    Override,
    RotationError,
    Schedule,
    check_table,
    read_instant,
    read_name,
)
from oncall_desktop.core.time.clock import as_utc, iso


@dataclass(frozen=True)
class SwapProposal:
    """``from_person`` offers [start, end) of their shift to ``to_person``; becomes an Override on accept."""

    schedule: str
    from_person: str
    to_person: str
    start: datetime
    end: datetime
    proposed_at: datetime
    id: str = ""

    def __post_init__(self) -> None:
        for name in ("start", "end", "proposed_at"):
            object.__setattr__(self, name, read_instant(getattr(self, name), name))
        if not self.id:
            key = "|".join((self.schedule, self.from_person, self.to_person, iso(self.start), iso(self.end),
                            iso(self.proposed_at)))
            object.__setattr__(self, "id", hashlib.sha1(key.encode()).hexdigest()[:16])

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "schedule": self.schedule, "from_person": self.from_person,
                "to_person": self.to_person, "start": iso(self.start), "end": iso(self.end),
                "proposed_at": iso(self.proposed_at)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SwapProposal:
        keys = ("id", "schedule", "from_person", "to_person", "start", "end", "proposed_at")
        data = check_table(data, keys, keys[1:], "swap proposal")
        return cls(data["schedule"], data["from_person"], data["to_person"], data["start"], data["end"],
                   data["proposed_at"], str(data.get("id") or ""))

    def event(self) -> dict[str, Any]:
        """The event-log entry for proposing (the service layer writes it)."""
        return {"kind": "rotation.swap_proposed", "subject": f"schedule:{self.schedule}", "data": self.to_dict()}


def _who_instead(schedule: Schedule, person: str, start: datetime, end: datetime) -> str | None:
    """None if ``person`` covers all of [start, end); otherwise what the schedule shows instead."""
    pieces = final_pieces(schedule, start, end)
    if len(pieces) == 1 and pieces[0][2] == person and pieces[0][0] == start and pieces[0][1] == end:
        return None
    others = [f"{p[2]} {iso(p[0])}–{iso(p[1])}" for p in pieces if p[2] != person]
    return "; ".join(others) if others else "nobody for part of it"


def propose_swap(schedule: Schedule, from_person: str, to_person: str, start: datetime, end: datetime,
                 now: datetime) -> SwapProposal:
    """Check that ``from_person`` really holds the whole slice, then describe the offer."""
    start, end, now = as_utc(start), as_utc(end), as_utc(now)
    if from_person == to_person:
        raise RotationError(f"{from_person} cannot swap a shift with themselves; name a colleague")
    if end <= start:
        raise RotationError(f"the slice ends ({iso(end)}) before it starts ({iso(start)})")
    if start < now:
        raise RotationError(f"the slice starts at {iso(start)}, which is already past; only future time can be swapped")
    instead = _who_instead(schedule, from_person, start, end)
    if instead is not None:
        raise RotationError(f"{from_person} is not on call for all of {iso(start)}–{iso(end)} in '{schedule.name}' "
                            f"(the schedule shows {instead}); pick a slice inside one of their shifts")
    return SwapProposal(schedule.name, from_person, read_name(to_person, "to_person"), start, end, now)


def accept_swap(schedule: Schedule, proposal: SwapProposal, by: str, now: datetime) -> Schedule:
    """The schedule with the swap as an override; refuses the wrong person and stale proposals."""
    now = as_utc(now)
    if proposal.schedule != schedule.name:
        raise RotationError(f"this swap belongs to schedule '{proposal.schedule}', not '{schedule.name}'")
    if by != proposal.to_person:
        raise RotationError(f"only {proposal.to_person} can accept this swap (it was offered to them, not to {by})")
    if now >= proposal.start:
        raise RotationError(f"the swap offered by {proposal.from_person} expired: the slice began at "
                            f"{iso(proposal.start)} before it was accepted; ask for a new one")
    instead = _who_instead(schedule, proposal.from_person, proposal.start, proposal.end)
    if instead is not None:
        raise RotationError(f"the swap is stale: the rotation changed since {proposal.from_person} offered it, and "
                            f"{iso(proposal.start)}–{iso(proposal.end)} now shows {instead}. Nothing was changed; "
                            f"ask {proposal.from_person} to propose it again")
    note = f"swap {proposal.id}: {proposal.from_person} → {proposal.to_person}, accepted {iso(now)}"
    return schedule.with_override(Override(proposal.to_person, proposal.start, proposal.end, note))


def swap_accepted_event(proposal: SwapProposal, by: str, now: datetime) -> dict[str, Any]:
    """The event-log entry for an accepted swap."""
    return {"kind": "rotation.swap_accepted", "subject": f"schedule:{proposal.schedule}",
            "data": {**proposal.to_dict(), "accepted_by": by, "accepted_at": iso(now)}}
