"""The clients file: each client's business-hours calendar and after-hours agreements, from TOML.

Why TOML and why so strict: a lead edits this by hand and a typo such as
``multipler = 1.5`` must not silently bill at 2×.  Unknown keys are refused,
and every error names the line (when it can be found), the key path and what
to write instead.  Anything a client leaves out comes from ``[default]``;
anything ``[default]`` leaves out is the built-in default (see docs/billing.md).
"""
from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from operator import attrgetter
from typing import Any

from oncall_desktop.core.billing.billing import (
    DEFAULT_AGREEMENT,
    Agreement,
    TimeEntry,
    WorkSession,
    bill,
    check_agreements,
)
from oncall_desktop.core.billing.calendar_hours import DEFAULT_WEEKLY_HOURS, BillingError, Calendar, Closure

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CALENDAR_KEYS = ("time_zone", "hours", "holidays", "closures")
PROFILE_KEYS = ("name", "tier", "email_domains", "sla", "agreements", *CALENDAR_KEYS)
AGREEMENT_KEYS = (
    "name", "effective_from", "effective_to", "multiplier", "rounding_increment", "rounding",
    "minimum_minutes", "bill_in_hours_at_normal_rate", "normal_rate_cents", "callout_merge_minutes",
)
CLOSURE_KEYS = ("date", "to", "hours", "start", "end", "name", "yearly")
_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class ClientsError(ValueError):
    """The clients file cannot be used; the message says where and what to change."""


@dataclass(frozen=True)
class ClientProfile:
    """Everything billing and the SLA clock need to know about one client."""

    id: str
    name: str
    calendar: Calendar
    agreements: tuple[Agreement, ...] = ()
    tier: str = ""
    email_domains: tuple[str, ...] = ()
    sla: dict[str, Any] = field(default_factory=dict)  # carried as written until sla.py owns it


@dataclass(frozen=True)
class ClientBook:
    """All clients of a workspace, plus the profile and agreement for everyone else."""

    default: ClientProfile
    default_agreement: Agreement
    clients: dict[str, ClientProfile]

    def profile(self, client: str) -> ClientProfile:
        """The client's profile by id, else by id or name ignoring case, else the default."""
        if client in self.clients:
            return self.clients[client]
        wanted = client.strip().casefold()
        for profile in self.clients.values():
            if wanted in (profile.id.casefold(), profile.name.casefold()):
                return profile
        return self.default

    def bill(self, work_sessions: Iterable[WorkSession]) -> list[TimeEntry]:
        """Bill sessions of any clients, each under its own calendar and agreements, in start order."""
        groups: dict[str, list[WorkSession]] = {}
        profiles: dict[str, ClientProfile] = {}
        for session in work_sessions:
            profile = self.profile(session.client)
            profiles[profile.id] = profile
            groups.setdefault(profile.id, []).append(session)
        entries: list[TimeEntry] = []
        for key, sessions in groups.items():
            profile = profiles[key]
            entries.extend(bill(sessions, profile.agreements, profile.calendar, self.default_agreement))
        entries.sort(key=attrgetter("start"))
        return entries


def parse_clients(text: str, local_zone: str = "UTC") -> ClientBook:
    """Parse the clients TOML; ``local_zone`` is the machine's zone (see ``calendar_hours.local_zone_name``)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ClientsError(f"the clients file is not valid TOML: {exc}; fix that line") from None
    return _Parser(text, local_zone).book(data)


class _Parser:
    def __init__(self, text: str, local_zone: str) -> None:
        self.lines = text.splitlines()
        self.local_zone = local_zone

    # ------------------------------------------------------------------ errors
    def fail(self, path: list[str | int], message: str) -> ClientsError:
        where = _dotted(path)
        line = self.line_of(path)
        prefix = f"line {line}, {where}" if line else where
        return ClientsError(f"{prefix}: {message}")

    def line_of(self, path: list[str | int]) -> int | None:
        """Best effort: the line of the key, else of its table header (TOML parsers keep no lines).

        Finds the deepest ``[table]`` / ``[[array]]`` header on the path (the
        n-th one for an array index), then the first remaining key in that section.
        """
        names = [p for p in path if isinstance(p, str)]
        index = next((p for p in path if isinstance(p, int)), 0)
        headers: list[tuple[int, str]] = []
        for number, raw in enumerate(self.lines, start=1):
            match = re.match(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?", raw)
            if match:
                headers.append((number, match.group(1).replace('"', "").replace(" ", "")))
        section, depth = 0, 0
        for size in range(len(names), 0, -1):
            wanted = ".".join(names[:size])
            found = [n for n, h in headers if h == wanted] or [n for n, h in headers if h.startswith(wanted + ".")]
            if found:
                section, depth = found[min(index, len(found) - 1)], size
                break
        rest = names[depth:]
        if rest:
            key = re.escape(rest[0])
            for number in range(section + 1, len(self.lines) + 1):
                raw = self.lines[number - 1]
                if section and raw.lstrip().startswith("["):
                    break
                if re.match(rf'^\s*"?{key}"?\s*[=.]', raw):
                    return number
        return section or None

    def check_keys(self, table: Mapping[str, Any], allowed: tuple[str, ...], path: list[str | int]) -> None:
        if not isinstance(table, Mapping):
            raise self.fail(path, "expected a table ({ key = value, ... })")
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                raise self.fail([*path, key], f"unknown key; {hint}allowed keys: {', '.join(allowed)}")

    # ------------------------------------------------------------------ structure
    def book(self, data: Mapping[str, Any]) -> ClientBook:
        self.check_keys(data, ("default", "clients"), [])
        raw_default = data.get("default", {})
        self.check_keys(raw_default, (*PROFILE_KEYS, "agreement"), ["default"])
        if "agreements" in raw_default:
            raise self.fail(["default", "agreements"], "the workspace default has one [default.agreement] table, "
                                                       "not a list of agreements")
        raw_agreement = raw_default.get("agreement", {})
        self.check_keys(raw_agreement, AGREEMENT_KEYS, ["default", "agreement"])
        for dated in ("effective_from", "effective_to"):
            if dated in raw_agreement:
                raise self.fail(["default", "agreement", dated],
                                "the workspace default applies whenever no client agreement does; remove the date")
        base_terms = {"name": DEFAULT_AGREEMENT.name, **raw_agreement}
        default_agreement = self.agreement(base_terms, {}, ["default", "agreement"], dated=False)
        base_calendar = {"time_zone": "local", **{k: raw_default[k] for k in CALENDAR_KEYS if k in raw_default}}
        default = self.profile("default", raw_default, base_calendar, {}, ["default"])
        clients: dict[str, ClientProfile] = {}
        raw_clients = data.get("clients", {})
        self.check_keys(raw_clients, tuple(raw_clients) if isinstance(raw_clients, Mapping) else (), ["clients"])
        for client_id, raw in raw_clients.items():
            path: list[str | int] = ["clients", client_id]
            self.check_keys(raw, PROFILE_KEYS, path)
            clients[client_id] = self.profile(client_id, raw, base_calendar, raw_agreement, path)
        return ClientBook(default, default_agreement, clients)

    def profile(self, client_id: str, raw: Mapping[str, Any], base_calendar: Mapping[str, Any],
                base_terms: Mapping[str, Any], path: list[str | int]) -> ClientProfile:
        settings = {**base_calendar, **{k: raw[k] for k in CALENDAR_KEYS if k in raw}}
        calendar = self.calendar(settings, path)
        agreements: list[Agreement] = []
        raw_list = raw.get("agreements", [])
        if not isinstance(raw_list, list):
            raise self.fail([*path, "agreements"], "write each agreement as a [[clients.ID.agreements]] table")
        for number, terms in enumerate(raw_list):
            where = [*path, "agreements", number]
            self.check_keys(terms, AGREEMENT_KEYS, where)
            agreements.append(self.agreement(terms, base_terms, where, dated=True))
        try:
            check_agreements(agreements)
        except BillingError as exc:
            raise self.fail([*path, "agreements"], str(exc)) from None
        name = self.text(raw.get("name", client_id), [*path, "name"])
        tier = self.text(raw.get("tier", ""), [*path, "tier"])
        domains = raw.get("email_domains", [])
        if not isinstance(domains, list) or not all(isinstance(d, str) and d.strip() for d in domains):
            raise self.fail([*path, "email_domains"], 'write a list of domains such as ["acme.example"]')
        sla = raw.get("sla", {})
        if not isinstance(sla, Mapping):
            raise self.fail([*path, "sla"], "expected a table such as sla = { p1_response_minutes = 30 }")
        return ClientProfile(client_id, name, calendar, tuple(agreements), tier,
                             tuple(d.strip().lstrip("@").lower() for d in domains), dict(sla))

    def text(self, value: Any, path: list[str | int]) -> str:
        if not isinstance(value, str):
            raise self.fail(path, f"expected text in quotes, not {value!r}")
        return value

    # ------------------------------------------------------------------ calendar
    def calendar(self, settings: Mapping[str, Any], path: list[str | int]) -> Calendar:
        zone_name = settings.get("time_zone", "local")
        if not isinstance(zone_name, str):
            raise self.fail([*path, "time_zone"], 'write a zone name in quotes such as "Europe/Berlin"')
        if zone_name == "local":
            zone_name = self.local_zone
        hours = self.hours(settings["hours"], [*path, "hours"]) if "hours" in settings else DEFAULT_WEEKLY_HOURS
        country, subdivision = self.holidays(settings.get("holidays", False), [*path, "holidays"])
        raw_closures = settings.get("closures", [])
        if not isinstance(raw_closures, list):
            raise self.fail([*path, "closures"], "write closures as a list: closures = [ { date = 2026-12-24 } ]")
        closures = [self.closure(c, [*path, "closures", n]) for n, c in enumerate(raw_closures)]
        try:
            return Calendar(zone_name, hours, country, subdivision, tuple(closures))
        except BillingError as exc:
            key = "time_zone" if "time zone" in str(exc) else "holidays" if "holidays" in str(exc) else "hours"
            raise self.fail([*path, key], str(exc)) from None

    def hours(self, raw: Any, path: list[str | int]) -> dict[int, list[tuple[int, int]]]:
        if not isinstance(raw, Mapping):
            raise self.fail(path, 'write hours as a table such as hours = { "mon-fri" = "09:00-17:00" }')
        week: dict[int, list[tuple[int, int]]] = {}
        for key, spec in raw.items():
            days = self.days(key, [*path, key])
            windows = self.windows(spec, [*path, key])
            for day in days:
                if day in week:
                    raise self.fail([*path, key], f"{DAY_KEYS[day]} is given twice; list each day once")
                week[day] = windows
        return week

    def days(self, key: str, path: list[str | int]) -> list[int]:
        parts = key.strip().lower().split("-")
        if not all(p in DAY_KEYS for p in parts) or len(parts) > 2:
            raise self.fail(path, "name days as mon, tue, wed, thu, fri, sat, sun or a range such as \"mon-fri\"")
        first, last = DAY_KEYS.index(parts[0]), DAY_KEYS.index(parts[-1])
        if last < first:
            raise self.fail(path, f"the range {key} runs backwards; write it Monday-first such as \"mon-fri\"")
        return list(range(first, last + 1))

    def windows(self, spec: Any, path: list[str | int]) -> list[tuple[int, int]]:
        if not isinstance(spec, str):
            raise self.fail(path, 'write opening hours in quotes such as "09:00-17:00" or "closed"')
        if spec.strip().lower() in ("", "closed"):
            return []
        windows = []
        for part in spec.split(","):
            match = _HOURS.match(part)
            if not match:
                raise self.fail(path, f"'{part.strip()}' is not a time range; write it like 09:00-17:00")
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
                raise self.fail(path, f"'{part.strip()}' has an impossible time; use 00:00 to 24:00")
            windows.append((h1 * 60 + m1, h2 * 60 + m2))
        return windows

    def holidays(self, raw: Any, path: list[str | int]) -> tuple[str | None, str | None]:
        if raw is False:
            return None, None
        if not isinstance(raw, Mapping):
            raise self.fail(path, 'write holidays = { country = "US", subdivision = "NY" }, or false for none')
        self.check_keys(raw, ("country", "subdivision"), path)
        if "country" not in raw:
            raise self.fail(path, 'holidays need a country, e.g. { country = "GB", subdivision = "ENG" }')
        country = self.text(raw["country"], [*path, "country"]).upper()
        subdivision = raw.get("subdivision")
        if subdivision is not None:
            subdivision = self.text(subdivision, [*path, "subdivision"])
        return country, subdivision

    def closure(self, raw: Any, path: list[str | int]) -> Closure:
        self.check_keys(raw, CLOSURE_KEYS, path)
        name = self.text(raw.get("name", "closed"), [*path, "name"])
        yearly = raw.get("yearly", False)
        if not isinstance(yearly, bool):
            raise self.fail([*path, "yearly"], "write yearly = true or yearly = false")
        try:
            if "date" in raw:
                first, last = raw["date"], raw.get("to", raw["date"])
                for key, value in (("date", first), ("to", last)):
                    if not isinstance(value, date) or isinstance(value, datetime):
                        raise self.fail([*path, key], "write a date without quotes, such as 2026-12-24")
                if "hours" not in raw:
                    return Closure.whole_days(first, last, name, yearly)
                windows = self.windows(raw["hours"], [*path, "hours"])
                if len(windows) != 1 or last != first:
                    raise self.fail([*path, "hours"], "a closure with hours covers one range on one date, "
                                                      "such as hours = \"12:00-17:00\"")
                lo, hi = windows[0]
                day = datetime.combine(first, time())
                return Closure(day + timedelta(minutes=lo), day + timedelta(minutes=hi), name, yearly)
            if "start" in raw and "end" in raw:
                return Closure(raw["start"], raw["end"], name, yearly)
        except BillingError as exc:
            raise self.fail(path, str(exc)) from None
        raise self.fail(path, "give either date = 2026-12-24 (optionally with to = or hours =) "
                              "or start = 2026-12-24T12:00:00 and end = 2026-12-27T00:00:00")

    # ------------------------------------------------------------------ agreements
    def agreement(self, terms: Mapping[str, Any], base: Mapping[str, Any], path: list[str | int],
                  dated: bool) -> Agreement:
        merged = {**{k: v for k, v in base.items() if k not in ("name",)}, **terms}
        if dated:
            for key in ("name", "effective_from"):
                if key not in merged:
                    example = '"After-hours 2026"' if key == "name" else "2026-01-01"
                    raise self.fail(path, f"an agreement needs {key} (e.g. {key} = {example})")
        else:
            merged.setdefault("effective_from", date.min)
        if "multiplier" in merged and isinstance(merged["multiplier"], int) \
                and not isinstance(merged["multiplier"], bool):
            merged["multiplier"] = float(merged["multiplier"])
        try:
            return Agreement(**merged)
        except BillingError as exc:
            message = str(exc)
            named = next((k for k in AGREEMENT_KEYS if k in message), None)
            raise self.fail([*path, named] if named else path, message) from None
        except TypeError as exc:
            raise self.fail(path, f"cannot build the agreement: {exc}") from None


def _dotted(path: list[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "the clients file"
