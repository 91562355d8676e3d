"""Who is on call: schedules made of stacked layers of rotating turns, plus overrides.

The model is PagerDuty's, because techs already know it: a schedule has a time
zone and layers; a layer hands off between its members every turn at a local
time of day, optionally only inside restriction windows; the top layer active
at a moment wins; overrides win over every layer.  Everything here is pure and
takes instants as arguments, so each rule is testable with fixed times.

Speed comes from arithmetic, not scanning: the turn covering an instant is
found from the turn index, a layer yields one piece per turn (or per
restriction window), and layers are overlaid by a two-pointer merge.

What a schedule *is* (the model, its parsing and validation) lives in
:mod:`oncall_desktop.core.rotation.model`; this module computes from it.
"""
from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from operator import itemgetter
from zoneinfo import ZoneInfo

from oncall_desktop.core.rotation.model import Layer, Override, Restriction, RotationError, Schedule, Shift
from oncall_desktop.core.time.clock import as_utc, iso

UTC = timezone.utc
#: How far on_call/next_* look for the ends of a shift before reporting it clipped.
MAX_REACH = timedelta(days=4 * 366)
ONE_DAY = timedelta(days=1)

# A piece of the timeline while computing: (start, end, person, override, layer name).
_Piece = tuple[datetime, datetime, str, bool, "str | None"]


# --------------------------------------------------------------------------- turns and pieces


def localize(day: date, at: time, zone: tzinfo) -> datetime:
    """Wall-clock day+time in ``zone`` as UTC; a time skipped by DST uses the pre-change offset."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


class _Turns:
    """Turn arithmetic for one layer in one zone: index of an instant, start of a turn."""

    __slots__ = ("layer", "zone", "hand", "anchor_date", "days", "step", "anchor")

    def __init__(self, layer: Layer, zone: ZoneInfo) -> None:
        local = layer.start.astimezone(zone)
        self.layer, self.zone = layer, zone
        self.hand = layer.handoff_time or local.time().replace(second=0, microsecond=0)
        self.anchor_date = local.date()
        self.days = layer.turn_length.days
        self.step = timedelta(hours=layer.turn_length.hours)
        self.anchor = localize(self.anchor_date, self.hand, zone)

    def boundary(self, k: int) -> datetime:
        """When turn ``k`` begins (turn 0 also covers anything from ``start`` on)."""
        if self.days:
            return localize(self.anchor_date + timedelta(days=k * self.days), self.hand, self.zone)
        return self.anchor + k * self.step

    def index(self, t: datetime) -> int:
        if self.days:
            k = (t.astimezone(self.zone).date() - self.anchor_date).days // self.days
            while self.boundary(k) > t:
                k -= 1
            while self.boundary(k + 1) <= t:
                k += 1
        else:
            k = (t - self.anchor) // self.step
        return max(k, 0)

    def pieces(self, lo: datetime, hi: datetime) -> list[tuple[datetime, datetime, str]]:
        members, n = self.layer.members, len(self.layer.members)
        k = self.index(lo)
        out = []
        s = lo
        while s < hi:
            e = min(self.boundary(k + 1), hi)
            out.append((s, e, members[k % n]))
            s, k = e, k + 1
        return out


def _windows(restrictions: Sequence[Restriction], zone: ZoneInfo, lo: datetime,
             hi: datetime) -> list[tuple[datetime, datetime]]:
    """Merged active windows of a layer within [lo, hi)."""
    back = 7 if any(r.day is not None for r in restrictions) else 1
    d = lo.astimezone(zone).date() - timedelta(days=back)
    last = hi.astimezone(zone).date()
    raw = []
    while d <= last:
        wd = d.isoweekday()
        for r in restrictions:
            if r.day is None or r.day == wd:
                local = datetime.combine(d, r.start)
                s = local.replace(tzinfo=zone).astimezone(UTC)
                e = (local + timedelta(minutes=r.minutes)).replace(tzinfo=zone).astimezone(UTC)
                if e > lo and s < hi and e > s:
                    raw.append((max(s, lo), min(e, hi)))
        d += ONE_DAY
    raw.sort()
    merged: list[tuple[datetime, datetime]] = []
    for s, e in raw:
        if merged and s <= merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def _layer_pieces(layer: Layer, zone: ZoneInfo, a: datetime, b: datetime) -> list[_Piece]:
    lo = max(a, layer.start)
    hi = b if layer.end is None else min(b, layer.end)
    if lo >= hi:
        return []
    turns = _Turns(layer, zone).pieces(lo, hi)
    name = layer.name
    if not layer.restrictions:
        return [(s, e, p, False, name) for s, e, p in turns]
    windows = _windows(layer.restrictions, zone, lo, hi)
    out: list[_Piece] = []
    j, m = 0, len(windows)
    for s, e, p in turns:
        while j < m and windows[j][1] <= s:
            j += 1
        k = j
        while k < m and windows[k][0] < e:
            out.append((max(s, windows[k][0]), min(e, windows[k][1]), p, False, name))
            k += 1
    return out


def _overlay(lower: list[_Piece], upper: list[_Piece]) -> list[_Piece]:
    """Upper pieces win; lower ones show through the gaps.  Both sorted, non-overlapping."""
    if not upper:
        return lower
    if not lower:
        return upper
    out: list[_Piece] = []
    j, m = 0, len(upper)
    for piece in lower:
        s, e = piece[0], piece[1]
        while j < m and upper[j][1] <= s:
            j += 1
        k, cur = j, s
        while k < m and upper[k][0] < e:
            if upper[k][0] > cur:
                out.append((cur, upper[k][0]) + piece[2:])
            cur = max(cur, upper[k][1])
            k += 1
        if cur < e:
            out.append((cur, e) + piece[2:])
    out.extend(upper)
    out.sort(key=itemgetter(0))
    return out


def _override_pieces(overrides: Sequence[Override], a: datetime, b: datetime) -> list[_Piece]:
    """Overrides in [a, b) flattened; where two overlap, the later one in the list wins."""
    hits: list[_Piece] = [(max(o.start, a), min(o.end, b), o.person, True, None)
                          for o in overrides if o.end > a and o.start < b]
    ordered = sorted(hits, key=itemgetter(0))
    if all(ordered[i][1] <= ordered[i + 1][0] for i in range(len(ordered) - 1)):
        return ordered
    flat: list[_Piece] = []
    for piece in hits:
        flat = _overlay(flat, [piece])
    return flat


def _merge(pieces: list[_Piece]) -> list[_Piece]:
    out: list[_Piece] = []
    for p in pieces:
        if out:
            last = out[-1]
            if last[1] == p[0] and last[2] == p[2] and last[3] == p[3]:
                out[-1] = (last[0], p[1], p[2], p[3], last[4] if last[4] == p[4] else None)
                continue
        out.append(p)
    return out


def final_pieces(schedule: Schedule, a: datetime, b: datetime) -> list[_Piece]:
    """The merged timeline of [a, b): layers stacked, overrides on top (what swaps split)."""
    zone = schedule.zone
    acc: list[_Piece] = []
    for layer in schedule.layers:
        acc = _overlay(acc, _layer_pieces(layer, zone, a, b))
    return _merge(_overlay(acc, _override_pieces(schedule.overrides, a, b)))


def _shift(piece: _Piece) -> Shift:
    return Shift(piece[2], piece[0], piece[1], piece[3], piece[4])


# --------------------------------------------------------------------------- questions


def shifts(schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
    """The final timeline in [start, end): layers stacked, overrides on top, same-person pieces merged.

    Shifts are clipped to the period; gaps mean nobody is on call.
    """
    a, b = as_utc(start), as_utc(end)
    if b < a:
        raise RotationError(f"the period ends ({iso(b)}) before it starts ({iso(a)})")
    return [_shift(p) for p in final_pieces(schedule, a, b)]


def _span(schedule: Schedule) -> timedelta:
    longest = max((layer.turn_length.approx for layer in schedule.layers), default=ONE_DAY)
    return min(longest + ONE_DAY, timedelta(days=32))


def _extend(schedule: Schedule, piece: _Piece, lo: datetime, hi: datetime) -> _Piece:
    """Grow a piece clipped at the window edges to its true merged extent (up to MAX_REACH each way)."""
    s, e, person, ovr, layer = piece
    for forward in (True, False):
        edge, step, reach = (hi if forward else lo), hi - lo, timedelta(0)
        while (e if forward else s) == edge and reach < MAX_REACH:
            if forward:
                seg = final_pieces(schedule, edge, edge + step)
                nxt = seg[0] if seg and seg[0][0] == edge else None
            else:
                seg = final_pieces(schedule, edge - step, edge)
                nxt = seg[-1] if seg and seg[-1][1] == edge else None
            if nxt is not None and nxt[2] == person and nxt[3] == ovr:
                e, s = (nxt[1], s) if forward else (e, nxt[0])
                layer = layer if nxt[4] == layer else None
            edge = edge + step if forward else edge - step
            reach += step
            step *= 2
    return (s, e, person, ovr, layer)


def on_call(schedule: Schedule, at: datetime) -> Shift | None:
    """Who is on call at ``at``, with the whole shift they are in (or None: nobody)."""
    at = as_utc(at)
    span = _span(schedule)
    lo, hi = at - span, at + span
    pieces = final_pieces(schedule, lo, hi)
    i = bisect.bisect_right(pieces, at, key=itemgetter(0)) - 1
    if i < 0 or pieces[i][1] <= at:
        return None
    return _shift(_extend(schedule, pieces[i], lo, hi))


def next_on_call(schedule: Schedule, at: datetime) -> Shift | None:
    """The shift that follows the one running at ``at`` ("who is next"), or None within MAX_REACH."""
    at = as_utc(at)
    current = on_call(schedule, at)
    t = current.end if current else at
    step = _span(schedule)
    lo = t
    while lo - t < MAX_REACH:
        for p in final_pieces(schedule, lo, lo + step):
            if p[0] >= t:
                return on_call(schedule, p[0])
        lo, step = lo + step, step * 4
    return None


def _person_turns(layer: Layer, zone: ZoneInfo, person: str, after: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The person's turns in a layer from ``after`` on, in order, by jumping turn indexes."""
    positions = [i for i, m in enumerate(layer.members) if m == person]
    if not positions or (layer.end is not None and layer.end <= after):
        return
    turns = _Turns(layer, zone)
    n = len(layer.members)
    k0 = turns.index(max(after, layer.start))
    ks = [k0 + (pos - k0) % n for pos in positions]
    heapq.heapify(ks)
    while ks:
        k = heapq.heappop(ks)
        s = layer.start if k == 0 else turns.boundary(k)
        e = turns.boundary(k + 1)
        if layer.end is not None:
            if s >= layer.end:
                return
            e = min(e, layer.end)
        yield max(s, layer.start), e
        heapq.heappush(ks, k + n)


def next_shift_for(schedule: Schedule, person: str, after: datetime, *, include_current: bool = False,
                   horizon: timedelta = timedelta(days=10 * 366)) -> Shift | None:
    """``person``'s next shift starting at/after ``after`` (or the running one if ``include_current``).

    Looks only at the person's own turns and overrides, so a 200-person
    weekly rotation answers without computing four years of timeline.
    """
    after = as_utc(after)
    current = on_call(schedule, after)
    if current is not None and current.person == person:
        if include_current:
            return current
        after = current.end
    until = after + horizon
    zone = schedule.zone
    sources: list[Iterator[tuple[datetime, datetime]]] = [
        _person_turns(layer, zone, person, after) for layer in schedule.layers]
    sources.append(iter(sorted((o.start, o.end) for o in schedule.overrides if o.person == person)))
    for s, e in heapq.merge(*sources):
        if s >= until:
            break
        if e <= after:
            continue
        for p in final_pieces(schedule, max(s, after), min(e, until)):
            if p[2] == person:
                return on_call(schedule, p[0])
    return None


def escalation_chain(schedules: Mapping[str, Schedule], schedule: Schedule, at: datetime) -> list[str | None]:
    """[level 1 person, level 2 (backup schedule's person), level 3 (lead)] at ``at``."""
    now = on_call(schedule, at)
    return [now.person if now else None, backup_for(schedules, schedule, at), schedule.lead]


def backup_for(schedules: Mapping[str, Schedule], schedule: Schedule, at: datetime) -> str | None:
    """Who is on call in the schedule's backup schedule at ``at`` (None if no backup or nobody)."""
    if schedule.backup is None:
        return None
    backup = schedules.get(schedule.backup)
    if backup is None:
        raise RotationError(f"schedule '{schedule.name}' names backup schedule '{schedule.backup}', which does not "
                            f"exist; create it or change the backup")
    shift = on_call(backup, at)
    return shift.person if shift else None
