"""Where an imported calendar's text comes from: a file, or an https link with its offline copy.

Why apart from the rotation service: the download is the one part of an import
that waits on the network, runs on a network worker and fails in ways a tech
must read ("the link may have expired"); the service only stores what comes back.

A link is fetched conditionally (If-None-Match with the stored ETag,
If-Modified-Since with the stored Last-Modified), within the deadline and size
bound of :mod:`oncall_desktop.services.psa.deadline`.  When the server cannot be
reached, or answers 5xx, the last good copy answers instead, so a laptop that
wakes up offline still knows who is on call.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from oncall_desktop.core.rotation.model import RotationError
from oncall_desktop.core.time.clock import as_utc
from oncall_desktop.services.psa.base import LOCAL_HOSTS

FETCH_TIMEOUT = (5, 30)
#: How far forward an import reads a calendar.
IMPORT_AHEAD = timedelta(days=366)

#: Before the first of last month: the feed's own zone may be up to 14 hours from the schedule's.
_ZONE_SLACK = timedelta(days=1)

HttpGet = Callable[..., Any]


@dataclass(frozen=True)
class Fetched:
    """A calendar's text and how it was got (``origin``: file, downloaded, not modified, offline cache)."""

    body: str
    origin: str
    etag: str = ""
    last_modified: str = ""
    note: str = ""


def is_remote(source: str) -> bool:
    return source.lower().startswith(("https://", "http://", "webcal://"))


def normalized(source: str) -> str:
    """A ``webcal://`` link (PagerDuty's and Google's subscribe buttons) is the same calendar over https."""
    text = source.strip()
    return "https://" + text[len("webcal://"):] if text.lower().startswith("webcal://") else text


def import_window(now: datetime, zone: ZoneInfo, since: datetime | None = None) -> tuple[datetime, datetime]:
    """The span an import reads: from the first of last month (local), or ``since`` if earlier, a year ahead.

    The pay and fairness reports for last month need all of it on the first of this month,
    whatever the day the calendar is refreshed on.
    """
    local = as_utc(now).astimezone(zone)
    this_month = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    start = as_utc(last_month) - _ZONE_SLACK
    if since is not None and as_utc(since) < start:
        start = as_utc(since)
    return start, as_utc(now) + IMPORT_AHEAD


def read_calendar(source: str, cached: dict[str, Any] | None, http_get: HttpGet | None = None) -> Fetched:
    """The calendar text of a file or a URL (conditional GET, offline fallback); errors in words."""
    if not is_remote(source):
        path = Path(source).expanduser()
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise RotationError(f"cannot read the calendar file {path}: {exc.strerror or exc}; "
                                "check the path") from None
        return Fetched(raw.decode("utf-8", errors="replace"), "file")
    from oncall_desktop.services.psa.base import USERINFO_REFUSED, has_userinfo, redact_url

    parts = urlsplit(source)
    if has_userinfo(source):  # refused before anything is stored or logged
        raise RotationError(f"the calendar link {redact_url(source)} {USERINFO_REFUSED}")
    if parts.scheme.lower() != "https" and (parts.hostname or "") not in LOCAL_HOSTS:
        raise RotationError(f"calendar links must use https:// (got {source}); ask for the secure link")
    headers = {"Accept": "text/calendar, */*;q=0.5"}
    if cached and cached.get("etag"):
        headers["If-None-Match"] = cached["etag"]
    if cached and cached.get("last_modified"):
        headers["If-Modified-Since"] = cached["last_modified"]
    import requests

    from oncall_desktop.services.psa import deadline

    get = http_get or deadline.get_within  # an overall deadline and a size bound
    try:
        response = get(source, headers=headers, timeout=FETCH_TIMEOUT)
    except requests.RequestException as exc:
        why = str(exc) if isinstance(exc, deadline.WORDED) else type(exc).__name__
        if cached:
            return _cached(cached, "offline cache", f"could not reach the calendar ({why}); using the copy from "
                           f"{cached['fetched_at']}")
        raise RotationError(f"could not reach the calendar at {parts.hostname} ({why}); "
                            "nothing was imported. Check the link and your connection") from None
    if response.status_code == 304 and cached:
        return _cached(cached, "not modified", "the calendar has not changed since the last import")
    if response.status_code != 200:
        if cached and response.status_code >= 500:
            return _cached(cached, "offline cache", f"the calendar server answered HTTP {response.status_code}; "
                           f"using the copy from {cached['fetched_at']}")
        hint = " (the link may have expired or need a new token)" if response.status_code in (401, 403, 404) else ""
        raise RotationError(f"the calendar server answered HTTP {response.status_code}{hint}; nothing was imported")
    # requests guesses ISO-8859-1 for any text/* without a charset; iCalendar is UTF-8 (RFC 5545 §3.1.4)
    charset = response.encoding if "charset" in response.headers.get("Content-Type", "").lower() else "utf-8"
    body = response.content.decode(charset or "utf-8", errors="replace")
    return Fetched(body, "downloaded", response.headers.get("ETag", ""), response.headers.get("Last-Modified", ""))


def _cached(cached: dict[str, Any], origin: str, note: str) -> Fetched:
    return Fetched(cached["body"], origin, cached.get("etag") or "", cached.get("last_modified") or "", note)
