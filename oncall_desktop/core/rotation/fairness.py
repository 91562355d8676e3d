"""Fairness report: who carried how much of the on-call load over a period.

Split out of compute.py, which keeps who-is-on-call.  Built on
``shifts`` so overrides and swaps count for whoever really held the pager;
night (22:00–06:00), weekend and holiday hours are measured in the
schedule's local wall-clock time, as on-call pay rules are written.
"""
from __future__ import annotations

import io
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from oncall_desktop.core.csv_safe import csv_writer
from oncall_desktop.core.rotation.compute import ONE_DAY, localize, shifts
from oncall_desktop.core.rotation.model import Schedule
from oncall_desktop.core.time.clock import as_utc, iso


@dataclass(frozen=True)
class FairnessRow:
    """One person's load over a period; durations are real elapsed time."""

    person: str
    shifts: int
    on_call: timedelta
    night: timedelta
    weekend: timedelta
    holiday: timedelta

    def to_dict(self) -> dict[str, Any]:
        return {"person": self.person, "shifts": self.shifts, "hours": _hours(self.on_call),
                "night_hours": _hours(self.night), "weekend_hours": _hours(self.weekend),
                "holiday_hours": _hours(self.holiday)}


@dataclass(frozen=True)
class FairnessReport:
    """Per-person on-call load for a lead and for on-call pay (night = 22:00–06:00 local)."""

    schedule: str
    time_zone: str
    start: datetime
    end: datetime
    rows: tuple[FairnessRow, ...] = field(default_factory=tuple)

    def row(self, person: str) -> FairnessRow | None:
        return next((r for r in self.rows if r.person == person), None)

    def to_dict(self) -> dict[str, Any]:
        return {"schedule": self.schedule, "time_zone": self.time_zone, "from": iso(self.start),
                "to": iso(self.end), "people": [r.to_dict() for r in self.rows]}


def _hours(value: timedelta) -> float:
    return round(value.total_seconds() / 3600, 2)


def fairness(schedule: Schedule, start: datetime, end: datetime,
             holidays: Collection[date] = frozenset()) -> FairnessReport:
    """Hours, night/weekend/holiday hours and shift counts per person over [start, end)."""
    zone = schedule.zone
    holiday_set = set(holidays)
    nil = timedelta(0)
    totals: dict[str, list[Any]] = {}
    for shift in shifts(schedule, start, end):
        t = totals.setdefault(shift.person, [0, nil, nil, nil, nil])
        t[0] += 1
        t[1] += shift.duration
        day = shift.start.astimezone(zone).date()
        while True:
            d0, d1 = localize(day, time(0), zone), localize(day + ONE_DAY, time(0), zone)
            if d0 >= shift.end:
                break
            s, e = max(shift.start, d0), min(shift.end, d1)
            if e > s:
                span = e - s
                for ws, we in ((d0, localize(day, time(6), zone)), (localize(day, time(22), zone), d1)):
                    t[2] += max(nil, min(e, we) - max(s, ws))
                if day.isoweekday() >= 6:
                    t[3] += span
                if day in holiday_set:
                    t[4] += span
            day += ONE_DAY
    rows = tuple(FairnessRow(p, *v) for p, v in sorted(totals.items()))
    return FairnessReport(schedule.name, schedule.time_zone, as_utc(start), as_utc(end), rows)


def fairness_csv(report: FairnessReport) -> str:
    """One line per person, hours with two decimals, for on-call pay spreadsheets."""
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(["schedule", "person", "from", "to", "time_zone", "shifts", "hours", "night_hours",
                     "weekend_hours", "holiday_hours"])
    for r in report.rows:
        writer.writerow([report.schedule, r.person, iso(report.start), iso(report.end), report.time_zone, r.shifts]
                        + [f"{_hours(v):.2f}" for v in (r.on_call, r.night, r.weekend, r.holiday)])
    return out.getvalue()
