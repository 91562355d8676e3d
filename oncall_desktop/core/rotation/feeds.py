"""Who an on-call event names, read the way each on-call tool writes its calendar feed.

Each tool puts the person somewhere else in its events, and a reader that
takes the whole SUMMARY as a name gets "- Priya Raman - MSP Primary" from
PagerDuty.  What the tools publish (learned from their feeds and their
projects' tests):

- PagerDuty: ``SUMMARY:On Call - Priya Raman - MSP Primary`` (person, then
  schedule; a long summary is folded), ``ATTENDEE:priya@example.com`` (a bare
  address, no CN).  A per-user feed may leave the schedule out: ``On Call - Priya Raman``.
- Grafana OnCall: the schedule export's SUMMARY is the user's name alone;
  imported calendars put a priority first (``[L1] bob``); a user's own export
  prefixes the schedule (``Primary: bob``) and names the user in
  ``X-WR-CALNAME:On-Call Schedule for bob``.
- GoAlert: a subscription feed lists one person's own shifts and names the
  schedule instead: ``On-Call (GoAlert: Primary)``, and ``... Begins*`` for a
  shift whose end lies past the feed.  No person can be read; the tech says whose
  shifts they are (:data:`ScheduleOnly`).
- Opsgenie (a schedule's "Copy calendar link", ``webcal://…app.opsgenie.com/webapi/webcal/
  getRecentSchedule?…``): ``PRODID:OPSGENIE-ICAL-2.0``, no calendar name or zone, UTC times,
  ``SUMMARY:Priya Raman (user) is on call for schedule: MSP_Primary`` (folded, being long).  The
  ``(user)`` is the participant's type (a rotation takes users, teams, escalations or "none"), so
  a participant that is not a user names nobody to page.  A community Squadcast exporter writes
  the same shape without the type: ``Priya Raman is on call for schedule : MSP Primary``.
- Shared Google/Outlook calendars and house formats: "On call: Ana",
  "On-call Ana", "Ana - on call", "Ana", or an ATTENDEE with a CN.

A person pattern (a regular expression with a ``person`` group) is only for a
house format none of these covers.  This module is pure: it reads strings.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from oncall_desktop.core.rotation.model import RotationError, zone_of

_PAGERDUTY = re.compile(r"^On[- ]Call - (?P<person>.+?)(?: - (?P<schedule>.+))?$", re.IGNORECASE)
_GOALERT = re.compile(r"^On-Call \((?P<app>[^:()]+): (?P<schedule>.+)\)(?P<open> Begins\*)?$")
_OPSGENIE = re.compile(r"^(?P<person>.+?)(?: \((?P<kind>\w+)\))? is on[- ]call for schedule\s*:", re.IGNORECASE)
_PRIORITY = re.compile(r"^\[L\d+\]\s*")  # Grafana OnCall's "[L1] bob"
_GRAFANA_USER_FEED = re.compile(r"^On-Call Schedule for (?P<person>.+)$")
_PREFIX = re.compile(r"^On[- ]?call\b\s*[:\-–—]?\s*", re.IGNORECASE)
_SUFFIX = re.compile(r"\s*(?:[:\-–—]\s*)?\(?On[- ]?call\)?$", re.IGNORECASE)
_JUST_ON_CALL = re.compile(r"^\(?On[- ]?call\)?$", re.IGNORECASE)


@dataclass(frozen=True)
class Feed:
    """What the calendar says about itself: its product, name and the zone of its floating times."""

    product: str        # "-//PagerDuty//..." as written (PRODID), for the tech to read
    name: str           # X-WR-CALNAME
    zone: str | None    # X-WR-TIMEZONE as an IANA name (a Windows name is translated)
    zone_problem: str = ""

    @property
    def grafana_user(self) -> str | None:
        """The user a Grafana OnCall per-user export is for, if this is one."""
        if "grafana" not in self.product.lower():
            return None
        match = _GRAFANA_USER_FEED.match(self.name)
        return match.group("person").strip() if match else None


@dataclass(frozen=True)
class ScheduleOnly:
    """An event that names a schedule and no person (GoAlert's subscription feed)."""

    schedule: str
    open_ended: bool  # "Begins*": the shift goes on past the end the feed shows


def iana_zone(name: str) -> str | None:
    """An IANA zone name for what a calendar writes: IANA itself, or a Windows name (Outlook, Exchange)."""
    text = name.strip().strip('"')
    if not text:
        return None
    candidate = WINDOWS_TO_OLSON.get(text, text)
    try:
        zone_of(candidate)
    except RotationError:
        return None
    return candidate


def feed_of(calendar: Any) -> Feed:
    """The calendar-level facts a reader needs: PRODID, X-WR-CALNAME, X-WR-TIMEZONE."""
    raw_zone = str(calendar.get("X-WR-TIMEZONE") or "").strip()
    zone = iana_zone(raw_zone) if raw_zone else None
    problem = (f"the calendar's time zone {raw_zone!r} (X-WR-TIMEZONE) is not a known zone; it was not used"
               if raw_zone and zone is None else "")
    return Feed(str(calendar.get("PRODID") or ""), " ".join(str(calendar.get("X-WR-CALNAME") or "").split()),
                zone, problem)


def _tidy(text: str) -> str:
    return " ".join(text.split())


def person_in_summary(summary: str, feed: Feed) -> str | ScheduleOnly | None:
    """The person an event's SUMMARY names in any known feed shape, a :class:`ScheduleOnly`, or None."""
    text = _tidy(summary)
    if not text:
        return None
    goalert = _GOALERT.match(text)
    if goalert:
        return ScheduleOnly(goalert.group("schedule").strip(), bool(goalert.group("open")))
    pagerduty = _PAGERDUTY.match(text)
    if pagerduty:
        return pagerduty.group("person").strip() or None
    opsgenie = _OPSGENIE.match(text)
    if opsgenie:  # a participant that is a team or an escalation is nobody to page by name
        kind = (opsgenie.group("kind") or "user").lower()
        return opsgenie.group("person").strip() if kind == "user" else None
    text = _PRIORITY.sub("", text)
    if feed.grafana_user is not None:
        return text.rsplit(": ", 1)[-1].strip() or feed.grafana_user
    if _JUST_ON_CALL.match(text):
        return None
    stripped = _SUFFIX.sub("", _PREFIX.sub("", text)).strip()
    return stripped or None


def person_by_pattern(summary: str, regex: re.Pattern[str]) -> str | None:
    """A house format: the pattern's ``person`` group (or its first group, or the whole match)."""
    match = regex.search(_tidy(summary))
    if not match:
        return None
    found = match.groupdict().get("person") or (match.group(1) if regex.groups else match.group(0))
    return found.strip() if found and found.strip() else None


def attendees(event: Any) -> list[str]:
    """Each ATTENDEE as a person: its CN, else its address (PagerDuty writes a bare address)."""
    raw = event.get("ATTENDEE")
    if raw is None:
        return []
    names = []
    for item in raw if isinstance(raw, list) else [raw]:
        cn = getattr(item, "params", {}).get("CN")
        names.append(str(cn) if cn else re.sub(r"^mailto:", "", str(item), flags=re.IGNORECASE))
    return [_tidy(n) for n in names if n.strip()]
